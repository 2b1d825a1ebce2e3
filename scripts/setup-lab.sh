#!/usr/bin/env bash
# Installs and builds the JupyterLab applications tests/test_lab.py drives:
# tests/lab/lab3 (JupyterLab 3.6) and tests/lab/lab4 (JupyterLab 4.6), each
# from the npm registry's @jupyterlab packages pinned by its
# package-lock.json (`npm ci`), then built once with webpack into its
# build/ directory, which tests/lab/serve.py serves with Debian's
# jupyter_server and jupyterlab_server.
#
# Safe to run again: node_modules is installed again only when the lock
# file is newer than it, and a build is made again only when something it
# is made from (the lock file, package.json, index.js, the webpack
# configuration) is newer than it. Prints what it did and how long it took.
#
#   ./scripts/setup-lab.sh                    # both
#   ./scripts/setup-lab.sh tests/lab/lab3     # one
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1; then
	echo "setup-lab: npm not found; install Node.js (>= 18) and npm" >&2
	exit 1
fi

dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(tests/lab/lab3 tests/lab/lab4)
for dir in "${dirs[@]}"; do
	installed="$dir/node_modules/.package-lock.json"
	if [ ! -f "$installed" ] || [ "$dir/package-lock.json" -nt "$installed" ]; then
		start=$SECONDS
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
		echo "setup-lab: npm ci in $dir: $((SECONDS - start)) s, node_modules $(du -sh "$dir/node_modules" | cut -f1)"
	fi

	built="$dir/build/.built"
	stale=""
	if [ -f "$built" ]; then
		stale="$(find "$installed" "$dir/package.json" "$dir/index.js" "$dir/webpack.config.js" \
			tests/lab/webpack.common.js -newer "$built" | head -1)"
	fi
	if [ ! -f "$built" ] || [ -n "$stale" ]; then
		start=$SECONDS
		rm -rf "$dir/build"
		log="$(mktemp)"
		if ! (cd "$dir" && node node_modules/webpack/bin/webpack.js --config webpack.config.js) >"$log" 2>&1; then
			cat "$log" >&2
			rm -f "$log"
			echo "setup-lab: the webpack build in $dir failed" >&2
			exit 1
		fi
		rm -f "$log"
		touch "$built"
		echo "setup-lab: built $dir/build in $((SECONDS - start)) s ($(du -sh "$dir/build" | cut -f1))"
	fi
done
