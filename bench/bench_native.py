#!/usr/bin/python3
"""Benchmark of native cells: how long the build of a %%native cell takes
when the cell is new, repeated, or slightly edited, with and without -race,
and how a whole `go run` of the same program compares. Not a test.

    /usr/bin/python3 bench/bench_native.py [--binary PATH] [--runs 7]

The kernel is started with jupyter_client from a kernelspec installed under
a temporary prefix (as bench/bench_kernel.py does); build times are the
kernel's own measurement (metadata.timing.build_ns of each reply).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_kernel as bk  # noqa: E402

CELL = """%%native{flags}
results := make(chan int)
var wg sync.WaitGroup
for w := 0; w < 4; w++ {{
	wg.Add(1)
	go func(w int) {{
		defer wg.Done()
		results <- w * {k}
	}}(w)
}}
go func() {{ wg.Wait(); close(results) }}()
sum := 0
for r := range results {{
	sum += r
}}
fmt.Println(strings.Repeat("=", 3), sum)
"""


def run_cell(kc, code):
    msg_id = kc.execute(code, allow_stdin=False)
    while True:
        msg = kc.get_shell_msg(timeout=300)
        if msg["parent_header"].get("msg_id") == msg_id:
            break
    if msg["content"]["status"] != "ok":
        bk.die(f"cell failed: {msg['content']}")
    return msg["metadata"]["timing"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="gocurrent-bench-native-")
    try:
        binary = args.binary or bk.build(tmp)
        os.environ["JUPYTER_PATH"] = bk.install(binary, tmp)
        km, kc, _ = bk.start("gocurrent")
        rows = []
        try:
            for flags, label in (("", "native"), (" -race", "native -race")):
                first = run_cell(kc, CELL.format(flags=flags, k=1))["build_ns"] / 1e6
                same = [run_cell(kc, CELL.format(flags=flags, k=1))["build_ns"] / 1e6 for _ in range(args.runs)]
                edited = [run_cell(kc, CELL.format(flags=flags, k=i + 2))["build_ns"] / 1e6 for i in range(args.runs)]
                rows.append((label, first, statistics.median(same), statistics.median(edited)))
        finally:
            bk.stop(km, kc)
        # The same program with `go run`, for scale.
        src = os.path.join(tmp, "prog")
        os.makedirs(src)
        body = CELL.format(flags="", k=1).split("\n", 1)[1]
        with open(os.path.join(src, "main.go"), "w") as f:
            f.write('package main\n\nimport (\n\t"fmt"\n\t"strings"\n\t"sync"\n)\n\nfunc main() {\n' + body + "}\n")
        with open(os.path.join(src, "go.mod"), "w") as f:
            f.write("module prog\n\ngo 1.26\n")
        go = shutil.which("go")
        runs = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run([go, "run", "."], cwd=src, check=True, capture_output=True)
            runs.append((time.perf_counter() - t0) * 1e3)
        print(f"\ngocurrent native builds ({args.runs} runs each, median; 2 cores, load {os.getloadavg()[0]:.2f})\n")
        print("| cell | first build | same cell again | cell edited (a constant) |")
        print("| --- | ---: | ---: | ---: |")
        for label, first, same, edited in rows:
            print(f"| {label} | {first:.0f} ms | {same:.0f} ms | {edited:.0f} ms |")
        print(f"\n`go run` of the same program (build and run): median {statistics.median(runs):.0f} ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
