#!/usr/bin/env bash
# `make test`: start what the tests need on this machine, then run them all.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest -p no:cacheprovider "$@"
