"""The %status magic, driven through jupyter_client: the table it prints
and the numbers in its execute_reply's metadata.status, checked against
what the operating system says about the kernel and its worker."""

import os
import re

import pytest

from conftest import need
from helpers import execute, execute_ok

INT_KEYS = {
    "kernel_pid",
    "kernel_uptime_ns",
    "cells_executed",
    "kernel_goroutines",
    "kernel_heap_inuse_bytes",
    "kernel_rss_bytes",
    "worker_pid",
    "worker_rss_bytes",
    "worker_uptime_ns",
    "worker_restarts",
}

FATAL = (
    "m := map[int]int{}; for i := 0; i < 4; i++ { go func() { for j := 0; ; j++ { m[j] = j } }() }; "
    "time.Sleep(5*time.Second)"
)


def status_of(kc, **kw):
    r = execute_ok(kc, "%status", **kw)
    st = r.reply["metadata"].get("status")
    assert isinstance(st, dict), r.describe()
    for k in INT_KEYS:
        assert isinstance(st.get(k), int) and not isinstance(st[k], bool), (k, st)
        assert st[k] >= 0, (k, st)
    assert isinstance(st["worker_alive"], bool), st
    return r, st


def test_status_fields_match_the_processes(fresh_kernel):
    psutil = need("psutil", "python3-psutil")
    km, kc = fresh_kernel
    execute_ok(kc, "x := 1")
    execute_ok(kc, 'fmt.Println("two")')
    r, st = status_of(kc)

    kernel = psutil.Process(km.provisioner.process.pid)
    assert st["kernel_pid"] == kernel.pid, st
    children = {p.pid for p in kernel.children(recursive=False)}
    assert st["worker_pid"] in children, (st, children)
    worker = psutil.Process(st["worker_pid"])
    assert st["worker_alive"] is True, st
    assert st["cells_executed"] == r.content["execution_count"] == 3, (st, r.content)
    assert st["worker_restarts"] == 0, st

    # Memory agrees with the OS within a wide margin (both move a little).
    for reported, proc in ((st["kernel_rss_bytes"], kernel), (st["worker_rss_bytes"], worker)):
        actual = proc.memory_info().rss
        assert 0.5 * actual <= reported <= 2 * actual, (reported, actual, st)
    assert 0 < st["kernel_heap_inuse_bytes"] <= st["kernel_rss_bytes"], st
    assert 2 <= st["kernel_goroutines"] < 1000, st
    assert 0 < st["kernel_uptime_ns"] < 600 * 10**9, st
    assert 0 < st["worker_uptime_ns"] <= st["kernel_uptime_ns"] + 10**9, st

    # The table shows the same numbers; a magic has no timing line.
    text = r.stdout
    assert re.search(rf"^kernel pid +{st['kernel_pid']}$", text, re.M), text
    assert re.search(rf"^worker pid +{st['worker_pid']}$", text, re.M), text
    assert re.search(r"^cells executed +3$", text, re.M), text
    assert re.search(r"^worker restarts +0\b", text, re.M), text
    for label in ("kernel uptime", "kernel goroutines", "kernel heap in use", "kernel RSS", "worker RSS", "worker uptime"):
        assert re.search(rf"^{label} +\S", text, re.M), (label, text)
    assert not r.timing_lines, r.describe()


@pytest.mark.timeout(120)
def test_status_counts_worker_restarts(fresh_kernel):
    km, kc = fresh_kernel
    _, before = status_of(kc)
    r = execute(kc, FATAL, timeout=60)
    assert r.status == "error" and r.error["ename"] == "fatal error", r.describe()
    _, after = status_of(kc)
    assert after["worker_restarts"] == before["worker_restarts"] + 1, (before, after)
    assert after["worker_pid"] != before["worker_pid"], (before, after)
    assert after["worker_alive"] is True, after
    assert after["kernel_pid"] == before["kernel_pid"], (before, after)


def test_status_silent_and_arguments(fresh_kernel):
    km, kc = fresh_kernel
    r, st = status_of(kc, silent=True)
    assert r.stdout == "", r.describe()
    assert st["kernel_pid"] > 0
    bad = execute(kc, "%status please")
    assert bad.status == "error", bad.describe()
    assert "usage: %status" in bad.content["evalue"], bad.content
    assert "%status" in execute_ok(kc, "%help").stdout
