#!/usr/bin/env bash
# Debian's tesseract (with English) for reading scanned PDF pages (rag/ingest/ocr.py).
# Idempotent and quick when it is installed. Needs root (or sudo) for apt-get; without it,
# says what an administrator should run and succeeds: everything but OCR works without it.
set -euo pipefail
if command -v tesseract >/dev/null && [ -n "$(ls /usr/share/tesseract-ocr/*/tessdata/eng.traineddata 2>/dev/null)" ]; then
  exit 0
fi
COMMAND="apt-get install -y tesseract-ocr tesseract-ocr-eng"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO="sudo"
else
  echo "OCR for scanned PDFs is not installed; ask an administrator to run: $COMMAND" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q tesseract-ocr tesseract-ocr-eng || {
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q tesseract-ocr tesseract-ocr-eng
}
