"""Protocol and session behaviour of the gocurrent kernel, driven through
jupyter_client's BlockingKernelClient against the installed kernelspec.

Tests that change the kernel's global state (restart, shutdown, interrupt,
a dying worker, stop_on_error) get a kernel of their own; the rest share
one kernel per module.
"""

import datetime
import hashlib
import hmac
import json
import os
import queue
import time
import uuid

import pytest

from conftest import need, start_kernel, stop_kernel
from helpers import (
    TIMEOUT,
    Run,
    collect_iopub,
    control_reply,
    execute,
    execute_ok,
    kernel_pid,
    shell_reply,
    strip_ansi,
    wait_for_iopub,
)

TIMING_KEYS = {
    "engine",
    "wall_ns",
    "user_ns",
    "sys_ns",
    "goroutines_started",
    "goroutines_left",
    "gomaxprocs",
}


def send(kc, channel, msg_type, content=None):
    """Send a request on kc's shell or control channel; return its msg_id."""
    msg = kc.session.msg(msg_type, content or {})
    getattr(kc, channel + "_channel").send(msg)
    return msg["header"]["msg_id"]


def collect_all(kc, msg_ids, timeout=TIMEOUT):
    """iopub messages of several requests, until each has gone idle."""
    want = set(msg_ids)
    got = {i: [] for i in msg_ids}
    done = set()
    deadline = time.monotonic() + timeout
    while done != want:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"not idle within {timeout} s: {want - done}; got {got!r}"[:3000])
        try:
            m = kc.get_iopub_msg(timeout=left)
        except queue.Empty:
            continue
        pid = m["parent_header"].get("msg_id")
        if pid in got:
            got[pid].append(m)
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                done.add(pid)
    return got


# --------------------------------------------------------------------------
# timing


def check_timing(t):
    assert isinstance(t, dict), t
    assert TIMING_KEYS <= set(t), f"missing timing keys: {TIMING_KEYS - set(t)}"
    assert isinstance(t["engine"], str) and t["engine"], t
    for k in TIMING_KEYS - {"engine"}:
        assert isinstance(t[k], int) and not isinstance(t[k], bool), (k, t)
        assert t[k] >= 0, (k, t)
    assert 0 < t["wall_ns"] < 600 * 10**9, t
    assert 1 <= t["gomaxprocs"] <= 4096, t
    assert t["goroutines_left"] <= max(t["goroutines_started"], 0) + 1000, t


def test_goroutines_left_counts_only_what_the_cell_started(fresh_kernel):
    """Cells that start no goroutine never show one still running, though
    the runtime and libraries start goroutines of their own (a timer's);
    a cell's parked goroutines are counted until they end."""
    km, kc = fresh_kernel
    for code in ('m := map[string]int{"a": 1}\nm', 'fmt.Fprintln(os.Stderr, "to stderr")',
                 "t := time.AfterFunc(time.Hour, func() {})\n_ = t", 'display.HTML("<b>x</b>")'):
        t = execute_ok(kc, code).reply["metadata"]["timing"]
        assert t["goroutines_left"] == 0, (code, t)
    r = execute_ok(kc, "stop := make(chan bool)\nfor i := 0; i < 3; i++ {\n\tgo func() { <-stop }()\n}")
    assert r.reply["metadata"]["timing"]["goroutines_left"] == 3, r.reply["metadata"]
    assert "3 started, 3 still running" in r.timing_lines[0], r.timing_lines
    t = execute_ok(kc, "close(stop)\ntime.Sleep(100 * time.Millisecond)").reply["metadata"]["timing"]
    assert t["goroutines_left"] == 0, t
    # Goroutines of a function value and of WaitGroup.Go end once each,
    # as in Go: main and the blocked goroutine remain.
    r = execute_ok(kc, "block := make(chan int)\ngo func() { <-block }()\ng := func() {}\ngo g()\nvar wg sync.WaitGroup\n"
                   "wg.Go(func() {})\nwg.Wait()\ntime.Sleep(100 * time.Millisecond)\nruntime.NumGoroutine()")
    assert r.result_text == "2", r.describe()
    assert r.reply["metadata"]["timing"]["goroutines_left"] == 1, r.reply["metadata"]


def test_timing_metadata_keys_and_values(kernel):
    km, kc = kernel
    r = execute_ok(kc, "time.Sleep(120 * time.Millisecond)")
    t = r.reply["metadata"].get("timing")
    check_timing(t)
    assert t["wall_ns"] >= 120 * 10**6, t
    assert t["wall_ns"] < 20 * 10**9, t
    # sleeping costs little CPU
    assert t["user_ns"] + t["sys_ns"] < t["wall_ns"], t
    assert t["gomaxprocs"] == os.cpu_count(), t
    assert t["goroutines_started"] == 0 and t["goroutines_left"] == 0, t
    # the timing line is shown once, as the cell's last stdout text
    shown = r.timing_lines
    assert len(shown) == 1, r.describe()
    assert "cores busy" in shown[0] and f"GOMAXPROCS {t['gomaxprocs']}" in shown[0]
    assert not r.of_type("display_data"), "the timing line is not a display"


def test_timing_metadata_on_error_cell(kernel):
    km, kc = kernel
    r = execute(kc, 'panic("timed failure")')
    assert r.status == "error"
    check_timing(r.reply["metadata"].get("timing"))
    # exactly one output: the error, as Go prints it, without the timing
    # line (a fast cell shows none; its timing is in the reply's metadata)
    assert [m["msg_type"] for m in r.outputs] == ["error"], r.describe()
    assert r.timing_lines == [] and not r.live, r.describe()
    assert not any("wall" in line for line in r.error["traceback"]), r.describe()


def test_long_error_cell_shows_its_timing_above_the_error(kernel):
    """A cell that fails after running long enough to show its live status
    ends with the timing line in that status's place, outside the error."""
    km, kc = kernel
    r = execute(kc, 'time.Sleep(900 * time.Millisecond)\npanic("late failure")')
    assert r.status == "error" and "late failure" in r.error["evalue"], r.describe()
    assert [m["msg_type"] for m in r.outputs] == ["error"], r.describe()
    assert not any("wall" in line for line in r.error["traceback"]), r.describe()
    assert r.live and r.live[-1]["msg_type"] == "update_display_data", r.describe()
    final = r.live[-1]["content"]["data"]["text/plain"]
    assert final.startswith("» wall ") and len(r.timing_lines) == 1, r.describe()
    wall = r.reply["metadata"]["timing"]["wall_ns"]
    assert 900 * 10**6 <= wall < 20 * 10**9, r.reply["metadata"]


def test_timing_cpu_bound_two_goroutines(kernel):
    """A CPU-bound cell with two goroutines reports CPU time, and the CPU
    time agrees with what the OS says the kernel's processes used (the
    ratio CPU/wall is not checked: the machine may be shared)."""
    psutil = need("psutil", "python3-psutil")
    km, kc = kernel
    code = """
var wg sync.WaitGroup
for g := 0; g < 2; g++ {
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := 0
		for i := 0; i < 3000000; i++ {
			s += i % 7
		}
		_ = s
	}()
}
wg.Wait()
"""
    procs = [psutil.Process(kernel_pid(km))]
    procs += procs[0].children(recursive=True)

    def cpu():
        return sum(p.cpu_times().user + p.cpu_times().system for p in procs)

    before = cpu()
    r = execute_ok(kc, code, timeout=120)
    used_ns = (cpu() - before) * 1e9
    t = r.reply["metadata"]["timing"]
    check_timing(t)
    assert t["user_ns"] > 0, t
    assert t["goroutines_started"] == 2, t
    assert t["goroutines_left"] == 0, t
    reported = t["user_ns"] + t["sys_ns"]
    assert 0.6 * used_ns - 50e6 <= reported <= 1.1 * used_ns + 50e6, (reported, used_ns, t)


# --------------------------------------------------------------------------
# kernel_info and status


def test_kernel_info_reply(kernel):
    km, kc = kernel
    msg_id = kc.kernel_info()
    reply = shell_reply(kc, msg_id)
    c = reply["content"]
    assert c["status"] == "ok"
    assert c["protocol_version"].startswith("5."), c
    assert c["implementation"] == "gocurrent"
    li = c["language_info"]
    assert li["name"] == "go"
    assert li["mimetype"] == "text/x-go"
    assert li["file_extension"] == ".go"
    assert li["codemirror_mode"]
    assert li["pygments_lexer"] == "go"
    assert li["version"][:1].isdigit() and "." in li["version"], li
    assert isinstance(c["banner"], str) and "gocurrent" in c["banner"]
    links = c["help_links"]
    assert links and all(set(link) >= {"text", "url"} for link in links), links
    assert all(link["url"].startswith("https://") for link in links), links


@pytest.mark.parametrize("channel", ["shell", "control"])
def test_status_busy_idle_around_kernel_info(kernel, channel):
    km, kc = kernel
    msg_id = send(kc, channel, "kernel_info_request")
    reply = (shell_reply if channel == "shell" else control_reply)(kc, msg_id)
    assert reply["msg_type"] == "kernel_info_reply"
    assert reply["content"]["language_info"]["name"] == "go"
    msgs = collect_iopub(kc, msg_id)
    states = [m["content"]["execution_state"] for m in msgs if m["msg_type"] == "status"]
    assert states == ["busy", "idle"], msgs


# --------------------------------------------------------------------------
# execute options


def test_stop_on_error_aborts_queued_cells(fresh_kernel):
    km, kc = fresh_kernel
    # The first cell runs long enough that the other two are surely queued
    # behind it when it fails.
    ids = [
        kc.execute('time.Sleep(300 * time.Millisecond)\npanic("first fails")', allow_stdin=False),
        kc.execute("abortedA := 1", allow_stdin=False),
        kc.execute("abortedB := 2", allow_stdin=False),
    ]
    replies = [shell_reply(kc, i) for i in ids]
    iopub = collect_all(kc, ids)
    assert [r["content"]["status"] for r in replies] == ["error", "aborted", "aborted"], replies
    for i in ids[1:]:
        assert not [m for m in iopub[i] if m["msg_type"] in ("stream", "execute_result", "error")]
    # the aborted cells did not run
    r = execute(kc, "abortedA")
    assert r.status == "error", r.describe()


def test_request_sent_after_error_reply_is_not_aborted(fresh_kernel):
    """stop_on_error aborts the requests queued behind a failing cell, not
    one the client sends after it has seen the failing cell's reply (as
    IPython's kernel does). Repeated, because it is a race in the kernel:
    what to abort must be decided before the error reply goes out."""
    km, kc = fresh_kernel
    for i in range(60):
        first = kc.execute('panic("fails")', allow_stdin=False)
        assert shell_reply(kc, first)["content"]["status"] == "error"
        second = kc.execute("1 + 1", allow_stdin=False)
        reply = shell_reply(kc, second)
        assert reply["content"]["status"] == "ok", (
            f"try {i}: a cell sent after the error reply was aborted: " + repr(reply["content"])
        )
        collect_all(kc, [first, second])


def test_stop_on_error_false_runs_next_cells(fresh_kernel):
    km, kc = fresh_kernel
    ids = [
        kc.execute('panic("fails")', stop_on_error=False, allow_stdin=False),
        kc.execute("ranAfter := 3", allow_stdin=False),
    ]
    replies = [shell_reply(kc, i) for i in ids]
    collect_all(kc, ids)
    assert [r["content"]["status"] for r in replies] == ["error", "ok"], replies


def test_silent_execution(kernel):
    km, kc = kernel
    before = execute_ok(kc, "silentBefore := 1").content["execution_count"]
    r = execute(kc, 'silentVar := 5\nfmt.Println("not shown")\nsilentVar', silent=True)
    assert r.status == "ok", r.describe()
    types = [m["msg_type"] for m in r.iopub]
    assert types == ["status", "status"], r.describe()  # busy, idle: no execute_input, no outputs
    after = execute_ok(kc, "silentVar")
    assert after.result_text == "5", "a silent cell still runs its code"
    assert after.content["execution_count"] == before + 1, "silent=True must not bump the count"


def test_store_history_false_does_not_bump_count(kernel):
    km, kc = kernel
    before = execute_ok(kc, "1").content["execution_count"]
    r = execute_ok(kc, "2", store_history=False)
    assert r.content["execution_count"] == before, r.describe()
    after = execute_ok(kc, "3")
    assert after.content["execution_count"] == before + 1, after.describe()


def test_execution_count_and_execute_input(kernel):
    km, kc = kernel
    r1 = execute_ok(kc, "countA := 1")
    r2 = execute_ok(kc, "countA + 1")
    assert r2.content["execution_count"] == r1.content["execution_count"] + 1
    inputs = r2.of_type("execute_input")
    assert len(inputs) == 1 and inputs[0]["content"]["code"] == "countA + 1"
    assert inputs[0]["content"]["execution_count"] == r2.content["execution_count"]
    assert r2.results[0]["content"]["execution_count"] == r2.content["execution_count"]
    assert r2.result_text == "2"


def test_error_in_reply_matches_iopub(kernel):
    km, kc = kernel
    r = execute(kc, 'var m map[string]int\nm["a"] = 1')
    assert r.status == "error"
    err = r.error
    assert r.content["ename"] == err["ename"] == "panic", r.describe()
    assert r.content["evalue"] == err["evalue"]
    assert r.content["traceback"] == err["traceback"]
    assert "nil map" in err["evalue"]


# --------------------------------------------------------------------------
# interrupt


def test_interrupt_request_on_control_stops_busy_loop(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "before := 11")
    loop = kc.execute("for {\n}", allow_stdin=False)
    time.sleep(1.0)
    t0 = time.monotonic()
    irq = send(kc, "control", "interrupt_request")
    assert control_reply(kc, irq, timeout=10)["content"]["status"] == "ok"
    reply = shell_reply(kc, loop, timeout=15)
    elapsed = time.monotonic() - t0
    assert reply["content"]["status"] == "error", reply["content"]
    assert reply["content"]["ename"] == "interrupted", reply["content"]
    assert elapsed < 5, f"interrupt took {elapsed:.1f} s"
    collect_iopub(kc, loop)
    r = execute_ok(kc, "before")
    assert r.result_text == "11", r.describe()


def test_interrupt_via_kernel_manager(fresh_kernel):
    """What the notebook's stop button does: KernelManager.interrupt_kernel,
    which with interrupt_mode "message" sends interrupt_request itself."""
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    loop = kc.execute("n := 0\nfor {\n\tn++\n}", allow_stdin=False)
    time.sleep(0.5)
    km.interrupt_kernel()
    reply = shell_reply(kc, loop, timeout=15)
    assert reply["content"]["ename"] == "interrupted", reply["content"]
    collect_iopub(kc, loop)
    assert execute_ok(kc, "kept").result_text == "7"


def test_sigint_interrupts_and_sigterm_ends_the_kernel(fresh_kernel):
    """Signals from outside, as a gateway's launcher or a container runtime
    sends them: SIGINT interrupts the running cell and keeps the session;
    SIGTERM ends the kernel, its worker with it."""
    import signal

    psutil = need("psutil", "python3-psutil")
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    loop = kc.execute("n := 0\nfor {\n\tn++\n}", allow_stdin=False)
    time.sleep(0.5)
    kernel = psutil.Process(kernel_pid(km))
    kernel.send_signal(signal.SIGINT)
    reply = shell_reply(kc, loop, timeout=15)
    assert reply["content"]["ename"] == "interrupted", reply["content"]
    collect_iopub(kc, loop)
    assert execute_ok(kc, "kept").result_text == "7"
    family = [kernel] + kernel.children(recursive=True)
    kernel.send_signal(signal.SIGTERM)
    gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], alive
    assert all(p.returncode == 0 for p in gone if p.pid == kernel.pid), [(p.pid, p.returncode) for p in gone]


def test_interrupt_cell_stuck_in_native_call(fresh_kernel):
    """time.Sleep is a native call yaegi cannot cancel: the kernel must still
    end the cell promptly (escalating to a worker restart) and say so."""
    km, kc = fresh_kernel
    stuck = kc.execute("time.Sleep(time.Hour)", allow_stdin=False)
    time.sleep(0.5)
    t0 = time.monotonic()
    irq = send(kc, "control", "interrupt_request")
    control_reply(kc, irq, timeout=10)
    reply = shell_reply(kc, stuck, timeout=20)
    assert time.monotonic() - t0 < 10
    assert reply["content"]["status"] == "error", reply["content"]
    collect_iopub(kc, stuck)
    assert execute_ok(kc, "1 + 2").result_text == "3"


# --------------------------------------------------------------------------
# shutdown and restart


def test_shutdown_restart_true_gives_fresh_session(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "gone := 1")
    msg_id = send(kc, "control", "shutdown_request", {"restart": True})
    reply = control_reply(kc, msg_id, timeout=15)
    assert reply["content"]["status"] == "ok"
    assert reply["content"]["restart"] is True
    # The kernel may restart in place or exit for the manager to restart it.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and km.is_alive():
        try:
            kc.wait_for_ready(timeout=1)
            break
        except RuntimeError:
            pass
    if not km.is_alive():
        km.restart_kernel(now=True)
        kc.wait_for_ready(timeout=30)
    r = execute(kc, "gone")
    assert r.status == "error" and "gone" in r.content["evalue"], r.describe()
    assert execute_ok(kc, "2 * 21").result_text == "42"


def test_restart_via_kernel_manager_is_prompt(fresh_kernel):
    """KernelManager.restart_kernel (the notebook's restart button) sends
    shutdown_request(restart=True) and waits for the kernel process to end;
    a kernel that stays up costs jupyter_client's 2.5 s wait plus SIGTERM.
    IPython's kernel restarts in ~0.3 s here."""
    km, kc = fresh_kernel
    execute_ok(kc, "gone := 1")
    t0 = time.monotonic()
    km.restart_kernel(now=False)
    elapsed = time.monotonic() - t0
    kc.wait_for_ready(timeout=30)
    r = execute(kc, "gone")
    assert r.status == "error", r.describe()
    assert execute_ok(kc, "1").result_text == "1"
    assert elapsed < 2.0, f"restart_kernel took {elapsed:.2f} s"


def test_shutdown_restart_false_ends_process(gocurrent_env):
    psutil = need("psutil", "python3-psutil")
    km, kc = start_kernel()
    try:
        proc = psutil.Process(kernel_pid(km))
        children = proc.children(recursive=True)
        assert children, "expected a worker process under the kernel"
        msg_id = send(kc, "control", "shutdown_request", {"restart": False})
        reply = control_reply(kc, msg_id, timeout=15)
        assert reply["content"]["status"] == "ok"
        assert reply["content"]["restart"] is False
        gone, alive = psutil.wait_procs([proc] + children, timeout=10)
        assert not alive, f"still running after shutdown: {alive}"
    finally:
        stop_kernel(km, kc)


# --------------------------------------------------------------------------
# stdin


def test_input_request(kernel):
    km, kc = kernel
    msg_id = kc.execute('var s string\nfmt.Scanln(&s)\nfmt.Println("got", s)', allow_stdin=True)
    req = kc.get_stdin_msg(timeout=15)
    assert req["msg_type"] == "input_request", req
    assert req["parent_header"]["msg_id"] == msg_id
    assert req["content"]["password"] is False
    kc.input("gopher")
    reply = shell_reply(kc, msg_id)
    run = Run(msg_id, reply, collect_iopub(kc, msg_id))
    assert run.status == "ok", run.describe()
    assert "got gopher" in run.stdout, run.describe()


def test_input_without_stdin_fails_cleanly(kernel):
    km, kc = kernel
    r = execute(kc, 'var s2 string\n_, err := fmt.Scanln(&s2)\nerr != nil', allow_stdin=False, timeout=15)
    # either an error, or Scanln reports one; never a hang
    assert r.status == "error" or r.result_text == "true", r.describe()


# --------------------------------------------------------------------------
# comms


def test_comm_open_unknown_target_is_closed(kernel):
    km, kc = kernel
    comm_id = uuid.uuid4().hex
    msg_id = send(
        kc, "shell", "comm_open", {"comm_id": comm_id, "target_name": "no.such.target", "data": {}}
    )
    msgs = collect_iopub(kc, msg_id)
    closes = [m for m in msgs if m["msg_type"] == "comm_close"]
    assert len(closes) == 1, msgs
    assert closes[0]["content"]["comm_id"] == comm_id


def test_comm_info_request(kernel):
    km, kc = kernel
    msg_id = kc.comm_info()
    reply = shell_reply(kc, msg_id)
    assert reply["msg_type"] == "comm_info_reply"
    assert reply["content"]["status"] == "ok"
    assert isinstance(reply["content"]["comms"], dict)


# --------------------------------------------------------------------------
# signatures


def _raw_kernel_info(km, key, timeout_ms=2000):
    """Send kernel_info_request over a fresh DEALER socket, signed with key;
    return the reply frames, or None when nothing came back."""
    zmq = need("zmq", "python3-zmq")
    ci = km.get_connection_info()
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(f"{ci['transport']}://{ci['ip']}:{ci['shell_port']}")
    try:
        header = {
            "msg_id": uuid.uuid4().hex,
            "msg_type": "kernel_info_request",
            "session": uuid.uuid4().hex,
            "username": "test",
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "version": "5.3",
        }
        parts = [json.dumps(header).encode(), b"{}", b"{}", b"{}"]
        mac = hmac.new(key, digestmod=hashlib.sha256)
        for p in parts:
            mac.update(p)
        sock.send_multipart([b"<IDS|MSG>", mac.hexdigest().encode()] + parts)
        if sock.poll(timeout_ms):
            return sock.recv_multipart()
        return None
    finally:
        sock.close()


def test_bad_signature_is_dropped(kernel):
    km, kc = kernel
    key = km.session.key
    assert key, "the kernel should be started with a signing key"
    # control: the right key gets a reply over the same raw path
    good = _raw_kernel_info(km, key)
    # frames: delimiter, signature, header, parent header, metadata, content
    assert good is not None and b"kernel_info_reply" in good[2], good
    assert _raw_kernel_info(km, b"not-the-key", timeout_ms=1500) is None
    assert _raw_kernel_info(km, key + b"x", timeout_ms=1000) is None
    # still answering
    msg_id = kc.kernel_info()
    assert shell_reply(kc, msg_id)["content"]["status"] == "ok"
    assert execute_ok(kc, "40 + 2").result_text == "42"


# --------------------------------------------------------------------------
# failures that end the worker, and ones that must not


@pytest.mark.timeout(90)
def test_fatal_error_concurrent_map_writes(fresh_kernel):
    km, kc = fresh_kernel
    code = (
        "m := map[int]int{}; for i := 0; i < 4; i++ { go func() { for j := 0; ; j++ { m[j] = j } }() }; "
        "time.Sleep(5*time.Second)"
    )
    r = execute(kc, code, timeout=60)
    assert r.status == "error", r.describe()
    err = r.error
    assert err["ename"] == "fatal error", err["ename"]
    text = err["evalue"] + "\n" + strip_ansi("\n".join(err["traceback"]))
    assert "concurrent map" in text, text[:2000]
    assert "lost" in err["evalue"], err["evalue"]
    assert execute_ok(kc, "after := 2\nafter * 3").result_text == "6"


def test_os_exit_in_cell_keeps_session(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "survivor := 99")
    r = execute(kc, "os.Exit(3)")
    assert r.status == "error"
    assert r.error["ename"] == "exit", r.describe()
    assert "3" in r.error["evalue"]
    assert execute_ok(kc, "survivor").result_text == "99"


def test_log_fatal_in_cell_keeps_session(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "survivor := 98")
    r = execute(kc, 'log.Fatal("bye")')
    assert r.status == "error", r.describe()
    assert len(r.errors) == 1
    assert execute_ok(kc, "survivor").result_text == "98"


def test_panic_in_cell_keeps_session(kernel):
    km, kc = kernel
    execute_ok(kc, "kept2 := 4")
    r = execute(kc, 'panic("oops")')
    assert r.error["ename"] == "panic"
    assert "oops" in r.error["evalue"]
    assert execute_ok(kc, "kept2").result_text == "4"


# --------------------------------------------------------------------------
# output


def test_late_goroutine_output_is_shown_and_marked(kernel):
    km, kc = kernel
    r = execute_ok(
        kc, 'go func() {\n\ttime.Sleep(300 * time.Millisecond)\n\tfmt.Println("late hello")\n}()'
    )
    n = r.content["execution_count"]
    m, seen = wait_for_iopub(
        kc,
        lambda m: m["msg_type"] == "stream" and "late hello" in m["content"]["text"],
        timeout=10,
    )
    assert m is not None, f"late output never arrived; iopub had {seen}"
    assert f"[from cell {n}]" in m["content"]["text"], m["content"]


def test_output_from_goroutines_streams_while_running(kernel):
    km, kc = kernel
    code = """
for i := 0; i < 3; i++ {
	fmt.Println("tick", i)
	time.Sleep(400 * time.Millisecond)
}
"""
    msg_id = kc.execute(code, allow_stdin=False)
    first, _ = wait_for_iopub(
        kc,
        lambda m: m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "stream",
        timeout=10,
    )
    assert first is not None
    t_first = time.monotonic()
    reply = shell_reply(kc, msg_id)
    t_reply = time.monotonic()
    rest = collect_iopub(kc, msg_id)
    assert reply["content"]["status"] == "ok"
    # the first tick arrived well before the cell ended (live, not at the end)
    assert t_reply - t_first > 0.4, (t_first, t_reply)
    text = first["content"]["text"] + "".join(
        m["content"]["text"] for m in rest if m["msg_type"] == "stream"
    )
    assert text.count("tick") == 3, text


def test_update_display_data(kernel):
    km, kc = kernel
    r = execute_ok(kc, 'h := display.ID("x")\nh.HTML("1")\nh.HTML("2")')
    outs = [m for m in r.outputs if m["msg_type"] in ("display_data", "update_display_data")]
    assert [m["msg_type"] for m in outs] == ["display_data", "update_display_data"], r.describe()
    assert outs[0]["content"]["transient"]["display_id"] == "x"
    assert outs[1]["content"]["transient"]["display_id"] == "x"
    assert outs[0]["content"]["data"]["text/html"] == "1"
    assert outs[1]["content"]["data"]["text/html"] == "2"


@pytest.mark.parametrize(
    "code,mime",
    [
        ('display.HTML("<b>hi</b>")', "text/html"),
        ('display.Markdown("# hi")', "text/markdown"),
        ('display.SVG(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)', "image/svg+xml"),
        ("display.LaTeX(`$x^2$`)", "text/latex"),
        ('display.JSON(map[string]int{"a": 1})', "application/json"),
        ("display.Image(image.NewRGBA(image.Rect(0, 0, 2, 2)))", "image/png"),
    ],
)
def test_display_mime_types(kernel, code, mime):
    km, kc = kernel
    r = execute_ok(kc, code)
    shown = r.of_type("display_data")
    assert len(shown) == 1, r.describe()  # only what the cell displays
    assert mime in shown[0]["content"]["data"], r.describe()


def test_image_value_shows_as_png(kernel):
    km, kc = kernel
    r = execute_ok(kc, "image.NewRGBA(image.Rect(0, 0, 3, 3))")
    assert r.results and "image/png" in r.results[0]["content"]["data"], r.describe()


def test_println_as_last_line_shows_no_result(kernel):
    km, kc = kernel
    r = execute_ok(kc, 'fmt.Println("only this")')
    assert r.user_stdout == "only this\n", r.describe()
    assert not r.results, r.describe()


def test_clear_output(kernel):
    km, kc = kernel
    r = execute_ok(kc, 'fmt.Println("a")\ndisplay.Clear()\nfmt.Println("b")')
    types = [m["msg_type"] for m in r.outputs]
    assert "clear_output" in types, types
    assert types.index("clear_output") < len(types) - 1


# --------------------------------------------------------------------------
# completion and inspection


@pytest.mark.parametrize(
    "prefix",
    ['s := "é"; ', 's := "😀"; ', 's := "日本語"; ', "// 👩‍👩‍👧 family\n"],
    ids=["e-acute", "emoji", "cjk", "zwj-emoji-comment"],
)
def test_completion_cursor_counts_code_points(kernel, prefix):
    km, kc = kernel
    before = prefix + "strings.ToLow"
    code = before + "; x := 1"  # cursor in the middle, text after it
    cursor = len(before)  # Python len: Unicode code points
    msg_id = kc.complete(code, cursor)
    c = shell_reply(kc, msg_id)["content"]
    assert c["status"] == "ok"
    assert set(c["matches"]) == {"ToLower", "ToLowerSpecial"}, c
    assert c["cursor_end"] == cursor, c
    assert c["cursor_start"] == cursor - len("ToLow"), c


def test_inspect_cursor_counts_code_points(kernel):
    km, kc = kernel
    code = 's := "😀é"; strings.ToUpper(s)'
    cursor = code.index("ToUpper") + 3
    msg_id = kc.inspect(code, cursor)
    c = shell_reply(kc, msg_id)["content"]
    assert c["status"] == "ok" and c["found"], c
    assert "ToUpper" in c["data"]["text/plain"]


@pytest.mark.parametrize("code", ["fmt.Println()", "fmt.Println(", "fmt.Println(x, "])
def test_inspect_inside_a_call_documents_the_function(kernel, code):
    """Shift-Tab after typing fmt.Println( (the notebook puts the cursor
    between the parentheses) shows Println, as IPython shows the callable."""
    km, kc = kernel
    cursor = code.index("(") + 1 if code.endswith(")") else len(code)
    msg_id = kc.inspect(code, cursor)
    c = shell_reply(kc, msg_id)["content"]
    assert c["status"] == "ok" and c["found"], c
    assert "func Println" in c["data"]["text/plain"], c


def test_completion_knows_session_identifiers(kernel):
    km, kc = kernel
    execute_ok(kc, "mySessionCounter := 3\nfunc mySessionHelper() int { return 1 }")
    msg_id = kc.complete("mySess")
    c = shell_reply(kc, msg_id)["content"]
    assert {"mySessionCounter", "mySessionHelper"} <= set(c["matches"]), c
    assert c["cursor_start"] == 0 and c["cursor_end"] == 6


def test_completion_says_what_each_match_is(kernel):
    """Each match has a kind in metadata._jupyter_types_experimental, as
    IPython sends, which JupyterLab shows beside it."""
    km, kc = kernel

    def kinds(code):
        c = shell_reply(kc, kc.complete(code))["content"]
        types = c["metadata"]["_jupyter_types_experimental"]
        assert [t["text"] for t in types] == c["matches"], c
        assert all(t["start"] == c["cursor_start"] and t["end"] == c["cursor_end"] for t in types), c
        return {t["text"]: t["type"] for t in types}

    execute_ok(
        kc,
        "type kindShape struct{ Width int }\n"
        "func (k kindShape) Area() int { return k.Width }\n"
        "const kindLimit = 3\n"
        "func kindHelper() {}\n"
        "kindValue := kindShape{2}",
    )
    got = kinds("kind")
    assert got == {
        "kindHelper": "function",
        "kindLimit": "constant",
        "kindShape": "type",
        "kindValue": "variable",
    }, got
    assert kinds("fo")["for"] == "keyword"
    assert kinds("stri")["strings"] == "module"
    assert {k: v for k, v in kinds("le").items() if k == "len"} == {"len": "function"}
    got = kinds("time.S")
    assert got["Sleep"] == "function" and got["Second"] == "constant" and got["Saturday"] == "constant", got
    got = kinds("time.D")
    assert got["Duration"] == "type", got
    assert kinds("os.Arg") == {"Args": "variable"}
    assert kinds("kindValue.")["Width"] == "field"
    execute_ok(kc, "var kindBuilder strings.Builder")
    assert kinds("kindBuilder.WriteS") == {"WriteString": "method"}


def test_completion_of_package_not_imported_yet(kernel):
    km, kc = kernel
    msg_id = kc.complete("atomic.AddInt")
    c = shell_reply(kc, msg_id)["content"]
    assert {"AddInt32", "AddInt64"} <= set(c["matches"]), c


def test_inspect_session_declaration(kernel):
    km, kc = kernel
    execute_ok(kc, "// greet says hello.\nfunc greet(name string) string { return \"hi \" + name }")
    msg_id = kc.inspect("greet", 5)
    c = shell_reply(kc, msg_id)["content"]
    assert c["found"], c
    assert "greet" in c["data"]["text/plain"]


# --------------------------------------------------------------------------
# cells: redefinition, imports, errors


def test_redefining_a_function_takes_effect(kernel):
    km, kc = kernel
    execute_ok(kc, "func answer() int { return 1 }")
    assert execute_ok(kc, "answer()").result_text == "1"
    execute_ok(kc, "func answer() int { return 2 }")
    assert execute_ok(kc, "answer()").result_text == "2"


def test_redefining_a_function_used_by_another(kernel):
    km, kc = kernel
    execute_ok(kc, "func base() int { return 10 }\nfunc user() int { return base() + 1 }")
    assert execute_ok(kc, "user()").result_text == "11"
    execute_ok(kc, "func base() int { return 20 }")
    assert execute_ok(kc, "user()").result_text == "21"


def test_redefining_a_variable(kernel):
    km, kc = kernel
    execute_ok(kc, "redef := 1")
    execute_ok(kc, 'redef := "now a string"')
    assert execute_ok(kc, "redef").result_text == '"now a string"'


def test_reimporting_fmt_is_harmless(kernel):
    km, kc = kernel
    execute_ok(kc, 'import "fmt"')
    r = execute_ok(kc, 'import "fmt"\nfmt.Println("again")')
    assert r.user_stdout == "again\n", r.describe()
    r = execute_ok(kc, 'import (\n\t"fmt"\n\t"strings"\n)\nfmt.Sprint(strings.ToUpper("x"))')
    assert r.result_text == '"X"'


def test_type_redefinition_with_different_body_fails_clearly(kernel):
    km, kc = kernel
    execute_ok(kc, "type shape struct{ A int }")
    execute_ok(kc, "type shape struct{ A int }")  # the same again is harmless
    r = execute(kc, "type shape struct{ B string }")
    assert r.status == "error", r.describe()
    err = r.error
    assert "shape" in err["evalue"], err
    assert "already" in err["evalue"] or "redeclared" in err["evalue"], err
    # the old type is still what the session has
    assert execute_ok(kc, "shape{A: 1}").result_text == "{1}"


def test_declarations_wait_for_names_later_cells_declare(kernel):
    """A cell of declarations that refers to names no cell has declared yet
    is kept, says so on its timing line, and is declared after the cell
    that declares them; a cell that uses it before is told why it fails."""
    km, kc = kernel
    r = execute_ok(kc, "func doubled() int { return 2 * laterBase() }")
    assert r.stdout == "" and r.reply["metadata"]["timing"]["note"].startswith("doubled waits for laterBase, not declared yet"), r.describe()
    assert any("doubled waits for laterBase" in m["content"]["text"] for m in r.of_type("stream")), r.describe()
    r = execute(kc, "doubled()")
    assert r.status == "error" and "undefined: doubled" in r.error["evalue"], r.describe()
    assert any("doubled is not declared yet" in l and "waits for laterBase" in l for l in r.error["traceback"]), r.describe()
    r = execute_ok(kc, "func laterBase() int { return 21 }")
    assert "note" not in r.reply["metadata"]["timing"], r.describe()
    assert execute_ok(kc, "doubled()").result_text == "42"
    # a statement cell is never kept: its error is reported
    r = execute(kc, "func tripled() int { return 3 * nothingYet() }\ntripled()")
    assert r.status == "error" and "undefined: nothingYet" in r.error["evalue"], r.describe()


@pytest.mark.parametrize(
    "code,line,col",
    [
        ("a := 1\nb := 2\nc := undefinedThing + a", 3, 6),
        ("func g() int {\n\treturn 1\n}\nx := g()\ny := missingName", 5, 6),
        ('import "strings"\n\nfunc h() string {\n\treturn strings.ToUpper(notDefined)\n}\nh()', 4, 25),
        ("// comment\nvar v int = \"s\"", 2, 13),
        ('fmt.Println("ok")\nvar w int\nw = "text"', 3, 5),
    ],
    ids=["statement", "after-func", "inside-func", "after-comment", "assignment"],
)
def test_compile_error_reports_cell_line(kernel, code, line, col):
    km, kc = kernel
    r = execute(kc, code)
    assert r.status == "error", r.describe()
    err = r.error
    assert err["ename"] == "compile error", err
    assert f"cell line {line}:" in err["evalue"], err["evalue"]
    assert f"cell line {line}:{col}" in err["evalue"], err["evalue"]
    # the traceback shows the offending source line
    src_line = code.split("\n")[line - 1]
    assert any(src_line.strip() in strip_ansi(t) for t in err["traceback"]), err["traceback"]


def test_syntax_error_reports_cell_line(kernel):
    km, kc = kernel
    r = execute(kc, "a := 1\nb := (a +\nc := 3")
    assert r.status == "error"
    assert "cell line 3" in r.error["evalue"] or "cell line 2" in r.error["evalue"], r.error


def test_auto_import_of_standard_packages(kernel):
    km, kc = kernel
    r = execute_ok(kc, 'strings.ToUpper("go") + strconv.Itoa(1)')
    assert r.result_text == '"GO1"'


def test_help_magic_and_unknown_magic(kernel):
    km, kc = kernel
    r = execute_ok(kc, "%help")
    assert "%timing" in r.stdout
    r = execute(kc, "%nosuchmagic")
    assert r.status == "error"


def test_timing_off_and_on(kernel):
    km, kc = kernel
    execute_ok(kc, "%timing off")
    r = execute_ok(kc, "1")
    assert not r.timing_lines
    assert "timing" in r.reply["metadata"], "metadata.timing stays in the reply"
    execute_ok(kc, "%timing on")
    r = execute_ok(kc, "1")
    assert len(r.timing_lines) == 1


# --------------------------------------------------------------------------
# more failure modes


def test_late_output_during_next_cell_is_marked(kernel):
    """A goroutine of cell N that prints while cell N+1 runs: the text is
    late output of cell N and is marked so, not shown as cell N+1's own."""
    km, kc = kernel
    r = execute_ok(
        kc, 'go func() {\n\ttime.Sleep(300 * time.Millisecond)\n\tfmt.Println("late during next")\n}()'
    )
    n = r.content["execution_count"]
    nxt = execute_ok(kc, "time.Sleep(time.Second)")
    late = [
        m
        for m in nxt.of_type("stream")
        if "late during next" in m["content"]["text"]
    ]
    if not late:  # published with the earlier cell as parent: fine too
        m, seen = wait_for_iopub(
            kc, lambda m: m["msg_type"] == "stream" and "late during next" in m["content"]["text"], 5
        )
        assert m is not None, "late output lost"
        late = [m]
    assert f"[from cell {n}]" in late[0]["content"]["text"], late[0]["content"]


def test_compile_error_column_after_semicolon(kernel):
    km, kc = kernel
    r = execute(kc, "x := 1; undefinedX")
    assert r.status == "error"
    assert "cell line 1:9" in r.error["evalue"], r.error["evalue"]


def test_nil_pointer_dereference_is_worded_as_go_does(kernel):
    km, kc = kernel
    r = execute(kc, "var p *int\n*p")
    assert r.status == "error"
    assert r.error["ename"] == "panic", r.error
    assert "nil pointer dereference" in r.error["evalue"], r.error["evalue"]
    assert "cell line 2" in r.error["evalue"], r.error["evalue"]
    assert execute_ok(kc, "2 + 2").result_text == "4"


@pytest.mark.parametrize(
    "code,expected",
    [
        ("var ch = make(chan int)\nclose(ch)\nclose(ch)", "close of closed channel"),
        ("var arr []int\n_ = arr[3]", "index out of range"),
        ("zero := 0\nfmt.Println(10 / zero)", "integer divide by zero"),
        ("var mm map[string]int\nmm[\"a\"] = 1", "assignment to entry in nil map"),
    ],
    ids=["closed-channel", "index", "divide", "nil-map"],
)
def test_runtime_panics_keep_the_session(kernel, code, expected):
    km, kc = kernel
    execute_ok(kc, "stillHere := 1")
    r = execute(kc, code)
    assert r.status == "error"
    assert r.error["ename"] == "panic", r.error
    assert expected in r.error["evalue"], r.error["evalue"]
    assert execute_ok(kc, "stillHere").result_text == "1"


def test_blank_assignment_of_a_panicking_expression(fresh_kernel):
    km, kc = fresh_kernel
    r = execute(kc, "zero := 0\n_ = 10 / zero")
    assert r.status == "error"
    assert r.error["ename"] == "panic", r.error
    assert "integer divide by zero" in r.error["evalue"], r.error["evalue"]
    # yaegi reports arithmetic panics at the enclosing statement list, so
    # the line is not checked here.


def test_immediately_invoked_func_literal_runs_once(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(kc, 'func() {\n\tfmt.Println("iife")\n}()\nfmt.Println("after")')
    assert r.user_stdout == "iife\nafter\n", r.describe()
    r = execute_ok(kc, "1")
    assert r.user_stdout == "", "an earlier cell's statement ran again:\n" + r.describe()


def test_immediately_invoked_func_literal_as_last_line(fresh_kernel):
    km, kc = fresh_kernel
    r = execute(kc, 'func() {\n\tfmt.Println("hi")\n}()')
    assert r.status == "ok", r.describe()
    assert r.user_stdout == "hi\n", r.describe()
    assert not r.results
    r = execute_ok(kc, 'func() int { return 3 }()')
    assert r.result_text == "3"
    assert r.user_stdout == "", "an earlier cell's statement ran again:\n" + r.describe()


def test_top_level_defer_runs_once_at_cell_end(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(kc, 'defer fmt.Println("deferred")\nfmt.Println("body")')
    assert r.user_stdout == "body\ndeferred\n", r.describe()
    r = execute_ok(kc, "1")
    assert r.user_stdout == "", "an earlier cell's defer ran again:\n" + r.describe()


@pytest.mark.timeout(90)
def test_stack_overflow_restarts_worker(fresh_kernel):
    km, kc = fresh_kernel
    r = execute(kc, "func down(n int) int { return down(n+1) + 1 }\ndown(0)", timeout=80)
    assert r.status == "error"
    assert r.error["ename"] == "fatal error", r.error
    assert "stack overflow" in r.error["evalue"], r.error["evalue"]
    assert execute_ok(kc, "3 * 4").result_text == "12"


@pytest.mark.timeout(90)
@pytest.mark.parametrize(
    "code",
    [
        'time.AfterFunc(0, func() { panic("p") })\ntime.Sleep(2 * time.Second)',
        "m := map[int]int{}\nfor i := 0; i < 4; i++ {\n\tgo func() {\n\t\tfor j := 0; ; j++ {\n\t\t\tm[j] = j\n\t\t}\n\t}()\n}\ntime.Sleep(5 * time.Second)",
    ],
    ids=["library-goroutine-panic", "fatal-error"],
)
def test_timing_metadata_when_worker_dies(fresh_kernel, code):
    """The cell that killed the worker still reports sane timing."""
    km, kc = fresh_kernel
    r = execute(kc, code, timeout=60)
    assert r.status == "error"
    check_timing(r.reply["metadata"].get("timing"))


# --------------------------------------------------------------------------
# interrupting the classic concurrency hangs


def test_interrupt_stops_spinning_goroutines(fresh_kernel):
    """After an interrupt, goroutines the cell left spinning do not keep
    burning CPU."""
    psutil = need("psutil", "python3-psutil")
    km, kc = fresh_kernel
    msg_id = kc.execute(
        "for i := 0; i < 2; i++ {\n\tgo func() {\n\t\tfor {\n\t\t}\n\t}()\n}\ntime.Sleep(time.Hour)",
        allow_stdin=False,
    )
    time.sleep(1.0)
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=20)
    assert reply["content"]["status"] == "error"
    collect_iopub(kc, msg_id)
    root = psutil.Process(kernel_pid(km))
    time.sleep(1.0)
    procs = [root] + root.children(recursive=True)

    def cpu():
        total = 0.0
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
        return total

    c0 = cpu()
    time.sleep(2.0)
    used = cpu() - c0
    assert used < 0.5, f"the kernel's processes used {used:.2f} s of CPU in 2 s after the interrupt"


# --------------------------------------------------------------------------
# output plumbing


def test_stream_never_splits_a_utf8_character(kernel):
    km, kc = kernel
    code = (
        'b := []byte("😀é")\n'
        "os.Stdout.Write(b[:2])\n"
        "time.Sleep(200 * time.Millisecond)\n"
        "os.Stdout.Write(b[2:5])\n"
        "time.Sleep(200 * time.Millisecond)\n"
        "os.Stdout.Write(b[5:])"
    )
    r = execute_ok(kc, code)
    texts = [m["content"]["text"] for m in r.of_type("stream") if m["content"]["name"] == "stdout"]
    assert all("\ufffd" not in t for t in texts), texts
    assert r.stdout.startswith("😀é"), texts


def test_many_prints_are_coalesced(kernel):
    km, kc = kernel
    r = execute_ok(kc, 'for i := 0; i < 5000; i++ {\n\tfmt.Println("line", i)\n}')
    assert r.user_stdout.count("\n") == 5000
    assert "line 4999\n" in r.stdout
    assert len(r.of_type("stream")) <= 50, len(r.of_type("stream"))


def test_child_process_output_is_captured(kernel):
    km, kc = kernel
    r = execute_ok(
        kc,
        'cmd := exec.Command("sh", "-c", "echo child-out; echo child-err >&2")\n'
        "cmd.Stdout = os.Stdout\ncmd.Stderr = os.Stderr\n_ = cmd.Run()",
    )
    assert "child-out\n" in r.stdout, r.describe()
    assert "child-err\n" in r.stderr, r.describe()


@pytest.mark.timeout(180)
def test_stalled_iopub_subscriber_does_not_stall_cells(kernel):
    zmq = need("zmq", "python3-zmq")
    km, kc = kernel
    ci = km.get_connection_info()
    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.setsockopt(zmq.RCVHWM, 1)
    sub.setsockopt(zmq.RCVBUF, 4096)
    sub.connect(f"{ci['transport']}://{ci['ip']}:{ci['iopub_port']}")
    try:
        time.sleep(0.5)  # let it subscribe; then never read
        # 8,000 KiB a cell stays under the kernel's 8 MiB output limit
        code = 'chunk := strings.Repeat("z", 1023) + "\\n"\nfor i := 0; i < 8000; i++ {\n\tfmt.Print(chunk)\n}'
        for _ in range(8):  # 64 MB in all, far more than any socket buffer
            t0 = time.monotonic()
            r = execute_ok(kc, code, timeout=120)
            assert len(r.user_stdout) == 8000 * 1024
            assert time.monotonic() - t0 < 60
    finally:
        sub.close()


def test_program_cell_runs_as_program(kernel):
    km, kc = kernel
    # runs natively: the first build may compile the standard library
    r = execute_ok(kc, 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("program ran")\n}', timeout=180)
    assert "program ran\n" in r.stdout, r.describe()


def test_value_with_html_method_shows_as_html(kernel):
    km, kc = kernel
    r = execute_ok(
        kc, 'type badge string\nfunc (b badge) HTML() string { return "<b>" + string(b) + "</b>" }\nbadge("ok")'
    )
    assert r.results[0]["content"]["data"].get("text/html") == "<b>ok</b>", r.describe()


def test_declarations_in_any_order(kernel):
    km, kc = kernel
    r = execute_ok(kc, "func laterUse() int { return laterValue * 2 }\nvar laterValue = 21\nlaterUse()")
    assert r.result_text == "42"


@pytest.mark.parametrize("code", ["fmt.Println?", "?strings.ToUpper"])
def test_help_suffix_and_prefix(kernel, code):
    km, kc = kernel
    r = execute_ok(kc, code)
    pages = [p for p in r.content["payload"] if p.get("source") == "page"]
    assert len(pages) == 1 and "func " in pages[0]["data"]["text/plain"], r.content


# --------------------------------------------------------------------------
# wire level


def test_two_clients_share_iopub_and_get_their_own_replies(kernel):
    km, kc = kernel
    # A client of its own session (km.client() would share kc's session,
    # and with it the ZeroMQ identity of the shell socket).
    blocking = need("jupyter_client.blocking", "python3-jupyter-client")
    kc2 = blocking.BlockingKernelClient()
    kc2.load_connection_info(km.get_connection_info())
    assert kc2.session.session != kc.session.session
    kc2.start_channels()
    try:
        kc2.wait_for_ready(timeout=30)
        a = kc.execute('fmt.Println("from one")', allow_stdin=False)
        b = kc2.execute('fmt.Println("from two")', allow_stdin=False)
        ra = shell_reply(kc, a)
        rb = shell_reply(kc2, b)
        assert ra["content"]["status"] == rb["content"]["status"] == "ok"
        # each client sees both cells' output on iopub
        for client in (kc, kc2):
            got = collect_all(client, [a, b])
            assert "from one" in "".join(m["content"].get("text", "") for m in got[a])
            assert "from two" in "".join(m["content"].get("text", "") for m in got[b])
    finally:
        kc2.stop_channels()


def test_heartbeat_echoes(kernel):
    zmq = need("zmq", "python3-zmq")
    km, kc = kernel
    ci = km.get_connection_info()
    sock = zmq.Context.instance().socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(f"{ci['transport']}://{ci['ip']}:{ci['hb_port']}")
    try:
        for payload in (b"ping", b"\x00\x01binary"):
            sock.send(payload)
            assert sock.poll(5000), "no heartbeat echo"
            assert sock.recv() == payload
    finally:
        sock.close()


def test_wire_headers(kernel):
    """Dates with at most 6 fractional digits, unique msg_ids, parent
    headers set, signatures lowercase hex."""
    km, kc = kernel
    frames = _raw_kernel_info(km, km.session.key)
    assert frames is not None
    sig = frames[1].decode()
    assert len(sig) == 64 and sig == sig.lower() and all(c in "0123456789abcdef" for c in sig)
    header = json.loads(frames[2])
    assert header["msg_type"] == "kernel_info_reply"
    import re

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)", header["date"]), header
    assert json.loads(frames[3])["msg_type"] == "kernel_info_request"
    r = execute_ok(kc, 'fmt.Println("a")\n1')
    ids = [r.reply["header"]["msg_id"]] + [m["header"]["msg_id"] for m in r.iopub]
    assert len(ids) == len(set(ids)), ids


def test_history_persists_across_kernels(gocurrent_env):
    marker = "histMarker := " + str(uuid.uuid4().int % 10**9)
    km, kc = start_kernel()
    try:
        execute_ok(kc, marker)
        msg_id = kc.history(hist_access_type="tail", n=1, output=False, raw=True)
        first_session = shell_reply(kc, msg_id)["content"]["history"][-1][0]
    finally:
        stop_kernel(km, kc)
    km, kc = start_kernel()
    try:
        msg_id = kc.history(hist_access_type="search", pattern=marker, output=False, raw=True)
        hist = shell_reply(kc, msg_id)["content"]["history"]
        assert [h[2] for h in hist] == [marker], hist
        assert hist[0][0] == first_session
        execute_ok(kc, "1")
        msg_id = kc.history(hist_access_type="tail", n=1, output=False, raw=True)
        assert shell_reply(kc, msg_id)["content"]["history"][-1][0] > first_session
    finally:
        stop_kernel(km, kc)


# --------------------------------------------------------------------------
# the control channel while a cell runs


def test_control_answers_while_a_cell_runs(fresh_kernel):
    km, kc = fresh_kernel
    busy = kc.execute("time.Sleep(3 * time.Second)", allow_stdin=False)
    time.sleep(0.5)
    t0 = time.monotonic()
    msg_id = send(kc, "control", "kernel_info_request")
    reply = control_reply(kc, msg_id, timeout=10)
    assert reply["content"]["status"] == "ok"
    assert time.monotonic() - t0 < 1.0, "kernel_info on control waited for the running cell"
    assert shell_reply(kc, busy, timeout=20)["content"]["status"] == "ok"


def test_shutdown_while_a_cell_runs(gocurrent_env):
    psutil = need("psutil", "python3-psutil")
    km, kc = start_kernel()
    try:
        proc = psutil.Process(kernel_pid(km))
        procs = [proc] + proc.children(recursive=True)
        kc.execute("for {\n}", allow_stdin=False)
        time.sleep(0.5)
        t0 = time.monotonic()
        km.shutdown_kernel(now=False)
        elapsed = time.monotonic() - t0
        gone, alive = psutil.wait_procs(procs, timeout=10)
        assert not alive, f"still running: {alive}"
        assert elapsed < 3.0, f"shutdown_kernel took {elapsed:.1f} s (jupyter_client had to kill it?)"
    finally:
        kc.stop_channels()
        if km.has_kernel:
            km.shutdown_kernel(now=True)


def test_interrupt_when_idle_is_harmless(kernel):
    km, kc = kernel
    execute_ok(kc, "idleKept := 8")
    msg_id = send(kc, "control", "interrupt_request")
    assert control_reply(kc, msg_id)["content"]["status"] == "ok"
    time.sleep(0.2)
    assert execute_ok(kc, "idleKept").result_text == "8"


def test_a_new_iopub_subscriber_is_told_the_execution_state(kernel):
    """A client that subscribes to iopub first receives, alone, a status
    without a parent saying whether the kernel is busy now: a browser
    whose subscription starts after the last status message was published
    would otherwise show the kernel's state as unknown."""
    km, kc = kernel
    for busy in (False, True):
        msg_id = kc.execute("time.Sleep(1500 * time.Millisecond)") if busy else None
        if busy:
            time.sleep(0.5)
        # A client with a session (and so a socket identity) of its own:
        # km.client() would share the first client's, and its
        # stop_channels() connects a shell socket with that identity.
        from jupyter_client.session import Session

        late = km.client()
        late.session = Session(key=km.session.key, signature_scheme=km.session.signature_scheme)
        late.start_channels(shell=False, stdin=False, hb=False, control=False)
        try:
            first = late.get_iopub_msg(timeout=10)
            assert first["msg_type"] == "status" and first["parent_header"] == {}, first
            assert first["content"]["execution_state"] == ("busy" if busy else "idle"), first
        finally:
            late.stop_channels()
        if busy:
            shell_reply(kc, msg_id, timeout=30)
            collect_iopub(kc, msg_id)
    # The kernel's own client, subscribed long ago, got no second welcome.
    run = execute_ok(kc, "1 + 1")
    assert [m["content"]["execution_state"] for m in run.of_type("status")] == ["busy", "idle"]


def test_a_second_client_of_the_same_session_leaves_the_first_ones_replies(kernel):
    """km.client() twice gives two clients of one session, hence one shell
    identity; jupyter_client's stop_channels() connects a shell socket with
    it even when shell was never started. The kernel refuses that second
    connection as libzmq does, so the first client still gets the reply
    of the cell it is waiting for."""
    km, kc = kernel
    msg_id = kc.execute("time.Sleep(1500 * time.Millisecond)\n7")
    time.sleep(0.3)
    late = km.client()
    late.start_channels(shell=False, stdin=False, hb=False, control=False)
    try:
        late.get_iopub_msg(timeout=10)
        late.shell_channel  # created, connected with the session's identity
    finally:
        late.stop_channels()
    reply = shell_reply(kc, msg_id, timeout=30)
    assert reply["content"]["status"] == "ok", reply["content"]
    collect_iopub(kc, msg_id)
    assert execute_ok(kc, "1 + 1").result_text == "2"
