"""`ida agenda`: the learning agenda per province (ida.agenda) on the command line, reading the serving copy."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from cli.common import console, fail, settings
from ida import agenda as engine
from ida.standard.vocabularies import provinces


def _today(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"'{value}' is geen datum. Schrijf --today als JJJJ-MM-DD, bijvoorbeeld 2026-03-31.", 2) from None


def _item(item: engine.AgendaItem) -> dict:
    record = asdict(item)
    record["since"] = item.since.isoformat() if item.since else None
    record["others"] = [{**asdict(o), "score": round(o.score, 4)} for o in item.others]
    return record


def agenda(
    province: Annotated[Optional[str], typer.Option("--province", help="Alleen deze provincie (CBS-code of naam).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"today", "provinces": [{"code", "name", "items", "empty"}]}.')] = False,
    today: Annotated[Optional[str], typer.Option("--today", help="De dag waarop de agenda geldt (JJJJ-MM-DD); standaard vandaag.")] = None,
) -> None:
    """Toon per provincie wat aandacht vraagt: experimenten zonder nieuwe les, onbeantwoorde leervragen, dilemma's die
    lang openliggen en doelen zonder recent resultaat, met wat andere provincies erover leerden."""
    from ida.warehouse import serving

    day = _today(today) or date.today()
    code = provinces().resolve(province) if province else None
    if province and code is None:
        raise fail(f"Onbekende provincie '{province}'. Gebruik een CBS-code (PV20 … PV31) of de naam.")
    limits = settings().agenda
    with serving.connect(settings().serving_dir) as con:
        items = engine.agenda(con, limits, today=day, province=code)
        chosen = [code] if code else provinces().codes
        records = [{"code": c, "name": provinces().label(c),
                    "items": [_item(i) for i in items if i.province_code == c],
                    "empty": None if any(i.province_code == c for i in items) else engine.why_empty(con, limits, c)}
                   for c in chosen]
    if as_json:
        print(json.dumps({"today": day.isoformat(), "provinces": records}, ensure_ascii=False, indent=2))
        return
    for record in records:
        if record["empty"]:
            console.print(Text(f"{record['name']} ({record['code']}): {record['empty']}"))
            continue
        table = Table("Soort", "Sinds", "Wat te doen", "Andere provincies", title=f"{record['name']} ({record['code']})",
                      show_lines=True)
        for item in record["items"]:
            others = "\n".join(f"{o['province_code']} {o['lesson_key']}" for o in item["others"])
            table.add_row(engine.KINDS[item["kind"]], item["since"] or "—", Text(item["message"]), Text(others))
        console.print(table)
