"""HTTP for the harvesters: a timeout on every call, retries with backoff on transient errors, a size cap.

Transient (ckan_client.is_transient, the one classification) = connection refused or reset, a timeout,
HTTP 429 or 5xx: retried (tenacity, exponential backoff). Whatever still fails becomes a `HarvestError`
whose message is Dutch and names the URL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from catalog.ckan_client import Transient, describe, is_transient
from ida.errors import IdaError
from ida.settings import HarvestSettings

USER_AGENT = "IDA-Leerplatform-oogster/1 (+https://www.ipo.nl)"


class HarvestError(IdaError):
    """A source cannot be harvested now; the message is Dutch and meant for an operator. `status` is the
    HTTP status when the source refused the request (4xx)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Options:
    """How patient a harvest is with its sources."""

    timeout: float = 30.0
    attempts: int = HarvestSettings.attempts
    backoff: float = HarvestSettings.backoff  # first wait, doubling, max 30 s
    max_bytes: int = HarvestSettings.max_bytes

    @classmethod
    def of(cls, settings: HarvestSettings, timeout: float) -> Options:
        return cls(timeout=timeout, attempts=settings.attempts, backoff=settings.backoff, max_bytes=settings.max_bytes)


def retrying(options: Options) -> Retrying:
    """Retries on what may pass on a second try (ckan_client.is_transient: one classification for every
    catalogue server), with exponential back-off."""
    return Retrying(retry=retry_if_exception(is_transient), stop=stop_after_attempt(max(1, options.attempts)),
                    wait=wait_exponential(multiplier=options.backoff, max=30), reraise=True)


def session() -> requests.Session:
    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    return s


@dataclass
class Response:
    url: str
    status: int
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


def get(http: requests.Session, url: str, options: Options, headers: dict[str, str] | None = None) -> Response:
    """GET `url` with retries; 304 is returned as is; other 4xx raise HarvestError."""
    def once() -> Response:
        deadline = time.monotonic() + max(60.0, options.timeout * 10)  # the timeout is per read: cap the whole
        with http.get(url, headers=headers or {}, timeout=options.timeout, stream=True) as r:
            if r.status_code == 429 or r.status_code >= 500:
                raise Transient(r.status_code, url)
            body = bytearray()
            for chunk in r.iter_content(1 << 16):
                if time.monotonic() > deadline:
                    raise requests.ReadTimeout("het antwoord komt te traag binnen")
                body += chunk
                if len(body) > options.max_bytes:
                    raise HarvestError(f"{url} is groter dan {options.max_bytes // 2**20} MiB; het platform leest het niet.")
            return Response(r.url, r.status_code, bytes(body), r.headers.get("Content-Type", ""),
                            r.headers.get("ETag"), r.headers.get("Last-Modified"))

    try:
        response = retrying(options)(once)
    except requests.RequestException as problem:
        raise HarvestError(describe(problem, url)) from None
    if response.status in (401, 403):
        raise HarvestError(f"{url} vraagt om toegang (HTTP {response.status}); het platform oogst alleen openbare gegevens.",
                           response.status)
    if response.status == 404:
        raise HarvestError(f"{url} bestaat niet (HTTP 404). Controleer het adres.", 404)
    if response.status >= 400:
        raise HarvestError(f"{url} weigert het verzoek (HTTP {response.status}).", response.status)
    return response
