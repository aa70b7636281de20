"""The source registry (`sources.yml`): per province, where the platform gets its experiments.

Three kinds of source: `upload` (the landing zone), `ckan` (a province's CKAN portal: base URL plus
an organisation and/or a Solr `fq` filter, optionally a dataset type) and `dcat` (a DCAT-AP catalogue
in JSON-LD, RDF/XML or Turtle). A province the file does not name has `upload` only. `IDA_SOURCES`
points to another file; errors are Dutch and name the entry (`sources.yml, PV26, bron 2 (ckan)`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ida.errors import UsageError
from ida.settings import DEFAULT_SOURCES
from ida.standard.vocabularies import provinces

DEFAULT_TIMEOUT = 30.0


class RegistryError(UsageError):
    """sources.yml cannot be used; `problems` are Dutch, one per entry."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path, self.problems = str(path), problems
        super().__init__(f"{path}: " + "; ".join(problems))


def _http_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"'{value}' is geen http(s)-adres; geef een volledige URL, bijvoorbeeld https://data.provincie.nl")
    return value.strip()


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UploadSource(_Base):
    kind: Literal["upload"]

    @property
    def source_id(self) -> str:
        return "upload"


class CkanSource(_Base):
    kind: Literal["ckan"]
    url: str
    organization: str | None = None
    fq: str | None = None
    dataset_type: str | None = None
    timeout: float = Field(DEFAULT_TIMEOUT, gt=0, le=600)

    _url = field_validator("url")(classmethod(lambda cls, v: _http_url(v).rstrip("/")))

    @model_validator(mode="after")
    def _filter(self) -> CkanSource:
        if not (self.organization or self.fq):
            raise ValueError("geef 'organization' of 'fq' op, zodat alleen de datasets van deze provincie worden geoogst")
        return self

    @property
    def source_id(self) -> str:
        parts = [f"organization={self.organization}" if self.organization else "",
                 f"fq={self.fq}" if self.fq else "", f"type={self.dataset_type}" if self.dataset_type else ""]
        return f"ckan:{self.url}?" + "&".join(p for p in parts if p)

    @property
    def filter_query(self) -> str:
        """The Solr filter that selects this source's datasets."""
        clauses = []
        if self.organization:
            clauses.append(f'organization:"{self.organization}"')
        if self.dataset_type:
            clauses.append(f'dataset_type:"{self.dataset_type}"')
        if self.fq:
            clauses.append(f"({self.fq})")
        return " AND ".join(clauses) or "*:*"


class DcatSource(_Base):
    kind: Literal["dcat"]
    url: str
    timeout: float = Field(DEFAULT_TIMEOUT, gt=0, le=600)

    _url = field_validator("url")(classmethod(lambda cls, v: _http_url(v)))

    @property
    def source_id(self) -> str:
        return f"dcat:{self.url}"


Source = Annotated[Union[UploadSource, CkanSource, DcatSource], Field(discriminator="kind")]
HarvestSource = Union[CkanSource, DcatSource]


class _File(_Base):
    provinces: dict[str, list[Source]] = Field(default_factory=dict)


class Registry(BaseModel):
    """Per CBS code the province's sources; every province is present."""

    sources: dict[str, tuple[UploadSource | CkanSource | DcatSource, ...]]

    def harvested(self, province: str) -> list[HarvestSource]:
        """The ckan and dcat sources of `province` (what the harvest asset fetches)."""
        return [s for s in self.sources.get(province, ()) if not isinstance(s, UploadSource)]

    def has_upload(self, province: str) -> bool:
        return any(isinstance(s, UploadSource) for s in self.sources.get(province, ()))


_MESSAGES = {
    "missing": "'{field}' ontbreekt",
    "extra_forbidden": "onbekend veld '{field}' (toegestaan: kind, url, organization, fq, dataset_type, timeout)",
    "union_tag_invalid": "onbekend soort bron; 'kind' is upload, ckan of dcat",
    "union_tag_not_found": "'kind' ontbreekt; kies upload, ckan of dcat",
    "string_type": "'{field}' moet tekst zijn",
    "float_parsing": "'{field}' moet een getal zijn (seconden)",
    "greater_than": "'{field}' moet groter dan 0 zijn",
    "less_than_equal": "'{field}' mag hoogstens 600 zijn",
    "list_type": "de bronnen van een provincie zijn een lijst (regels die met '- kind:' beginnen)",
    "dict_type": "'provinces' moet per provincie een lijst van bronnen bevatten",
}


def _where(path: str, loc: tuple) -> tuple[str, str | None]:
    """'sources.yml, PV26, bron 2 (ckan)' and the field name, from a pydantic error location."""
    where, field = [path], None
    rest = list(loc)
    if rest and rest[0] == "provinces":
        rest.pop(0)
        if rest:
            where.append(str(rest.pop(0)))
        if rest and isinstance(rest[0], int):
            where.append(f"bron {rest.pop(0) + 1}")
        if rest and rest[0] in ("upload", "ckan", "dcat"):
            where[-1] += f" ({rest.pop(0)})"
    field = ".".join(str(p) for p in rest) or None
    return ", ".join(where), field


def translate_errors(path: str, error: ValidationError) -> list[str]:
    """Pydantic's errors as Dutch sentences naming the entry."""
    problems = []
    for item in error.errors():
        where, field = _where(path, item["loc"])
        template = _MESSAGES.get(item["type"])
        if template:
            message = template.format(field=field or "")
        else:
            message = str(item.get("msg", "")).removeprefix("Value error, ")
        problems.append(f"{where}: {message}")
    return problems


def parse_registry(text: str, path: str = "sources.yml") -> Registry:
    """Read a registry from YAML text; RegistryError (Dutch, per entry) when it is not valid."""
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        line = f" (regel {mark.line + 1})" if mark else ""
        raise RegistryError(path, [f"{path}: geen geldige YAML{line}"]) from None
    if not isinstance(document, dict):
        raise RegistryError(path, [f"{path}: verwacht een sleutel 'provinces' met per provincie een lijst van bronnen"])
    try:
        parsed = _File.model_validate(document)
    except ValidationError as error:
        raise RegistryError(path, translate_errors(path, error)) from None
    names = provinces()
    problems: list[str] = []
    sources: dict[str, tuple] = {}
    for key, entries in parsed.provinces.items():
        code = names.resolve(str(key))
        if code is None:
            problems.append(f"{path}, {key}: onbekende provincie; gebruik een CBS-code (PV20 … PV31) of de naam")
            continue
        if code in sources:
            problems.append(f"{path}, {key}: {names.label(code)} staat er twee keer in; voeg de bronnen samen")
            continue
        seen: dict[str, int] = {}
        for number, source in enumerate(entries, start=1):
            if source.source_id in seen:
                problems.append(f"{path}, {key}, bron {number} ({source.kind}): dezelfde bron als bron {seen[source.source_id]}")
            seen.setdefault(source.source_id, number)
        sources[code] = tuple(entries)
    if problems:
        raise RegistryError(path, problems)
    for code in names.codes:
        sources.setdefault(code, (UploadSource(kind="upload"),))
    return Registry(sources=sources)


def load_registry(path: Path = DEFAULT_SOURCES) -> Registry:
    """The registry at `path` (IDA_SOURCES, default `sources.yml`); without a file every province has upload only."""
    if not path.is_file():
        if path != DEFAULT_SOURCES:
            raise RegistryError(path, [f"{path}: bestand niet gevonden (IDA_SOURCES)"])
        return parse_registry("", str(path))
    return parse_registry(path.read_text(encoding="utf-8"), path.name)
