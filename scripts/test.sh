#!/usr/bin/env bash
# Lint, then every test (unit and integration on the real model, Chroma and pypdf).
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
ruff check .
python -m pytest "$@"
