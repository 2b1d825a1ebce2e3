#!/usr/bin/python3
"""Benchmark: the gocurrent kernel beside the IPython kernel, measured with
the same jupyter_client in one run. Not a test.

    /usr/bin/python3 bench/bench_kernel.py [--binary PATH] [--starts 5] [--runs 2000]
                                           [--notebook notebooks/01-goroutines.ipynb] [--go-bench]

Reports, side by side, as a Markdown table:
  * startup: from KernelManager.start_kernel() to the first kernel_info
    reply (median of --starts fresh starts);
  * execute round trip for the trivial cell `1`: from sending the
    execute_request to receiving both its execute_reply and the status idle
    that ends its output (what a client waits for), p50 and p99 over --runs
    runs after a warm-up; the time to the execute_reply alone is shown too;
  * the same for a cell that prints a line (fmt.Println / print);
  * iopub messages per cell, for both cells;
  * CPU time per cell of `1` (user + system, via psutil) of the kernel's
    processes (gocurrent's kernel and worker) and of the client, this
    process with its ZeroMQ threads: two cores are shared by all three;
  * gocurrent's `1` again after `%timing off`, which leaves it the same
    four iopub messages as IPython's (busy, execute_input, execute_result,
    idle), beside IPython's `1`;
  * memory of the kernel process and all its children (gocurrent's
    worker), via psutil: RSS and PSS (which counts pages the processes
    share, such as the executable's, once) after the warm-up and after the
    runs, and the growth between, of USS too (the pages each process has
    to itself, without the executable's); both again after the kernel has
    been idle for 2 s (gocurrent gives back the heap its requests left
    after a second without one: what an idle notebook's kernel holds);
    and the growth over as many cells again, from the end of the runs to
    the end of the second batch, when the heaps have reached their
    working size;
  * with --notebook, for gocurrent only: the notebook's code cells run in a
    fresh kernel, and the peak RSS (VmHWM) of the kernel and of its worker;
  * with --go-bench, the Go benchmarks of the engine (a trivial cell
    through the worker and back, and the worker's side alone).

Without --binary, gocurrent is built from this repository into a temporary
directory. The kernelspec is installed under a temporary prefix (with HOME
and XDG_DATA_HOME there too), so nothing of the user's Jupyter is touched.
The IPython kernel is Debian's python3-ipykernel, kernel name "python3".
"""

import argparse
import os
import platform
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def die(msg):
    print(f"bench_kernel: {msg}", file=sys.stderr)
    sys.exit(2)


try:
    import psutil
    from jupyter_client.manager import KernelManager
except ImportError as exc:
    die(
        f"{exc}: run with /usr/bin/python3 and install the Debian packages "
        "python3-jupyter-client python3-ipykernel python3-psutil"
    )


def build(tmp):
    go = shutil.which("go")
    if not go:
        die("no go toolchain on PATH to build gocurrent (or pass --binary)")
    out = os.path.join(tmp, "bin", "gocurrent")
    t0 = time.perf_counter()
    proc = subprocess.run([go, "build", "-o", out, "."], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        die(f"go build failed:\n{proc.stderr}")
    print(f"built {out} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return out


def install(binary, tmp):
    prefix = os.path.join(tmp, "prefix")
    proc = subprocess.run([binary, "install", "--prefix", prefix], capture_output=True, text=True)
    if proc.returncode != 0:
        die(f"gocurrent install failed:\n{proc.stdout}{proc.stderr}")
    return os.path.join(prefix, "share", "jupyter")


def start(kernel_name, timeout=60.0):
    """Start a kernel; return (km, kc, seconds to the first kernel_info reply)."""
    km = KernelManager(kernel_name=kernel_name)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    deadline = t0 + timeout
    ids = set()
    while True:
        if time.perf_counter() > deadline:
            km.shutdown_kernel(now=True)
            die(f"{kernel_name}: no kernel_info reply within {timeout} s")
        ids.add(kc.kernel_info())
        try:
            msg = kc.get_shell_msg(timeout=0.05)
        except queue.Empty:
            # keep the one request pending; resend only if it is slow
            try:
                msg = kc.get_shell_msg(timeout=0.5)
            except queue.Empty:
                continue
        if msg["parent_header"].get("msg_id") in ids and msg["msg_type"] == "kernel_info_reply":
            elapsed = time.perf_counter() - t0
            break
    # drain the other kernel_info replies and let iopub settle
    time.sleep(0.3)
    for get in (kc.get_shell_msg, kc.get_iopub_msg):
        while True:
            try:
                get(timeout=0.05)
            except queue.Empty:
                break
    return km, kc, elapsed


def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=False)


def execute_once(kc, code="1", timeout=30.0):
    """Seconds to the execute_reply and to the status idle of one cell, and
    the number of iopub messages it made (status busy and idle included)."""
    t0 = time.perf_counter()
    msg_id = kc.execute(code, silent=False, store_history=True, allow_stdin=False)
    t_reply = t_idle = None
    deadline = t0 + timeout
    while t_reply is None:
        msg = kc.get_shell_msg(timeout=max(0.001, deadline - time.perf_counter()))
        if msg["parent_header"].get("msg_id") == msg_id:
            t_reply = time.perf_counter() - t0
            if msg["content"]["status"] != "ok":
                die(f"cell failed: {msg['content']}")
    n = 0
    while t_idle is None:
        msg = kc.get_iopub_msg(timeout=max(0.001, deadline - time.perf_counter()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        n += 1
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            t_idle = time.perf_counter() - t0
    return t_reply, t_idle, n


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def rss_tree(pid):
    """RSS in bytes of pid and all its children, and how many they are."""
    m = memory(pid)
    return m["rss"], len(m["each"])


def tree(pid):
    """pid's process and all its children, pid first."""
    proc = psutil.Process(pid)
    return [proc] + proc.children(recursive=True)


def memory(pid):
    """RSS, PSS and USS in bytes of pid and all its children, and per
    process (pid first) the RSS. USS counts the pages only that process
    maps: its heap and stacks, not the executable's pages, which the
    kernel can drop and re-read and which the processes of one binary
    share."""
    rss = pss = uss = 0
    each = []
    for p in tree(pid):
        try:
            info = p.memory_full_info()
        except psutil.Error:
            continue
        rss += info.rss
        pss += info.pss
        uss += info.uss
        each.append(info.rss)
    return {"rss": rss, "pss": pss, "uss": uss, "each": each}


def peak(pid):
    """VmHWM in bytes of pid and of each of its children."""
    out = []
    for p in tree(pid):
        try:
            with open(f"/proc/{p.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        out.append(int(line.split()[1]) * 1024)
        except OSError:
            pass
    return out


def cpu_seconds(pid=None):
    """User + system CPU seconds so far of pid and all its children, or of
    this process (the client, its ZeroMQ threads included)."""
    procs = [psutil.Process()] if pid is None else tree(pid)
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system
    return total


def timed_runs(kc, code, runs, halfway=None):
    """Runs code runs times; halfway, if given, is called after half of
    them."""
    replies, idles, msgs = [], [], []
    for k in range(runs):
        if halfway and k == runs // 2:
            halfway()
        r, i, n = execute_once(kc, code)
        replies.append(r)
        idles.append(i)
        msgs.append(n)
    return {
        "reply_p50": percentile(replies, 50),
        "idle_p50": percentile(idles, 50),
        "idle_p99": percentile(idles, 99),
        "msgs": statistics.median(msgs),
    }


# Seconds a kernel is left idle before its memory is read again: gocurrent
# gives back the heap its requests left after a second without one.
IDLE = 2.0


def measure(kernel_name, starts, runs, warmup, print_code, quiet_code=None):
    """quiet_code, if given, turns the kernel's own extra output off (for
    gocurrent, %timing off: the timing line is the one iopub message a
    cell of `1` sends that IPython's does not); `1` is then timed again."""
    startup = []
    for _ in range(starts):
        km, kc, s = start(kernel_name)
        startup.append(s)
        stop(km, kc)
    km, kc, _ = start(kernel_name)
    try:
        pid = km.provisioner.process.pid
        for _ in range(warmup):
            execute_once(kc)
        before = memory(pid)
        time.sleep(IDLE)
        before_idle = memory(pid)
        half = {}
        k0, c0 = cpu_seconds(pid), cpu_seconds()
        trivial = timed_runs(kc, "1", runs, lambda: half.update(memory(pid)))
        trivial["kernel_cpu"] = (cpu_seconds(pid) - k0) / runs
        trivial["client_cpu"] = (cpu_seconds() - c0) / runs
        after = memory(pid)
        time.sleep(IDLE)
        after_idle = memory(pid)
        # The same number of cells again: the growth from the first
        # batch's end to this one's is what each cell adds once the heaps
        # have reached their working size.
        for _ in range(runs):
            execute_once(kc)
        again = memory(pid)
        printing = timed_runs(kc, print_code, max(runs // 4, 50))
        quiet = None
        if quiet_code:
            execute_once(kc, quiet_code)
            quiet = timed_runs(kc, "1", max(runs // 4, 50))
    finally:
        stop(km, kc)
    return {
        "startup": statistics.median(startup),
        "startup_all": startup,
        "trivial": trivial,
        "print": printing,
        "quiet": quiet,
        "before": before,
        "half": half,
        "after": after,
        "before_idle": before_idle,
        "after_idle": after_idle,
        "again": again,
    }


def run_notebook(kernel_name, path):
    """Runs the code cells of the notebook at path in a fresh kernel; returns
    the peaks (VmHWM) of the kernel and its children, and the cells run."""
    import json

    with open(path) as f:
        nb = json.load(f)
    km, kc, _ = start(kernel_name)
    cells = 0
    try:
        pid = km.provisioner.process.pid
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            msg_id = kc.execute(src, allow_stdin=False)
            while True:
                msg = kc.get_shell_msg(timeout=600)
                if msg["parent_header"].get("msg_id") == msg_id:
                    break
            cells += 1
        peaks = peak(pid)
    finally:
        stop(km, kc)
    return peaks, cells


def go_benchmarks():
    """The engine's Go benchmarks: name -> ns per cell."""
    out = {}
    for pkg, pattern in (("./kernel/interp", "TrivialCell"), ("./kernel/worker", "AssignCell|ExprCell")):
        proc = subprocess.run(
            ["go", "test", "-run", "^$", "-bench", pattern, "-benchtime", "2000x", "-count", "3", pkg],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            die(f"go test -bench {pattern} {pkg} failed:\n{proc.stdout}{proc.stderr}")
        for line in proc.stdout.splitlines():
            f = line.split()
            if len(f) >= 4 and f[0].startswith("Benchmark") and f[3] == "ns/op":
                out.setdefault(f[0].split("-")[0], []).append(float(f[2]))
    return {k: statistics.median(v) for k, v in out.items()}


def ms(s):
    return f"{s * 1e3:.1f} ms"


def us(s):
    return f"{s * 1e6:.0f} µs"


def mib(b):
    return f"{b / 2**20:.1f} MiB"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", help="gocurrent binary to use (default: build it from this repository)")
    ap.add_argument("--starts", type=int, default=5, help="fresh starts for the startup median (5)")
    ap.add_argument("--runs", type=int, default=2000, help="timed executions of the trivial cell (2000)")
    ap.add_argument("--warmup", type=int, default=50, help="untimed executions first (50)")
    ap.add_argument("--notebook", help="also run this notebook in gocurrent and report its peak memory")
    ap.add_argument("--go-bench", action="store_true", help="also run the engine's Go benchmarks")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="gocurrent-bench-")
    saved = dict(os.environ)
    nb_peaks = None
    try:
        binary = os.path.abspath(args.binary) if args.binary else build(tmp)
        if not os.access(binary, os.X_OK):
            die(f"{binary} is not an executable")
        # Everything Jupyter writes goes to the temporary directory.
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        os.environ.update(
            {
                "HOME": home,
                "XDG_DATA_HOME": os.path.join(tmp, "xdg-data"),
                "JUPYTER_RUNTIME_DIR": os.path.join(tmp, "runtime"),
                "JUPYTER_DATA_DIR": os.path.join(tmp, "xdg-data", "jupyter"),
                "JUPYTER_CONFIG_DIR": os.path.join(tmp, "jupyter-config"),
                "IPYTHONDIR": os.path.join(home, ".ipython"),
                "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            }
        )
        for k in ("GOCACHE", "GOMODCACHE", "GOPATH"):
            if k not in saved and shutil.which("go"):
                v = subprocess.run(["go", "env", k], capture_output=True, text=True, env=saved).stdout.strip()
                if v:
                    os.environ[k] = v
        os.environ["JUPYTER_PATH"] = install(binary, tmp)

        version = subprocess.run([binary, "version"], capture_output=True, text=True).stdout.strip()
        print(f"measuring gocurrent ({version}) ...", file=sys.stderr)
        go = measure("gocurrent", args.starts, args.runs, args.warmup, 'fmt.Println("hello")', "%timing off")
        print("measuring IPython kernel (python3) ...", file=sys.stderr)
        py = measure("python3", args.starts, args.runs, args.warmup, 'print("hello")')
        if args.notebook:
            print(f"running {args.notebook} in gocurrent ...", file=sys.stderr)
            nb_peaks, nb_cells = run_notebook("gocurrent", args.notebook)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(tmp, ignore_errors=True)
    gob = go_benchmarks() if args.go_bench else None

    try:
        import ipykernel

        ipyv = ipykernel.__version__
    except ImportError:
        ipyv = "?"
    import jupyter_client

    load = os.getloadavg()
    print()
    print(
        f"gocurrent vs IPython kernel, same client (jupyter_client {jupyter_client.__version__}); "
        f"{os.cpu_count()} cores, load average {load[0]:.2f}; {platform.python_implementation()} "
        f"{platform.python_version()}, ipykernel {ipyv}; {version}"
    )
    print()
    n, m = args.runs, max(args.runs // 4, 50)
    rows = [
        (f"startup to first kernel_info reply (median of {args.starts})", go["startup"], py["startup"], ms),
        (f"execute `1`, to execute_reply, p50 ({n} runs)", go["trivial"]["reply_p50"], py["trivial"]["reply_p50"], ms),
        (f"execute `1`, to status idle, p50 ({n} runs)", go["trivial"]["idle_p50"], py["trivial"]["idle_p50"], ms),
        (f"execute `1`, to status idle, p99 ({n} runs)", go["trivial"]["idle_p99"], py["trivial"]["idle_p99"], ms),
        ("execute `1`, iopub messages per cell", go["trivial"]["msgs"], py["trivial"]["msgs"], lambda x: f"{x:g}"),
        ("execute `1`, CPU per cell of the kernel (gocurrent: kernel + worker)", go["trivial"]["kernel_cpu"], py["trivial"]["kernel_cpu"], us),
        ("execute `1`, CPU per cell of the client (jupyter_client)", go["trivial"]["client_cpu"], py["trivial"]["client_cpu"], us),
        (f"print a line, to status idle, p50 ({m} runs)", go["print"]["idle_p50"], py["print"]["idle_p50"], ms),
        (f"print a line, to status idle, p99 ({m} runs)", go["print"]["idle_p99"], py["print"]["idle_p99"], ms),
        ("print a line, iopub messages per cell", go["print"]["msgs"], py["print"]["msgs"], lambda x: f"{x:g}"),
        (
            f"execute `1` after `%timing off` (gocurrent {go['quiet']['msgs']:g} iopub messages), to status idle, p50 ({m} runs), vs IPython's `1`",
            go["quiet"]["idle_p50"],
            py["trivial"]["idle_p50"],
            ms,
        ),
        (
            f"RSS after {args.warmup} cells (kernel + children: {len(go['before']['each'])} vs {len(py['before']['each'])} processes)",
            go["before"]["rss"],
            py["before"]["rss"],
            mib,
        ),
        (f"RSS after {args.warmup + n} cells", go["after"]["rss"], py["after"]["rss"], mib),
        (f"RSS growth over those {n} cells", go["after"]["rss"] - go["before"]["rss"], py["after"]["rss"] - py["before"]["rss"], mib),
        (f"RSS growth over the last {n - n // 2} of them", go["after"]["rss"] - go["half"]["rss"], py["after"]["rss"] - py["half"]["rss"], mib),
        (
            f"USS growth over those {n} cells (pages of the processes' own: heaps, stacks)",
            go["after"]["uss"] - go["before"]["uss"],
            py["after"]["uss"] - py["before"]["uss"],
            mib,
        ),
        (
            f"RSS growth over {n} more cells, from the end of the first {n} (each end right after its last cell)",
            go["again"]["rss"] - go["after"]["rss"],
            py["again"]["rss"] - py["after"]["rss"],
            mib,
        ),
        (f"PSS after {args.warmup + n} cells (shared pages counted once)", go["after"]["pss"], py["after"]["pss"], mib),
        (f"RSS after {args.warmup + n} cells and {IDLE:g} s idle", go["after_idle"]["rss"], py["after_idle"]["rss"], mib),
        (
            f"RSS growth over those {n} cells, each end measured after {IDLE:g} s idle",
            go["after_idle"]["rss"] - go["before_idle"]["rss"],
            py["after_idle"]["rss"] - py["before_idle"]["rss"],
            mib,
        ),
    ]
    print("| metric | gocurrent | IPython | gocurrent / IPython |")
    print("| --- | ---: | ---: | ---: |")
    for name, g, p, fmt in rows:
        ratio = g / p if p else float("nan")
        print(f"| {name} | {fmt(g)} | {fmt(p)} | {ratio:.2f} |")
    print()
    print("gocurrent RSS per process after the runs (kernel, worker): " + ", ".join(mib(b) for b in go["after"]["each"]))
    print(
        "startups (s): gocurrent "
        + ", ".join(f"{s:.3f}" for s in go["startup_all"])
        + "; IPython "
        + ", ".join(f"{s:.3f}" for s in py["startup_all"])
    )
    if nb_peaks is not None:
        print(
            f"{args.notebook} ({nb_cells} code cells) in gocurrent: peak RSS (VmHWM) "
            + " + ".join(mib(b) for b in nb_peaks)
            + f" = {mib(sum(nb_peaks))} (kernel + worker)"
        )
    if gob:
        print("engine, Go benchmarks (median of 3, 2000 cells each): " + ", ".join(f"{k} {v / 1e3:.0f} µs" for k, v in sorted(gob.items())))


if __name__ == "__main__":
    main()
