#!/usr/bin/python3
"""A workshop on one machine: N JupyterHub users run a notebook at once.

    /usr/bin/python3 bench/bench_hub.py [--users 30] [--notebook notebooks/01-goroutines.ipynb]

Builds gocurrent, installs its kernelspec under a temp prefix, starts
Debian's JupyterHub 3.0 on 127.0.0.1 with tests/hub/jupyterhub_config.py
(as tests/test_hub.py does: DummyAuthenticator, SimpleLocalProcessSpawner,
the classic notebook server, configurable-http-proxy from tests/hub or
Debian's). First one user runs the notebook alone (the uncontended
reference); then N users log in, start their servers, start a gocurrent
kernel each and run every code cell of the notebook over the kernel
websocket, all at the same time. Measured, after the notebooks ran: memory
of each kernel (RSS of the kernel and its worker children, with psutil) and
of everything (hub + proxy + single-user servers + kernels; RSS, and PSS
which counts shared pages once), CPU seconds each kernel used, the slowest
cell, each user's wall time, and whether every notebook finished (cells
tagged raises-exception must fail with their expected_error, every other
cell must succeed). Prints Markdown tables and sizing advice derived from
the numbers. Not a test: it never fails on slowness; it exits 1 when a
notebook did not finish or a cell failed unexpectedly.

Needs: jupyterhub, jupyter-notebook, python3-requests, python3-websocket,
python3-psutil (Debian), a Go toolchain, and scripts/setup-node.sh run once
for npm's configurable-http-proxy (else Debian's is used).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "hub"))

import psutil  # noqa: E402

import hubdriver  # noqa: E402

MiB = 2**20


def build(tmp):
    """Build gocurrent and install its kernelspec under tmp/prefix; return
    the JUPYTER_PATH entry."""
    go = shutil.which("go")
    if not go:
        sys.exit("no go toolchain on PATH")
    binary = os.path.join(tmp, "bin", "gocurrent")
    subprocess.run([go, "build", "-o", binary, "."], cwd=ROOT, check=True, timeout=600)
    prefix = os.path.join(tmp, "prefix")
    env = dict(os.environ, JUPYTER_DATA_DIR=os.path.join(tmp, "data"))
    subprocess.run([binary, "install", "--prefix", prefix], check=True, env=env, timeout=60, stdout=subprocess.DEVNULL)
    return os.path.join(prefix, "share", "jupyter")


def parallel(fn, items):
    """fn(item) for each item in its own thread, all at once; returns
    [(result, error)] in order."""
    out = [(None, None)] * len(items)

    def run(i, item):
        try:
            out[i] = (fn(item), None)
        except Exception as exc:
            out[i] = (None, f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(i, it), daemon=True) for i, it in enumerate(items)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def judge(result):
    """(ok cells, expected errors, unexpected failures as strings)."""
    ok = expected = 0
    bad = []
    for c in result.cells:
        tagged = "raises-exception" in c.metadata.get("tags", [])
        want = c.metadata.get("expected_error")
        if tagged:
            if c.status == "error" and (not want or want in c.enames):
                expected += 1
            else:
                bad.append(f"cell {c.index}: expected {want or 'an error'}, got {c.status} {c.enames}")
        elif c.status == "ok" and not c.enames:
            ok += 1
        else:
            bad.append(f"cell {c.index}: {c.status} {c.enames} {''.join(c.texts)[-200:]!r}")
    return ok, expected, bad


def proc_rss(p):
    try:
        return p.memory_info().rss
    except psutil.Error:
        return 0


def role(p):
    try:
        cmd = " ".join(p.cmdline())
    except psutil.Error:
        return "gone"
    if "configurable-http-proxy" in cmd:
        return "proxy"
    if "jupyterhub-singleuser" in cmd:
        return "server"
    if "/usr/bin/jupyterhub" in cmd:
        return "hub"
    return "kernel"  # gocurrent kernels, their workers, native programs


def memory_by_role(hub):
    rss, pss, count = {}, {}, {}
    for p in hub.processes():
        r = role(p)
        try:
            full = p.memory_full_info()
        except psutil.Error:
            continue
        rss[r] = rss.get(r, 0) + full.rss
        pss[r] = pss.get(r, 0) + getattr(full, "pss", full.rss)
        count[r] = count.get(r, 0) + 1
    return rss, pss, count


def prepare(hub, name):
    u = hubdriver.HubUser(hub, name)
    u.login()
    u.create_token()
    return u


def run_users(hub, names, nb, cell_timeout, phase_log):
    """Every user: server, notebook upload, kernel; then every notebook at
    once. Returns per-user records (the kernels still running)."""
    recs = {n: {"user": n, "error": None} for n in names}
    users = []
    for n in names:
        try:
            users.append(prepare(hub, n))
        except Exception as exc:
            recs[n]["error"] = f"login/token: {exc}"

    t = time.monotonic()
    for u, (took, err) in zip(users, parallel(lambda u: u.start_server(), users)):
        recs[u.name]["server_start"] = took
        if err:
            recs[u.name]["error"] = f"server: {err}"
    phase_log["servers start (all at once)"] = time.monotonic() - t
    users = [u for u in users if not recs[u.name]["error"]]

    def kernel(u):
        u.upload("notebook.ipynb", nb)
        t0 = time.monotonic()
        u.start_kernel(timeout=cell_timeout)
        return time.monotonic() - t0

    t = time.monotonic()
    for u, (took, err) in zip(users, parallel(kernel, users)):
        recs[u.name]["kernel_start"] = took
        if err:
            recs[u.name]["error"] = f"kernel: {err}"
    phase_log["kernels start (all at once)"] = time.monotonic() - t
    users = [u for u in users if not recs[u.name]["error"]]

    t = time.monotonic()
    results = parallel(lambda u: u.run_notebook(nb, cell_timeout), users)
    phase_log["notebooks (all at once, wall)"] = time.monotonic() - t
    for u, (res, err) in zip(users, results):
        rec = recs[u.name]
        rec["hubuser"] = u
        if err:
            rec["error"] = f"run: {err}"
            continue
        rec["result"] = res
        ok, expected, bad = judge(res)
        rec.update(ok=ok, expected=expected, bad=bad, finished=res.finished and not bad, wall=res.wall)
        if res.error:
            rec["error"] = res.error
        k = u.kernel_process()
        if k is not None:
            rss, pss, pids = hubdriver.tree_memory(k)
            rec.update(kernel_pid=k.pid, kernel_rss=rss, kernel_peak=hubdriver.peak_rss(k), kernel_pss=pss, kernel_procs=len(pids), kernel_cpu=hubdriver.tree_cpu(k))
    return recs, users


def stop_users(users):
    parallel(lambda u: u.stop_kernel(), users)
    parallel(lambda u: u.stop_server(), users)


def fmt_s(x):
    return "–" if x is None else f"{x:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=30, help="users at once (default 30)")
    ap.add_argument("--notebook", default=os.path.join(ROOT, "notebooks", "01-goroutines.ipynb"))
    ap.add_argument("--cell-timeout", type=float, default=600, help="seconds per cell (default 600)")
    ap.add_argument("--start-timeout", type=int, default=600, help="seconds for a server to start (default 600)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the one-user reference run")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (hub log, homes)")
    ap.add_argument("--json", help="also write the numbers to this file")
    args = ap.parse_args()

    with open(args.notebook) as f:
        nb = json.load(f)
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            c["outputs"], c["execution_count"] = [], None

    tmp = tempfile.mkdtemp(prefix="gocurrent-bench-hub-")
    t_all = time.monotonic()
    jupyter_path = build(tmp)
    hub = hubdriver.Hub(os.path.join(tmp, "hub"), jupyter_path, start_timeout=args.start_timeout)
    phases = {}
    exit_code = 0
    try:
        t = time.monotonic()
        hub.start()
        phases["hub start"] = time.monotonic() - t
        print(f"JupyterHub {hub.version}; {hub.proxy_description}; {os.cpu_count()} cores, "
              f"{psutil.virtual_memory().total / 2**30:.1f} GiB; load average before: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

        base = None
        if not args.no_baseline:
            recs, users = run_users(hub, ["solo"], nb, args.cell_timeout, {})
            base = recs["solo"]
            stop_users(users)
            if base.get("error") or not base.get("finished"):
                print(f"the one-user reference run failed: {base.get('error')} {base.get('bad')}")
            else:
                print(f"one user alone: notebook {base['wall']:.1f} s, kernel CPU {base['kernel_cpu']:.1f} s, "
                      f"kernel+worker {base['kernel_rss'] / MiB:.0f} MiB RSS", flush=True)

        names = [f"user{i:02d}" for i in range(1, args.users + 1)]
        t = time.monotonic()
        recs, users = run_users(hub, names, nb, args.cell_timeout, phases)
        phases["all users, login to last cell"] = time.monotonic() - t
        load = os.getloadavg()
        rss, pss, count = memory_by_role(hub)

        t = time.monotonic()
        stop_users(users)
        phases["stop kernels and servers"] = time.monotonic() - t
        t = time.monotonic()
        code, _, left = hub.stop(timeout=120)
        phases["hub stop"] = time.monotonic() - t
    finally:
        hub.kill()

    # ---------------------------------------------------------------- report
    rows = [recs[n] for n in names]
    done = [r for r in rows if r.get("finished")]
    walls = [r["wall"] for r in rows if r.get("wall") is not None]
    kern = [r for r in rows if r.get("kernel_rss")]
    slow = None
    for r in rows:
        res = r.get("result")
        if res and res.slowest() and (slow is None or res.slowest().wall > slow[1].wall):
            slow = (r["user"], res.slowest())

    print()
    print(f"## {args.users} users at once: {os.path.relpath(args.notebook, ROOT)}")
    print()
    print("| user | server start s | notebook wall s | slowest cell s (#) | cells ok / expected errors / failed | kernel+worker RSS MiB (peak) | kernel CPU s | finished |")
    print("|---|---:|---:|---:|---|---:|---:|---|")
    for r in rows:
        res = r.get("result")
        sl = res.slowest() if res else None
        print(
            f"| {r['user']} | {fmt_s(r.get('server_start'))} | {fmt_s(r.get('wall'))} | "
            f"{f'{sl.wall:.1f} (#{sl.index})' if sl else '–'} | "
            f"{r.get('ok', '–')} / {r.get('expected', '–')} / {len(r.get('bad', [])) if 'bad' in r else '–'} | "
            f"{r['kernel_rss'] / MiB:.0f} ({r['kernel_peak'] / MiB:.0f}) | {r['kernel_cpu']:.1f} | {'yes' if r.get('finished') else 'NO: ' + str(r.get('error') or r.get('bad'))[:120]} |"
            if r.get("kernel_rss")
            else f"| {r['user']} | {fmt_s(r.get('server_start'))} | {fmt_s(r.get('wall'))} | – | – | – | – | NO: {str(r.get('error'))[:160]} |"
        )
    print()

    n_ok = len(done)
    total_rss = sum(rss.values())
    total_pss = sum(pss.values())
    per_kernel = [r["kernel_rss"] for r in kern]
    per_kernel_pss = [r["kernel_pss"] for r in kern]
    peaks = [r["kernel_peak"] for r in kern]
    cpu = [r["kernel_cpu"] for r in kern]
    servers_rss = rss.get("server", 0)
    n_servers = max(count.get("server", 0), 1)
    fixed_rss = rss.get("hub", 0) + rss.get("proxy", 0)
    per_user_rss = (total_rss - fixed_rss) / max(len(kern), 1)
    per_user_pss = (total_pss - pss.get("hub", 0) - pss.get("proxy", 0)) / max(len(kern), 1)

    print("| measure | value |")
    print("|---|---|")
    print(f"| machine | {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.1f} GiB; load average after the notebooks {load[0]:.1f} |")
    print(f"| notebooks finished | {n_ok} of {args.users} |")
    if base and base.get("wall"):
        print(f"| one user alone: notebook wall | {base['wall']:.1f} s (kernel CPU {base['kernel_cpu']:.1f} s) |")
    if walls:
        print(f"| {args.users} users at once: notebook wall min / median / max | {min(walls):.1f} / {statistics.median(walls):.1f} / {max(walls):.1f} s |")
    if slow:
        print(f"| slowest cell | {slow[1].wall:.1f} s ({slow[0]}, cell #{slow[1].index}: `{slow[1].source.splitlines()[0][:50]}`) |")
    for k, v in phases.items():
        print(f"| {k} | {v:.1f} s |")
    if per_kernel:
        print(f"| kernel + worker RSS, min / median / max | {min(per_kernel) / MiB:.0f} / {statistics.median(per_kernel) / MiB:.0f} / {max(per_kernel) / MiB:.0f} MiB (PSS median {statistics.median(per_kernel_pss) / MiB:.0f} MiB) |")
        print(f"| kernel + worker peak RSS (VmHWM), min / median / max | {min(peaks) / MiB:.0f} / {statistics.median(peaks) / MiB:.0f} / {max(peaks) / MiB:.0f} MiB |")
        print(f"| kernel CPU per notebook, median | {statistics.median(cpu):.1f} s |")
    print(f"| single-user server RSS, mean | {servers_rss / n_servers / MiB:.0f} MiB |")
    print(f"| hub RSS / proxy RSS | {rss.get('hub', 0) / MiB:.0f} / {rss.get('proxy', 0) / MiB:.0f} MiB |")
    print(f"| total RSS (hub + proxy + {count.get('server', 0)} servers + {len(kern)} kernels with workers) | {total_rss / MiB:.0f} MiB (PSS {total_pss / MiB:.0f} MiB) |")
    print(f"| per user (server + kernel + worker) | {per_user_rss / MiB:.0f} MiB RSS, {per_user_pss / MiB:.0f} MiB PSS |")
    print(f"| clean stop | hub exit {code}; {'nothing left running' if not left else 'left running: ' + str(left)} |")
    print()

    # ---------------------------------------------------------------- advice
    if per_kernel and cpu:
        cpu_med = statistics.median(cpu)
        per_gib = 2**30 / per_user_rss
        # at the peak: the server plus the kernel's high-water mark
        per_user_peak = servers_rss / n_servers + statistics.median(peaks)
        peak_gib = 2**30 / per_user_peak
        print("Sizing (from these measurements):")
        print(
            f"- Memory: each user costs about {per_user_rss / MiB:.0f} MiB RSS ({per_user_pss / MiB:.0f} MiB PSS) "
            f"after this notebook, about {per_gib:.1f} users per GiB; at the kernels' peak (VmHWM) about "
            f"{per_user_peak / MiB:.0f} MiB, {peak_gib:.1f} users per GiB; plus {fixed_rss / MiB:.0f} MiB for the hub and proxy. "
            f"Plan on the peak with 20 % headroom ({peak_gib * 0.8:.1f} users per GiB): everyone runs the heavy cell at about the same time."
        )
        if base and base.get("wall"):
            t1 = base["wall"]
            at_once = t1 / cpu_med
            print(
                f"- CPU: the notebook needs about {cpu_med:.1f} CPU-seconds per user; alone it takes {t1:.1f} s. "
                f"If everyone runs all cells at the same moment, a core keeps up with about {at_once:.1f} user(s) without slowing them down "
                f"(here {args.users} users on {os.cpu_count()} cores took {statistics.median(walls):.0f} s instead of {t1:.0f} s, median)."
            )
            for minutes in (5, 15):
                print(
                    f"  Spread over {minutes} minutes of a workshop (people read and type between cells), a core serves about "
                    f"{minutes * 60 / cpu_med:.0f} users for this notebook (plan half that for bursts)."
                )
        print("- Native cells (%%native, %%compare --native) build with the shared Go build cache: point GOCACHE of every user at one warm cache (as here), or each user's first native cell builds the standard library.")
    bad_any = [r for r in rows if not r.get("finished")]
    if bad_any:
        exit_code = 1
        print()
        print(f"{len(bad_any)} notebook(s) did not finish cleanly:")
        for r in bad_any:
            print(f"- {r['user']}: {r.get('error')} {r.get('bad') or ''}")
    print(f"\n(total bench time {time.monotonic() - t_all:.0f} s; temp dir {tmp}{' kept' if args.keep else ' removed'})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "users": args.users,
                    "finished": n_ok,
                    "phases": phases,
                    "walls": walls,
                    "kernel_rss": per_kernel,
                    "kernel_cpu": cpu,
                    "kernel_peak": peaks,
                    "rss_by_role": rss,
                    "pss_by_role": pss,
                    "baseline_wall": base and base.get("wall"),
                    "slowest_cell": slow and {"user": slow[0], "index": slow[1].index, "wall": slow[1].wall},
                },
                f,
                indent=1,
            )
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
