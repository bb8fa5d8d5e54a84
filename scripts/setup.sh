#!/usr/bin/env bash
# Create .venv and install the project with its pinned dependencies, offline-safe.
# torch comes first and pinned: its CPU build is on local disk, while an unpinned
# torch pulled in by sentence-transformers would fetch a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q torch==2.13.0
python -m pip install -q -e ".[dev,openai,ollama]"
python -m pip check
bash scripts/setup-ocr.sh
