#!/usr/bin/env bash
# The main job on the sample collection: install what is needed, then preserve raw/ into packages/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/preserve ingest raw --out packages "$@"
