"""`ida`: the platform's command line. Each command is a thin shell around a library function."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from ida.settings import REPO_ROOT, Settings
from ida.standard.vocabularies import provinces

app = typer.Typer(help="IDA Leerplatform: leveringen valideren en laden, de catalogus publiceren, het dashboard starten.",
                  no_args_is_help=True, add_completion=False)
console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]Fout:[/] {message}", highlight=False)
    return typer.Exit(code)


def province_code(value: str | None) -> str | None:
    if value is None:
        return None
    code = provinces().resolve(value)
    if code is None:
        raise fail(f"Onbekende provincie '{value}'. Gebruik een CBS-code (PV20 … PV31) of de naam.", 2)
    return code


@app.command()
def pipeline(
    province: Annotated[Optional[str], typer.Option(help="Alleen deze provincie (CBS-code of naam); standaard alle twaalf.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Toon het logboek van Dagster en dbt.")] = False,
) -> None:
    """Draai de hele pijplijn: leveringen laden, dbt bouwen en testen, serveerkopie en catalogus publiceren."""
    from ida.warehouse import serving
    from orchestration.pipeline import run_pipeline

    code = province_code(province)
    with console.status("De pijplijn draait: leveringen laden, dbt bouwen en testen, publiceren…"):
        result = run_pipeline(code, log_level="INFO" if verbose else "WARNING")
    for line in result.summary:
        console.print(line, highlight=False)
    if not result.success:
        raise fail("De pijplijn is mislukt; zie de meldingen hierboven of de run in Dagster (make dagster).")
    console.print(f"[green]Klaar.[/] Serveerkopie: {serving.current(Settings.from_env().serving_dir).name}")


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="Als JSON.")] = False) -> None:
    """Toon per provincie hoeveel experimenten, lessen en resultaten het platform heeft en wanneer ze zijn geladen."""
    from ida.warehouse import serving

    try:
        with serving.connect(Settings.from_env().serving_dir) as con:
            rows = con.execute(
                "select code, name, experiments, lessons, results, last_loaded from marts.provinces order by code"
            ).fetchall()
    except serving.NoServingCopy:
        raise fail("Er zijn nog geen gegevens gepubliceerd. Draai eerst 'ida pipeline' (of make pipeline).") from None
    records = [
        {"code": c, "name": n, "experiments": e, "lessons": l, "results": r,
         "last_loaded": last.isoformat(timespec="seconds") if last else None}
        for c, n, e, l, r, last in rows
    ]
    if as_json:
        print(json.dumps({"provinces": records}, ensure_ascii=False, indent=2))
        return
    table = Table("Code", "Provincie", "Experimenten", "Lessen", "Resultaten", "Laatst geladen")
    for rec in records:
        table.add_row(rec["code"], rec["name"], str(rec["experiments"]), str(rec["lessons"]), str(rec["results"]),
                      rec["last_loaded"] or "nooit")
    console.print(table)


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="CSV-, XLSX-, JSON- of ZIP-bestanden, of mappen.")],
    province: Annotated[Optional[str], typer.Option(help="De provincie die levert; rijen van een andere provincie zijn fouten.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Het rapport als JSON.")] = False,
) -> None:
    """Controleer een levering tegen de standaard. Exitcode 0 = goedgekeurd, 1 = afgekeurd, 2 = verkeerd gebruik."""
    from ida.intake.validation import validate as check

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(f"Niet gevonden: {', '.join(missing)}. Controleer het pad.", 2)
    code = province_code(province)
    known: set[str] = set()
    if code:  # lessons may refer to experiments the platform already holds for this province
        from ida.warehouse import serving

        known = serving.known_experiments(Settings.from_env().serving_dir, code)
    report = check(paths, code, known)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        _print_report(report)
    raise typer.Exit(0 if report.accepted else 1)


def _print_report(report) -> None:
    counts = ", ".join(f"{n} {name}" for name, n in report.counts.items())
    if report.errors or report.warnings:
        table = Table("Soort", "Bestand", "Werkblad", "Rij", "Kolom", "Waarde", "Melding", show_lines=False)
        for kind, findings in (("fout", report.errors), ("waarschuwing", report.warnings)):
            for f in findings:
                table.add_row(kind, f.file, f.sheet or "", str(f.row or ""), f.column or "", f.value or "", f.message)
        console.print(table)
    verdict = "[green]Goedgekeurd[/]" if report.accepted else f"[red]Afgekeurd[/] ({len(report.errors)} fouten)"
    console.print(f"{verdict}: {counts}.", highlight=False)


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="Map voor de leveringen (één submap per provincie).")],
    experiments_per_province: Annotated[int, typer.Option(min=1)] = 100,
    lessons_per_experiment: Annotated[int, typer.Option(min=0)] = 5,
    seed: int = 0,
) -> None:
    """Schrijf synthetische, geldige leveringen voor alle provincies (voor benchmarks en tests)."""
    from ida.standard.synthetic import write_deliveries

    write_deliveries(out, experiments_per_province, lessons_per_experiment, seed)
    console.print(f"12 leveringen geschreven naar {out}.")


@app.command("app")
def serve_app(port: Annotated[int, typer.Option(help="Poort van het dashboard.")] = 8501,
              address: Annotated[str, typer.Option(help="Adres om op te luisteren.")] = "127.0.0.1") -> None:
    """Start het dashboard (Streamlit)."""
    from ida.intake.reading import max_file_bytes

    console.print(f"Dashboard: http://{address}:{port}")
    command = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "apps" / "Home.py"),
               "--server.port", str(port), "--server.address", address, "--server.headless", "true",
               "--client.toolbarMode", "viewer", "--server.maxUploadSize", str(max(1, math.ceil(max_file_bytes() / 2**20))),
               "--browser.gatherUsageStats", "false"]
    raise typer.Exit(subprocess.call(command, env=os.environ.copy()))


@app.command()
def submit(
    paths: Annotated[list[Path], typer.Argument(help="De bestanden van de levering (of een map).")],
    province: Annotated[str, typer.Option(help="De provincie die levert (CBS-code of naam).")],
    as_json: Annotated[bool, typer.Option("--json", help="Het rapport als JSON.")] = False,
) -> None:
    """Lever aan: bewaar de bestanden, valideer ze en keur ze goed of af. Het uploadtoken komt uit IDA_UPLOAD_TOKEN."""
    from ida.warehouse import serving
    from ida.intake import tokens
    from ida.intake.reading import DELIVERY_SUFFIXES
    from ida.intake.submissions import submit as keep

    settings = Settings.from_env()
    code = province_code(province)
    token = os.environ.get("IDA_UPLOAD_TOKEN", "")
    if not token:
        raise fail("Zet uw uploadtoken in de omgevingsvariabele IDA_UPLOAD_TOKEN.", 2)
    allowed = tokens.province_for(settings.upload_tokens, token)
    if allowed is None:
        raise fail("Dit uploadtoken is onbekend. Vraag een nieuw token aan bij het IPO.", 2)
    if allowed != code:
        raise fail(f"Dit uploadtoken is van {provinces().label(allowed)} en mag niet aanleveren voor {provinces().label(code)}.", 2)
    files = []
    for path in paths:
        candidates = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        for candidate in candidates:
            if not candidate.is_file():
                raise fail(f"Bestand niet gevonden: {candidate}", 2)
            if candidate.suffix.lower() in DELIVERY_SUFFIXES or not path.is_dir():
                files.append((candidate.name, candidate.read_bytes()))
    try:
        submission = keep(settings.submissions_dir, code, files, serving.known_experiments(settings.serving_dir, code), channel="cli")
    except ValueError as problem:
        raise fail(str(problem), 2) from None
    if as_json:
        print(json.dumps({**submission.report.as_dict(), "submission": submission.folder.name,
                          "duplicate_of": submission.duplicate_of}, ensure_ascii=False, indent=2, default=str))
    else:
        _print_report(submission.report)
        if submission.duplicate_of:
            console.print(f"Deze levering is identiek aan {submission.duplicate_of}; ze wordt niet opnieuw geladen.")
        console.print(f"Bewaard als {submission.folder.name}.", highlight=False)
    raise typer.Exit(0 if submission.report.accepted else 1)


token_app = typer.Typer(help="Uploadtokens per provincie beheren.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("new")
def new_token(province: Annotated[str, typer.Option(help="De provincie (CBS-code of naam).")]) -> None:
    """Maak een uploadtoken voor een provincie; alleen de hash wordt bewaard, het token ziet u één keer."""
    from ida.intake import tokens

    code = province_code(province)
    print(tokens.issue(Settings.from_env().upload_tokens, code))


@app.command()
def template(out: Annotated[Path, typer.Argument(help="Map voor de sjablonen.")]) -> None:
    """Schrijf de sjablonen: een Excel-werkmap met keuzelijsten, CSV-bestanden en het JSON-schema van de standaard."""
    from ida.standard.templates import write_templates

    for path in write_templates(out):
        console.print(f"Geschreven: {path}", highlight=False)


@app.command("harvest-source")
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
    from cli.harvest import run_harvest_source

    code = province_code(province)
    raise typer.Exit(run_harvest_source(kind, url, code, organization=organization, fq=fq, dataset_type=dataset_type,
                                        timeout=timeout, dry_run=dry_run, as_json=as_json, console=console, errors=errors))


@app.command("publish")
def publish_catalogue(
    as_json: Annotated[bool, typer.Option("--json", help='Print {"created", "updated", "unchanged", "withdrawn", "failed"}.')] = False,
    workers: Annotated[int, typer.Option(min=1, max=16, help="Zoveel schrijfacties tegelijk naar CKAN.")] = 4,
) -> None:
    """Publiceer de catalogus naar CKAN (CKAN_URL, CKAN_API_TOKEN): alleen wat veranderde. Exit 0 = klaar, 1 = een dataset mislukte, 2 = niet ingesteld."""
    from ida.warehouse import serving
    from rich.markup import escape

    from catalog import publish

    settings = Settings.from_env()
    try:
        client = publish.connect_from_env(settings)
    except publish.NotConfigured as problem:
        raise fail(f"{problem} Bulkexport: {settings.export_dir}", 2) from None
    try:
        with serving.connect(settings.serving_dir) as con:
            report = publish.publish(client, con, workers=workers,
                                     log=None if as_json else lambda message: errors.print(escape(message), highlight=False))
    except serving.NoServingCopy:
        raise fail("Er zijn nog geen gegevens om te publiceren. Draai eerst 'ida pipeline' (of make pipeline).", 2) from None
    for failure in report.failures:
        errors.print(f"[red]Mislukt:[/] {escape(failure.name)}: {escape(failure.message)}", highlight=False)
    if as_json:
        print(json.dumps(report.counts()))
    else:
        console.print(report.summary(), highlight=False)
    if not report.ok:
        raise fail(f"{len(report.failures)} publicatie(s) mislukt; de rest staat in CKAN. Los de meldingen op en draai "
                   "'ida publish' opnieuw: wat al klopt, wordt overgeslagen.")


from cli.learning import register as register_learning  # noqa: E402  (ida search, ida similar)

register_learning(app)
