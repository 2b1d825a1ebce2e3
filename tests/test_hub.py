"""gocurrent under JupyterHub, as at a workshop: three users at once.

Debian's JupyterHub 3.0 (/usr/bin/jupyterhub) runs on 127.0.0.1 with
tests/hub/jupyterhub_config.py: DummyAuthenticator (a shared password),
SimpleLocalProcessSpawner (each user's home a directory of the test's temp
dir), Debian's classic notebook server 6 as the single-user server
(/usr/bin/jupyterhub-singleuser with JUPYTERHUB_SINGLEUSER_APP=
notebook.notebookapp.NotebookApp: Debian has no jupyter_server), the
gocurrent kernelspec of the session (JUPYTER_PATH in the spawner's
environment), configurable-http-proxy from the npm registry (tests/hub/package-lock.json,
installed by scripts/setup-node.sh), and all state in the temp dir. The test's API token is a service's, with a role of JupyterHub 3.0
scopes.

Three users log in through the login form, get a token and a server of
their own (REST API), upload the tutorial notebook 01-goroutines (plus a
cell from 02-locks that must fail with a deadlock) through the contents API,
start a gocurrent kernel through /user/NAME/api/kernels, and run every code
cell over the kernel websocket /user/NAME/api/kernels/ID/channels, all three
at the same time. Then the kernels, the servers and the hub are stopped and
nothing may be left running. tests/hub/hubdriver.py does the talking;
bench/bench_hub.py runs the same with many users and measures.
"""

import copy
import json
import os
import sys
import threading
import time
import traceback
import warnings

import pytest

from conftest import ROOT, TESTS_DIR, need, need_program

sys.path.insert(0, os.path.join(TESTS_DIR, "hub"))

USERS = ("ada", "grace", "ken")
CELL_TIMEOUT = 120
NOTEBOOK = os.path.join(ROOT, "notebooks", "01-goroutines.ipynb")
EXTRA = os.path.join(ROOT, "notebooks", "02-locks.ipynb")  # the deadlock cell comes from here


def workshop_notebook():
    """01-goroutines with 02-locks' deadlock cell (tagged raises-exception,
    expected_error "deadlock") before its last code cell: the session must
    go on after an expected error."""
    with open(NOTEBOOK) as f:
        nb = json.load(f)
    with open(EXTRA) as f:
        extra = json.load(f)
    deadlock = next(
        c
        for c in extra["cells"]
        if c["cell_type"] == "code" and c.get("metadata", {}).get("expected_error") == "deadlock"
    )
    deadlock = copy.deepcopy(deadlock)
    deadlock["outputs"], deadlock["execution_count"] = [], None
    code_at = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
    nb["cells"].insert(code_at[-1], deadlock)
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            c["outputs"], c["execution_count"] = [], None
    return nb


def _tagged(cell):
    return "raises-exception" in cell.metadata.get("tags", [])


def check_notebook(result):
    """Every cell replied ok except tagged ones, which failed with their
    expected_error; every cell shows its timing line (a %%compare cell its
    table instead)."""
    assert result.finished, f"{result.user}: the notebook did not finish: {result.error}"
    problems = []
    for c in result.cells:
        if _tagged(c):
            want = c.metadata.get("expected_error")
            if c.status != "error" or (want and want not in c.enames):
                problems.append(f"expected error {want!r}: {c.describe()}")
        elif c.status != "ok" or c.enames:
            problems.append(f"failed: {c.describe()}")
        if c.source.lstrip().startswith("%%compare"):
            if not any("speedup" in t for t in c.texts):
                problems.append(f"no comparison table: {c.describe()}")
        elif len(c.timing_lines) != (1 if c.status == "ok" else len(c.timing_lines[:1])):
            # A failed cell's one output is its error; its timing line
            # shows only if it ran long enough to show its live status.
            problems.append(f"{len(c.timing_lines)} timing lines: {c.describe()}")
    assert not problems, f"{result.user}:\n" + "\n".join(problems)


def in_threads(fn, items, timeout):
    """fn(item) for every item, each in a thread of its own, all at once;
    returns the results in order, re-raising the first exception. A thread
    still running after timeout seconds fails the test with its stack."""
    results = [None] * len(items)
    errors = [None] * len(items)
    start = threading.Barrier(len(items))

    def run(i, item):
        try:
            start.wait(30)
            results[i] = fn(item)
        except BaseException as exc:
            errors[i] = exc

    threads = [threading.Thread(target=run, args=(i, it), daemon=True) for i, it in enumerate(items)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.1, deadline - time.monotonic()))
    stuck = [(items[i], t) for i, t in enumerate(threads) if t.is_alive()]
    if stuck:
        frames = sys._current_frames()
        stacks = "\n".join(
            f"--- {item}:\n" + "".join(traceback.format_stack(frames[t.ident])) for item, t in stuck if t.ident in frames
        )
        pytest.fail(f"still running after {timeout} s:\n{stacks}", pytrace=False)
    for e in errors:
        if e is not None:
            raise e
    return results


@pytest.mark.timeout(300)
def test_three_users_run_a_tutorial_at_once(gocurrent_env, tmp_path):
    need("requests", "python3-requests")
    need("websocket", "python3-websocket")
    need("psutil", "python3-psutil")
    need_program("/usr/bin/jupyterhub", "jupyterhub")
    need_program("/usr/bin/jupyterhub-singleuser", "jupyterhub")
    with warnings.catch_warnings():  # notebook 6 imports distutils
        warnings.simplefilter("ignore", DeprecationWarning)
        need("notebook.notebookapp", "python3-notebook (jupyter-notebook)")
    import hubdriver
    import psutil

    timings = {}
    t0 = time.monotonic()
    nb = workshop_notebook()
    hub = hubdriver.Hub(str(tmp_path / "hub"), gocurrent_env.jupyter_path)
    try:
        hub.start()
        timings["hub start"] = time.monotonic() - t0
        print(f"JupyterHub {hub.version}, {hub.proxy_description}")
        assert "npm" in hub.proxy_description, f"not the npm registry's proxy (run scripts/setup-node.sh): {hub.proxy_description}"
        proxy = hub.proxy_process()
        assert proxy is not None, "no configurable-http-proxy under the hub"

        users = [hubdriver.HubUser(hub, name) for name in USERS]

        # the shared password lets them in, another does not
        with pytest.raises(hubdriver.HubError, match="expected a redirect"):
            users[0].login(password="not-" + hub.password)
        for u in users:
            cookies = u.login()
            assert "jupyterhub-session-id" in cookies or "jupyterhub-hub-login" in cookies, cookies
            u.create_token()

        t = time.monotonic()
        in_threads(lambda u: u.start_server(), users, 150)
        timings["3 servers start"] = time.monotonic() - t

        for u in users:
            specs = u.kernelspecs()["kernelspecs"]
            assert "gocurrent" in specs, f"{u.name}'s server does not see the gocurrent kernelspec: {sorted(specs)}"
            back = u.upload("01-goroutines.ipynb", nb)
            assert len(back["cells"]) == len(nb["cells"])
            assert os.path.exists(os.path.join(hub.home(u.name), "01-goroutines.ipynb"))

        t = time.monotonic()
        in_threads(lambda u: u.start_kernel(), users, 90)
        timings["3 kernels start"] = time.monotonic() - t
        for u in users:
            assert u.kernel_info["language_info"]["name"] == "go", u.kernel_info
            if getattr(u, "kernel_info_retries", 0):
                print(f"{u.name}: kernel_info_request sent {u.kernel_info_retries + 1} times before a reply")

        # the three notebooks at the same time
        t = time.monotonic()
        stored = [u.server_api("GET", "/contents/01-goroutines.ipynb?content=1")["content"] for u in users]
        results = in_threads(lambda pair: pair[0].run_notebook(pair[1], CELL_TIMEOUT), list(zip(users, stored)), 180)
        timings["3 notebooks (wall)"] = time.monotonic() - t
        for r in results:
            timings[f"{r.user} notebook"] = r.wall
        for r in results:
            check_notebook(r)
        assert len(results[0].cells) == sum(
            1 for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()
        )

        # three kernels, three processes: each the child of its user's own
        # server, in its user's home, and the process the websocket talks to
        kernels = [u.kernel_process() for u in users]
        servers = [u.server_process() for u in users]
        assert all(kernels), f"kernel processes not found: {kernels}"
        assert all(servers), f"single-user servers not found: {servers}"
        assert len({k.pid for k in kernels}) == 3, kernels
        assert len({s.pid for s in servers}) == 3, servers
        assert len({u.kernel_id for u in users}) == 3
        for u, k, s in zip(users, kernels, servers):
            assert k.ppid() == s.pid, f"{u.name}'s kernel {k.pid} is the child of {k.ppid()}, not of the server {s.pid}"
            assert os.path.realpath(k.cwd()) == os.path.realpath(hub.home(u.name)), (u.name, k.cwd())
            assert k.environ().get("HOME") == hub.home(u.name)
            reply, iopub = u.execute("os.Getpid()", timeout=30)
            assert reply["content"]["status"] == "ok", (u.name, reply["content"], [m["content"] for m in iopub])
            # cells run in the kernel's worker process, a child of the kernel
            shown = [m["content"]["data"]["text/plain"] for m in iopub if m["msg_type"] == "execute_result"]
            family = {k.pid} | {c.pid for c in k.children(recursive=True)}
            assert shown and int(shown[-1].strip()) in family, (u.name, k.pid, family, shown)
            print(f"{u.name}: kernel pid {k.pid} (server {s.pid}), memory {hubdriver.tree_memory(k)[0] / 2**20:.0f} MiB RSS with its worker")

        # stop: kernels, then servers, then the hub (which stops the proxy)
        t = time.monotonic()
        for u, k in zip(users, kernels):
            u.stop_kernel()
        gone, alive = psutil.wait_procs(kernels, timeout=20)
        assert not alive, f"kernels still running after DELETE /api/kernels: {alive}"
        in_threads(lambda u: u.stop_server(), users, 60)
        gone, alive = psutil.wait_procs(servers, timeout=20)
        assert not alive, f"single-user servers still running after DELETE /users/NAME/server: {alive}"
        timings["stop kernels + servers"] = time.monotonic() - t

        t = time.monotonic()
        code, took, left = hub.stop(timeout=30)
        timings["hub stop"] = time.monotonic() - t
        assert code == 0, f"jupyterhub exited with {code} after SIGTERM:\n{hub.log_tail()}"
        assert not left, f"still running after the hub stopped: {left}"
        # (a zombie is dead: in a container, PID 1 may not reap what the hub left)
        assert not hubdriver.alive(proxy), "configurable-http-proxy outlived the hub"
        timings["total"] = time.monotonic() - t0
        print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    except BaseException:
        print(f"--- the hub's log (tail), {hub.log_path}:\n{hub.log_tail(80)}")
        raise
    finally:
        hub.kill()
