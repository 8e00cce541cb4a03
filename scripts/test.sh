#!/usr/bin/env bash
# The whole test suite: install what the tests need (Chromium, OpenSSH, dictionaries), then run it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --tests
# Two workers: the machine has two cores. Prefect's ephemeral server starts once per worker.
exec .venv/bin/python -m pytest -n 2 --dist loadfile -q "$@"
