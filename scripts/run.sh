#!/usr/bin/env bash
# Set up (if needed), build or update the index from corpus/, then run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/rag ] || bash scripts/setup.sh
. .venv/bin/activate
rag ingest || [ $? -eq 1 ]   # exit 1 = some files failed but the rest were indexed
if [ -f app.py ]; then
  exec python app.py "$@"
fi
rag ask "what went wrong with the consultation in Case S"
