#!/usr/bin/env bash
# Make sure a Chromium for Playwright exists: $FORETHOUGHT_CHROMIUM, Playwright's own,
# or the system's. Installs Debian's chromium when none is found and we are root.
set -euo pipefail
if [ -n "${FORETHOUGHT_CHROMIUM:-}" ] && [ -x "${FORETHOUGHT_CHROMIUM}" ]; then exit 0; fi
if ls "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"/chromium-*/chrome-linux*/chrome >/dev/null 2>&1; then exit 0; fi
for b in chromium chromium-browser; do command -v "$b" >/dev/null 2>&1 && exit 0; done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium (apt-get)…"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  exit 0
fi
cat >&2 <<'MSG'
No Chromium found. Install one, then run the command again:
  - Debian/Ubuntu (as root):  apt-get install -y chromium
  - or with network access:   .venv/bin/playwright install chromium
  - or point Forethought at a browser: export FORETHOUGHT_CHROMIUM=/path/to/chrome
MSG
exit 1
