"""`ida harvest-source`: try a source before adding it to sources.yml (the command itself is in cli/main.py).

With --dry-run the source is harvested as if it were new, into a throw-away database: the counts are
what the platform would take in. Without it, the harvest is stored in the warehouse like the
pipeline's. Progress goes to stderr, so `--json` keeps stdout clean.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ida.warehouse import raw as warehouse
from catalog.harvest import sources
from catalog.harvest.run import harvest_source
from ida.settings import Settings


def run_harvest_source(kind: str, url: str, province: str, *, organization: str | None, fq: str | None,
                       dataset_type: str | None, timeout: float, dry_run: bool, as_json: bool,
                       console: Console, errors: Console) -> int:
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
        with warehouse.connect(Path(":memory:") if dry_run else Settings.from_env().warehouse) as con, Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                                 MofNCompleteColumn(), TimeElapsedColumn(), console=errors,
                                                 transient=True, disable=as_json) as bar:
            task = bar.add_task(f"{province} {kind} {url}", total=None)

            def progress(stage: str, done: int, total: int | None) -> None:
                bar.update(task, description=f"{province} {kind}: {stage}", completed=done, total=total)

            result = harvest_source(con, province, source, dry_run=dry_run, progress=progress)
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
