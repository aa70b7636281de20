"""Tokens: one or more per holder, stored only as SHA-256 hashes, outside the code.

A hash file maps a holder to a list of hashes. Upload tokens (`IDA_UPLOAD_TOKENS`, default
`var/upload_tokens.json`) are held by a province (CBS code): `ida token new --province PVxx`.
IPO coordinators' tokens live in a file of their own (`IDA_COORDINATOR_TOKENS`), held by the
coordinator's name: `ida token new --coordinator NAAM`. A token is only ever looked up in one file,
so a province's token is no coordinator's and the other way round. A token is printed once; only
its hash is stored.

Issuing is safe in parallel: a writer holds an exclusive lock (`<file>.lock`, fcntl) while it reads, adds
and writes; the new file is written beside the old one, flushed to disk and swapped in with os.replace,
so a reader (which takes no lock) sees the old file or the new one, never half of one, and a token is
printed only once its hash is on disk. A file that is not the platform's JSON is never overwritten: the
operator gets a Dutch message saying what is wrong with it.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ida.errors import IdaError, NotAuthorised

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_\-]{1,200}")


class TokenStoreError(IdaError):
    """The token file cannot be read as the platform wrote it."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _damaged(path: Path, what: str) -> TokenStoreError:
    return TokenStoreError(
        f"Het tokenbestand {path} is beschadigd: {what}. Er is niets gewijzigd. Zet een reservekopie terug, of "
        "verplaats het bestand en maak met 'ida token new' nieuwe tokens voor de provincies.")


def _load(path: Path) -> dict[str, list[str]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as problem:
        raise TokenStoreError(f"Het tokenbestand {path} is niet te lezen ({problem.strerror}). "
                              "Controleer het pad (IDA_UPLOAD_TOKENS) en de rechten.") from None
    try:
        hashes = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _damaged(path, "het is geen UTF-8-tekst") from None
    except json.JSONDecodeError as problem:
        raise _damaged(path, f"geen geldige JSON (regel {problem.lineno}, kolom {problem.colno})") from None
    if not isinstance(hashes, dict) or not all(
            isinstance(code, str) and isinstance(known, list) and all(isinstance(h, str) for h in known)
            for code, known in hashes.items()):
        raise _damaged(path, "het verwacht per provinciecode een lijst met hashes")
    return hashes


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on the token file for as long as the block runs (other writers wait)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, hashes: dict[str, list[str]]) -> None:
    """Replace `path` by a file holding `hashes`, all or nothing, and durable once this returns."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(json.dumps(hashes, indent=2))
            out.flush()
            os.fsync(out.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def issue(path: Path, province: str, prefix: str | None = None) -> str:
    """A new token for `province` (or another holder, such as a coordinator's name, with a `prefix` for
    the token's text); only its hash is written to `path`, before the token is returned."""
    token = f"ida_{(prefix or province).lower()}_{secrets.token_urlsafe(32)}"
    with _locked(path):
        hashes = _load(path)
        hashes.setdefault(province, []).append(_hash(token))
        _write(path, hashes)
    return token


def province_for(path: Path, token: str) -> str | None:
    """The province a token may deliver for, or None for an unknown token."""
    candidate = token.strip()
    if not TOKEN_SHAPE.fullmatch(candidate):
        raise NotAuthorised("Dit uploadtoken bevat tekens die in een uploadtoken niet voorkomen (alleen letters, "
                            "cijfers, - en _). Kopieer het token opnieuw, zonder aanhalingstekens of spaties.")
    hashed = _hash(candidate)
    for province, hashes in _load(path).items():
        if any(hmac.compare_digest(hashed, known) for known in hashes):
            return province
    return None


def holder_for(path: Path, token: str) -> str | None:
    """The holder (a province's CBS code, a coordinator's name) of a token in `path`, or None."""
    return province_for(path, token)
