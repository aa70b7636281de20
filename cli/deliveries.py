"""`ida validate`, `ida submit`, `ida token new`, `ida template`, `ida generate`: a province's deliveries."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from cli.common import console, province_code, settings
from ida.errors import UsageError


def validate(
    paths: Annotated[list[Path], typer.Argument(help="CSV-, XLSX-, JSON- of ZIP-bestanden, of mappen.")],
    province: Annotated[Optional[str], typer.Option(help="De provincie die levert; rijen van een andere provincie zijn fouten.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Het rapport als JSON.")] = False,
) -> None:
    """Controleer een levering tegen de standaard. Exitcode 0 = goedgekeurd, 1 = afgekeurd, 2 = verkeerd gebruik."""
    from ida.intake.validation import validate as check

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"Niet gevonden: {', '.join(missing)}. Controleer het pad.")
    code = province_code(province)
    known = None
    if code:  # lessons and withdrawals may refer to what the platform already holds for this province
        from ida.warehouse import serving

        known = serving.known_experiments(settings().serving_dir, code)
    report = check(paths, code, known, settings().limits)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print_report(report)
    raise typer.Exit(0 if report.accepted else 1)


def print_report(report) -> None:
    counts = ", ".join(f"{n} {name}" for name, n in report.counts.items())
    if report.errors or report.warnings:
        table = Table("Soort", "Bestand", "Werkblad", "Rij", "Kolom", "Waarde", "Melding", show_lines=False)
        for kind, findings in (("fout", report.errors), ("waarschuwing", report.warnings)):
            for f in findings:
                table.add_row(kind, f.file, f.sheet or "", str(f.row or ""), f.column or "", f.value or "", f.message)
        console.print(table)
    verdict = "[green]Goedgekeurd[/]" if report.accepted else f"[red]Afgekeurd[/] ({report.error_count} fouten)"
    console.print(f"{verdict}: {counts}.", highlight=False)


def submit(
    paths: Annotated[list[Path], typer.Argument(help="De bestanden van de levering (of een map).")],
    province: Annotated[str, typer.Option(help="De provincie die levert (CBS-code of naam).")],
    as_json: Annotated[bool, typer.Option("--json", help="Het rapport als JSON.")] = False,
) -> None:
    """Lever aan: bewaar de bestanden, valideer ze en keur ze goed of af. Het uploadtoken komt uit IDA_UPLOAD_TOKEN."""
    from ida.intake import submissions
    from ida.intake.reading import DELIVERY_SUFFIXES

    code = province_code(province)
    files = []
    for path in paths:
        if path.is_dir():
            files += [(entry.name, _read_entry(entry, settings().limits.max_file_bytes))
                      for entry in sorted(path.iterdir()) if entry.suffix.lower() in DELIVERY_SUFFIXES]
        elif path.is_file():
            files.append((path.name, _read_entry(path, settings().limits.max_file_bytes, named=True)))
        else:
            raise UsageError(f"Bestand niet gevonden: {path}")
    submission = submissions.submit(settings(), settings().upload_token, files, channel="cli", province=code)
    if as_json:
        print(json.dumps({**submission.report.as_dict(), "submission": submission.folder.name,
                          "duplicate_of": submission.duplicate_of}, ensure_ascii=False, indent=2, default=str))
    else:
        print_report(submission.report)
        if submission.duplicate_of:
            console.print(f"Deze levering is identiek aan {submission.duplicate_of}; ze wordt niet opnieuw geladen.")
        console.print(f"Bewaard als {submission.folder.name}.", highlight=False)
    raise typer.Exit(0 if submission.report.accepted else 1)


def _read_entry(path: Path, max_bytes: int, named: bool = False) -> bytes:
    """The bytes of a delivered file. In a folder, only its own regular files count: a symbolic link is refused
    (it could point anywhere, and is never followed — also not when it appears between this check and the
    read), and so is a file past the size limit, before it is read."""
    flags = os.O_RDONLY | (0 if named else os.O_NOFOLLOW) | getattr(os, "O_NONBLOCK", 0)
    try:
        if not named and path.is_symlink():
            raise OSError(errno.ELOOP, "symbolic link")
        handle = os.open(path, flags)
    except OSError as problem:
        if problem.errno == errno.ELOOP:
            raise UsageError(f"{path} is een symbolische koppeling (naar {os.readlink(path) if path.is_symlink() else '?'}). "
                             "In een map leest 'ida submit' alleen gewone bestanden die in die map zelf staan; kopieer "
                             "het bestand in de map of geef het los op.") from None
        raise UsageError(f"{path} is niet te lezen ({problem.strerror}). Controleer het pad en de rechten.") from None
    with os.fdopen(handle, "rb") as source:
        info = os.fstat(source.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{path} is geen gewoon bestand. Lever CSV-, XLSX-, JSON- of ZIP-bestanden aan.")
        if info.st_size > max_bytes:
            raise UsageError(f"{path} is te groot ({info.st_size / 2**20:.1f} MiB; maximaal {max_bytes / 2**20:g} MiB). "
                             "Lever het in delen aan.")
        return source.read(max_bytes + 1)


def new_token(
    province: Annotated[Optional[str], typer.Option(help="De provincie (CBS-code of naam): een uploadtoken.")] = None,
    coordinator: Annotated[Optional[str], typer.Option(help="De naam van een IPO-coördinator: een coördinatortoken (Beheer, ida classify).")] = None,
) -> None:
    """Maak een uploadtoken voor een provincie, of een coördinatortoken; alleen de hash wordt bewaard, het token ziet u één keer."""
    from ida.intake import tokens

    if (province is None) == (coordinator is None):
        raise UsageError("Geef --province (een uploadtoken) of --coordinator (een coördinatortoken), één van beide.")
    if coordinator is not None:
        from catalog import curation

        print(curation.issue_token(settings(), coordinator))
        return
    print(tokens.issue(settings().upload_tokens, province_code(province)))


def template(out: Annotated[Path, typer.Argument(help="Map voor de sjablonen.")]) -> None:
    """Schrijf de sjablonen: een Excel-werkmap met keuzelijsten, CSV-bestanden en het JSON-schema van de standaard."""
    from ida.standard.templates import write_templates

    for path in write_templates(out):
        console.print(f"Geschreven: {path}", highlight=False)


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
