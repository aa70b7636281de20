"""`ida classify`, `ida demo-tokens`: curation by IPO coordinators from the command line (catalog/curation.py
does the work; the Beheer page calls the same functions)."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from cli.common import console, settings
from ida.errors import UsageError

DEMO_PROVINCE, DEMO_COORDINATOR = "PV26", "Demo-coördinator"


def classify(
    queue_key: Annotated[Optional[str], typer.Argument(metavar="SLEUTEL", help="De sleutel van het record in de wachtrij (zie --list).")] = None,
    kerntaak: Annotated[Optional[str], typer.Option("--kerntaak", help="De kerntaak (code of naam).")] = None,
    fase: Annotated[Optional[str], typer.Option("--fase", help="De fase (code of naam).")] = None,
    spoor: Annotated[Optional[str], typer.Option("--spoor", help="Het IDA-spoor (code of naam).")] = None,
    reden_gestopt: Annotated[Optional[str], typer.Option("--reden-gestopt", help="Bij fase gestopt: waarom.")] = None,
    dismiss: Annotated[bool, typer.Option("--dismiss", help="Wijs het record af (met --reason).")] = False,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Waarom het record wordt afgewezen.")] = None,
    show: Annotated[bool, typer.Option("--list", help="Toon de wachtrij 'Te classificeren'.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Uitvoer als JSON.")] = False,
) -> None:
    """Classificeer een geoogst record uit de wachtrij in de standaard, of wijs het af met een reden (alleen
    IPO-coördinatoren; het token komt uit IDA_COORDINATOR_TOKEN). Exit 0 = gedaan, 1 = niet gelukt, 2 = verkeerd gebruik."""
    from catalog import curation

    if show:
        curation.authorise(settings().coordinator_tokens, settings().coordinator_token)
        _print_queue(curation.queue(settings()), as_json)
        return
    if not queue_key:
        raise UsageError("Geef de sleutel van een record uit de wachtrij (zie 'ida classify --list').")
    if dismiss:
        if kerntaak or fase or spoor:
            raise UsageError("Kies: classificeren (--kerntaak, --fase, --spoor) of afwijzen (--dismiss --reason), niet beide.")
        entry = curation.dismiss(settings(), settings().coordinator_token, queue_key, reason or "")
        message = f"Afgewezen: {entry['what']['title'] or entry['what']['record_id']}."
    else:
        missing = [name for name, value in (("--kerntaak", kerntaak), ("--fase", fase), ("--spoor", spoor)) if not value]
        if missing:
            raise UsageError(f"Geef {', '.join(missing)} om te classificeren, of --dismiss --reason om af te wijzen.")
        choice = curation.Classification.of(kerntaak, fase, spoor, reden_gestopt)
        done = curation.classify(settings(), settings().coordinator_token, queue_key, choice)
        entry = done.entry
        message = (f"Geclassificeerd: {entry['what']['title'] or entry['what']['record_id']} wordt experiment "
                   f"'{done.experiment_id}' van {entry['what']['province_code']} (levering {done.submission}). "
                   "Het staat op het platform na de volgende verwerking ('ida pipeline').")
        if done.replaces:
            message += f" Let op: de provincie had al een experiment '{done.experiment_id}'; dit wordt de nieuwste versie ervan."
    if as_json:
        print(json.dumps(entry, ensure_ascii=False, indent=2))
    else:
        console.print(message, highlight=False, markup=False)


def _print_queue(queue: list, as_json: bool) -> None:
    if as_json:
        print(json.dumps([{"queue_key": q.queue_key, "province_code": q.province_code, "title": q.title,
                           "reason": q.reason, "source_url": q.source_url, "record_url": q.record_url,
                           "fetched_at": q.fetched_at.isoformat(timespec="seconds")} for q in queue],
                         ensure_ascii=False, indent=2))
        return
    if not queue:
        console.print("Er wacht niets op classificatie.")
        return
    table = Table("Sleutel", "Provincie", "Titel", "Reden", "Link")
    for q in queue:
        table.add_row(*(Text(str(v)) for v in (q.queue_key, q.province_name, q.title or q.record_id, q.reason, q.record_url)))
    console.print(table)


def demo_tokens(as_json: Annotated[bool, typer.Option("--json", help="Als JSON.")] = False) -> None:
    """Maak een uploadtoken voor Utrecht en een coördinatortoken voor de demo, in de toestandsmap van deze
    installatie (IDA_VAR_DIR); ze gelden alleen daar. Alleen de hashes worden bewaard."""
    from catalog import curation
    from ida.intake import tokens

    upload = tokens.issue(settings().upload_tokens, DEMO_PROVINCE)
    coordinator = curation.issue_token(settings(), DEMO_COORDINATOR)
    if as_json:
        print(json.dumps({"upload_token": upload, "province": DEMO_PROVINCE, "coordinator_token": coordinator,
                          "coordinator": DEMO_COORDINATOR}))
        return
    # plain print: a token must never be wrapped or styled
    print(f"Demotokens voor {settings().var_dir} (gelden alleen voor deze toestandsmap; bewaard worden alleen de hashes):")
    print(f"  Aanleveren (Provincie Utrecht):  {upload}")
    print(f"  Beheer ({DEMO_COORDINATOR}):     {coordinator}")
