#!/usr/bin/env bash
# Lint, then every test (unit, integration on the real model, Chroma and pypdf, browser).
# Sets up .venv and the browser test prerequisites first when missing, so it works on a
# fresh clone. Options go to pytest: `bash scripts/test.sh -m "not slow"` is the quick run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/pytest ] || bash scripts/setup.sh
bash scripts/setup-browser.sh
bash scripts/setup-ocr.sh
. .venv/bin/activate
ruff check .
python -m pytest "$@"
