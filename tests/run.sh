#!/usr/bin/env bash
# `make test`: start everything the tests need on this machine, then run them all.
#   - Debian's Chromium for the browser tests (tests/browser.sh)
#   - the local CKAN stack: PostgreSQL, Redis, Solr and CKAN (catalog/ckan_stack/up.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/browser.sh
bash catalog/ckan_stack/up.sh
.venv/bin/python -m pytest -p no:cacheprovider "$@"
