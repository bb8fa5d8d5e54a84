#!/usr/bin/env bash
# Debian's chromium and nginx for the browser and reverse-proxy tests (tests/test_browser.py).
# Idempotent and quick when both are already installed. Never downloads a browser build of its
# own: Playwright drives this chromium (`playwright install` is not used and would fail offline).
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/sbin/nginx ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium nginx
