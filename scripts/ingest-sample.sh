#!/usr/bin/env bash
# The main job on the sample collection: install what is needed, then preserve raw/ into packages/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
# One command, then done: its Prefect server ends with it rather than waiting, in the
# background, for a next command (see flows/_server.py).
export PRESERVE_PREFECT_SERVER="${PRESERVE_PREFECT_SERVER:-temporary}"
exec .venv/bin/preserve ingest raw --out packages "$@"
