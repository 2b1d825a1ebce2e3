#!/usr/bin/python3
"""Benchmark: what the live status of a long cell costs the cell. Not a test.

    /usr/bin/python3 bench/bench_live.py [--binary PATH] [--rounds 8] [--seconds 2]

A cell that keeps every core busy computing a fixed amount of work for
about --seconds (one goroutine per core) runs in alternating rounds with
the live status on (%timing on, the default) and off (%timing off, which
also hides the timing line), in the interpreter. Reported, as Markdown:
the cell's wall and CPU time from execute_reply metadata.timing (medians),
the ratio on/off and how many live status messages each cell with it sent.
Then a cell that only sleeps for --sleep seconds runs with the status on
and off: the CPU time the kernel and its worker use meanwhile (read with
psutil), which is what the status costs, is reported per second of the
cell, and as a share of one core. That second figure is the precise one on
a shared machine, where the wall time of a computing cell moves by more
than the cost.

Without --binary, gocurrent is built from this repository into a temporary
directory; the kernelspec goes under a temporary prefix, as bench_kernel.py
does.
"""

import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_kernel as bk  # noqa: E402
import psutil  # noqa: E402

CELL = """
var wg sync.WaitGroup
results := make([]int, runtime.NumCPU())
for c := range results {{
	wg.Go(func() {{
		s := 0
		for i := 0; i < {n}; i++ {{
			s += i % 7
		}}
		results[c] = s
	}})
}}
wg.Wait()
"""


def run(kc, code, timeout=600.0):
    """Execute code; return (timing metadata, number of live messages)."""
    msg_id = kc.execute(code, allow_stdin=False)
    reply = None
    while reply is None:
        m = kc.get_shell_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") == msg_id:
            reply = m
    live = 0
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        md = m["content"].get("metadata") or {}
        if m["msg_type"] in ("display_data", "update_display_data") and "live" in (md.get("gocurrent") or {}):
            live += 1
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    if reply["content"]["status"] != "ok":
        bk.die(f"cell failed: {reply['content']}")
    return reply["metadata"]["timing"], live


def tree_cpu(pid):
    """The CPU time, in seconds, of pid and every process below it."""
    proc = psutil.Process(pid)
    total = 0.0
    for p in [proc] + proc.children(recursive=True):
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--sleep", type=float, default=10.0)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="gocurrent-bench-live-")
    binary = args.binary or bk.build(tmp)
    os.environ["JUPYTER_PATH"] = bk.install(binary, tmp)
    km, kc, _ = bk.start("gocurrent")
    try:
        bk.execute_once(kc, 'import ("runtime"; "sync")')
        # Calibrate the work to about --seconds of wall time.
        n = 1_000_000
        while True:
            t, _ = run(kc, CELL.format(n=n))
            wall = t["wall_ns"] / 1e9
            if wall >= args.seconds / 4:
                n = int(n * args.seconds / wall)
                break
            n *= 4
        code = CELL.format(n=n)
        on, off, msgs = [], [], []
        for r in range(args.rounds):
            for mode in (("on", "off") if r % 2 == 0 else ("off", "on")):
                bk.execute_once(kc, f"%timing {mode}")
                t, live = run(kc, code)
                (on if mode == "on" else off).append(t)
                if mode == "on":
                    msgs.append(live)
        bk.execute_once(kc, "%timing on")
        idle = {}
        sleeper = f"time.Sleep({int(args.sleep * 1000)} * time.Millisecond)"
        bk.execute_once(kc, 'import "time"')
        for mode in ("on", "off", "on", "off"):
            bk.execute_once(kc, f"%timing {mode}")
            before = tree_cpu(km.provisioner.process.pid)
            run(kc, sleeper)
            idle.setdefault(mode, []).append(tree_cpu(km.provisioner.process.pid) - before)
        bk.execute_once(kc, "%timing on")
    finally:
        bk.stop(km, kc)

    def med(ts, key):
        return statistics.median(t[key] for t in ts) / 1e9

    def cpu(ts):
        return statistics.median((t["user_ns"] + t["sys_ns"]) for t in ts) / 1e9

    print(f"A cell computing on every core, {args.rounds} rounds each, medians:\n")
    print("| live status | wall | CPU | live messages per cell |")
    print("| --- | --- | --- | --- |")
    print(f"| on | {med(on, 'wall_ns'):.3f} s | {cpu(on):.3f} s | {statistics.median(msgs):.0f} |")
    print(f"| off | {med(off, 'wall_ns'):.3f} s | {cpu(off):.3f} s | 0 |")
    print(f"\nwall on/off: {med(on, 'wall_ns') / med(off, 'wall_ns'):.4f}; CPU on/off: {cpu(on) / cpu(off):.4f}")
    walls_on = sorted(t["wall_ns"] / 1e9 for t in on)
    walls_off = sorted(t["wall_ns"] / 1e9 for t in off)
    print(f"walls on: {', '.join(f'{w:.3f}' for w in walls_on)}")
    print(f"walls off: {', '.join(f'{w:.3f}' for w in walls_off)}")
    on_s, off_s = statistics.median(idle["on"]), statistics.median(idle["off"])
    print(f"\nA cell sleeping {args.sleep:.0f} s: kernel and worker CPU {on_s * 1000:.1f} ms with the status, {off_s * 1000:.1f} ms without;")
    per = (on_s - off_s) / args.sleep
    print(f"the status costs {per * 1000:.2f} ms of CPU per second of the cell, {per * 100:.3f}% of one core.")


if __name__ == "__main__":
    main()
