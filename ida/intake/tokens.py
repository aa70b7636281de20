"""Upload tokens: one or more per province, stored only as SHA-256 hashes, outside the code.

The hash file (`IDA_UPLOAD_TOKENS`, default `var/upload_tokens.json`) maps a CBS code to a list of
hashes. `ida token new --province PVxx` makes a token, prints it once and stores only its hash.
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


def issue(path: Path, province: str) -> str:
    """A new token for `province`; only its hash is written to `path`."""
    token = f"ida_{province.lower()}_{secrets.token_urlsafe(32)}"
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
