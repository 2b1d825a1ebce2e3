#!/usr/bin/env bash
# Installs the Node dependencies of the browser tests (tests/browser:
# playwright-core, pinned in package-lock.json) when they are missing.
# Safe to run again: does nothing when node_modules is there and matches
# the lock file. The browser itself is Debian's /usr/bin/chromium
# (playwright-core downloads no browser).
set -euo pipefail
cd "$(dirname "$0")/../tests/browser"

if ! command -v npm >/dev/null 2>&1; then
	echo "setup-browser: npm not found; install Node.js (>= 18) and npm" >&2
	exit 1
fi

stamp=node_modules/.package-lock.json
if [ -d node_modules/playwright-core ] && [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ]; then
	exit 0
fi
echo "== npm ci in tests/browser"
npm ci --no-audit --no-fund --loglevel=error
