#!/usr/bin/env bash
# Installs the Node packages the tests take from the npm registry, each
# pinned by its package-lock.json: playwright-core for the browser tests
# (tests/browser; the browser itself is Debian's /usr/bin/chromium) and
# configurable-http-proxy for the JupyterHub test and benchmark (tests/hub).
# Safe to run again: a directory whose node_modules matches its lock file is
# left as it is.
#
#   ./scripts/setup-node.sh                 # both
#   ./scripts/setup-node.sh tests/hub       # one
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1; then
	echo "setup-node: npm not found; install Node.js (>= 18) and npm" >&2
	exit 1
fi

dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(tests/browser tests/hub)
for dir in "${dirs[@]}"; do
	stamp="$dir/node_modules/.package-lock.json"
	if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ]; then
		continue
	fi
	echo "== npm ci in $dir"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
done
