"""The weekly digest (weekbericht) per province: its learning agenda (ida.agenda) and what other provinces newly
learned on its core tasks, as an e-mail (plain text and HTML) to its functional mailbox, or as an HTML file.

"Newly learned" is a lesson of another province dated (`lesson_date`, the date the province gave it) in the seven
days before `today`, on a core task the province runs a (not stopped) experiment in. A province with nothing on its
agenda and nothing new elsewhere gets no digest: no message is no news. A sent e-mail is kept beside the files
(`.eml`), so that a re-run of the same week sends only what was not sent yet. All user text is plain text: the HTML
template escapes every value (Jinja2 autoescape), nothing is read as Markdown or HTML.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ida import agenda as leeragenda
from ida.mail import MailError, send
from ida.settings import AgendaSettings, DigestSettings
from ida.standard.vocabularies import provinces

WINDOW_DAYS = 7
SENDER_NAME = "IDA Leerplatform"
TIMEZONE = ZoneInfo("Europe/Amsterdam")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")
TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                        autoescape=select_autoescape(enabled_extensions=("html.j2",)), undefined=StrictUndefined,
                        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@dataclass(frozen=True)
class NewLesson:
    """A lesson another province recorded in the digest's window."""

    lesson_key: str
    province_name: str
    experiment_title: str
    core_task_label: str
    lesson_date: date
    text: str


@dataclass(frozen=True)
class Digest:
    """One province's digest for the week of `today`."""

    province_code: str
    province_name: str
    today: date
    core_tasks: tuple[str, ...]  # labels of the core tasks it runs experiments in
    agenda: tuple[leeragenda.AgendaItem, ...]
    why_empty: str  # why the agenda is empty (shown only then)
    learned: tuple[NewLesson, ...]

    @property
    def week(self) -> str:
        """The ISO week of `today`, as the digest's folder is named: 2026-W49."""
        year, week, _ = self.today.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=WINDOW_DAYS)

    @property
    def last_day(self) -> date:
        return self.today - timedelta(days=1)

    @property
    def empty(self) -> bool:
        return not self.agenda and not self.learned

    @property
    def subject(self) -> str:
        return (f"Weekbericht IDA Leerplatform voor {self.province_name}, week {self.today.isocalendar()[1]}: "
                f"{_count(len(self.agenda), 'punt', 'punten')} op de leeragenda, "
                f"{_count(len(self.learned), 'nieuwe les', 'nieuwe lessen')} van andere provincies")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def dutch_date(day: date) -> str:
    """30 november 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def today_in_amsterdam() -> date:
    return datetime.now(TIMEZONE).date()


def compose(con: duckdb.DuckDBPyConnection, limits: AgendaSettings, province: str, today: date) -> Digest:
    """The digest of `province` (a CBS code) for `today`, from a serving-copy connection."""
    core_tasks = tuple(label for (label,) in con.execute("""
        select distinct core_task_label from marts.experiments
        where province_code = ? and not is_stopped and core_task_label is not null order by 1
    """, [province]).fetchall())
    rows = con.execute("""
        select lesson_key, province_name, experiment_title, core_task_label, lesson_date, lesson_text
        from marts.lessons
        where province_code != ? and lesson_date >= ? and lesson_date < ?
          and core_task in (select core_task from marts.experiments where province_code = ? and not is_stopped)
        order by core_task_label, lesson_date desc, lesson_key
    """, [province, today - timedelta(days=WINDOW_DAYS), today, province]).fetchall()
    items = tuple(leeragenda.agenda(con, limits, today, province))
    return Digest(province, provinces().label(province), today, core_tasks, items,
                  "" if items else leeragenda.why_empty(con, limits, province), tuple(NewLesson(*row) for row in rows))


def _context(digest: Digest) -> dict:
    names = {row["code"]: row["naam"] for row in provinces().rows}
    return {"d": digest, "kinds": leeragenda.KINDS, "names": names, "day": dutch_date}


def text(digest: Digest) -> str:
    """The digest as plain text."""
    return TEMPLATES.get_template("digest.txt.j2").render(_context(digest))


def html(digest: Digest) -> str:
    """The digest as an HTML page; every value escaped."""
    return TEMPLATES.get_template("digest.html.j2").render(_context(digest))


def message(digest: Digest, sender: str, to: str) -> EmailMessage:
    """The digest as a multipart/alternative e-mail (plain text first, then HTML)."""
    mail = EmailMessage()
    mail["Subject"] = digest.subject
    mail["From"] = Address(SENDER_NAME, addr_spec=sender)
    mail["To"] = Address(f"Leerplatform {digest.province_name}", addr_spec=to)
    mail["Date"] = format_datetime(datetime.now(TIMEZONE))
    mail["Message-ID"] = make_msgid(f"digest.{digest.week}.{digest.province_code}", domain=sender.rpartition("@")[2])
    mail["Content-Language"] = "nl"
    mail.set_content(text(digest))
    mail.add_alternative(html(digest), subtype="html")
    return mail


def digest_file(digest: Digest, folder: Path, suffix: str) -> Path:
    """`<folder>/<week>/<PVxx><suffix>`: `.html` for the digest as a file, `.eml` for the copy of a sent e-mail."""
    return folder / digest.week / f"{digest.province_code}{suffix}"


def _write(target: Path, data: bytes) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, target)
    return target


def write(digest: Digest, folder: Path) -> Path:
    """Write the digest as `<folder>/<week>/<PVxx>.html`, atomically; the path."""
    return _write(digest_file(digest, folder, ".html"), html(digest).encode("utf-8"))


@dataclass
class Report:
    """What one round of digests did, per province."""

    sent: dict[str, str] = field(default_factory=dict)  # code → mailbox
    written: dict[str, Path] = field(default_factory=dict)  # code → file
    already: dict[str, Path] = field(default_factory=dict)  # code → copy of the e-mail sent earlier for this week
    quiet: dict[str, str] = field(default_factory=dict)  # code → why there was nothing to send
    failed: dict[str, str] = field(default_factory=dict)  # code → Dutch message (the digest is then written too)

    @property
    def ok(self) -> bool:
        return not self.failed

    def lines(self) -> list[str]:
        """One Dutch line per province, in code order."""
        outcome = {**{c: f"verzonden naar {a}" for c, a in self.sent.items()},
                   **{c: f"geschreven naar {p}" for c, p in self.written.items() if c not in self.failed},
                   **{c: f"deze week al verzonden (kopie: {p}; verwijder die om opnieuw te sturen)"
                      for c, p in self.already.items()},
                   **{c: f"geen bericht: {r}" for c, r in self.quiet.items()},
                   **{c: f"mislukt: {m}" for c, m in self.failed.items()}}
        return [f"{code} {provinces().label(code)}: {outcome[code]}" for code in sorted(outcome)]


def deliver(con: duckdb.DuckDBPyConnection, settings: DigestSettings, limits: AgendaSettings, today: date,
            codes: Iterable[str] | None = None, out: Path | None = None,
            warn: Callable[[str], None] = lambda _: None) -> Report:
    """Compose the digest of each province (`codes`, default all twelve) for `today` and deliver it: by e-mail when an
    SMTP server is configured and the province has a mailbox, else as a file under `out` (default settings.folder).
    With `out` given, only files are written. A failed e-mail is also written as a file; `warn` hears why. A sent
    e-mail is kept as `<week>/<PVxx>.eml`; while that copy exists, the province's digest of that week is not sent again
    (a re-run sends only what failed)."""
    report = Report()
    folder = out or settings.folder
    for code in codes or provinces().codes:
        digest = compose(con, limits, code, today)
        if digest.empty:
            report.quiet[code] = ("geen punten op de leeragenda en niets nieuw geleerd door andere provincies op "
                                  f"uw kerntaken. {digest.why_empty}")
            continue
        mailbox = settings.mailboxes.get(code)
        if out is None and settings.smtp_host and mailbox:
            copy = digest_file(digest, folder, ".eml")
            if copy.exists():
                report.already[code] = copy
                continue
            mail = message(digest, settings.sender or "", mailbox)
            try:
                send(settings, mail)
            except MailError as problem:
                report.failed[code] = str(problem)
                report.written[code] = write(digest, folder)
                warn(f"{code}: het weekbericht is niet verzonden ({problem}); het staat in {report.written[code]}.")
            else:
                report.sent[code] = mailbox
                _write(copy, bytes(mail))
            continue
        report.written[code] = write(digest, folder)
        if out is None and settings.smtp_host:
            warn(f"{code} ({digest.province_name}) heeft geen postbus in IDA_DIGEST_MAILBOXES: het weekbericht is niet "
                 f"verzonden maar staat in {report.written[code]}.")
    return report
