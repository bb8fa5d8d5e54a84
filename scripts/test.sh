#!/usr/bin/env bash
# Lint, then every test (unit and integration on the real model, Chroma and pypdf).
# Sets up .venv first when it is missing, so this works on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/pytest ] || bash scripts/setup.sh
. .venv/bin/activate
ruff check .
python -m pytest "$@"
