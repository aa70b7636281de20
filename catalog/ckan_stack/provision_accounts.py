"""Accounts of the local CKAN, written to var/ckan/credentials.json (mode 600).

    python provision_accounts.py      (with CKAN's venv; up.sh sets CKAN_INI, CKAN_SITE_URL, CREDENTIALS)

- sysadmin `ida-platform` with an API token (made in-process through CKAN's own actions, since no
  one can call the API before it exists);
- one organisation per province (name, title, TOOI URI and CBS code from
  ida/standard/vocabularies/provincies.csv) and `ipo`;
- per province a user `editor-pv26` … with the *editor* role in its own organisation only, and an
  API token.

Idempotent: a token already in credentials.json that still works is kept; a missing or dead one is
replaced and the user's older tokens of the same name are revoked. Secrets are never printed.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import secrets
import sys
import urllib.error
import urllib.request
from pathlib import Path

SYSADMIN = "ida-platform"
TOKEN_NAME = "ida-leerplatform"
MAIL_DOMAIN = "ida-leerplatform.invalid"
PROVINCES_CSV = Path(__file__).resolve().parents[2] / "ida" / "standard" / "vocabularies" / "provincies.csv"
IPO = {"name": "ipo", "title": "IPO (Interprovinciaal Overleg)",
       "description": "Interprovinciaal Overleg: coördinatie van de Interprovinciale Digitale Agenda (IDA)."}

SITE_URL = os.environ["CKAN_SITE_URL"]
CKAN_INI = os.environ["CKAN_INI"]
CREDENTIALS = Path(os.environ["CREDENTIALS"])


class CkanError(Exception):
    def __init__(self, action: str, status: int, error: object):
        super().__init__(f"{action}: HTTP {status}: {error}")
        self.status = status


def call(action: str, data: dict | None = None, token: str | None = None):
    """POST one CKAN API action; the `result`, or CkanError."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = token
    request = urllib.request.Request(f"{SITE_URL}/api/3/action/{action}",
                                     data=json.dumps(data or {}).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)["result"]
    except urllib.error.HTTPError as e:
        try:
            error = json.load(e).get("error")
        except ValueError:
            error = e.reason
        raise CkanError(action, e.code, error) from None


def token_works(token: str | None, user: str) -> bool:
    if not token:
        return False
    try:
        call("api_token_list", {"user_id": user}, token)
        return True
    except CkanError:
        return False


def token_id(token: str) -> str:
    """The jti of a CKAN API token (a JWT), to tell it apart in api_token_list."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]


def revoke_other_tokens(user: str, keep: str, sysadmin_token: str) -> None:
    keep_id = token_id(keep)
    for t in call("api_token_list", {"user_id": user}, sysadmin_token):
        if t["name"] == TOKEN_NAME and t["id"] != keep_id:
            call("api_token_revoke", {"jti": t["id"]}, sysadmin_token)


def bootstrap_sysadmin(password: str) -> str:
    """Make sure `ida-platform` exists, is sysadmin and has `password`; return a new API token."""
    from ckan import logic, model
    from ckan.cli import CKANConfigLoader
    from ckan.config.middleware import make_app

    app = make_app(CKANConfigLoader(CKAN_INI).get_config())
    with app._wsgi_app.test_request_context():
        site_user = logic.get_action("get_site_user")({"ignore_auth": True}, {})

        def context() -> dict:
            return {"ignore_auth": True, "user": site_user["name"]}

        if model.User.get(SYSADMIN) is None:
            logic.get_action("user_create")(context(), {
                "name": SYSADMIN, "email": f"{SYSADMIN}@{MAIL_DOMAIN}", "password": password,
                "fullname": "IDA Leerplatform (beheer)"})
        user = model.User.get(SYSADMIN)
        user.sysadmin = True
        user.password = password  # hashed by the model
        model.repo.commit()
        return logic.get_action("api_token_create")(context(), {"user": SYSADMIN, "name": TOKEN_NAME})["token"]


def ensure_organisations(provinces: list[dict], sysadmin_token: str) -> None:
    existing = set(call("organization_list", {"limit": 1000}, sysadmin_token))
    wanted = [IPO] + [{
        "name": p["ckan_organisatie"],
        "title": f"Provincie {p['naam']}",
        "description": f"Koploperdeals en lessen van de Provincie {p['naam']} ({p['code']}).",
        "extras": [{"key": "tooi_uri", "value": p["tooi_uri"]},
                   {"key": "cbs_code", "value": p["code"]}],
    } for p in provinces]
    for org in wanted:
        if org["name"] not in existing:
            call("organization_create", org, sysadmin_token)


def ensure_editor(province: dict, old_token: str | None, sysadmin_token: str) -> str:
    """The editor of one province, member of its organisation with role editor; its token."""
    user = f"editor-{province['code'].lower()}"
    if not token_works(old_token, user):
        try:
            call("user_show", {"id": user}, sysadmin_token)
        except CkanError as e:
            if e.status != 404:
                raise
            call("user_create", {"name": user, "email": f"{user}@{MAIL_DOMAIN}",
                                 "password": secrets.token_urlsafe(24),
                                 "fullname": f"Redacteur Provincie {province['naam']}"}, sysadmin_token)
        old_token = None
    call("organization_member_create", {"id": province["ckan_organisatie"], "username": user,
                                        "role": "editor"}, sysadmin_token)
    if old_token:
        return old_token
    token = call("api_token_create", {"user": user, "name": TOKEN_NAME}, sysadmin_token)["token"]
    revoke_other_tokens(user, token, sysadmin_token)
    return token


def write_credentials(creds: dict) -> None:
    tmp = CREDENTIALS.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(creds, f, indent=2)
        f.write("\n")
    tmp.replace(CREDENTIALS)


def main() -> None:
    with open(PROVINCES_CSV, encoding="utf-8", newline="") as f:
        provinces = list(csv.DictReader(f))
    old = json.loads(CREDENTIALS.read_text()) if CREDENTIALS.exists() else {}

    sysadmin_token = old.get("sysadmin_token")
    password = old.get("sysadmin_password")
    if not (password and token_works(sysadmin_token, SYSADMIN)):
        password = secrets.token_urlsafe(18)
        sysadmin_token = bootstrap_sysadmin(password)
        revoke_other_tokens(SYSADMIN, sysadmin_token, sysadmin_token)

    ensure_organisations(provinces, sysadmin_token)
    tokens = {p["code"]: ensure_editor(p, old.get("provinces", {}).get(p["code"]), sysadmin_token)
              for p in provinces}

    creds = {
        "url": SITE_URL,
        "sysadmin_token": sysadmin_token,
        "provinces": tokens,
        # Beyond the tokens: who they belong to, and a password for signing in to the web UI.
        "sysadmin_user": SYSADMIN,
        "sysadmin_password": password,
        "editors": {p["code"]: f"editor-{p['code'].lower()}" for p in provinces},
        "organisations": {**{p["code"]: p["ckan_organisatie"] for p in provinces}, "IPO": IPO["name"]},
    }
    if creds != old:
        write_credentials(creds)
    print(f"accounts: sysadmin {SYSADMIN}, {len(provinces) + 1} organisaties, "
          f"{len(tokens)} redacteuren -> {CREDENTIALS}")


if __name__ == "__main__":
    try:
        main()
    except CkanError as e:
        sys.exit(f"provision_accounts: {e}")
