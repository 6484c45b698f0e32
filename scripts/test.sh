#!/usr/bin/env bash
# `npm test`: makes sure what the tests need is here, builds the web client, runs every test
# (unit, integration against PostgreSQL and Redis, browser in Chromium) and writes
# test-results/vitest.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Chromium is missing: installing Debian's chromium package for the browser tests…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Chromium at /usr/bin/chromium. Install it with: sudo apt-get install -y chromium" >&2
    exit 1
  fi
fi

# The web client the browser tests load trusts the test-only trust roots every test server uses
# (test/fixtures/README.md), never this machine's own data folder.
HAVEN_TRUST_ROOTS_FILE=test/fixtures/trust-roots.json npm run --silent build:web
mkdir -p test-results
exec npx vitest run "$@"
