#!/usr/bin/python3
"""Soak benchmark: one gocurrent kernel, thousands of cells in a row, with
interrupts and worker deaths mixed in. Not a test.

    /usr/bin/python3 bench/soak.py [--binary PATH] [--cells 2000] [--interrupts 100]
                                   [--restarts 20] [--late-interrupts 100] [--idle-deaths 20]
                                   [--warmup 20] [--seed 1] [--json FILE]

The kernel is started with jupyter_client from a kernelspec installed under
a temporary prefix, as bench/bench_kernel.py does (without --binary,
gocurrent is built from this repository first). Then --cells cells run one
after the other:

  * ordinary cells: declarations and redefinitions, goroutines joined with a
    WaitGroup, a producer and consumer over a channel, prints, a counter
    behind a mutex, arithmetic; each one's output or value is checked;
  * --interrupts interrupts: a cell that never ends by itself (a busy loop,
    goroutines spinning while the cell waits on a WaitGroup, a goroutine
    feeding a channel forever) is interrupted after 100-300 ms through
    KernelManager.interrupt_kernel(); its reply must be the error
    "interrupted", and the next cell checks that the session's values were
    kept;
  * --restarts worker deaths: 4 goroutines writing one map until the runtime
    stops the worker with "fatal error: concurrent map writes"; the reply
    must say so, and the next cell checks that a fresh worker runs cells;
  * --late-interrupts interrupts that find no cell running: an
    interrupt_request is sent on the client's control channel without
    waiting for its reply, at once or 0-50 ms after the previous cell's
    idle (half each), and the next cell (a 30 ms sleep and a print of a session value) is sent at
    once; it must come back ok with its output, since the kernel forgets an
    interrupt that finds no cell running or that its client sent before the
    running cell's request. The interrupt_reply (matched by its parent's
    msg_id, like every reply) must say ok. One in four comes right after a
    cell that deadlocks (two Lock()s of one Mutex), whose reply must be the
    error "deadlock" within DEADLOCK_LIMIT;
  * --idle-deaths deaths of the worker between cells, alternately by a
    timer whose callback panics 300 ms after its cell returned ok, and by
    killing the worker process (the kernel's child whose command line holds
    "__worker") with psutil after an ordinary cell. The kernel must report
    the death at once as a stderr stream under the last cell (saying "worker
    process" and "values were lost"; its delay after that cell's idle or
    after the kill is measured, DEATH_REPORT_TIMEOUT at most); the next cell
    must begin with a stderr stream saying "values were lost" and find the
    session fresh (soakKept is undefined), and a third cell declares
    soakKept again, as after --restarts deaths.

Each interrupt and each death is followed by its check cell; all count
among --cells (a late interrupt takes 1 cell, 2 after a deadlock; an idle
death 3). The first --warmup cells are ordinary, then the kernel's
%status is read (metadata.status of a silent execute), and again at the end
and every 250 cells in between.

Reported: failures (a reply with the wrong status or output, or none in
time), kernel goroutines, RSS and open files at the start and the end,
failures by event, worker restarts (from %status and expected), p50/max of
the idle deaths' report delay, the longest reply and the kind of its cell,
p50/p99 reply time of ordinary cells, total run time. A
summary table is printed; --json FILE writes everything as JSON.
"""

import argparse
import json
import os
import queue
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_kernel as bk  # noqa: E402  (build, install, start, stop, percentile)

psutil = bk.psutil

KEPT = 12345  # a session value that interrupts must keep
CELL_TIMEOUT = 60.0
HANG_WAIT = 300.0  # after a cell timed out, how long to wait for its late reply
INTERRUPT_REPLY_TIMEOUT = 15.0
DEATH_REPORT_TIMEOUT = 15.0  # an idle death must be reported within this
DEADLOCK_LIMIT = 5.0  # the deadlock cell's reply must come within this
WORKER_COMMAND = "__worker"  # in the worker process's command line

DEADLOCK_CELL = "var mu sync.Mutex\nmu.Lock()\nmu.Lock()"
TIMER_DEATH_CELL = 'time.AfterFunc(300*time.Millisecond, func() { panic("soak timer") })'

# cells each event of the schedule takes
EVENT_CELLS = {
    "interrupt": 2,
    "restart": 2,
    "late interrupt": 1,
    "late interrupt after deadlock": 2,
    "idle death: timer": 3,
    "idle death: kill": 3,
}

FATAL_CELL = (
    "soakMap := map[int]int{}\n"
    "for i := 0; i < 4; i++ {\n"
    "\tgo func() {\n"
    "\t\tfor j := 0; ; j++ {\n"
    "\t\t\tsoakMap[j] = j\n"
    "\t\t}\n"
    "\t}()\n"
    "}\n"
    "time.Sleep(5 * time.Second)"
)

INTERRUPT_CELLS = [
    ("busy loop", "soakN := 0\nfor {\n\tsoakN++\n}"),
    (
        "spinning goroutines + WaitGroup",
        "for i := 0; i < 2; i++ {\n\tgo func() {\n\t\tx := 0\n\t\tfor {\n\t\t\tx++\n\t\t}\n\t}()\n}\n"
        "var soakWait sync.WaitGroup\nsoakWait.Add(1)\nsoakWait.Wait()",
    ),
    (
        "channel feeder loop",
        "soakFeed := make(chan int)\ngo func() {\n\tfor i := 0; ; i++ {\n\t\tsoakFeed <- i\n\t}\n}()\n"
        "soakGot := 0\nfor {\n\tsoakGot += <-soakFeed\n}",
    ),
]


def ordinary_cell(i, rng):
    """(kind, code, expected stdout or None, expected result text or None)."""
    kind = rng.choice(["declaration", "waitgroup", "channel", "print", "mutex", "expression"])
    if kind == "declaration":
        name = f"soakF{i % 50}"  # a few names, redefined again and again
        k = rng.randint(2, 9)
        code = f"func {name}(x int) int {{ return x*{k} + {i} }}\n{name}({i})"
        return kind, code, "", str(i * k + i)
    if kind == "waitgroup":
        g = rng.randint(2, 16)
        code = (
            "var soakWG sync.WaitGroup\nvar soakTotal int64\n"
            f"for g := 0; g < {g}; g++ {{\n\tsoakWG.Add(1)\n"
            "\tgo func(n int) {\n\t\tdefer soakWG.Done()\n\t\tatomic.AddInt64(&soakTotal, int64(n))\n\t}(g)\n}\n"
            f'soakWG.Wait()\nfmt.Println("wg", {i}, soakTotal)'
        )
        return kind, code, f"wg {i} {g * (g - 1) // 2}\n", None
    if kind == "channel":
        n = rng.randint(10, 500)
        code = (
            "soakCh := make(chan int, 4)\n"
            f"go func() {{\n\tfor v := 1; v <= {n}; v++ {{\n\t\tsoakCh <- v\n\t}}\n\tclose(soakCh)\n}}()\n"
            "soakSum := 0\nfor v := range soakCh {\n\tsoakSum += v\n}\nsoakSum"
        )
        return kind, code, "", str(n * (n + 1) // 2)
    if kind == "print":
        n = rng.randint(1, 5)
        code = f'for k := 0; k < {n}; k++ {{\n\tfmt.Println("cell", {i}, "line", k)\n}}'
        return kind, code, "".join(f"cell {i} line {k}\n" for k in range(n)), None
    if kind == "mutex":
        g, per = rng.randint(2, 8), rng.randint(50, 400)
        code = (
            "var soakMu sync.Mutex\nsoakCount := 0\nvar soakMW sync.WaitGroup\n"
            f"for g := 0; g < {g}; g++ {{\n\tsoakMW.Add(1)\n\tgo func() {{\n\t\tdefer soakMW.Done()\n"
            f"\t\tfor k := 0; k < {per}; k++ {{\n\t\t\tsoakMu.Lock()\n\t\t\tsoakCount++\n\t\t\tsoakMu.Unlock()\n\t\t}}\n"
            "\t}()\n}\nsoakMW.Wait()\nsoakCount"
        )
        return kind, code, "", str(g * per)
    a, b = rng.randint(1, 10**6), rng.randint(1, 1000)
    return kind, f"{a} * {b} + {i}", "", str(a * b + i)


class Kernel:
    """A running kernel and the client; executes cells and times them."""

    def __init__(self, km, kc):
        self.km, self.kc = km, kc
        self.stray = {}  # iopub message types of other parents (late output, ...)
        self.control = {}  # control replies not asked for yet, by parent msg_id

    def send(self, code, silent=False):
        return self.kc.execute(code, silent=silent, store_history=not silent, allow_stdin=False)

    def send_interrupt(self):
        """Send an interrupt_request on the control channel, not waiting
        for its reply; return its msg_id."""
        msg = self.kc.session.msg("interrupt_request", {})
        self.kc.control_channel.send(msg)
        return msg["header"]["msg_id"]

    def control_reply(self, msg_id, timeout=INTERRUPT_REPLY_TIMEOUT):
        """The control reply to msg_id, None if none came in time."""
        deadline = time.monotonic() + timeout
        while msg_id not in self.control:
            left = max(0.0, deadline - time.monotonic())
            try:
                m = self.kc.get_control_msg(timeout=left)
            except queue.Empty:
                if left <= 0:
                    return None
                continue
            self.control[m["parent_header"].get("msg_id")] = m
        return self.control.pop(msg_id)

    def wait_late(self, msg_id, words, timeout=DEATH_REPORT_TIMEOUT):
        """Wait for stream output of the finished cell msg_id that contains
        all of words; return (its text, seconds waited or None)."""
        t0 = time.perf_counter()
        deadline = time.monotonic() + timeout
        text = ""
        while not all(w in text for w in words):
            left = max(0.0, deadline - time.monotonic())
            try:
                m = self.kc.get_iopub_msg(timeout=left)
            except queue.Empty:
                if left <= 0:
                    return text, None
                continue
            if m["parent_header"].get("msg_id") != msg_id or m["msg_type"] != "stream":
                self.stray[m["msg_type"]] = self.stray.get(m["msg_type"], 0) + 1
                continue
            text += m["content"]["text"]
        return text, time.perf_counter() - t0

    def worker_processes(self):
        """The kernel's worker processes (psutil)."""
        kp = psutil.Process(self.km.provisioner.process.pid)
        out = []
        for c in kp.children(recursive=True):
            try:
                if any(WORKER_COMMAND in a for a in c.cmdline()):
                    out.append(c)
            except psutil.Error:
                pass
        return out

    def wait(self, msg_id, t0, timeout=CELL_TIMEOUT):
        """Reply and iopub of msg_id; times from t0. None on timeout."""
        deadline = time.monotonic() + timeout
        reply = None
        while reply is None:
            # Past the deadline, still look once at what has arrived: a
            # client that was not scheduled for a while is not a hang.
            left = max(0.0, deadline - time.monotonic())
            try:
                m = self.kc.get_shell_msg(timeout=left)
            except queue.Empty:
                if left <= 0:
                    return None
                continue
            if m["parent_header"].get("msg_id") == msg_id:
                reply = m
        t_reply = time.perf_counter() - t0
        iopub = []
        while True:
            left = max(0.0, deadline - time.monotonic())
            try:
                m = self.kc.get_iopub_msg(timeout=left)
            except queue.Empty:
                if left <= 0:
                    return None
                continue
            if m["parent_header"].get("msg_id") != msg_id:
                self.stray[m["msg_type"]] = self.stray.get(m["msg_type"], 0) + 1
                continue
            iopub.append(m)
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
        return {"reply": reply, "iopub": iopub, "t_reply": t_reply, "t_idle": time.perf_counter() - t0}

    def diagnose_hang(self, msg_id, t0):
        """A cell gave no reply in time: note what the processes do, then
        wait up to HANG_WAIT for the reply, interrupting at the end."""
        out = {}
        try:
            kp = psutil.Process(self.km.provisioner.process.pid)
            procs = {"kernel": kp}
            for c in kp.children(recursive=True):
                procs[f"child {c.pid}"] = c
            c0 = {n: sum(p.cpu_times()[:2]) for n, p in procs.items()}
            time.sleep(1.0)
            out["cpu_per_second"] = {n: round(sum(p.cpu_times()[:2]) - c0[n], 3) for n, p in procs.items()}
            out["threads"] = {n: p.num_threads() for n, p in procs.items()}
            out["states"] = {n: p.status() for n, p in procs.items()}
        except psutil.Error as exc:
            out["psutil_error"] = str(exc)
        r = self.wait(msg_id, t0, timeout=HANG_WAIT)
        if r is None:
            self.km.interrupt_kernel()
            r = self.wait(msg_id, t0, timeout=INTERRUPT_REPLY_TIMEOUT)
            out["summary"] = f"no reply within {HANG_WAIT:.0f} s more either; interrupted: " + (
                "no reply" if r is None else r["reply"]["content"]["status"]
            )
        else:
            out["summary"] = f"the reply came after {r['t_reply']:.1f} s"
        if r is not None:
            out["reply_s"] = r["t_reply"]
            out["reply_status"] = r["reply"]["content"]["status"]
            out["timing"] = r["reply"]["metadata"].get("timing")
            out["summary"] += f" (status {out['reply_status']}, kernel timing {out['timing']})"
            # when each iopub message of the cell arrived is not known; their order is
            out["iopub_types"] = [m["msg_type"] for m in r["iopub"]]
        out["summary"] += f"; CPU s/s {out.get('cpu_per_second')}"
        return out

    def status(self):
        r = self.wait(self.send("%status", silent=True), time.perf_counter())
        if r is None or r["reply"]["content"]["status"] != "ok":
            return None
        st = dict(r["reply"]["metadata"].get("status") or {})
        try:
            k = psutil.Process(self.km.provisioner.process.pid)
            st["psutil_kernel_rss_bytes"] = k.memory_info().rss
            st["psutil_kernel_threads"] = k.num_threads()
            st["psutil_kernel_fds"] = k.num_fds()
            st["psutil_children"] = len(k.children(recursive=True))
        except psutil.Error:
            pass
        return st


def stdout_of(run):
    """stdout text without the kernel's timing line."""
    text = "".join(
        m["content"]["text"]
        for m in run["iopub"]
        if m["msg_type"] == "stream" and m["content"]["name"] == "stdout"
    )
    return "".join(l for l in text.splitlines(keepends=True) if not l.lstrip("\n").startswith("\u00bb wall"))


def result_of(run):
    rs = [m for m in run["iopub"] if m["msg_type"] == "execute_result"]
    return rs[-1]["content"]["data"].get("text/plain") if rs else None


def check(run, want_stdout, want_result, want_error=None):
    """None if the run is an ok reply with the expected output (or, with
    want_error (ename or None, text in the error or None), that error),
    else why not."""
    c = run["reply"]["content"]
    if want_error is not None:
        return check_error(c, *want_error)
    if c["status"] != "ok":
        return f"status {c['status']}: {c.get('ename')}: {str(c.get('evalue'))[:300]}"
    if want_stdout is not None and stdout_of(run) != want_stdout:
        return f"stdout {stdout_of(run)!r}, want {want_stdout!r}"
    if want_result is not None and result_of(run) != want_result:
        return f"result {result_of(run)!r}, want {want_result!r}"
    return None


def check_error(c, ename, text):
    """None if reply content c is the error ename (None: any) whose
    message contains text (None: anything), else why not."""
    got = f"{c['status']} {c.get('ename')}: {str(c.get('evalue'))[:300]}"
    if c["status"] != "error" or (ename is not None and c.get("ename") != ename):
        return f"reply {got}, want error {ename or ''}"
    if text is not None and text not in f"{c.get('evalue')}\n" + "\n".join(c.get("traceback") or []):
        return f"reply {got}, want {text!r} in the error"
    return None


def first_output(run):
    """The first output message (stream, result, display, error) of a run."""
    for m in run["iopub"]:
        if m["msg_type"] in ("stream", "execute_result", "display_data", "error"):
            return m
    return None


def schedule(args, rng):
    late = ["late interrupt after deadlock" if n % 4 == 3 else "late interrupt" for n in range(args.late_interrupts)]
    idle = ["idle death: kill" if n % 2 else "idle death: timer" for n in range(args.idle_deaths)]
    events = ["interrupt"] * args.interrupts + ["restart"] * args.restarts + late + idle
    plain = args.cells - args.warmup - sum(EVENT_CELLS[e] for e in events)
    if plain < 0:
        bk.die(
            f"--cells {args.cells} cannot hold --warmup {args.warmup} and the events' cells "
            f"(2 per interrupt and restart, 1 or 2 per late interrupt, 3 per idle death)"
        )
    rest = events + ["ordinary"] * plain
    rng.shuffle(rest)
    return ["ordinary"] * args.warmup + rest


def soak(k, args):
    rng = random.Random(args.seed)
    plan = schedule(args, rng)
    res = {
        "failures": [],
        "times": {},  # kind -> reply seconds
        "max": (0.0, None, None),  # (seconds, kind, cell index)
        "interrupt_latency": [],  # interrupt sent -> reply
        "interrupts_escalated": 0,
        "interrupts_retried": 0,
        "deaths_seen": 0,
        "late_interrupts": 0,
        "late_interrupt_replies_ok": 0,
        "deadlocks_seen": 0,
        "idle_deaths_reported": 0,
        "death_report": {"timer": [], "kill": []},  # seconds from the cell's idle / the kill to the report
        "samples": [],
        "cells_run": 0,
        "cells": [],  # per cell: index, kind, detail, reply seconds, what came before it
    }
    prev = ["start"]  # kind of the cell before
    event = ["setup"]  # the schedule's slot being run, to count failures by

    def record(kind, i, seconds, detail=""):
        res["times"].setdefault(kind, []).append(seconds)
        if seconds > res["max"][0]:
            res["max"] = (seconds, kind, i)
        res["cells"].append({"cell": i, "kind": kind, "detail": detail, "reply_s": round(seconds, 6), "after": prev[0]})
        prev[0] = kind + (f" ({detail})" if detail else "")

    def fail(i, kind, why, code):
        res["failures"].append({"cell": i, "kind": kind, "event": event[0], "why": why, "code": code[:200]})
        print(f"  cell {i} ({kind}) FAILED: {why}", file=sys.stderr)

    def run(i, kind, code, want_stdout=None, want_result=None, detail="", want_error=None):
        t0 = time.perf_counter()
        msg_id = k.send(code)
        r = k.wait(msg_id, t0)
        res["cells_run"] += 1
        if r is None:
            hang = k.diagnose_hang(msg_id, t0)
            res.setdefault("hangs", []).append({"cell": i, "kind": kind, "detail": detail, "code": code, **hang})
            fail(i, kind, f"no reply and idle within {CELL_TIMEOUT} s; {hang['summary']}", code)
            record(kind, i, hang.get("reply_s") or CELL_TIMEOUT, detail)
            return None
        r["msg_id"] = msg_id
        record(kind, i, r["t_reply"], detail)
        why = check(r, want_stdout, want_result, want_error)
        if why:
            fail(i, kind, why, code)
        return r

    def redeclare(i, kind):
        """A fresh worker: declare again the session value later cells use."""
        run(i, kind, f"soakKept := {KEPT}\nsoakKept * 2", "", str(KEPT * 2))

    def late_interrupt(i, after_deadlock):
        """An interrupt_request, not waited for, while no cell runs, and at
        once the next cell, which must run undisturbed. Returns the next i."""
        res["late_interrupts"] += 1
        name = "late interrupt after deadlock" if after_deadlock else "late interrupt"
        if after_deadlock:
            r = run(i, "deadlock", DEADLOCK_CELL, want_error=("deadlock", None))
            if r is not None:
                if r["t_reply"] > DEADLOCK_LIMIT:
                    fail(i, "deadlock", f"the deadlock was reported after {r['t_reply']:.1f} s", DEADLOCK_CELL)
                elif check(r, None, None, ("deadlock", None)) is None:
                    res["deadlocks_seen"] += 1
            i += 1
        elif rng.random() < 0.5:
            time.sleep(rng.uniform(0.0, 0.05))
        code = f'time.Sleep(30 * time.Millisecond)\nfmt.Println("late", {i}, soakKept+{i})'
        int_id = k.send_interrupt()
        run(i, f"{name}: next cell", code, f"late {i} {KEPT + i}\n", None)
        rep = k.control_reply(int_id)
        if rep is None:
            fail(i, name, f"no interrupt_reply within {INTERRUPT_REPLY_TIMEOUT} s", code)
        elif rep["msg_type"] != "interrupt_reply" or rep["content"].get("status") != "ok":
            fail(i, name, f"interrupt reply {rep['msg_type']} {rep['content']}", code)
        else:
            res["late_interrupt_replies_ok"] += 1
        return i + 1

    def idle_death(i, by_kill):
        """The worker dies after its cell ended: by a timer's panic or
        killed from outside. The death must be reported under that cell at
        once, and the next cell must say so and find a fresh session.
        Returns the next i."""
        how = "kill" if by_kill else "timer"
        if by_kill:
            kind, code, want_out, want_res = ordinary_cell(i, rng)
            r = run(i, "idle death: cell before kill", code, want_out, want_res, detail=kind)
        else:
            code = TIMER_DEATH_CELL
            r = run(i, "idle death: timer cell", code)
        t_mark = time.perf_counter()
        if by_kill and r is not None:
            workers = k.worker_processes()
            if len(workers) != 1:
                fail(i, "idle death: kill", f"{len(workers)} worker processes, want 1", code)
            for w in workers:
                try:
                    w.kill()
                except psutil.Error as exc:
                    fail(i, "idle death: kill", f"psutil kill: {exc}", code)
            t_mark = time.perf_counter()
        if r is not None:
            text, waited = k.wait_late(r["msg_id"], ("worker process", "values were lost"))
            if waited is None:
                fail(i, f"idle death: {how}", f"no death report within {DEATH_REPORT_TIMEOUT} s (got {text[:300]!r})", code)
            else:
                res["idle_deaths_reported"] += 1
                res["death_report"][how].append(time.perf_counter() - t_mark)
        i += 1
        # The next cell is told, and runs in a fresh session.
        r = run(i, "after idle death: fresh session", "soakKept", want_error=(None, "undefined"))
        if r is not None:
            first = first_output(r)
            if first is None or first["msg_type"] != "stream" or first["content"]["name"] != "stderr" or (
                "values were lost" not in first["content"]["text"]
            ):
                got = None if first is None else (first["msg_type"], first["content"].get("name"), first["content"].get("text", "")[:200])
                fail(i, "after idle death: fresh session", f"first output {got}, want a stderr stream saying the values were lost", "soakKept")
        i += 1
        redeclare(i, "after idle death: redeclare")
        return i + 1

    # The value interrupts must keep, set before anything else.
    run(-1, "setup", f"soakKept := {KEPT}\nsoakKept", "", str(KEPT))
    kept = True  # whether soakKept is expected to exist
    i = 0
    n_int = 0
    next_sample = args.warmup
    last_report = 0
    t_start = time.perf_counter()
    for slot in plan:
        if i >= next_sample:
            event[0] = "status"
            st = k.status()
            if next_sample == args.warmup:
                res["start"] = st
                t_start = time.perf_counter()  # the timed run starts after the warm-up
            res["samples"].append({"cell": i, "status": st})
            next_sample += 250
        event[0] = slot
        if slot == "ordinary":
            kind, code, want_out, want_res = ordinary_cell(i, rng)
            run(i, "ordinary", code, want_out, want_res, detail=kind)
            i += 1
        elif slot in ("late interrupt", "late interrupt after deadlock"):
            i = late_interrupt(i, slot == "late interrupt after deadlock")
        elif slot in ("idle death: timer", "idle death: kill"):
            i = idle_death(i, slot == "idle death: kill")
        elif slot == "interrupt":
            name, code = INTERRUPT_CELLS[n_int % len(INTERRUPT_CELLS)]
            n_int += 1
            kind = f"interrupt: {name}"
            t0 = time.perf_counter()
            msg_id = k.send(code)
            time.sleep(rng.uniform(0.1, 0.3))
            t_int = time.perf_counter()
            k.km.interrupt_kernel()
            r = k.wait(msg_id, t0, timeout=INTERRUPT_REPLY_TIMEOUT)
            retried = False
            if r is None:  # the interrupt was lost: try once more
                retried = True
                res["interrupts_retried"] += 1
                k.km.interrupt_kernel()
                r = k.wait(msg_id, t0, timeout=INTERRUPT_REPLY_TIMEOUT)
            res["cells_run"] += 1
            if r is None:
                fail(i, kind, "no reply to two interrupts", code)
                record(kind, i, time.perf_counter() - t0)
            else:
                record(kind, i, r["t_reply"])
                res["interrupt_latency"].append(r["t_reply"] - (t_int - t0))
                c = r["reply"]["content"]
                if c["status"] != "error" or c.get("ename") != "interrupted":
                    fail(i, kind, f"reply {c['status']} {c.get('ename')}: {str(c.get('evalue'))[:300]}", code)
                elif "lost" in c.get("evalue", ""):
                    res["interrupts_escalated"] += 1
                    print(f"  cell {i} ({kind}): the interrupt restarted the worker: {c['evalue'][:200]}", file=sys.stderr)
                    kept = False
                if retried:
                    fail(i, kind, "the first interrupt did not end the cell", code)
            i += 1
            if kept:
                run(i, "after interrupt", "soakKept + 1", "", str(KEPT + 1))
            else:
                run(i, "after interrupt", f"soakKept := {KEPT}\nsoakKept + 1", "", str(KEPT + 1))
                kept = True
            i += 1
        else:
            kind = "worker death"
            t0 = time.perf_counter()
            r = k.wait(k.send(FATAL_CELL), t0)
            res["cells_run"] += 1
            if r is None:
                fail(i, kind, f"no reply within {CELL_TIMEOUT} s", FATAL_CELL)
                record(kind, i, CELL_TIMEOUT)
            else:
                record(kind, i, r["t_reply"])
                c = r["reply"]["content"]
                if c["status"] == "error" and c.get("ename") == "fatal error" and "concurrent map" in c.get("evalue", ""):
                    res["deaths_seen"] += 1
                else:
                    fail(i, kind, f"reply {c['status']} {c.get('ename')}: {str(c.get('evalue'))[:300]}", FATAL_CELL)
            i += 1
            # A fresh worker: the old values are gone, new ones work.
            redeclare(i, "after worker death")
            kept = True
            i += 1
        if i // 100 != last_report:
            last_report = i // 100
            print(
                f"[{time.strftime('%H:%M:%S')}] {i}/{args.cells} cells, {len(res['failures'])} failures",
                file=sys.stderr,
            )
    event[0] = "status"
    res["elapsed_timed"] = time.perf_counter() - t_start
    res["end"] = k.status()
    res["samples"].append({"cell": i, "status": res["end"]})
    return res


def fmt_ms(s):
    return f"{s * 1e3:.1f} ms"


def fmt_mib(b):
    return f"{b / 2**20:.1f} MiB" if isinstance(b, (int, float)) else "?"


def summary(args, res, total, version):
    start, end = res.get("start") or {}, res.get("end") or {}
    ordinary = res["times"].get("ordinary", [])
    rows = []

    def row(name, a, b=None):
        rows.append((name, a, b))

    row("cells run (incl. setup)", str(res["cells_run"]))
    row("failures", str(len(res["failures"])))
    if res["failures"]:
        row("failures by event", ", ".join(f"{e} {n}" for e, n in sorted(failures_by_event(res).items())))
    row("kernel goroutines", str(start.get("kernel_goroutines", "?")), str(end.get("kernel_goroutines", "?")))
    row("kernel RSS (%status)", fmt_mib(start.get("kernel_rss_bytes")), fmt_mib(end.get("kernel_rss_bytes")))
    row("kernel heap in use", fmt_mib(start.get("kernel_heap_inuse_bytes")), fmt_mib(end.get("kernel_heap_inuse_bytes")))
    row("kernel threads (psutil)", str(start.get("psutil_kernel_threads", "?")), str(end.get("psutil_kernel_threads", "?")))
    row("kernel open fds (psutil)", str(start.get("psutil_kernel_fds", "?")), str(end.get("psutil_kernel_fds", "?")))
    row("kernel child processes", str(start.get("psutil_children", "?")), str(end.get("psutil_children", "?")))
    row("worker RSS", fmt_mib(start.get("worker_rss_bytes")), fmt_mib(end.get("worker_rss_bytes")))
    restarts = None
    if "worker_restarts" in start and "worker_restarts" in end:
        restarts = end["worker_restarts"] - start["worker_restarts"]
    expected = res["deaths_seen"] + res["interrupts_escalated"] + res["idle_deaths_reported"]
    row(
        "worker restarts (%status)",
        f"{restarts} counted; expected {expected} ({res['deaths_seen']} deaths + {res['interrupts_escalated']} escalated interrupts"
        f" + {res['idle_deaths_reported']} idle deaths)",
    )
    row("interrupts: escalated to restart / needed a 2nd interrupt", f"{res['interrupts_escalated']} / {res['interrupts_retried']}")
    lat = res["interrupt_latency"]
    if lat:
        row("interrupt to reply, p50 / max", f"{fmt_ms(bk.percentile(lat, 50))} / {fmt_ms(max(lat))}")
    if res["late_interrupts"]:
        row(
            "late interrupts: interrupt_reply ok / deadlocks reported",
            f"{res['late_interrupt_replies_ok']} of {res['late_interrupts']} / {res['deadlocks_seen']} of {args.late_interrupts // 4}",
        )
    if args.idle_deaths:
        row("idle deaths reported", f"{res['idle_deaths_reported']} of {args.idle_deaths}")
    for how, since in (("timer", "cell's idle, timer 300 ms"), ("kill", "kill")):
        if ds := res["death_report"][how]:
            row(
                f"idle death ({how}) report after the {since}, p50 / max",
                f"{fmt_ms(bk.percentile(ds, 50))} / {fmt_ms(max(ds))}",
            )
    mx, kind, cell = res["max"]
    row("longest reply", f"{fmt_ms(mx)} (cell {cell}, {kind})")
    if ordinary:
        row(
            f"ordinary cells: reply p50 / p99 / max ({len(ordinary)} cells)",
            f"{fmt_ms(bk.percentile(ordinary, 50))} / {fmt_ms(bk.percentile(ordinary, 99))} / {fmt_ms(max(ordinary))}",
        )
    row("total run time (whole script)", f"{total:.1f} s")
    row("timed run (after warm-up)", f"{res['elapsed_timed']:.1f} s")
    if k_stray := res.get("stray"):
        row(
            "iopub messages with other parents (status: the interrupt_requests; stream: late output)",
            ", ".join(f"{t} {n}" for t, n in sorted(k_stray.items())),
        )

    print()
    print(
        f"gocurrent soak ({version}): {args.cells} cells, {args.interrupts} interrupts, {args.restarts} worker deaths, "
        f"{args.late_interrupts} late interrupts, {args.idle_deaths} idle deaths, "
        f"seed {args.seed}; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )
    print()
    print("| metric | start (after warm-up) | end |")
    print("| --- | ---: | ---: |")
    for name, a, b in rows:
        if b is None:
            print(f"| {name} | {a} | |")
        else:
            print(f"| {name} | {a} | {b} |")
    print()
    print("reply time by kind (ms): kind, cells, p50, p99, max")
    for kind, ts in sorted(res["times"].items()):
        print(
            f"  {kind:38s} {len(ts):5d} {bk.percentile(ts, 50) * 1e3:9.1f} {bk.percentile(ts, 99) * 1e3:9.1f} {max(ts) * 1e3:9.1f}"
        )
    print()
    print("slowest ordinary cells: cell, reply ms, what it does, the cell before it")
    slow = sorted((c for c in res["cells"] if c["kind"] == "ordinary"), key=lambda c: -c["reply_s"])[:8]
    for c in slow:
        print(f"  {c['cell']:5d} {c['reply_s'] * 1e3:9.1f}  {c['detail']:12s} after {c['after']}")
    if res["failures"]:
        print()
        print(f"first failures (of {len(res['failures'])}):")
        for f in res["failures"][:20]:
            print(f"  cell {f['cell']} ({f['kind']}): {f['why']}")


def failures_by_event(res):
    """Failure counts by the schedule's event they happened in."""
    out = {}
    for f in res["failures"]:
        out[f["event"]] = out.get(f["event"], 0) + 1
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", help="gocurrent binary to use (default: build it from this repository)")
    ap.add_argument("--cells", type=int, default=2000, help="cells in all, checks included (2000)")
    ap.add_argument("--interrupts", type=int, default=100, help="interrupted cells (100)")
    ap.add_argument("--restarts", type=int, default=20, help="cells that kill the worker (20)")
    ap.add_argument(
        "--late-interrupts", type=int, default=100, help="interrupts sent while no cell runs, not waited for (100)"
    )
    ap.add_argument("--idle-deaths", type=int, default=20, help="worker deaths between cells (20)")
    ap.add_argument("--warmup", type=int, default=20, help="ordinary cells before the first %%status (20)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the cell mix (1)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    args = ap.parse_args()

    t_total = time.perf_counter()
    tmp = tempfile.mkdtemp(prefix="gocurrent-soak-")
    saved = dict(os.environ)
    try:
        binary = os.path.abspath(args.binary) if args.binary else bk.build(tmp)
        if not os.access(binary, os.X_OK):
            bk.die(f"{binary} is not an executable")
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        os.environ.update(
            {
                "HOME": home,
                "XDG_DATA_HOME": os.path.join(tmp, "xdg-data"),
                "JUPYTER_RUNTIME_DIR": os.path.join(tmp, "runtime"),
                "JUPYTER_DATA_DIR": os.path.join(tmp, "xdg-data", "jupyter"),
                "JUPYTER_CONFIG_DIR": os.path.join(tmp, "jupyter-config"),
            }
        )
        for key in ("GOCACHE", "GOMODCACHE", "GOPATH"):
            if key not in saved and shutil.which("go"):
                v = subprocess.run(["go", "env", key], capture_output=True, text=True, env=saved).stdout.strip()
                if v:
                    os.environ[key] = v
        os.environ["JUPYTER_PATH"] = bk.install(binary, tmp)
        version = subprocess.run([binary, "version"], capture_output=True, text=True).stdout.strip()
        print(f"soaking gocurrent ({version}) ...", file=sys.stderr)
        km, kc, _ = bk.start("gocurrent")
        k = Kernel(km, kc)
        try:
            res = soak(k, args)
            res["stray"] = k.stray
        finally:
            alive = km.is_alive()
            bk.stop(km, kc)
        res["kernel_alive_at_end"] = alive
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(tmp, ignore_errors=True)
    total = time.perf_counter() - t_total
    summary(args, res, total, version)

    if args.json:
        ordinary = res["times"].get("ordinary", [])
        out = {
            "version": version,
            "args": vars(args),
            "cores": os.cpu_count(),
            "total_seconds": total,
            "timed_seconds": res["elapsed_timed"],
            "cells_run": res["cells_run"],
            "failures": res["failures"],
            "status_start": res.get("start"),
            "status_end": res.get("end"),
            "status_samples": res["samples"],
            "worker_restarts_counted": (res.get("end") or {}).get("worker_restarts", 0)
            - (res.get("start") or {}).get("worker_restarts", 0),
            "worker_deaths_seen": res["deaths_seen"],
            "interrupts_escalated": res["interrupts_escalated"],
            "interrupts_retried": res["interrupts_retried"],
            "interrupt_latency_seconds": res["interrupt_latency"],
            "failures_by_event": failures_by_event(res),
            "late_interrupts": res["late_interrupts"],
            "late_interrupt_replies_ok": res["late_interrupt_replies_ok"],
            "deadlocks_seen": res["deadlocks_seen"],
            "idle_deaths_reported": res["idle_deaths_reported"],
            "death_report_seconds": res["death_report"],
            "death_report_p50_max_seconds": {
                how: [bk.percentile(ds, 50), max(ds)] for how, ds in res["death_report"].items() if ds
            },
            "longest_reply": {"seconds": res["max"][0], "kind": res["max"][1], "cell": res["max"][2]},
            "ordinary_reply_p50_seconds": bk.percentile(ordinary, 50),
            "ordinary_reply_p99_seconds": bk.percentile(ordinary, 99),
            "reply_seconds_by_kind": {
                kind: {"n": len(ts), "p50": bk.percentile(ts, 50), "p99": bk.percentile(ts, 99), "max": max(ts)}
                for kind, ts in res["times"].items()
            },
            "stray_iopub": res.get("stray"),
            "cells": res["cells"],
            "hangs": res.get("hangs", []),
            "kernel_alive_at_end": res["kernel_alive_at_end"],
        }
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
        print(f"\nwrote {args.json}", file=sys.stderr)
    sys.exit(1 if res["failures"] else 0)


if __name__ == "__main__":
    main()
