"""`ida harvest-source`: try a source before adding it to sources.yml.

With --dry-run the source is harvested as if it were new, into a throw-away database: the counts are
what the platform would take in. Without it, the harvest is stored in the warehouse like the
pipeline's. Progress goes to stderr, so `--json` keeps stdout clean.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Optional

import duckdb
from pydantic import ValidationError
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.common import console, errors, province_code, settings
from ida.warehouse import serving, writer


def harvest_source(
    kind: Annotated[str, typer.Option("--kind", help="Soort bron: ckan of dcat.")],
    url: Annotated[str, typer.Option("--url", help="CKAN: het basisadres van het portaal. DCAT: het adres van de catalogus.")],
    province: Annotated[str, typer.Option("--province", help="De provincie van de bron (CBS-code of naam).")],
    organization: Annotated[Optional[str], typer.Option(help="CKAN: alleen datasets van deze organisatie.")] = None,
    fq: Annotated[Optional[str], typer.Option(help="CKAN: een Solr-filter, bijvoorbeeld 'tags:koploperdeal'.")] = None,
    dataset_type: Annotated[Optional[str], typer.Option(help="CKAN: alleen datasets van dit type, bijvoorbeeld 'experiment'.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconden per verzoek.")] = 30.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Alleen oogsten en tellen; niets opslaan.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"experiments", "lessons", "to_classify", "errors"}.')] = False,
) -> None:
    """Probeer een bron (CKAN-portaal of DCAT-catalogus) voordat u hem in sources.yml zet. Exit 0 = geoogst, 1 = bron onbruikbaar."""
    code = province_code(province)
    raise typer.Exit(run_harvest_source(kind, url, code, organization=organization, fq=fq, dataset_type=dataset_type,
                                        timeout=timeout, dry_run=dry_run, as_json=as_json))


def run_harvest_source(kind: str, url: str, province: str, *, organization: str | None, fq: str | None,
                       dataset_type: str | None, timeout: float, dry_run: bool, as_json: bool) -> int:
    # imported here: harvesting pulls in pandas, which every other `ida` command would pay for at start-up
    from catalog.harvest import sources
    from catalog.harvest.run import harvest_source as harvest
    from ida.warehouse import raw as warehouse

    def fail(message: str, code: int) -> int:
        if as_json:
            print(json.dumps({"experiments": 0, "lessons": 0, "to_classify": 0, "errors": [message]}, ensure_ascii=False))
        errors.print(f"[bold red]Fout:[/] {message}", highlight=False)
        return code

    entry = {"kind": kind, "url": url, "timeout": timeout}
    if kind == "ckan":
        entry.update({k: v for k, v in (("organization", organization), ("fq", fq), ("dataset_type", dataset_type)) if v})
    elif kind != "dcat":
        return fail(f"Onbekend soort bron '{kind}'. Kies ckan of dcat.", 2)
    try:
        model = sources.CkanSource if kind == "ckan" else sources.DcatSource
        source = model.model_validate(entry)
    except ValidationError as problem:
        return fail("; ".join(m.split(": ", 1)[-1] for m in sources.translate_errors("", problem)), 2)

    try:
        known = frozenset(serving.known_experiments(settings().serving_dir, province))
        turn = nullcontext() if dry_run else writer.writing(  # the warehouse's one writer: wait for a running pipeline
            settings().warehouse, "ida harvest-source", writer.WAIT_SECONDS,
            on_wait=lambda holder: errors.print(f"Wacht tot {holder} klaar is met het warehouse…", markup=False, highlight=False))
        with turn, warehouse.connect(Path(":memory:") if dry_run else settings().warehouse) as con, Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                                 MofNCompleteColumn(), TimeElapsedColumn(), console=errors,
                                                 transient=True, disable=as_json) as bar:
            task = bar.add_task(f"{province} {kind} {url}", total=None)

            def progress(stage: str, done: int, total: int | None) -> None:
                bar.update(task, description=f"{province} {kind}: {stage}", completed=done, total=total)

            result = harvest(con, province, source, dry_run=dry_run, progress=progress, settings=settings().harvest,
                             known_experiments=known)
    except duckdb.IOException:
        return fail("Het warehouse is in gebruik (draait de pijplijn?). Probeer het zo opnieuw, of gebruik --dry-run.", 1)

    if as_json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    elif result.ok:
        c = result.counts
        table = Table("", "Aantal", title=f"{province} {kind}: {url}", title_justify="left")
        for label, key in (("Records bij de bron", "seen"), ("Nieuw of gewijzigd", "fetched"), ("Experimenten", "experiments"),
                           ("Lessen", "lessons"), ("Resultaten", "results"), ("Te classificeren", "to_classify"),
                           ("Ingetrokken bij de bron", "withdrawn")):
            table.add_row(label, str(c[key]))
        console.print(table)
        console.print("Proefoogst: niets opgeslagen." if dry_run else "Opgeslagen in het warehouse; draai 'ida pipeline' om het te tonen.")
    if not result.ok:
        for message in result.errors:
            errors.print(f"[bold red]Fout:[/] {message}", highlight=False)
        return 1
    return 0
