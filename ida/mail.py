"""Sending e-mail through the configured SMTP server (ida.settings.DigestSettings), with the standard library.

A transient failure — the connection refused or dropped, a time-out, a 4xx reply such as "451 try again later" —
is tried again (tenacity, ATTEMPTS in all, the wait doubling); anything else fails at once with a Dutch
`MailError`. The password goes to the server only: it is in no message, log or exception this module makes.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from ida.errors import IdaError
from ida.settings import DigestSettings

ATTEMPTS = 3
TIMEOUT = 30  # seconds for connecting and for each reply


class MailError(IdaError):
    """The server did not accept the message; the Dutch message says what to check."""


def _transient(problem: BaseException) -> bool:
    if isinstance(problem, smtplib.SMTPResponseException):
        return 400 <= problem.smtp_code < 500
    return isinstance(problem, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError))


def _send_once(settings: DigestSettings, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    if settings.smtp_security == "ssl":
        server = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT, context=context)
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT)
    with server:
        if settings.smtp_security == "starttls":
            server.starttls(context=context)
        if settings.smtp_user:
            server.login(settings.smtp_user, settings.smtp_password or "")
        server.send_message(message)


def send(settings: DigestSettings, message: EmailMessage) -> None:
    """Deliver `message` to its To address through the SMTP server of `settings`, or raise MailError."""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        for attempt in Retrying(stop=stop_after_attempt(ATTEMPTS), wait=wait_exponential(multiplier=1, max=30),
                                retry=retry_if_exception(_transient), reraise=True):
            with attempt:
                _send_once(settings, message)
    except smtplib.SMTPAuthenticationError:
        raise MailError(f"De SMTP-server {where} weigert de aanmelding van {settings.smtp_user!r}. "
                        "Controleer IDA_SMTP_USER en IDA_SMTP_PASSWORD.") from None
    except smtplib.SMTPNotSupportedError as problem:
        raise MailError(f"De SMTP-server {where} kan dit niet ({_reply(problem)}). Controleer IDA_SMTP_SECURITY "
                        "(starttls, ssl of none) en of de server aanmelden toestaat.") from None
    except smtplib.SMTPRecipientsRefused:
        raise MailError(f"De SMTP-server {where} weigert het adres {message['To']}. "
                        "Controleer IDA_DIGEST_MAILBOXES.") from None
    except smtplib.SMTPSenderRefused:
        raise MailError(f"De SMTP-server {where} weigert de afzender {message['From']}. "
                        "Controleer IDA_DIGEST_FROM.") from None
    except ssl.SSLError as problem:
        raise MailError(f"De versleutelde verbinding met {where} mislukt ({problem.reason or problem}). "
                        "Controleer IDA_SMTP_SECURITY en IDA_SMTP_PORT.") from None
    except (smtplib.SMTPException, OSError) as problem:
        tries = f" na {ATTEMPTS} pogingen" if _transient(problem) else ""
        raise MailError(f"Verzenden via {where} mislukt{tries}: {_reply(problem)}. "
                        "Controleer IDA_SMTP_HOST en IDA_SMTP_PORT, of probeer het later.") from None


def _reply(problem: BaseException) -> str:
    """The server's reply or the system's reason, as one line."""
    if isinstance(problem, smtplib.SMTPResponseException):
        text = problem.smtp_error.decode(errors="replace") if isinstance(problem.smtp_error, bytes) else str(problem.smtp_error)
        return f"{problem.smtp_code} {text}".replace("\n", " ")
    return str(problem).replace("\n", " ") or type(problem).__name__
