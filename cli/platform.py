"""`ida pipeline`, `ida status`, `ida publish`, `ida app`: running the platform and looking at what it holds."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.common import console, errors, fail, lasting_objects, province_code, settings
from ida.settings import REPO_ROOT


SHOWN_PROBLEMS = 8  # `ida pipeline` shows at most this many failures; the log file holds them all


def pipeline(
    province: Annotated[Optional[str], typer.Option(help="Alleen deze provincie (CBS-code of naam); standaard alle twaalf.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Toon het logboek van Dagster en dbt.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Bouw alles opnieuw met alle dbt-tests, ook wat niet veranderde.")] = False,
) -> None:
    """Draai de pijplijn: leveringen laden, dbt bouwen en testen, serveerkopie en catalogus publiceren — alleen wat veranderde."""
    import time

    from ida.standard.vocabularies import provinces
    from ida.warehouse import serving, writer
    from orchestration import freshness

    started = time.perf_counter()
    code = province_code(province)
    config = settings()
    if not full and freshness.nothing_new(config.warehouse, config.var_dir, config.serving_dir, config.landing_dirs,
                                          config.submissions_dir, [code] if code else provinces().codes,
                                          publishes=bool(config.ckan_url)):
        console.print(f"Niets nieuw; niets opnieuw gebouwd ({time.perf_counter() - started:.1f} s). "
                      f"Serveerkopie: {serving.current(config.serving_dir).name}", highlight=False, soft_wrap=True)
        return
    # The console the progress goes to, also while the run's own output goes to the log file.
    progress = Console(file=os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8"), highlight=False, soft_wrap=True)
    with progress.status("Dagster en dbt starten…") as status:
        with lasting_objects():
            import orchestration.definitions  # noqa: F401 -- run_pipeline's code location, imported here with the rest
            from orchestration.pipeline import STEPS, new_log_file, run_pipeline

        if other := writer.holder(config.warehouse):  # the run waits for its turn (ida/warehouse/writer.py)
            status.update(escape(f"Wacht tot {other} klaar is met het warehouse…"))

        log_file = None if verbose else new_log_file(config)
        result = run_pipeline(code, log_level="INFO" if verbose else "WARNING", settings=config, full=full,
                              log_file=log_file,
                              on_start=lambda key: status.update(f"{STEPS.get(key, key)}…"),
                              on_step=lambda step: progress.print(
                                  escape(step.line()), style={"mislukt": "red", "overgeslagen": "dim"}.get(step.status)))
    problems = [line for line in result.summary[:-1] if not line.startswith("Niets nieuw")]
    for line in problems[:SHOWN_PROBLEMS]:
        progress.print(line, markup=False)
    if len(problems) > SHOWN_PROBLEMS:
        progress.print(f"… en nog {len(problems) - SHOWN_PROBLEMS} meldingen (zie het logboek).")
    progress.print(escape(result.summary[-1]) + f" ({time.perf_counter() - started:.0f} s)")
    if log_file is not None:
        progress.print(f"Logboek van Dagster en dbt: {log_file}", markup=False)
    progress.file.flush()
    if not result.success:
        raise fail("De pijplijn is mislukt; zie de meldingen hierboven, het logboek, of de run in Dagster (make dagster).")
    if not result.nothing_new:
        console.print(f"[green]Klaar.[/] Serveerkopie: {serving.current(config.serving_dir).name}")


def status(as_json: Annotated[bool, typer.Option("--json", help="Als JSON.")] = False) -> None:
    """Toon per provincie hoeveel experimenten, lessen en resultaten het platform heeft, wanneer ze zijn geladen,
    de laatste zelfscan en wat is ingetrokken."""
    from ida.warehouse import serving

    with serving.connect(settings().serving_dir) as con:
        rows = con.execute(
            "select code, name, experiments, lessons, results, last_loaded, withdrawn_experiments, withdrawn_lessons "
            "from marts.provinces order by code"
        ).fetchall()
        maturity = latest_maturity(con)
    records = [
        {"code": c, "name": n, "experiments": e, "lessons": l, "results": r,
         "last_loaded": last.isoformat(timespec="seconds") if last else None,
         "maturity": maturity.get(c), "withdrawn": {"experiments": we, "lessons": wl}}
        for c, n, e, l, r, last, we, wl in rows
    ]
    if as_json:
        print(json.dumps({"provinces": records}, ensure_ascii=False, indent=2))
        return
    table = Table("Code", "Provincie", "Experimenten", "Lessen", "Resultaten", "Laatst geladen", "Zelfscan",
                  "Ingetrokken (exp./lessen)")
    for rec in records:
        scan = rec["maturity"]
        withdrawn = rec["withdrawn"]
        table.add_row(rec["code"], rec["name"], str(rec["experiments"]), str(rec["lessons"]), str(rec["results"]),
                      rec["last_loaded"] or "nooit",
                      scan["peildatum"] if scan else "geen", f"{withdrawn['experiments']}/{withdrawn['lessons']}")
    console.print(table)


def latest_maturity(con) -> dict[str, dict]:
    """Per province its latest zelfscan: {"peildatum": "YYYY-MM-DD", "levels": {aanbeveling: 1-5}} in the report's order."""
    rows = con.execute("select province_code, reference_date, recommendation, level from marts.maturity "
                       "where is_latest_scan order by province_code, recommendation_order").fetchall()
    latest: dict[str, dict] = {}
    for province, reference_date, recommendation, level in rows:
        scan = latest.setdefault(province, {"peildatum": reference_date.isoformat(), "levels": {}})
        scan["levels"][recommendation] = level
    return latest


def publish(
    as_json: Annotated[bool, typer.Option("--json", help='Print {"created", "updated", "unchanged", "withdrawn", "failed"}.')] = False,
    workers: Annotated[int, typer.Option(min=1, max=16, help="Zoveel schrijfacties tegelijk naar CKAN.")] = 4,
) -> None:
    """Publiceer de catalogus naar CKAN (CKAN_URL, CKAN_API_TOKEN): alleen wat veranderde. Exit 0 = klaar, 1 = een dataset mislukte, 2 = niet ingesteld."""
    from catalog import publish as publishing
    from ida.warehouse import serving

    client = publishing.connect(settings().ckan_url, settings().ckan_api_token)
    with serving.connect(settings().serving_dir) as con:
        report = publishing.publish(client, con, workers=workers, state_dir=settings().var_dir, dcat=settings().dcat,
                                    log=None if as_json else lambda message: errors.print(escape(message), highlight=False))
    for failure in report.failures:
        errors.print(f"[red]Mislukt:[/] {escape(failure.name)}: {escape(failure.message)}", highlight=False)
    if as_json:
        print(json.dumps(report.counts()))
    else:
        console.print(report.summary(), highlight=False)
    if not report.ok:
        raise fail(f"{len(report.failures)} publicatie(s) mislukt; de rest staat in CKAN. Los de meldingen op en draai "
                   "'ida publish' opnieuw: wat al klopt, wordt overgeslagen.")


def serve_app(port: Annotated[int, typer.Option(help="Poort van het dashboard.")] = 8501,
              address: Annotated[str, typer.Option(help="Adres om op te luisteren.")] = "127.0.0.1") -> None:
    """Start het dashboard (Streamlit). Het proces wordt Streamlit zelf, zodat één stopsignaal alles stopt."""
    console.print(f"Dashboard: http://{address}:{port}")
    upload_mib = settings().limits.upload_mib
    command = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "apps" / "Home.py"),
               "--server.port", str(port), "--server.address", address, "--server.headless", "true",
               "--client.toolbarMode", "viewer", "--server.maxUploadSize", str(upload_mib),
               "--browser.gatherUsageStats", "false"]
    sys.stdout.flush()
    os.execv(sys.executable, command)
