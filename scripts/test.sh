#!/usr/bin/env bash
# Every test: installs what the tests need (Debian packages; Go tools from
# the module proxy), then runs the Go checks and tests and the tests that
# drive the kernel with real Jupyter clients.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
	jupyter-client python3-jupyter-client python3-jupyter-kernel-test
	python3-nbclient python3-nbformat jupyter-nbconvert jupyter-console
	jupyter-notebook python3-pytest python3-ipykernel python3-psutil
	python3-pexpect python3-zmq chromium python3-pil
	python3-websocket python3-requests jupyterhub jupyter-server
	python3-jupyterlab-server gcc libc6-dev
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "== gofmt, go vet, staticcheck"
unformatted="$(gofmt -l $(git ls-files '*.go'))"
if [ -n "$unformatted" ]; then
	echo "not gofmt-formatted: $unformatted"
	exit 1
fi
go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== go test -race"
go test -race -count=1 ./...

echo "== browser driver (playwright-core) and JupyterHub proxy (configurable-http-proxy), from the npm registry"
./scripts/setup-node.sh

echo "== JupyterLab 3.6 and 4.6 for the browser tests, from the npm registry (installed and built once)"
./scripts/setup-lab.sh

echo "== tests with real Jupyter clients"
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests
