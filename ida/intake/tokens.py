"""Tokens: one or more per holder, stored only as SHA-256 hashes, outside the code.

A hash file maps a holder to a list of hashes. Upload tokens (`IDA_UPLOAD_TOKENS`, default
`var/upload_tokens.json`) are held by a province (CBS code): `ida token new --province PVxx`.
IPO coordinators' tokens live in a file of their own (`IDA_COORDINATOR_TOKENS`), held by the
coordinator's name: `ida token new --coordinator NAAM`. A token is only ever looked up in one file,
so a province's token is no coordinator's and the other way round. A token is printed once; only
its hash is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _load(path: Path) -> dict[str, list[str]]:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}


def issue(path: Path, province: str, prefix: str | None = None) -> str:
    """A new token for `province` (or another holder, such as a coordinator's name, with a `prefix` for
    the token's text); only its hash is written to `path`."""
    token = f"ida_{(prefix or province).lower()}_{secrets.token_urlsafe(32)}"
    hashes = _load(path)
    hashes.setdefault(province, []).append(_hash(token))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(hashes, indent=2))
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
    return token


def province_for(path: Path, token: str) -> str | None:
    """The province a token may deliver for, or None for an unknown token."""
    candidate = _hash(token.strip())
    for province, hashes in _load(path).items():
        if any(hmac.compare_digest(candidate, known) for known in hashes):
            return province
    return None


def holder_for(path: Path, token: str) -> str | None:
    """The holder (a province's CBS code, a coordinator's name) of a token in `path`, or None."""
    return province_for(path, token)
