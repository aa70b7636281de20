"""The exchange format (STANDARD.md, v1.1) as data: record types, their columns and value kinds.

Everything that needs the standard — the validator, the JSON Schema, the templates, the CKAN schema —
reads it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

STANDARD_VERSION = "1.1"
ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"


class Kind(StrEnum):
    ID = "id"
    TEXT = "tekst"
    PROVINCE = "provincie"
    VOCAB = "vocabulaire"
    VOCAB_LIST = "lijst van vocabulaire"
    TEXT_LIST = "lijst van tekst"
    DATE = "datum"
    NUMBER = "getal"
    BOOLEAN = "ja/nee"
    EMAIL = "e-mailadres"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    vocabulary: str | None = None  # file name in ida/standard/vocabularies
    max_length: int | None = None
    minimum: float | None = None
    description: str = ""
    example: str = ""


@dataclass(frozen=True)
class RecordType:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


EXPERIMENTEN = RecordType(
    "experimenten",
    "Eén rij per experiment (koploperdeal).",
    (
        Column("experiment_id", Kind.ID, True, description="Uniek binnen de provincie.", example="UTR-2021-03"),
        Column("provincie", Kind.PROVINCE, True, vocabulary="provincies", description="CBS-code, naam of bekende alias.", example="PV26"),
        Column("titel", Kind.TEXT, True, max_length=200, example="Snuffelfiets Utrecht"),
        Column("samenvatting", Kind.TEXT, example="Fietsers meten fijnstof met een sensor op het stuur."),
        Column("opgave", Kind.TEXT, description="De maatschappelijke opgave die het dient.", example="Gezond stedelijk leven"),
        Column("kerntaak", Kind.VOCAB, True, vocabulary="kerntaken", example="milieu_energie_klimaat"),
        Column("ida_spoor", Kind.VOCAB, True, vocabulary="ida_sporen", example="maatschappelijke_opgaven"),
        Column("fase", Kind.VOCAB, True, vocabulary="fasen", example="experiment"),
        Column("reden_gestopt", Kind.TEXT, description="Verplicht als fase 'gestopt' is."),
        Column("startdatum", Kind.DATE, example="2021-03-15"),
        Column("einddatum", Kind.DATE, description="Niet vóór de startdatum.", example="2022-12-31"),
        Column("eigenaar", Kind.TEXT, description="Een team of rol, geen persoonsnaam.", example="Team Gezonde Leefomgeving"),
        Column("leervragen", Kind.TEXT_LIST, example="Hoe betrouwbaar zijn goedkope sensoren?|Wie beheert de data?"),
        Column("beoogde_resultaten", Kind.TEXT_LIST, example="Fijnmazig beeld van luchtkwaliteit"),
        Column("databronnen", Kind.TEXT_LIST, example="Luchtmeetnet|Snuffelfietsdata"),
        Column("partners", Kind.TEXT_LIST, description="Externe partijen.", example="RIVM|Gemeente Utrecht"),
        Column("publieke_waarden", Kind.VOCAB_LIST, vocabulary="publieke_waarden", example="privacy|transparantie"),
        Column("trefwoorden", Kind.TEXT_LIST, example="luchtkwaliteit|sensoren"),
        Column("budget_eur", Kind.NUMBER, minimum=0, example="12.500,50"),
        Column("contact", Kind.EMAIL, description="Een functionele mailbox.", example="data@provincie-utrecht.nl"),
    ),
    key=("experiment_id",),
)

LESSEN = RecordType(
    "lessen",
    "Eén rij per geleerde les.",
    (
        Column("les_id", Kind.ID, True, description="Uniek binnen de provincie.", example="UTR-2021-03-L1"),
        Column("experiment_id", Kind.ID, True, description="Verwijst naar een experiment van deze provincie.", example="UTR-2021-03"),
        Column("datum", Kind.DATE, True, example="2022-06-01"),
        Column("leerrichting", Kind.VOCAB, True, vocabulary="leerrichtingen", example="horizontaal"),
        Column("categorie", Kind.VOCAB, True, vocabulary="categorieen", example="gegevensmanagement"),
        Column("les", Kind.TEXT, True, max_length=4000, example="Leg eigenaarschap van sensordata vooraf vast."),
        Column("dilemma", Kind.BOOLEAN, description="ja/nee, true/false, 1/0 of j/n; leeg is nee.", example="nee"),
        Column("publieke_waarden", Kind.VOCAB_LIST, vocabulary="publieke_waarden", example="eigendom_data"),
        Column("escalatieniveau", Kind.VOCAB, vocabulary="escalatieniveaus", description="Verplicht bij een dilemma.", example=""),
        Column("status", Kind.VOCAB, vocabulary="lesstatussen", description="Leeg is 'open'.", example="open"),
        # v1.1: which learning question a lesson answers, and what was decided on a dilemma
        Column("leervraag", Kind.TEXT, max_length=2000,
               description="v1.1: welke leervraag van het experiment deze les beantwoordt: het nummer (1 = de eerste) of de tekst.",
               example="1"),
        Column("besluit", Kind.TEXT, max_length=2000, description="v1.1: bij een dilemma: wat is besloten.", example=""),
        Column("besloten_door", Kind.VOCAB, vocabulary="escalatieniveaus",
               description="v1.1: het niveau dat besloot.", example=""),
        Column("besloten_op", Kind.DATE, description="v1.1: de datum van het besluit; niet vóór 'datum'.", example=""),
    ),
    key=("les_id",),
)

RESULTATEN = RecordType(
    "resultaten",
    "Eén rij per gemeten indicator.",
    (
        Column("experiment_id", Kind.ID, True, description="Verwijst naar een experiment van deze provincie.", example="UTR-2021-03"),
        Column("indicator", Kind.TEXT, True, example="Aantal actieve snuffelfietsers"),
        Column("eenheid", Kind.TEXT, example="deelnemers"),
        Column("nulmeting", Kind.NUMBER, example="0"),
        Column("doel", Kind.NUMBER, example="500"),
        Column("waarde", Kind.NUMBER, True, example="420"),
        Column("gemeten_op", Kind.DATE, True, example="2022-12-31"),
    ),
    key=("experiment_id", "indicator", "gemeten_op"),
)

ZELFSCAN = RecordType(
    "zelfscan",
    "v1.1: de zelfscan van de provincie op de aanbevelingen, één rij per aanbeveling per peildatum.",
    (
        Column("provincie", Kind.PROVINCE, True, vocabulary="provincies", description="CBS-code, naam of bekende alias.", example="PV26"),
        Column("peildatum", Kind.DATE, True, description="De datum die de zelfscan beschrijft.", example="2025-12-31"),
        Column("aanbeveling", Kind.VOCAB, True, vocabulary="aanbevelingen", example="visie_commitment"),
        Column("niveau", Kind.VOCAB, True, vocabulary="volwassenheidsniveaus",
               description="1 tot en met 5, of het label (initieel … optimaliserend).", example="3"),
        Column("toelichting", Kind.TEXT, max_length=2000, description="Waarom dit niveau.",
               example="De datavisie is vastgesteld door GS."),
        Column("bewijs", Kind.TEXT_LIST, description="Documenten of links die het laten zien.",
               example="Datavisie 2025|https://www.provincie-utrecht.nl/datavisie"),
    ),
    key=("provincie", "peildatum", "aanbeveling"),
)

INTREKKINGEN = RecordType(
    "intrekkingen",
    "v1.1: de provincie trekt een eigen experiment of les in.",
    (
        # no example values: an example row left in a filled-in template must not withdraw anything
        Column("soort", Kind.VOCAB, True, vocabulary="intrekkingssoorten", description="experiment of les."),
        Column("id", Kind.ID, True, description="Het experiment_id of les_id; het moet bestaan voor deze provincie."),
        Column("reden", Kind.TEXT, True, max_length=1000, description="Voor de coördinatoren; niet in de openbare catalogus."),
        Column("datum", Kind.DATE, description="Leeg is de datum van de levering.", example=""),
    ),
    key=("soort", "id"),
)

RECORD_TYPES: dict[str, RecordType] = {rt.name: rt for rt in (EXPERIMENTEN, LESSEN, RESULTATEN, ZELFSCAN, INTREKKINGEN)}
V1_RECORD_TYPES = ("experimenten", "lessen", "resultaten")
