"""The weekly digest end to end, on a platform folder of its own and a real SMTP server on localhost (aiosmtpd).

Four provinces deliver; the real pipeline builds the marts and the serving copy. For Monday 16 November 2026 the
window is 9–15 November:
- Utrecht (PV26) runs a bereikbaarheid experiment, silent since March 2025 (one point on its agenda), whose title
  is hostile HTML; it hears of Limburg's and Drenthe's lessons in the window;
- Limburg (PV31) records a hostile lesson in the window, one the day before it and one on the Monday itself;
- Drenthe (PV22) has no mailbox: its digest becomes a file, with a warning;
- Groningen (PV20) works on cultuur_erfgoed only, learned recently and hears of nothing new: it gets no digest.
"""

from __future__ import annotations

import csv
import logging
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import dagster as dg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from ida import digest
from ida.settings import Settings, SettingsError
from ida.warehouse import serving

IDA = str(Path(sys.executable).with_name("ida"))
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # the test server, on localhost
TODAY = date(2026, 11, 16)  # a Monday, ISO week 47
USER, PASSWORD = "leerplatform", "Geheim-wachtwoord-7319"
MAILBOXES = {"PV26": "leren@provincie-utrecht.nl", "PV31": "leren@prvlimburg.nl", "PV20": "leren@provinciegroningen.nl"}
HOSTILE = '<script>alert(1)</script> =HYPERLINK("http://evil.example","klik")'
HOSTILE_TITLE = 'Slimme <b>verkeerslichten</b> & "data"'
DRENTHE = "Deel de verkeersdata met de buurprovincies voordat je zelf gaat meten."
TOO_OLD, SAME_DAY = "Een les van net voor het venster.", "Een les van de maandag zelf."


def lesson(les_id: str, experiment_id: str, day: str, text: str) -> dict[str, str]:
    return {"les_id": les_id, "experiment_id": experiment_id, "datum": day, "leerrichting": "horizontaal",
            "categorie": "gegevensmanagement", "les": text, "dilemma": "nee", "escalatieniveau": "", "status": "open"}


def experiment(experiment_id: str, province: str, title: str, core_task: str, start: str) -> dict[str, str]:
    return {"experiment_id": experiment_id, "provincie": province, "titel": title, "kerntaak": core_task,
            "ida_spoor": "maatschappelijke_opgaven", "fase": "experiment", "startdatum": start}


DELIVERIES = {
    "PV26": {"experimenten": [experiment("UTR-D-1", "PV26", HOSTILE_TITLE, "bereikbaarheid", "2025-01-01")],
             "lessen": [lesson("UTR-D-1-L1", "UTR-D-1", "2025-03-01", "Een oude les van Utrecht zelf.")]},
    "PV31": {"experimenten": [experiment("LIM-D-1", "PV31", "Grensverkeer in beeld", "bereikbaarheid", "2025-01-01")],
             "lessen": [lesson("LIM-D-1-L1", "LIM-D-1", "2026-11-12", HOSTILE),
                        lesson("LIM-D-1-L2", "LIM-D-1", "2026-11-08", TOO_OLD),
                        lesson("LIM-D-1-L3", "LIM-D-1", "2026-11-16", SAME_DAY)]},
    "PV22": {"experimenten": [experiment("DRE-D-1", "PV22", "Verkeersdata Drenthe", "bereikbaarheid", "2025-06-01")],
             "lessen": [lesson("DRE-D-1-L1", "DRE-D-1", "2026-11-10", DRENTHE)]},
    "PV20": {"experimenten": [experiment("GRO-D-1", "PV20", "Erfgoed in 3D", "cultuur_erfgoed", "2026-01-01")],
             "lessen": [lesson("GRO-D-1-L1", "GRO-D-1", "2026-11-01", "Een recente les van Groningen.")]},
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A platform folder of its own, the four deliveries landed and the real pipeline run over them."""
    from orchestration.pipeline import run_pipeline

    root = tmp_path_factory.mktemp("digest")
    for province, tables in DELIVERIES.items():
        folder = root / "landing" / province / "2026-11-15-levering"
        folder.mkdir(parents=True)
        for name, rows in tables.items():
            with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("IDA_", "CKAN_URL", "CKAN_API_TOKEN", "DAGSTER_HOME"))}
    env = {**env, "IDA_VAR_DIR": str(root / "var"), "IDA_LANDING": str(root / "landing")}
    result = run_pipeline(None, dg.DagsterInstance.ephemeral(), settings=Settings.from_env(env))
    assert result.success, "\n".join(result.summary)
    return env


class Inbox:
    """A real SMTP server's handler and authenticator: keeps every message it accepts, answers the first `defer`
    messages with 451 (try later), and accepts only USER with PASSWORD."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.logins: list[tuple[str, bool]] = []
        self.defer = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.defer:
            self.defer -= 1
            return "451 4.3.0 Tijdelijk niet beschikbaar, probeer later"
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode())
        self.logins.append((auth_data.login.decode(), ok))
        return AuthResult(success=ok, handled=False)  # a refusal answered "535 credentials invalid"

    def to(self, address: str) -> EmailMessage:
        found = [m for rcpt, m in self.messages if rcpt == [address]]
        assert len(found) == 1, f"{len(found)} messages to {address}"
        return found[0]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on 127.0.0.1 (a free port) that requires a login."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=inbox, auth_required=True,
                            auth_require_tls=False)
    controller.start()
    yield inbox, port
    controller.stop()


def mail_env(platform: dict[str, str], port: int, folder: Path, password: str = PASSWORD) -> dict[str, str]:
    """The platform with the test server as its SMTP server, and its own digest folder (where sent copies are kept)."""
    return {**platform, "IDA_DIGEST_DIR": str(folder), "IDA_SMTP_HOST": "127.0.0.1", "IDA_SMTP_PORT": str(port), "IDA_SMTP_SECURITY": "none",
            "IDA_SMTP_USER": USER, "IDA_SMTP_PASSWORD": password, "IDA_DIGEST_FROM": "leerplatform@ipo.nl",
            "IDA_DIGEST_MAILBOXES": ",".join(f"{code}={address}" for code, address in MAILBOXES.items())}


def deliver(env: dict[str, str], **options) -> tuple[digest.Report, list[str]]:
    settings = Settings.from_env(env)
    warnings: list[str] = []
    with serving.connect(settings.serving_dir) as con:
        report = digest.deliver(con, settings.digest, settings.agenda, TODAY, warn=warnings.append, **options)
    return report, warnings


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and the HTML part of a multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative"
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


# ------------------------------------------------------------------------------------------ e-mail

def test_each_province_gets_its_digest_in_its_mailbox(platform, smtp, tmp_path, caplog, capfd) -> None:
    inbox, port = smtp
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.WARNING, logger="mail.log")  # the test server's own log: every line it reads
    report, warnings = deliver(mail_env(platform, port, tmp_path))

    assert report.sent == {"PV26": MAILBOXES["PV26"], "PV31": MAILBOXES["PV31"]} and report.ok
    assert inbox.logins and all(login == (USER, True) for login in inbox.logins)
    utrecht = inbox.to(MAILBOXES["PV26"])
    assert utrecht["Subject"] == ("Weekbericht IDA Leerplatform voor Utrecht, week 47: 1 punt op de leeragenda, "
                                  "2 nieuwe lessen van andere provincies")
    assert utrecht["From"].addresses[0].addr_spec == "leerplatform@ipo.nl"
    text, html = parts(utrecht)
    # the agenda: Utrecht's experiment has had no lesson since March 2025
    assert "Geen nieuwe les: " + HOSTILE_TITLE in text and "sinds 01-03-2025 geen nieuwe les" in text
    # what others learned in the window, on bereikbaarheid: Limburg's and Drenthe's lessons, nothing outside it
    assert HOSTILE in text and DRENTHE in text and "Lessen van 9 november 2026 tot en met 15 november 2026" in text
    for absent in (TOO_OLD, SAME_DAY, "Een oude les van Utrecht zelf."):
        assert absent not in text and absent not in html
    # hostile text shows as text in the HTML: escaped, never markup
    assert "<script>" not in html and "<b>verkeerslichten" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; =HYPERLINK(&#34;http://evil.example&#34;,&#34;klik&#34;)" in html
    assert "Slimme &lt;b&gt;verkeerslichten&lt;/b&gt; &amp; &#34;data&#34;" in html
    # Limburg hears of Drenthe, not of its own lessons
    limburg_text, _ = parts(inbox.to(MAILBOXES["PV31"]))
    assert DRENTHE in limburg_text and HOSTILE not in limburg_text and "Niets op de leeragenda." in limburg_text
    # Groningen: nothing on its agenda, nothing new on its core task: no message, and the report says why
    assert all(rcpt != [MAILBOXES["PV20"]] for rcpt, _ in inbox.messages)
    assert report.quiet["PV20"].startswith("geen punten op de leeragenda en niets nieuw geleerd")
    # Drenthe has no mailbox: a file and a Dutch warning
    assert report.written == {"PV22": tmp_path / "2026-W47" / "PV22.html"}
    assert warnings == [f"PV22 (Drenthe) heeft geen postbus in IDA_DIGEST_MAILBOXES: het weekbericht is niet "
                        f"verzonden maar staat in {report.written['PV22']}."]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report.written["PV22"].read_text(encoding="utf-8")
    # the password went to the server only
    out, err = capfd.readouterr()
    assert PASSWORD not in "\n".join([caplog.text, out, err, *report.lines(), *warnings])
    assert PASSWORD not in repr(Settings.from_env(mail_env(platform, port, tmp_path)))


def test_a_second_run_of_the_week_sends_only_what_was_not_sent(platform, smtp, tmp_path) -> None:
    inbox, port = smtp
    env = mail_env(platform, port, tmp_path)
    first, _ = deliver(env, codes=["PV26", "PV31"])
    copy = tmp_path / "2026-W47" / "PV26.eml"
    assert first.sent.keys() == {"PV26", "PV31"}
    assert message_from_bytes(copy.read_bytes(), policy=policy.default)["Subject"] == inbox.to(MAILBOXES["PV26"])["Subject"]
    again, _ = deliver(env, codes=["PV26", "PV31"])
    assert again.already == {"PV26": copy, "PV31": tmp_path / "2026-W47" / "PV31.eml"} and not again.sent
    assert len(inbox.messages) == 2 and "PV26 Utrecht: deze week al verzonden" in again.lines()[0]
    copy.unlink()  # what the line says to do to send it again
    third, _ = deliver(env, codes=["PV26", "PV31"])
    assert third.sent == {"PV26": MAILBOXES["PV26"]} and len(inbox.messages) == 3


def test_a_transient_refusal_is_tried_again(platform, smtp, tmp_path) -> None:
    inbox, port = smtp
    inbox.defer = 1  # "451 try later" for the first message
    report, _ = deliver(mail_env(platform, port, tmp_path), codes=["PV26"])
    assert report.sent == {"PV26": MAILBOXES["PV26"]} and report.ok
    assert len(inbox.messages) == 1 and len(inbox.logins) == 2  # a second connection, one message


def test_a_refused_login_fails_in_dutch_and_keeps_the_digest_as_a_file(platform, smtp, tmp_path) -> None:
    inbox, port = smtp
    wrong = "Fout-wachtwoord-4242"
    report, warnings = deliver(mail_env(platform, port, tmp_path, password=wrong), codes=["PV26"])
    # smtplib tries each mechanism the server offers (PLAIN, LOGIN) on one connection; a refusal is not tried again
    assert not report.ok and not inbox.messages and inbox.logins == [(USER, False)] * 2
    assert report.failed["PV26"].startswith("De SMTP-server 127.0.0.1:")
    assert "weigert de aanmelding van 'leerplatform'. Controleer IDA_SMTP_USER en IDA_SMTP_PASSWORD." in report.failed["PV26"]
    assert report.written["PV26"].is_file() and warnings and wrong not in "\n".join([*warnings, *report.lines()])


def test_an_unreachable_server_fails_after_the_attempts(platform, tmp_path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    report, _ = deliver(mail_env(platform, port, tmp_path), codes=["PV31"])
    assert "Verzenden via 127.0.0.1" in report.failed["PV31"] and "na 3 pogingen" in report.failed["PV31"]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (openssl)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_the_digest_travels_encrypted_and_the_certificate_is_checked(platform, certificate, monkeypatch, tmp_path,
                                                                     security) -> None:
    """STARTTLS (the default) and SMTPS against a server that accepts a login only over TLS; the client checks the
    server's certificate: trusted (SSL_CERT_FILE), the digest arrives; not trusted, a Dutch refusal and no message."""
    cert, key = certificate
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    # aiosmtpd counts only STARTTLS as TLS for AUTH; with SMTPS the whole connection is TLS from the start
    tls = ({"tls_context": server_side, "require_starttls": True} if security == "starttls" else
           {"ssl_context": server_side, "auth_require_tls": False})
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=inbox, auth_required=True, **tls)
    controller.start()
    try:
        env = {**mail_env(platform, port, tmp_path), "IDA_SMTP_SECURITY": security}
        untrusted, _ = deliver(env, codes=["PV26"])
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # what OpenSSL trusts besides the system's authorities
        trusted, _ = deliver(env, codes=["PV26"])
    finally:
        controller.stop()
    assert "De versleutelde verbinding met 127.0.0.1:" in untrusted.failed["PV26"]
    assert "Controleer IDA_SMTP_SECURITY en IDA_SMTP_PORT." in untrusted.failed["PV26"]
    assert trusted.sent == {"PV26": MAILBOXES["PV26"]}, trusted.failed
    assert inbox.logins == [(USER, True)]
    assert parts(inbox.to(MAILBOXES["PV26"]))[0].startswith("Weekbericht IDA Leerplatform voor Utrecht")


def test_starttls_against_a_server_without_it_is_refused_in_dutch(platform, smtp, tmp_path) -> None:
    _, port = smtp
    report, _ = deliver({**mail_env(platform, port, tmp_path), "IDA_SMTP_SECURITY": "starttls"}, codes=["PV26"])
    assert "kan dit niet" in report.failed["PV26"] and "Controleer IDA_SMTP_SECURITY" in report.failed["PV26"]


# ------------------------------------------------------------------------------------------ files

def test_without_an_smtp_server_the_digests_are_html_files(platform, tmp_path) -> None:
    report, warnings = deliver(platform)
    folder = Path(platform["IDA_VAR_DIR"]) / "digest" / "2026-W47"
    assert not report.sent and not warnings and report.ok
    assert report.written == {code: folder / f"{code}.html" for code in ("PV22", "PV26", "PV31")}
    assert sorted(p.name for p in folder.iterdir()) == ["PV22.html", "PV26.html", "PV31.html"]  # nothing half-written
    page = (folder / "PV26.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="nl">' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page and DRENTHE in page
    assert "PV20" in report.quiet


def test_a_province_with_nothing_to_say_gets_no_digest(platform) -> None:
    settings = Settings.from_env(platform)
    with serving.connect(settings.serving_dir) as con:
        groningen = digest.compose(con, settings.agenda, "PV20", TODAY)
        utrecht = digest.compose(con, settings.agenda, "PV26", TODAY)
    assert groningen.empty and groningen.core_tasks == ("Cultuur en erfgoed",) and groningen.why_empty
    assert not utrecht.empty and [n.lesson_key for n in utrecht.learned] == ["PV31:LIM-D-1-L1", "PV22:DRE-D-1-L1"]


# ------------------------------------------------------------------------------------------ command line

def test_ida_digest_writes_and_reports_per_province(platform, tmp_path) -> None:
    done = subprocess.run([IDA, "digest", "--today", "2026-11-16", "--out", str(tmp_path)], capture_output=True,
                          text=True, env=platform, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert f"PV26 Utrecht: geschreven naar {tmp_path / '2026-W47' / 'PV26.html'}" in lines
    assert any(line.startswith("PV20 Groningen: geen bericht: geen punten op de leeragenda") for line in lines)
    assert len(lines) == 12 and (tmp_path / "2026-W47" / "PV31.html").is_file()


def test_ida_digest_sends_and_fails_with_exit_1_without_telling_the_password(platform, smtp, tmp_path) -> None:
    inbox, port = smtp
    env = mail_env(platform, port, tmp_path)
    sent = subprocess.run([IDA, "digest", "--today", "2026-11-16", "--province", "Utrecht"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip() == f"PV26 Utrecht: verzonden naar {MAILBOXES['PV26']}"
    assert inbox.to(MAILBOXES["PV26"])["Subject"].startswith("Weekbericht IDA Leerplatform voor Utrecht")
    refused = subprocess.run([IDA, "digest", "--today", "2026-11-16", "--province", "PV31"], capture_output=True,
                             text=True, env={**env, "IDA_SMTP_PASSWORD": "Fout-9876"}, timeout=120)
    assert refused.returncode == 1 and "weigert de aanmelding" in refused.stdout + refused.stderr
    assert "Fout-9876" not in refused.stdout + refused.stderr
    wrong_day = subprocess.run([IDA, "digest", "--today", "16-11-2026"], capture_output=True, text=True, env=env, timeout=120)
    assert wrong_day.returncode == 2 and "is geen datum" in wrong_day.stderr


# ------------------------------------------------------------------------------------------ Dagster

def test_the_schedule_runs_the_digest_job_on_monday_morning(platform) -> None:
    from orchestration.definitions import build_defs

    defs = build_defs(Settings.from_env(platform))
    schedule = defs.resolve_schedule_def("weekly_digest")
    assert (schedule.cron_schedule, schedule.execution_timezone, schedule.job_name) == \
        ("0 7 * * 1", "Europe/Amsterdam", "ida_digest")
    tick = datetime.fromisoformat("2026-11-16T07:00:00+01:00")
    request = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=tick)).run_requests[0]
    assert request.run_key == "digest-2026-11-16"
    assert request.run_config == {"ops": {"digest_mail": {"config": {"today": "2026-11-16"}}}}
    assert "digest_mail" not in {k.to_user_string() for k in defs.resolve_job_def("ida_pipeline").asset_layer.selected_asset_keys}


def test_a_run_of_the_digest_job_writes_the_files(platform, tmp_path) -> None:
    from orchestration.definitions import build_defs

    env = {**platform, "IDA_DIGEST_DIR": str(tmp_path)}
    job = build_defs(Settings.from_env(env)).resolve_job_def("ida_digest")
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(),
                                    run_config={"ops": {"digest_mail": {"config": {"today": "2026-11-16"}}}})
    assert result.success
    assert sorted(p.name for p in (tmp_path / "2026-W47").iterdir()) == ["PV22.html", "PV26.html", "PV31.html"]
    metadata = result.asset_materializations_for_node("digest_mail")[0].metadata
    assert (metadata["bestanden"].value, metadata["niets_te_melden"].value, metadata["verzonden"].value) == (3, 9, 0)


def test_a_run_that_sends_keeps_the_password_out_of_its_log(platform, smtp, monkeypatch, tmp_path) -> None:
    from orchestration.definitions import build_defs

    inbox, port = smtp
    env = mail_env(platform, port, tmp_path)
    monkeypatch.setenv("IDA_SMTP_PASSWORD", PASSWORD)  # the resource reads it as an EnvVar when the run starts
    instance = dg.DagsterInstance.ephemeral()
    result = build_defs(Settings.from_env(env)).resolve_job_def("ida_digest").execute_in_process(
        instance=instance, run_config={"ops": {"digest_mail": {"config": {"today": "2026-11-16", "province": "PV26"}}}})
    assert result.success and inbox.to(MAILBOXES["PV26"])
    logged = "\n".join(str(entry) for entry in instance.all_logs(result.run_id))
    assert "verzonden naar leren@provincie-utrecht.nl" in logged and PASSWORD not in logged
    assert PASSWORD not in str(instance.get_run_by_id(result.run_id).run_config)


# ------------------------------------------------------------------------------------------ settings

def test_mailboxes_and_smtp_settings_are_checked_in_dutch() -> None:
    settings = Settings.from_env({"IDA_DIGEST_MAILBOXES": "PV20=a@groningen.nl; Utrecht = b@utrecht.nl",
                                  "IDA_SMTP_SECURITY": "ssl", "IDA_SMTP_HOST": "smtp.ipo.nl",
                                  "IDA_DIGEST_FROM": "leerplatform@ipo.nl"}).digest
    assert settings.mailboxes == {"PV20": "a@groningen.nl", "PV26": "b@utrecht.nl"} and settings.smtp_port == 465
    for env, message in [({"IDA_DIGEST_MAILBOXES": "PV20"}, "is geen PVxx=adres"),
                         ({"IDA_DIGEST_MAILBOXES": "PV99=a@b.nl"}, "is geen PVxx=adres"),
                         ({"IDA_DIGEST_MAILBOXES": "PV20=geen-adres"}, "is geen e-mailadres"),
                         ({"IDA_DIGEST_MAILBOXES": "PV20=a@b.nl,Groningen=c@d.nl"}, "noemt PV20 twee keer"),
                         ({"IDA_SMTP_SECURITY": "tls"}, "Kies starttls, ssl of none"),
                         ({"IDA_SMTP_HOST": "smtp.ipo.nl"}, "IDA_DIGEST_FROM niet")]:
        with pytest.raises(SettingsError, match=message):
            Settings.from_env(env)


def run_digest_job(env: dict[str, str], **config: str) -> dg.ExecuteInProcessResult:
    from orchestration.definitions import build_defs

    job = build_defs(Settings.from_env(env)).resolve_job_def("ida_digest")
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
                                  run_config={"ops": {"digest_mail": {"config": {"today": "2026-11-16", **config}}}})


def test_a_run_that_fails_to_send_fails_and_the_next_run_sends_only_that(platform, smtp, monkeypatch, tmp_path) -> None:
    inbox, port = smtp
    monkeypatch.setenv("IDA_SMTP_PASSWORD", PASSWORD)
    env = {**mail_env(platform, port, tmp_path), "IDA_DIGEST_MAILBOXES": f"PV26={MAILBOXES['PV26']}"}
    assert run_digest_job(env, province="PV26").success
    env["IDA_DIGEST_MAILBOXES"] += f",PV31={MAILBOXES['PV31']}"
    inbox.defer = 3  # each of the three attempts for PV31 answered 451 (PV26 is sent already and skipped)
    failed = run_digest_job(env)
    assert not failed.success and len(inbox.messages) == 1
    failure = next(e for e in failed.all_events if e.is_step_failure).event_specific_data.error.message
    assert "1 weekbericht(en) niet verzonden (PV31)" in failure and (tmp_path / "2026-W47" / "PV31.html").is_file()
    again = run_digest_job(env)
    metadata = again.asset_materializations_for_node("digest_mail")[0].metadata
    assert again.success and (metadata["verzonden"].value, metadata["al_verzonden"].value) == (1, 1)
    assert [rcpt for rcpt, _ in inbox.messages] == [[MAILBOXES["PV26"]], [MAILBOXES["PV31"]]]
