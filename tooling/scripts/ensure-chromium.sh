#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed, for the browser tests (driven by playwright-core,
# which never downloads a browser). Present: prints its version. Missing and root: installs the
# Debian package. Missing and not root: says what to install, exits 1.
set -euo pipefail
CHROMIUM="${XMTP_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  "$CHROMIUM" --version 2>/dev/null || echo "Chromium: $CHROMIUM"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "Chromium is missing ($CHROMIUM). Install it as root, then run the tests again:" >&2
  echo "  apt-get update && apt-get install -y chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium
"$CHROMIUM" --version
