#!/usr/bin/env bash
# Regenerate the tutorial notebooks' outputs in place: build gocurrent from
# this checkout, run every notebook in notebooks/ (or the ones named on the
# command line) headless with `gocurrent run`, and write each one back with
# its outputs. Needs only Go; no Jupyter.
#
#   ./scripts/notebooks.sh                               # all of notebooks/*.ipynb
#   ./scripts/notebooks.sh notebooks/02-locks.ipynb      # some of them
#
# Cells tagged "raises-exception" may fail (gocurrent run allows it); when
# such a cell says which error it expects (cell metadata "expected_error",
# the error's name, e.g. "deadlock"), the check at the end makes sure it
# failed with that error, and that no other cell failed. Notebooks check
# their claims in their cells, so a claim that does not hold fails its
# cell and the run. A cell tagged "warns" shows a measurement the kernel
# must flag (a line starting with "⚠ "); it fails the run if nothing was
# flagged. Flags in other cells are listed. The per-notebook run time is
# printed; each notebook should take well under a minute.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/gocurrent" .

if [ "$#" -gt 0 ]; then
	notebooks=("$@")
else
	notebooks=()
	for nb in notebooks/*.ipynb; do
		case "$nb" in *.nbconvert.ipynb) continue ;; esac
		notebooks+=("$nb")
	done
fi

status=0
for nb in "${notebooks[@]}"; do
	start=$(date +%s.%N)
	# write to a temporary file first, so a failed run leaves the notebook as it was
	if "$tmp/gocurrent" run "$nb" -o "$tmp/out.ipynb" >"$tmp/log" 2>&1; then
		mv "$tmp/out.ipynb" "$nb"
		printf '%-36s %6.1f s\n' "$nb" "$(echo "$(date +%s.%N) - $start" | bc)"
	else
		status=1
		printf '%-36s FAILED; its output:\n' "$nb"
		cat "$tmp/log"
	fi
done

# expected-failure cells failed with the expected error, the others did not fail
if command -v python3 >/dev/null 2>&1; then
	python3 - "${notebooks[@]}" <<'EOF' || status=1
import json, sys

bad, notes = [], []
for path in sys.argv[1:]:
    nb = json.load(open(path, encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        meta = cell.get("metadata", {})
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if "raises-exception" in meta.get("tags", []):
            want = meta.get("expected_error")
            if not errors:
                bad.append(f"{path} cell {i}: tagged raises-exception but did not fail")
            elif want and not any(o.get("ename") == want for o in errors):
                bad.append(f"{path} cell {i}: expected error {want!r}, got {[o.get('ename') for o in errors]}")
        elif errors:
            bad.append(f"{path} cell {i}: unexpected error {errors[0].get('ename')}: {errors[0].get('evalue')}")
        text = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        warned = [l for l in text.splitlines() if l.startswith("⚠ ")]
        if "warns" in meta.get("tags", []):
            if not warned:
                bad.append(f"{path} cell {i}: tagged warns (a measurement shown to be impossible) but its magic flagged nothing")
        else:
            notes.extend(f"{path} cell {i}: {l[:200]}" for l in warned)
for line in notes:
    print("measurement flagged (read it: noise on a busy machine, or a lesson to fix):", line, file=sys.stderr)
for line in bad:
    print(line, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
fi
exit "$status"
