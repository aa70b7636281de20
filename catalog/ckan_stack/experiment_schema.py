"""The ckanext-scheming schema of the CKAN dataset type `experiment` (one koploperdeal).

Its fields follow the `experimenten` table of the exchange format (STANDARD.md) with Dutch labels,
plus what the publisher sets: `provincie` (CBS code), `experiment_id`, `fingerprint` (content hash
for incremental publishing) and `status_publicatie`. The choices of the vocabulary fields are read
from ida/standard/vocabularies/*.csv, the single source of truth: up.sh writes the schema anew from them
at every start (`python experiment_schema.py OUT.yaml`), so nothing here repeats their values.

Mapping onto CKAN's own fields: titel -> title, samenvatting -> notes, trefwoorden -> tags,
contact -> maintainer_email (ckanext-dcat shows it as dcat:contactPoint). Lists are scheming
`multiple_text` fields: the API takes and returns JSON arrays of strings.

The lessons are the repeating field `lessen` (one item per lesson, subfields named after the standard's
columns, choices from the vocabularies): CKAN shows them on the dataset page, and the `ida` plugin
(ckanext-ida) indexes their text, so package_search finds an experiment by a word from its lessons.
The fields for DCAT-AP-NL 3.0 carry ckanext-dcat's names (`theme`, `access_rights`, `publisher_uri`,
`creator_uri`, …; a resource's `license`), which the `dcat_ap_nl` profile of ckanext-ida reads.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import yaml

VOCABULARIES = Path(__file__).resolve().parents[2] / "ida" / "standard" / "vocabularies"

# Values the publisher writes in status_publicatie (not part of the exchange format).
STATUS_PUBLICATIE = [("actief", "Actief"), ("ingetrokken", "Ingetrokken")]


def choices(csv_name: str, value: str = "code", label: str = "label") -> list[dict]:
    """The rows of a vocabulary CSV as scheming choices, in the file's order."""
    with open(VOCABULARIES / csv_name, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit(f"{csv_name}: no rows")
    return [{"value": row[value], "label": row[label]} for row in rows]


def text(name: str, label: str, required: bool = False, **extra) -> dict:
    validators = "not_empty unicode_safe strip_value" if required else "ignore_missing unicode_safe strip_value"
    return {"field_name": name, "label": label, "required": required, "validators": validators, **extra}


def textarea(name: str, label: str, **extra) -> dict:
    return text(name, label, form_snippet="textarea.html", **extra)


def select(name: str, label: str, choice_list: list[dict], required: bool = True) -> dict:
    return {"field_name": name, "label": label, "preset": "select", "required": required,
            "choices": choice_list}


def text_list(name: str, label: str, help_text: str) -> dict:
    return {"field_name": name, "label": label, "preset": "multiple_text", "help_text": help_text}


def lessons_field() -> dict:
    """The lessons of the experiment: one item per row of the standard's `lessen` table."""
    optional = {"required": False, "validators": "ignore_missing scheming_choices"}
    return {
        "field_name": "lessen", "label": "Lessen",
        "help_text": "De geleerde lessen van dit experiment (ook als bestand lessen.csv).",
        "repeating_subfields": [
            text("les_id", "Les-ID", required=True),
            {"field_name": "datum", "label": "Datum", "preset": "date"},
            select("categorie", "Categorie", choices("categorieen.csv")),
            select("leerrichting", "Leerrichting", choices("leerrichtingen.csv")),
            textarea("les", "Les", required=True),
            select("dilemma", "Dilemma", [{"value": "ja", "label": "Ja"}, {"value": "nee", "label": "Nee"}]),
            {**select("escalatieniveau", "Escalatieniveau", choices("escalatieniveaus.csv"), required=False),
             **optional},
            {**select("status", "Status", choices("lesstatussen.csv"), required=False), **optional},
        ],
    }


def dcat_fields() -> list[dict]:
    """What DCAT-AP-NL asks beyond the standard (set by the platform; ckanext-dcat's field names)."""
    return [
        text_list("theme", "Thema's (EU)", "URI's uit de EU-codelijst data-theme, afgeleid van de kerntaak."),
        text("access_rights", "Toegangsrechten", help_text="URI uit de EU-codelijst access-right."),
        text("publisher_uri", "Uitgever (URI)", help_text="TOOI-URI van de provincie."),
        text("publisher_name", "Uitgever"),
        text("creator_uri", "Maker (URI)", help_text="TOOI-URI van de provincie."),
        text("creator_name", "Maker"),
        text("maintainer", "Contact (naam)"),
    ]


def experiment_schema() -> dict:
    return {
        "scheming_version": 2,
        "dataset_type": "experiment",
        "about": "Een koploperdeal: een data-experiment van een provincie (IDA Leerplatform).",
        "dataset_fields": [
            {"field_name": "title", "label": "Titel", "preset": "title", "required": True,
             "validators": "not_empty unicode_safe strip_value"},
            {"field_name": "name", "label": "URL-naam", "preset": "dataset_slug"},
            {"field_name": "owner_org", "label": "Organisatie", "preset": "dataset_organization"},
            text("experiment_id", "Experiment-ID", required=True,
                 help_text="Uniek binnen de provincie; de sleutel is provincie + experiment-ID."),
            select("provincie", "Provincie", choices("provincies.csv", label="naam")),
            {"field_name": "notes", "label": "Samenvatting", "form_snippet": "textarea.html",
             "display_snippet": "text.html", "validators": "ignore_missing unicode_safe"},
            textarea("opgave", "Maatschappelijke opgave"),
            select("kerntaak", "Kerntaak", choices("kerntaken.csv")),
            select("ida_spoor", "IDA-spoor", choices("ida_sporen.csv")),
            select("fase", "Fase", choices("fasen.csv")),
            textarea("reden_gestopt", "Reden gestopt", help_text="Verplicht als de fase 'Gestopt' is."),
            {"field_name": "startdatum", "label": "Startdatum", "preset": "date"},
            {"field_name": "einddatum", "label": "Einddatum", "preset": "date"},
            text("eigenaar", "Eigenaar", help_text="Een team of rol, geen persoonsnaam."),
            text_list("leervragen", "Leervragen", "De leervragen die vooraf zijn gesteld."),
            text_list("beoogde_resultaten", "Beoogde resultaten", "Eén resultaat per regel."),
            text_list("databronnen", "Databronnen", "Eén databron per regel."),
            text_list("partners", "Partners", "Externe partijen, één per regel."),
            {"field_name": "publieke_waarden", "label": "Publieke waarden", "preset": "multiple_checkbox",
             "choices": choices("publieke_waarden.csv")},
            {"field_name": "tag_string", "label": "Trefwoorden", "preset": "tag_string_autocomplete"},
            text("budget_eur", "Budget (EUR)", help_text="Bedrag in euro's, bijvoorbeeld 12500.50."),
            {"field_name": "maintainer_email", "label": "Contact (e-mail)", "display_snippet": "email.html",
             "validators": "ignore_missing unicode_safe strip_value email_validator",
             "help_text": "Een functionele mailbox."},
            {"field_name": "status_publicatie", "label": "Status publicatie", "preset": "select",
             "required": False, "validators": "default(actief) scheming_choices",
             "choices": [{"value": v, "label": label} for v, label in STATUS_PUBLICATIE]},
            lessons_field(),
            *dcat_fields(),
            text("fingerprint", "Vingerafdruk", form_snippet=None, display_snippet=None,
                 help_text="Inhoudshash voor incrementeel publiceren (gezet door het platform)."),
        ],
        "resource_fields": [
            {"field_name": "url", "label": "URL", "preset": "resource_url_upload"},
            {"field_name": "name", "label": "Naam"},
            {"field_name": "description", "label": "Beschrijving", "form_snippet": "textarea.html"},
            {"field_name": "format", "label": "Formaat", "preset": "resource_format_autocomplete"},
            text("mimetype", "Mediatype", help_text="IANA-mediatype, bijvoorbeeld text/csv."),
            text("license", "Licentie", help_text="URI van de licentie van dit bestand (Nederlandse licentielijst)."),
        ],
    }


def main(out: str) -> None:
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# Generated by catalog/ckan_stack/experiment_schema.py from ida/standard/vocabularies/*.csv.\n"
    text_out = header + yaml.safe_dump(experiment_schema(), allow_unicode=True, sort_keys=False)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text_out, encoding="utf-8")
    tmp.replace(path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: experiment_schema.py OUT.yaml")
    main(sys.argv[1])
