"""`ida digest`: the weekly digest per province (ida.digest) on request — the same delivery as the Dagster job
`ida_digest`: e-mail where SMTP and a mailbox are configured, else an HTML file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from cli.common import console, errors, fail, province_code, settings
from ida import digest as engine
from ida.warehouse import serving


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"'{value}' is geen datum. Schrijf --today als JJJJ-MM-DD, bijvoorbeeld 2026-11-30.", 2) from None


def digest(
    province: Annotated[Optional[str], typer.Option("--province", help="Alleen deze provincie (CBS-code of naam); standaard alle twaalf.")] = None,
    today: Annotated[Optional[str], typer.Option("--today", metavar="JJJJ-MM-DD", help="De dag van het weekbericht (JJJJ-MM-DD): het gaat over de zeven dagen ervoor; standaard vandaag.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", file_okay=False, help="Schrijf de weekberichten als HTML in deze map (MAP/JJJJ-Www/PVxx.html) in plaats van ze te versturen.")] = None,
) -> None:
    """Stuur elke provincie haar weekbericht: haar leeragenda en wat andere provincies de afgelopen week leerden op
    haar kerntaken; per e-mail naar haar postbus, of als HTML-bestand."""
    code = province_code(province)
    day = _day(today) if today else engine.today_in_amsterdam()
    config = settings()
    with serving.connect(config.serving_dir) as con:
        report = engine.deliver(con, config.digest, config.agenda, day, [code] if code else None,
                                out=out.resolve() if out else None,
                                warn=lambda text: errors.print(f"[yellow]Waarschuwing:[/] {escape(text)}", highlight=False, soft_wrap=True))
    for line in report.lines():
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)
