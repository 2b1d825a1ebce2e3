#!/usr/bin/env bash
# The main job: build and install gocurrent, run the first tutorial notebook
# headless (its outputs and timing lines print here), and register the
# kernel with Jupyter when Jupyter is installed. Needs only Go.
set -euo pipefail
cd "$(dirname "$0")/.."

go install .
bin="$(go env GOBIN)"
[ -n "$bin" ] || bin="$(go env GOPATH)/bin"
gocurrent="$bin/gocurrent"

mkdir -p build
"$gocurrent" run notebooks/01-goroutines.ipynb -o build/01-goroutines.ipynb

if command -v jupyter >/dev/null 2>&1; then
	"$gocurrent" install --user
	echo "Registered: pick \"Go (gocurrent)\" in Jupyter's launcher or run: jupyter console --kernel gocurrent"
else
	echo "Jupyter is not installed, so the kernel was not registered; after installing it, run: $gocurrent install"
fi
