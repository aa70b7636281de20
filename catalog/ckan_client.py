"""One way to talk to a CKAN, for publishing and harvesting alike.

A ckanapi `RemoteCKAN` on a requests session whose response hook marks what may pass on a second
try — HTTP 429, 5xx, and a 409 that is no validation error (a lock, a search-index conflict) — so
that, with connection errors, time-outs and CKAN's search-index errors, one classification decides
what `call` retries (tenacity, exponential back-off). What still fails is raised as ckanapi's own
specific error (`ValidationError`, `NotFound`, `NotAuthorized`, …) or, when CKAN could not be
reached, as `Unreachable`; `describe` gives any of them one Dutch sentence, never with the token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ckanapi
import requests
import tenacity

from ida.errors import IdaError

USER_AGENT = "ida-leerplatform/1 (+https://www.ipo.nl)"


class CkanError(IdaError):
    """A CKAN call that failed; the message is Dutch."""


class Unreachable(CkanError):
    """CKAN did not answer usefully, also after retrying: down, overloaded, or not a CKAN."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


CKAN_ERRORS = (CkanError, ckanapi.CKANAPIError, ckanapi.ServerIncompatibleError, requests.RequestException)


class Transient(requests.RequestException):
    """An answer worth another try (HTTP 429, 5xx, or a 409 that is no validation error)."""

    def __init__(self, status: int, url: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.url = status, url


def _flag_transient(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    status = response.status_code
    if status == 429 or status >= 500:
        raise Transient(status, response.url)
    if status == 409:
        try:
            kind = response.json().get("error", {}).get("__type")
        except ValueError:
            kind = None
        if kind != "Validation Error":
            raise Transient(status, response.url)


def connect(url: str, token: str | None = None, *, get_only: bool = False,
            session: requests.Session | None = None) -> ckanapi.RemoteCKAN:
    """A ckanapi client for the CKAN at `url`; the token stays inside it and is never printed."""
    session = session or requests.Session()
    session.headers.setdefault("User-Agent", USER_AGENT)
    session.hooks["response"].append(_flag_transient)
    return ckanapi.RemoteCKAN(url.rstrip("/"), apikey=token, user_agent=USER_AGENT, get_only=get_only,
                              session=session)


def address(ckan: ckanapi.RemoteCKAN) -> str:
    """The CKAN's address, for messages."""
    return getattr(ckan, "address", "CKAN")


def is_transient(error: BaseException) -> bool:
    """Connection errors, time-outs, the answers `_flag_transient` marks and CKAN's search-index errors
    may pass when tried again; a rejection, missing rights or a 404 will not."""
    return isinstance(error, (Transient, requests.ConnectionError, requests.Timeout,
                              requests.exceptions.ChunkedEncodingError, ckanapi.SearchIndexError, ckanapi.SearchError))


def call(ckan: ckanapi.RemoteCKAN, action: str, data: dict[str, Any] | None = None, *,
         files: Callable[[], dict[str, Any]] | None = None, timeout: float | tuple[float, float] = 30,
         attempts: int = 3, wait: tenacity.wait.wait_base = tenacity.wait_exponential(multiplier=1, max=30),
         give_up_after: float | None = None) -> Any:
    """One action, retried while the failure is transient (at most `attempts` tries, and no new try after
    `give_up_after` seconds); `files` makes the uploads anew for each try. Raises ckanapi's specific
    error, or Unreachable when CKAN could not be reached."""
    stop = tenacity.stop_after_attempt(max(1, attempts))
    if give_up_after is not None:
        stop = stop | tenacity.stop_after_delay(give_up_after)
    retrying = tenacity.Retrying(retry=tenacity.retry_if_exception(is_transient), stop=stop, wait=wait, reraise=True)
    try:
        for attempt in retrying:
            with attempt:
                return ckan.call_action(action, data or {}, files=files() if files else None,
                                        requests_kwargs={"timeout": timeout})
    except requests.RequestException as error:
        raise Unreachable(describe(error, address(ckan)), getattr(error, "status", None)) from None
    raise AssertionError("unreachable")  # pragma: no cover


def describe(error: BaseException, url: str = "CKAN") -> str:
    """One Dutch sentence for a failed call (never the request, so never the token)."""
    if isinstance(error, CkanError):
        return str(error)
    if isinstance(error, Transient):
        return f"{url} antwoordt met een serverfout (HTTP {error.status}), ook na herhaald proberen. Probeer het later opnieuw."
    if isinstance(error, requests.Timeout):
        return f"{url} is niet bereikbaar (geen antwoord op tijd), ook na herhaald proberen. Probeer het later opnieuw."
    if isinstance(error, requests.RequestException):
        return f"{url} is niet bereikbaar ({_short(error)}), ook na herhaald proberen. Controleer het adres of probeer het later opnieuw."
    if isinstance(error, ckanapi.ValidationError):
        details = {k: v for k, v in (error.error_dict or {}).items() if k != "__type"}
        return "CKAN weigert de gegevens: " + "; ".join(f"{k}: {flat(v)}" for k, v in details.items())
    if isinstance(error, ckanapi.NotAuthorized):
        return f"geen rechten in CKAN: {flat(getattr(error, 'extra_msg', '') or error)}"
    if isinstance(error, ckanapi.NotFound):
        return f"niet gevonden in CKAN: {error}"
    if isinstance(error, ckanapi.SearchQueryError):
        return f"CKAN begrijpt het zoekfilter niet ({error})."
    if isinstance(error, (ckanapi.ServerIncompatibleError, ckanapi.CKANAPIError, ValueError)):
        return f"{url} geeft geen geldig CKAN-antwoord. Is dit het basisadres van een CKAN-portaal (zonder /api/3)?"
    return f"{type(error).__name__}: {error}"


def flat(value: Any) -> str:
    """CKAN's error details (nested dicts and lists) as one line."""
    if isinstance(value, dict):
        if "message" in value and len(value) <= 2:
            return str(value["message"])
        return ", ".join(f"{k}: {flat(v)}" for k, v in value.items() if k != "__type")
    if isinstance(value, list):
        return " ".join(flat(v) for v in value if v not in ({}, [], ""))
    return str(value)


def _short(problem: BaseException) -> str:
    text = str(problem)
    for marker, dutch in (("Connection refused", "verbinding geweigerd"), ("Name or service not known", "onbekende servernaam"),
                          ("timed out", "time-out"), ("Connection reset", "verbinding verbroken"),
                          ("Remote end closed connection", "verbinding verbroken")):
        if marker in text:
            return dutch
    return type(problem).__name__

