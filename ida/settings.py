"""The platform's settings: the only place that reads the environment (see README, "Omgevingsvariabelen").

Every entry point — the `ida` command, the Dagster code location, the dashboard — calls
`Settings.from_env()` once and passes the values on; nothing else reads or writes `os.environ`.
Every value has a default that needs nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from email.errors import HeaderParseError
from email.headerregistry import Address

from ida.errors import UsageError

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = REPO_ROOT / "data" / "samples"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEFAULT_SOURCES = REPO_ROOT / "sources.yml"
MIB = 1024 * 1024


class SettingsError(UsageError):
    """An environment variable holds a value the platform cannot use."""


@dataclass(frozen=True)
class Limits:
    """What one delivery may hold; readers refuse what crosses a limit."""

    max_file_bytes: int = 50 * MIB  # IDA_MAX_FILE_MB: one delivered file, also inside a ZIP (counted while unpacking)
    max_unpacked_bytes: int = 200 * MIB  # IDA_MAX_UNPACKED_MB: a ZIP or workbook unpacked, counted while unpacking
    max_rows: int = 200_000  # IDA_MAX_ROWS: rows of one delivery, all files together
    max_cells: int = 2_500_000  # IDA_MAX_CELLS: cells of one delivery, all files together
    max_line_bytes: int = 1 * MIB  # IDA_MAX_LINE_KB: one line of a CSV file
    max_shared_strings: int = 1_000_000  # IDA_MAX_SHARED_STRINGS: distinct texts in a workbook
    max_shared_string_bytes: int = 100 * MIB  # IDA_MAX_SHARED_STRINGS_MB: those texts together, in UTF-8
    max_findings: int = 1000  # IDA_MAX_FINDINGS: errors (and warnings) one report lists; the rest are counted

    @property
    def upload_mib(self) -> int:
        """What the dashboard lets a browser send per file, in MiB: twice the file limit, so that the upload page
        itself refuses a file over the limit with a Dutch message (Streamlit's own refusal is in English)."""
        return max(1, -(-2 * self.max_file_bytes // MIB))


@dataclass(frozen=True)
class HarvestSettings:
    """How patient harvesting is with the provinces' portals."""

    sources: Path = DEFAULT_SOURCES  # IDA_SOURCES: the source registry
    attempts: int = 3  # IDA_HARVEST_ATTEMPTS: tries per request on a transient error
    backoff: float = 1.0  # IDA_HARVEST_BACKOFF: first wait in seconds, doubling, at most 30
    max_bytes: int = 100 * MIB  # IDA_HARVEST_MAX_MB: one fetched file or catalogue page


CC0 = "http://creativecommons.org/publicdomain/zero/1.0/deed.nl"  # CC0 1.0, as the Dutch licence list names it
PUBLIC = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"


@dataclass(frozen=True)
class DcatSettings:
    """What the catalogue says about rights in DCAT-AP-NL (code-list URIs); the CKAN dicts and ckan.ini carry them."""

    access_rights: str = PUBLIC  # IDA_ACCESS_RIGHTS: dct:accessRights of every dataset
    data_license: str = CC0  # IDA_DATA_LICENSE: dct:license of every published file (distribution)
    metadata_license: str = CC0  # IDA_METADATA_LICENSE: dct:license of the catalogue's metadata


@dataclass(frozen=True)
class AgendaSettings:
    """When the learning agenda (ida/agenda.py) asks a province for attention, and how alike a lesson must be to be
    suggested as an answer to a learning question."""

    stale_lesson_months: int = 6  # IDA_AGENDA_STALE_LESSON_MONTHS: a running experiment without a new lesson this long
    dilemma_open_days: int = 90  # IDA_AGENDA_DILEMMA_OPEN_DAYS: an open dilemma longer than this at its level
    result_months: int = 12  # IDA_AGENDA_RESULT_MONTHS: an experiment with goals without a measured result this long
    min_score: float = 8.0  # IDA_SUGGEST_MIN_SCORE: the least search score (BM25) of a suggested lesson


SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}  # IDA_SMTP_SECURITY → the port when IDA_SMTP_PORT is empty


@dataclass(frozen=True)
class DigestSettings:
    """Where the weekly digest (ida/digest.py) goes: e-mail through an SMTP server to each province's functional
    mailbox; without a server, or for a province without a mailbox, an HTML file under `folder`."""

    folder: Path = REPO_ROOT / "var" / "digest"  # IDA_DIGEST_DIR: <folder>/<JJJJ-Www>/<PVxx>.html
    smtp_host: str | None = None  # IDA_SMTP_HOST: empty = no e-mail, only files
    smtp_port: int = SMTP_PORTS["starttls"]  # IDA_SMTP_PORT
    smtp_security: str = "starttls"  # IDA_SMTP_SECURITY: starttls, ssl (SMTPS) or none
    smtp_user: str | None = None  # IDA_SMTP_USER: empty = no login
    smtp_password: str | None = field(default=None, repr=False)  # IDA_SMTP_PASSWORD: never logged
    sender: str | None = None  # IDA_DIGEST_FROM: the From address
    mailboxes: Mapping[str, str] = field(default_factory=dict)  # IDA_DIGEST_MAILBOXES: CBS code → functional mailbox


def _address(name: str, value: str) -> str:
    """`value` if it is one plain e-mail address (local@domain), else a SettingsError naming `name`."""
    try:
        address = Address(addr_spec=value)
    except (HeaderParseError, ValueError, IndexError):
        address = None
    if address is None or not address.domain or "." not in address.domain:
        raise SettingsError(f"{name}: {value!r} is geen e-mailadres. Schrijf een adres als postbus@provincie.nl.")
    return address.addr_spec


def _mailboxes(value: str) -> dict[str, str]:
    """`PV20=a@b.nl,PV26=c@d.nl` (also `;` between entries, a province's name for its code) → code → address."""
    from ida.standard.vocabularies import provinces

    found: dict[str, str] = {}
    for entry in value.replace(";", ",").split(","):
        if not entry.strip():
            continue
        name, sign, address = entry.partition("=")
        code = provinces().resolve(name) if sign else None
        if code is None:
            raise SettingsError(f"IDA_DIGEST_MAILBOXES: {entry.strip()!r} is geen PVxx=adres. Schrijf bijvoorbeeld "
                                "IDA_DIGEST_MAILBOXES=\"PV20=leren@provinciegroningen.nl,PV26=leren@provincie-utrecht.nl\".")
        if code in found:
            raise SettingsError(f"IDA_DIGEST_MAILBOXES noemt {code} twee keer. Geef elke provincie één postbus.")
        found[code] = _address("IDA_DIGEST_MAILBOXES", address.strip())
    return found


@dataclass(frozen=True)
class Settings:
    """Paths, limits and endpoints of one platform installation."""

    var_dir: Path
    warehouse: Path
    landing_dirs: tuple[Path, ...]
    submissions_dir: Path
    upload_tokens: Path
    coordinator_tokens: Path  # hashes of the IPO coordinators' tokens, apart from the provinces' upload tokens
    audit_log: Path  # the append-only log of every curation action (JSON lines)
    serving_dir: Path
    export_dir: Path
    dagster_home: Path
    ckan_var: Path
    ckan_url: str | None = None
    ckan_api_token: str | None = field(default=None, repr=False)
    upload_token: str | None = field(default=None, repr=False)
    coordinator_token: str | None = field(default=None, repr=False)  # for `ida classify`
    limits: Limits = Limits()
    harvest: HarvestSettings = HarvestSettings()
    dcat: DcatSettings = DcatSettings()
    agenda: AgendaSettings = AgendaSettings()
    digest: DigestSettings = DigestSettings()
    dbt_project_dir: Path = DBT_PROJECT_DIR

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def path(name: str, default: Path) -> Path:
            value = env.get(name)
            return Path(value).expanduser().resolve() if value else default

        def number(name: str, default: float, convert=float) -> float:
            value = (env.get(name) or "").strip()
            if not value:
                return default
            try:
                result = convert(value)
            except ValueError:
                raise SettingsError(f"{name}={value!r} is geen getal. Zet een getal of laat de variabele leeg.") from None
            if result <= 0:
                raise SettingsError(f"{name}={value!r} moet groter dan 0 zijn.")
            return result

        def uri(name: str, default: str) -> str:
            value = (env.get(name) or "").strip()
            if value and not value.startswith(("http://", "https://")):
                raise SettingsError(f"{name}={value!r} is geen URI. Zet een http(s)-URI uit de codelijst "
                                    "of laat de variabele leeg.")
            return value or default

        var_dir = path("IDA_VAR_DIR", REPO_ROOT / "var")
        security = (env.get("IDA_SMTP_SECURITY") or "starttls").strip().lower()
        if security not in SMTP_PORTS:
            raise SettingsError(f"IDA_SMTP_SECURITY={security!r} ken ik niet. Kies starttls, ssl of none.")
        smtp_host = (env.get("IDA_SMTP_HOST") or "").strip() or None
        sender = (env.get("IDA_DIGEST_FROM") or "").strip()
        if smtp_host and not sender:
            raise SettingsError("IDA_SMTP_HOST is gezet maar IDA_DIGEST_FROM niet. Zet het afzenderadres van de "
                                "weekberichten, bijvoorbeeld IDA_DIGEST_FROM=leerplatform@ipo.nl.")
        landing = env.get("IDA_LANDING")
        landing_dirs = (tuple(Path(p).expanduser().resolve() for p in landing.split(os.pathsep) if p)
                        if landing else (SAMPLES_DIR,))
        return cls(
            var_dir=var_dir,
            warehouse=path("IDA_WAREHOUSE", var_dir / "warehouse.duckdb"),
            landing_dirs=landing_dirs,
            submissions_dir=path("IDA_SUBMISSIONS", var_dir / "submissions"),
            upload_tokens=path("IDA_UPLOAD_TOKENS", var_dir / "upload_tokens.json"),
            serving_dir=path("IDA_SERVING_DIR", var_dir / "serving"),
            export_dir=path("IDA_EXPORT_DIR", var_dir / "export"),
            dagster_home=path("DAGSTER_HOME", var_dir / "dagster"),
            ckan_var=path("CKAN_VAR", REPO_ROOT / "var" / "ckan"),
            ckan_url=env.get("CKAN_URL") or None,
            ckan_api_token=env.get("CKAN_API_TOKEN") or None,
            upload_token=env.get("IDA_UPLOAD_TOKEN") or None,
            coordinator_tokens=path("IDA_COORDINATOR_TOKENS", var_dir / "coordinator_tokens.json"),
            coordinator_token=env.get("IDA_COORDINATOR_TOKEN") or None,
            audit_log=path("IDA_AUDIT_LOG", var_dir / "audit" / "curation.jsonl"),
            limits=Limits(
                max_file_bytes=int(number("IDA_MAX_FILE_MB", Limits.max_file_bytes / MIB) * MIB),
                max_unpacked_bytes=int(number("IDA_MAX_UNPACKED_MB", Limits.max_unpacked_bytes / MIB) * MIB),
                max_rows=int(number("IDA_MAX_ROWS", Limits.max_rows, int)),
                max_cells=int(number("IDA_MAX_CELLS", Limits.max_cells, int)),
                max_line_bytes=int(number("IDA_MAX_LINE_KB", Limits.max_line_bytes / 1024) * 1024),
                max_shared_strings=int(number("IDA_MAX_SHARED_STRINGS", Limits.max_shared_strings, int)),
                max_shared_string_bytes=int(number("IDA_MAX_SHARED_STRINGS_MB", Limits.max_shared_string_bytes / MIB) * MIB),
                max_findings=int(number("IDA_MAX_FINDINGS", Limits.max_findings, int)),
            ),
            harvest=HarvestSettings(
                sources=path("IDA_SOURCES", DEFAULT_SOURCES),
                attempts=int(number("IDA_HARVEST_ATTEMPTS", HarvestSettings.attempts, int)),
                backoff=number("IDA_HARVEST_BACKOFF", HarvestSettings.backoff),
                max_bytes=int(number("IDA_HARVEST_MAX_MB", HarvestSettings.max_bytes / MIB) * MIB),
            ),
            dcat=DcatSettings(
                access_rights=uri("IDA_ACCESS_RIGHTS", DcatSettings.access_rights),
                data_license=uri("IDA_DATA_LICENSE", DcatSettings.data_license),
                metadata_license=uri("IDA_METADATA_LICENSE", DcatSettings.metadata_license),
            ),
            digest=DigestSettings(
                folder=path("IDA_DIGEST_DIR", var_dir / "digest"),
                smtp_host=smtp_host,
                smtp_port=int(number("IDA_SMTP_PORT", SMTP_PORTS[security], int)),
                smtp_security=security,
                smtp_user=env.get("IDA_SMTP_USER") or None,
                smtp_password=env.get("IDA_SMTP_PASSWORD") or None,
                sender=_address("IDA_DIGEST_FROM", sender) if sender else None,
                mailboxes=_mailboxes(env.get("IDA_DIGEST_MAILBOXES") or ""),
            ),
            agenda=AgendaSettings(
                stale_lesson_months=int(number("IDA_AGENDA_STALE_LESSON_MONTHS", AgendaSettings.stale_lesson_months, int)),
                dilemma_open_days=int(number("IDA_AGENDA_DILEMMA_OPEN_DAYS", AgendaSettings.dilemma_open_days, int)),
                result_months=int(number("IDA_AGENDA_RESULT_MONTHS", AgendaSettings.result_months, int)),
                min_score=number("IDA_SUGGEST_MIN_SCORE", AgendaSettings.min_score),
            ),
        )
