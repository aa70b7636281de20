"""`ida search` and `ida similar`: the lesson search and "who learned something like this?" on the command line,
on the same engine as the dashboard (ida.search), reading the serving copy. Registered in cli/main.py."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ida import search as engine
from ida.settings import Settings
from ida.standard.vocabularies import provinces
from ida.warehouse import serving

console = Console()
errors = Console(stderr=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]Fout:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def _connect():
    try:
        return serving.connect(Settings.from_env().serving_dir)
    except serving.NoServingCopy:
        raise _fail("Er zijn nog geen gegevens gepubliceerd. Draai eerst 'ida pipeline' (of make pipeline).") from None


def _index(con) -> engine.Index:
    try:
        return engine.Index.of(con)
    except engine.NotIndexed:
        raise _fail("Deze serveerkopie heeft nog geen zoekindex. Draai 'ida pipeline' opnieuw.") from None


def _print(title: str, hits: list[engine.Hit]) -> None:
    if not hits:
        console.print(f"{escape(title)}: niets gevonden.", highlight=False)
        return
    table = Table("#", "Les", "Provincie", "Score", "Tekst", title=title, show_lines=True)
    for rank, hit in enumerate(hits, start=1):
        table.add_row(str(rank), escape(hit.key), hit.province_code, f"{hit.score:.2f}", escape(hit.text))
    console.print(table)


def search(
    query: Annotated[str, typer.Argument(help="Waar u naar zoekt, bijvoorbeeld 'gezamenlijk inkopen'.")],
    top: Annotated[int, typer.Option("--top", min=1, max=1000, help="Zoveel lessen.")] = 10,
    province: Annotated[Optional[str], typer.Option("--province", help="Alleen lessen van deze provincie (CBS-code of naam).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"query", "hits": [{"lesson_key", "province_code", "experiment_key", "score", "text"}]}.')] = False,
) -> None:
    """Zoek in de lessen van alle provincies, ook op andere woordvormen, samenstellingen en synoniemen; beste eerst."""
    code = None
    if province:
        code = provinces().resolve(province)
        if code is None:
            raise _fail(f"Onbekende provincie '{province}'. Gebruik een CBS-code (PV20 … PV31) of de naam.", 2)
    with _connect() as con:
        hits = _index(con).search(con, query, top=top, provinces=(code,) if code else ())
    if as_json:
        print(json.dumps({"query": query, "hits": [h.as_lesson() for h in hits]}, ensure_ascii=False, indent=2))
    else:
        _print(f"Lessen over '{query}'", hits)


def similar(
    lesson_key: Annotated[str, typer.Argument(help="De les, als PVxx:les_id (bijvoorbeeld PV26:UTR-2019-01-L1).")],
    top: Annotated[int, typer.Option("--top", min=1, max=1000, help="Zoveel lessen.")] = 10,
    all_provinces: Annotated[bool, typer.Option("--all-provinces", help="Ook lessen van de eigen provincie.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"lesson", "similar": [{"lesson_key", "province_code", "experiment_key", "score", "text"}]}.')] = False,
) -> None:
    """Toon de lessen die het meest op deze les lijken, standaard alleen van andere provincies; beste eerst."""
    with _connect() as con:
        index = _index(con)
        try:
            province, text = index.lesson_text(con, lesson_key)
            hits = index.similar(con, lesson_key, top=top, all_provinces=all_provinces)
        except engine.UnknownLesson:
            raise _fail(f"Onbekende les '{lesson_key}'. Geef de sleutel als PVxx:les_id, zoals 'ida search' hem toont.") from None
        experiment_key = con.execute("select experiment_key from marts.lessons where lesson_key = ?", [lesson_key]).fetchone()[0]
    lesson = {"lesson_key": lesson_key, "province_code": province, "experiment_key": experiment_key, "text": text}
    if as_json:
        print(json.dumps({"lesson": lesson, "similar": [h.as_lesson() for h in hits]}, ensure_ascii=False, indent=2))
    else:
        console.print(f"{escape(lesson_key)}: {escape(text)}", highlight=False)
        _print("Lijkt op", hits)


def register(app: typer.Typer) -> None:
    """Add `search` and `similar` to the `ida` command."""
    app.command("search")(search)
    app.command("similar")(similar)
