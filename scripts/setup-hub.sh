#!/usr/bin/env bash
# Installs what tests/test_hub.py and bench/bench_hub.py need beyond Debian's
# packages: configurable-http-proxy from the npm registry, at the version
# pinned by tests/hub/package-lock.json, into tests/hub/node_modules.
# Safe to run again: does nothing when node_modules matches the lock file.
set -euo pipefail
cd "$(dirname "$0")/../tests/hub"

if ! command -v npm >/dev/null 2>&1; then
	echo "setup-hub: npm not found; install Node.js (>= 18) and npm" >&2
	exit 1
fi

stamp=node_modules/.package-lock.json
if [ -x node_modules/.bin/configurable-http-proxy ] && [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ]; then
	exit 0
fi
echo "== npm ci in tests/hub"
npm ci --no-audit --no-fund --loglevel=error
