#!/usr/bin/python3
"""Benchmark: what measuring costs. Not a test.

    /usr/bin/python3 bench/bench_measure.py [--binary PATH] [--cells 60] [--rounds 6]

Reports, as Markdown:
  * the overhead of the timing line: the round trip of a trivial cell
    (execute_request to status idle) with %timing on and with %timing off,
    in alternating rounds of --cells cells each, medians; the IPython
    kernel's round trip for its trivial cell in the same run, for scale;
  * %%trace of a cell that starts 10,000 goroutines (each does a little
    work and takes a mutex), natively and in the interpreter: the time to
    read the trace and draw it (metadata.trace.render_ns), of which
    drawing the SVG and the PNG (draw_ns), the SVG's and the PNG's sizes,
    and the whole cell's round trip.

Without --binary, gocurrent is built from this repository into a temporary
directory; the kernelspec goes under a temporary prefix, as bench_kernel.py
does.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_kernel as bk  # noqa: E402

TRACE_CELL = """%%trace{flags}
var mu sync.Mutex
total := 0
var wg sync.WaitGroup
for i := 0; i < 10000; i++ {{
	wg.Add(1)
	go func() {{
		defer wg.Done()
		s := 0
		for j := 0; j < {work}; j++ {{
			s += j % 7
		}}
		mu.Lock()
		total += s
		mu.Unlock()
	}}()
}}
wg.Wait()
fmt.Println(total > 0)
"""


def run_cell(kc, code, timeout=600.0):
    """Execute code; return (seconds to idle, reply content, reply metadata, displays)."""
    t0 = time.perf_counter()
    msg_id = kc.execute(code, allow_stdin=False)
    reply = None
    while reply is None:
        m = kc.get_shell_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") == msg_id:
            reply = m
    displays = []
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "display_data":
            displays.append(m["content"])
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    if reply["content"]["status"] != "ok":
        bk.die(f"cell failed: {reply['content']}")
    return time.perf_counter() - t0, reply["content"], reply["metadata"], displays


def idle_times(kc, code, n):
    return [bk.execute_once(kc, code)[1] for _ in range(n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", help="gocurrent binary (default: build it from this repository)")
    ap.add_argument("--cells", type=int, default=60, help="trivial cells per round (60)")
    ap.add_argument("--rounds", type=int, default=6, help="rounds with %%timing on, and as many off (6)")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="gocurrent-bench-")
    os.environ.update(HOME=tmp, XDG_DATA_HOME=os.path.join(tmp, "data"), JUPYTER_RUNTIME_DIR=os.path.join(tmp, "rt"))
    binary = args.binary or bk.build(tmp)
    os.environ["JUPYTER_PATH"] = bk.install(binary, tmp)

    km, kc, _ = bk.start("gocurrent")
    try:
        for _ in range(30):
            bk.execute_once(kc, "x := 1")
        on, off = [], []
        for _ in range(args.rounds):
            bk.execute_once(kc, "%timing on")
            on += idle_times(kc, "x := 1", args.cells)
            bk.execute_once(kc, "%timing off")
            off += idle_times(kc, "x := 1", args.cells)
        bk.execute_once(kc, "%timing on")
        traces = {}
        for name, flags, work in (("native", " --native", 20000), ("interpreted", "", 200)):
            run_cell(kc, TRACE_CELL.format(flags=flags, work=work))  # builds, warms the caches
            wall, content, md, displays = run_cell(kc, TRACE_CELL.format(flags=flags, work=work))
            svg = displays[-1]["data"]["image/svg+xml"]
            traces[name] = (wall, md["trace"], len(svg.encode()), md["trace"].get("png_bytes", 0))
    finally:
        bk.stop(km, kc)

    km, kc, _ = bk.start("python3")
    try:
        for _ in range(30):
            bk.execute_once(kc, "x = 1")
        ipy = idle_times(kc, "x = 1", args.cells * 2)
    finally:
        bk.stop(km, kc)

    m_on, m_off, m_ipy = statistics.median(on), statistics.median(off), statistics.median(ipy)
    print(f"## Timing overhead ({len(on)} cells with the timing line, {len(off)} without, alternating rounds)\n")
    print("| trivial cell, execute to idle | median |")
    print("| --- | --- |")
    print(f"| gocurrent, %timing on | {bk.ms(m_on)} |")
    print(f"| gocurrent, %timing off | {bk.ms(m_off)} |")
    print(f"| IPython kernel (`x = 1`) | {bk.ms(m_ipy)} |")
    print(f"\noverhead of the timing line: {100 * (m_on - m_off) / m_off:+.1f}% "
          f"(gocurrent / IPython: {m_on / m_ipy:.2f}×)\n")
    print("## %%trace of a cell that starts 10,000 goroutines\n")
    print("| engine | goroutines seen | read + draw the trace | of which SVG + PNG | SVG | PNG | whole cell |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, (wall, tr, size, png) in traces.items():
        print(f"| {name} | {tr['goroutines_created']} | {tr['render_ns'] / 1e9:.2f} s | "
              f"{tr.get('draw_ns', 0) / 1e9:.2f} s | {size / 1e6:.2f} MB | {png / 1e3:.0f} kB | {wall:.2f} s |")


if __name__ == "__main__":
    main()
