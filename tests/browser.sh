#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests (tests/test_e2e_aanleveren.py).
# Idempotent and quiet: does nothing when /usr/bin/chromium is already there, prints apt's output
# only when the install fails. Never downloads a browser build of its own (no `playwright install`).
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "tests/browser.sh: Chromium kon niet worden geïnstalleerd (apt-get install chromium)." >&2
    exit 1
fi
test -x /usr/bin/chromium
