#!/usr/bin/python3
"""Benchmark: compiled sessions (kernelspec gocurrent-compiled) through
jupyter_client. Not a test.

    /usr/bin/python3 bench/bench_compiled.py [--binary PATH] [--cells 200]

Reports, as a Markdown table:
  * the first cell after the kernel starts (waits for the session's setup);
  * a new trivial cell (`xN := N`, each cell new code) from execute_request
    to status idle, p50 and p99 over --cells cells, and the build part of
    it (metadata.timing.build_ns); the p50 of the first and of the last
    cells, to see whether a cell costs more as the session grows;
  * the same cell run again unchanged, p50 over 20 runs;
  * resident memory of the kernel and its session process after 10 cells
    and after --cells cells, and the growth per cell between;
  * a CPU-bound loop run in the session, against the same loop built by
    `go build` and run as a program (the best of 3 runs each).

Without --binary, gocurrent is built from this repository; the kernelspec
is installed under a temporary prefix, as bench_kernel.py does.
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

SPIN = """func spin(n int) int {
	x := 0
	for i := range n {
		x = x*31 + i
	}
	return x
}"""
SPIN_N = 400_000_000


def execute(kc, code, timeout=120.0):
    """Seconds from execute_request to status idle, and the reply's timing."""
    t0 = time.perf_counter()
    msg_id = kc.execute(code, allow_stdin=False)
    reply = None
    deadline = t0 + timeout
    while reply is None:
        msg = kc.get_shell_msg(timeout=max(0.001, deadline - time.perf_counter()))
        if msg["parent_header"].get("msg_id") == msg_id:
            reply = msg
            if msg["content"]["status"] != "ok":
                bk.die(f"cell failed: {msg['content']}")
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.001, deadline - time.perf_counter()))
        if (
            msg["parent_header"].get("msg_id") == msg_id
            and msg["msg_type"] == "status"
            and msg["content"]["execution_state"] == "idle"
        ):
            return time.perf_counter() - t0, reply["metadata"].get("timing", {})


def go_run_spin(tmp):
    """Seconds the spin loop takes as a program built by go build (best of 3)."""
    d = os.path.join(tmp, "spin")
    os.makedirs(d)
    with open(os.path.join(d, "main.go"), "w") as f:
        f.write(
            "package main\n\nimport (\n\t\"fmt\"\n\t\"time\"\n)\n\n" + SPIN + "\n\n"
            "func main() {\n\tt := time.Now()\n\tv := spin(%d)\n\tfmt.Println(time.Since(t).Nanoseconds(), v)\n}\n" % SPIN_N
        )
    with open(os.path.join(d, "go.mod"), "w") as f:
        f.write("module spin\n\ngo 1.22\n")
    subprocess.run(["go", "build", "-o", "spin", "."], cwd=d, check=True)
    best = None
    for _ in range(3):
        out = subprocess.run(["./spin"], cwd=d, capture_output=True, text=True, check=True).stdout
        ns = int(out.split()[0])
        best = ns if best is None else min(best, ns)
    return best / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", help="gocurrent binary to use (default: build it from this repository)")
    ap.add_argument("--cells", type=int, default=200, help="new trivial cells (200)")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="gocurrent-bench-compiled-")
    saved = dict(os.environ)
    try:
        binary = args.binary or bk.build(tmp)
        os.environ["JUPYTER_PATH"] = bk.install(binary, tmp)
        km, kc, startup = bk.start("gocurrent-compiled")
        try:
            first, _ = execute(kc, "first := 0")
            walls, builds = [], []
            rss10 = None
            for i in range(args.cells):
                wall, timing = execute(kc, f"x{i} := {i}")
                walls.append(wall)
                builds.append(timing.get("build_ns", 0) / 1e9)
                if i == 9:
                    rss10, _ = bk.rss_tree(km.provisioner.process.pid)
            rss_end, nprocs = bk.rss_tree(km.provisioner.process.pid)
            again = [execute(kc, "again := 1")[0] for _ in range(20)]
            execute(kc, SPIN + "\nvar spun int")
            runs = []
            for _ in range(3):
                _, timing = execute(kc, f"spun = spin({SPIN_N})")
                runs.append((timing["wall_ns"] - timing.get("build_ns", 0)) / 1e9)
            session_spin = min(runs)
        finally:
            bk.stop(km, kc)
        native_spin = go_run_spin(tmp)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(tmp, ignore_errors=True)

    n = args.cells
    print(f"| compiled session ({n} new cells) | value |")
    print("| --- | --- |")
    print(f"| kernel start to kernel_info | {bk.ms(startup)} |")
    print(f"| first cell (waits for the session's setup) | {bk.ms(first)} |")
    print(f"| new trivial cell, p50 / p99 | {bk.ms(bk.percentile(walls, 50))} / {bk.ms(bk.percentile(walls, 99))} |")
    print(f"| of which building, p50 | {bk.ms(statistics.median(builds))} |")
    k = max(1, min(50, n // 4))
    print(f"| new trivial cell, p50 of the first {k} / of the last {k} | "
          f"{bk.ms(statistics.median(walls[:k]))} / {bk.ms(statistics.median(walls[-k:]))} |")
    print(f"| the same cell again, p50 | {bk.ms(statistics.median(again))} |")
    print(f"| RSS (kernel + {nprocs - 1} child) after 10 cells / after {n} | {rss10 / 2**20:.0f} MB / {rss_end / 2**20:.0f} MB |")
    print(f"| growth per cell | {(rss_end - rss10) / max(n - 10, 1) / 2**20:.2f} MB |")
    print(f"| spin({SPIN_N:,}) in the session / as a program | {session_spin:.3f} s / {native_spin:.3f} s ({session_spin / native_spin:.2f}x) |")


if __name__ == "__main__":
    main()
