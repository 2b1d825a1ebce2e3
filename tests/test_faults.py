"""Faults a concurrency lesson provokes on purpose, through jupyter_client.

Each test provokes one fault, checks what the user is told, and ends with
the kernel answering a plain cell (and, where the session is kept, a value
from before the fault)."""

import os
import re
import time

import pytest

from conftest import need
from helpers import (
    collect_iopub,
    execute,
    execute_ok,
    kernel_pid,
    shell_reply,
    strip_ansi,
    wait_for_iopub,
)


def error_text(r):
    err = r.error
    return err["evalue"] + "\n" + strip_ansi("\n".join(err["traceback"]))


def session_kept(kc, name="kept", value="7"):
    assert execute_ok(kc, name).result_text == value
    assert execute_ok(kc, "2 + 3").result_text == "5"


# --------------------------------------------------------------------------
# panics in goroutines the cell started


@pytest.mark.parametrize(
    "code, statement, line",
    [
        (
            'var wg sync.WaitGroup\nfor i := 0; i < 3; i++ {\n\twg.Add(1)\n\tgo func(n int) {\n\t\tdefer wg.Done()\n'
            '\t\tif n == 1 {\n\t\t\tpanic("worker failed")\n\t\t}\n\t}(i)\n}\nwg.Wait()',
            "go func(n int) {",
            4,
        ),
        ('go crash("worker failed")\ntime.Sleep(2 * time.Second)', "go crash(\"worker failed\")", 1),
        (
            'type job struct{ name string }\nfunc (j job) run() { panic("worker failed: " + j.name) }\n'
            'j := job{"a"}\ngo j.run()\ntime.Sleep(2 * time.Second)',
            "go j.run()",
            4,
        ),
    ],
    ids=["literal", "session-function", "method"],
)
def test_panic_in_goroutine_keeps_session(fresh_kernel, code, statement, line):
    km, kc = fresh_kernel
    execute_ok(kc, 'kept := 7\nfunc crash(msg string) {\n\tpanic(msg)\n}')
    t0 = time.monotonic()
    r = execute(kc, code, timeout=30)
    assert r.status == "error", r.describe()
    assert r.error["ename"] == "panic", r.error
    text = error_text(r)
    assert "worker failed" in r.error["evalue"], text
    assert "panic in goroutine" in text, text
    assert f"goroutine started at cell line {line}: {statement}" in text, text
    # the stack is in cell lines, with the source shown: a function by the
    # line it starts on, and a note where the interpreter did not say which
    # of its lines panicked (the literal's own)
    assert re.search(r"which starts at cell (\d+, )?line \d+", text) or "not on which of its lines" in text, text
    assert re.search(r"^ +\d+ \| ", text, re.M), text
    assert len(r.errors) == 1, r.describe()
    # the cell stopped at the panic, as a Go program would
    assert time.monotonic() - t0 < 10
    session_kept(kc)


def test_panic_in_goroutine_of_an_earlier_cell_is_late_output(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    r = execute_ok(kc, 'go func() {\n\ttime.Sleep(500 * time.Millisecond)\n\tpanic("too late")\n}()')
    n = r.content["execution_count"]
    m, seen = wait_for_iopub(
        kc, lambda m: m["msg_type"] == "stream" and "too late" in m["content"]["text"], timeout=10
    )
    assert m is not None, seen
    text = strip_ansi(m["content"]["text"])
    assert f"[from cell {n}]" in text, text
    assert "panic in goroutine" in text, text
    session_kept(kc)


@pytest.mark.parametrize(
    "code, call",
    [
        ("go func() {\n\tos.Exit(4)\n}()\ntime.Sleep(2 * time.Second)", "os.Exit(4)"),
        ('go func() {\n\tlog.Fatalf("no %s", "way")\n}()\ntime.Sleep(2 * time.Second)', "log.Fatalf (exit status 1)"),
    ],
    ids=["os-exit", "log-fatal"],
)
def test_exit_in_goroutine_keeps_session(fresh_kernel, code, call):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    r = execute(kc, code, timeout=30)
    assert r.status == "error", r.describe()
    assert r.error["ename"] == "exit", r.error
    assert call in error_text(r), error_text(r)
    assert "goroutine started at cell line 1" in error_text(r)
    session_kept(kc)


# --------------------------------------------------------------------------
# deadlocks


@pytest.mark.parametrize(
    "code, where",
    [
        ("var mu sync.Mutex\nmu.Lock()\nmu.Lock()", "the cell itself: blocked in sync.Mutex.Lock"),
        ("ch := make(chan int)\n<-ch", "the cell itself: blocked in a channel receive"),
        ("ch := make(chan int)\nch <- 1", "the cell itself: blocked in a channel send"),
        (
            "var wg sync.WaitGroup\nfor i := 0; i < 3; i++ {\n\twg.Add(1)\n\tgo func(n int) {\n\t\tif n > 0 {\n\t\t\twg.Done()\n\t\t}\n\t}(i)\n}\nwg.Wait()",
            "the cell itself: blocked in sync.WaitGroup.Wait",
        ),
        (
            "var a, b sync.Mutex\ngo func() {\n\tb.Lock()\n\ttime.Sleep(100 * time.Millisecond)\n\ta.Lock()\n}()\n"
            "a.Lock()\ntime.Sleep(100 * time.Millisecond)\nb.Lock()",
            "1 goroutine started at cell line 2 (go func() { … }()): blocked in sync.Mutex.Lock",
        ),
        (
            "results := make(chan int)\nfor i := 0; i < 4; i++ {\n\tgo func() { results <- i * i }()\n}\n"
            "for r := range results {\n\tfmt.Println(r)\n}",
            "blocked in a channel receive (for range)",
        ),
        ("select {}", "the cell itself: blocked"),
    ],
    ids=["double-lock", "receive", "send", "waitgroup", "lock-order", "range-unclosed", "empty-select"],
)
def test_deadlock_is_reported_without_interrupt(fresh_kernel, code, where):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    t0 = time.monotonic()
    r = execute(kc, code, timeout=30)
    assert r.status == "error", r.describe()
    assert r.error["ename"] == "deadlock", r.error
    text = error_text(r)
    assert "deadlock: all goroutines started by this cell are blocked" in text, text
    assert where in text, text
    assert time.monotonic() - t0 < 10, "the deadlock was not reported promptly"
    session_kept(kc)


def test_goroutines_magic_lists_what_cells_left(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    execute(kc, "var mu sync.Mutex\nmu.Lock()\nmu.Lock()", timeout=30)
    r = execute_ok(
        kc,
        "stop := make(chan bool)\nfor i := 0; i < 3; i++ {\n\tgo func() {\n\t\tfor {\n\t\t\tselect {\n"
        "\t\t\tcase <-stop:\n\t\t\t\treturn\n\t\t\tdefault:\n\t\t\t\ttime.Sleep(10 * time.Millisecond)\n\t\t\t}\n\t\t}\n\t}()\n}",
    )
    n = r.content["execution_count"]
    assert "3 still running" in r.timing_lines[0], r.timing_lines
    out = execute_ok(kc, "%goroutines").stdout
    # Grouped by what each does at that moment: sleeping, or (on a busy
    # machine) one of them running.
    site = f"started at cell {n}, line 3 (go func() {{ … }}())"
    counts = [int(m.group(1)) for m in re.finditer(r"(\d+) goroutines? " + re.escape(site) + r": (?:sleeping|running|runnable)", out)]
    assert sum(counts) == 3, out
    assert f"the flow of cell {n - 1}" in out and "sync.Mutex.Lock" in out, out
    execute_ok(kc, "close(stop)\ntime.Sleep(200 * time.Millisecond)")
    out = execute_ok(kc, "%goroutines").stdout
    assert f"cell {n}, line 3" not in out, out
    session_kept(kc)


@pytest.mark.parametrize(
    "code",
    [
        "select {\ncase <-time.After(1500 * time.Millisecond):\n\tfmt.Println(\"timer\")\n}",
        "ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)\ndefer cancel()\n<-ctx.Done()\nfmt.Println(\"timer\")",
        "ch := make(chan string)\ngo func() {\n\ttime.Sleep(1500 * time.Millisecond)\n\tch <- \"timer\"\n}()\nfmt.Println(<-ch)",
    ],
    ids=["time-after", "context-timeout", "sleeping-sender"],
)
def test_waiting_for_time_is_not_a_deadlock(kernel, code):
    km, kc = kernel
    r = execute_ok(kc, code, timeout=30)
    assert r.stdout == "timer\n", r.describe()


def test_receiving_from_a_goroutine_of_an_earlier_cell_is_not_a_deadlock(kernel):
    km, kc = kernel
    execute_ok(
        kc,
        "feed := make(chan int)\ngo func() {\n\tfor i := 0; i < 3; i++ {\n\t\ttime.Sleep(400 * time.Millisecond)\n\t\tfeed <- i\n\t}\n}()",
    )
    r = execute_ok(kc, "for i := 0; i < 3; i++ {\n\tfmt.Println(<-feed)\n}", timeout=30)
    assert r.stdout == "0\n1\n2\n", r.describe()


@pytest.mark.parametrize(
    "code",
    [
        "time.Sleep(time.Hour)",
        "<-time.After(time.Hour)",
        "go func() {\n\ttime.Sleep(time.Hour)\n}()\nvar mu sync.Mutex\nmu.Lock()\nmu.Lock()",
    ],
    ids=["sleep", "timer", "lock-while-another-sleeps"],
)
def test_interrupt_blocked_cell_keeps_session(fresh_kernel, code):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    msg_id = kc.execute(code, allow_stdin=False)
    time.sleep(1.0)
    t0 = time.monotonic()
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=20)
    assert time.monotonic() - t0 < 2, "the interrupt took too long"
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "interrupted", reply["content"]
    collect_iopub(kc, msg_id)
    session_kept(kc)


# --------------------------------------------------------------------------
# floods of output


def test_flood_of_output_arrives_in_order_in_few_messages(fresh_kernel):
    psutil = need("psutil", "python3-psutil")
    km, kc = fresh_kernel
    kernel = psutil.Process(kernel_pid(km))
    rss0 = kernel.memory_info().rss
    code = (
        "var wg sync.WaitGroup\nfor g := 0; g < 8; g++ {\n\twg.Add(1)\n\tgo func(g int) {\n\t\tdefer wg.Done()\n"
        "\t\tfor i := 0; i < 25000; i++ {\n\t\t\tfmt.Println(g, i)\n\t\t}\n\t}(g)\n}\nwg.Wait()"
    )
    r = execute(kc, code, timeout=120)
    assert r.status == "ok", r.describe()[:2000]
    streams = [m for m in r.of_type("stream") if m["content"]["name"] == "stdout"]
    text = "".join(m["content"]["text"] for m in streams)
    last = {}
    count = 0
    for line in text.splitlines():
        if line.startswith("\u00bb"):
            continue
        g, i = map(int, line.split())
        assert i == last.get(g, -1) + 1, f"goroutine {g}: {i} after {last.get(g)}"
        last[g] = i
        count += 1
    assert count == 200_000
    assert len(streams) < 2000, f"{len(streams)} stream messages for 200,000 lines"
    rss1 = kernel.memory_info().rss
    assert rss1 - rss0 < 200 * 2**20, f"kernel RSS grew by {(rss1 - rss0) / 2**20:.0f} MiB"


def test_endless_flood_is_cut_and_interruptible(fresh_kernel):
    psutil = need("psutil", "python3-psutil")
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    kernel = psutil.Process(kernel_pid(km))
    msg_id = kc.execute(
        'for i := 0; ; i++ {\n\tfmt.Println("line", i, strings.Repeat("x", 2000))\n}', allow_stdin=False
    )
    time.sleep(6)
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=30)
    assert reply["content"]["ename"] == "interrupted", reply["content"]
    msgs = collect_iopub(kc, msg_id, timeout=30)
    text = "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream")
    assert "of output were cut here" in text, f"{len(text)} bytes, no cut note; ends {text[-300:]!r}"
    assert text.startswith("line 0 "), text[:100]
    head, _, tail = text.partition("of output were cut here")
    assert len(head) < 9 * 2**20
    # the tail holds consecutive lines, the last ones printed
    nums = [int(x.split()[1]) for x in tail.splitlines() if x.startswith("line ")]
    assert len(nums) > 50 and nums == list(range(nums[0], nums[0] + len(nums))), nums[:5]
    assert kernel.memory_info().rss < 400 * 2**20
    session_kept(kc)


# --------------------------------------------------------------------------
# child processes


def processes_named(psutil, root_pid, needle):
    out = []
    for p in psutil.process_iter(["pid", "cmdline", "status", "ppid"]):
        if needle in " ".join(p.info["cmdline"] or []):
            out.append(p)
    return out


def test_interrupt_kills_child_processes_and_leaves_no_zombies(fresh_kernel):
    psutil = need("psutil", "python3-psutil")
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    marker = "4242.5"
    msg_id = kc.execute(
        f'a := exec.Command("sleep", "{marker}")\nif err := a.Start(); err != nil {{\n\tpanic(err)\n}}\n'
        f'b := exec.Command("sh", "-c", "sleep {marker}; echo never")\nb.Stdout = os.Stdout\n'
        "if err := b.Run(); err != nil {\n\tfmt.Println(err)\n}",
        allow_stdin=False,
    )
    deadline = time.monotonic() + 10
    while len(processes_named(psutil, 0, marker)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(processes_named(psutil, 0, marker)) >= 2
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=20)
    assert reply["content"]["status"] == "error"
    collect_iopub(kc, msg_id)
    time.sleep(2)
    left = [p for p in processes_named(psutil, 0, marker)]
    assert left == [], [(p.pid, p.info) for p in left]
    root = psutil.Process(kernel_pid(km))
    zombies = [p for p in root.children(recursive=True) if p.status() == psutil.STATUS_ZOMBIE]
    assert zombies == [], zombies
    session_kept(kc)


def test_child_that_keeps_the_output_pipe_does_not_hang_the_cell(fresh_kernel):
    psutil = need("psutil", "python3-psutil")
    km, kc = fresh_kernel
    marker = "4343.5"
    t0 = time.monotonic()
    r = execute_ok(
        kc,
        f'c := exec.Command("sh", "-c", "echo started; sleep {marker} &")\nc.Stdout = os.Stdout\n'
        'if err := c.Run(); err != nil {\n\tpanic(err)\n}\nfmt.Println("done")',
        timeout=30,
    )
    assert time.monotonic() - t0 < 10
    assert r.stdout == "started\ndone\n", r.describe()
    assert execute_ok(kc, "1 + 1").result_text == "2"
    # a worker restart takes the child with it
    r = execute(
        kc,
        "m := map[int]int{}\nfor i := 0; i < 4; i++ {\n\tgo func() {\n\t\tfor j := 0; ; j++ {\n\t\t\tm[j] = j\n\t\t}\n\t}()\n}\ntime.Sleep(5 * time.Second)",
        timeout=60,
    )
    assert r.error["ename"] == "fatal error"
    time.sleep(1)
    assert processes_named(psutil, 0, marker) == []
    assert execute_ok(kc, "1 + 2").result_text == "3"


@pytest.mark.parametrize("running", ["nothing", "interpreted cell", "native cell"])
def test_killed_kernel_leaves_nothing_running(gocurrent_env, running):
    """The kernel killed with SIGKILL (the OOM killer, a hub culling it, a
    gateway's shutdown): its worker, a goroutine spinning since an earlier
    cell, a child process of a cell and a native program all end with it,
    whatever was running."""
    import signal

    from conftest import start_kernel

    psutil = need("psutil", "python3-psutil")
    km, kc = start_kernel()
    try:
        marker = {"nothing": "4545.5", "interpreted cell": "4646.5", "native cell": "4747.5"}[running]
        execute_ok(kc, "go func() {\n\tfor {\n\t}\n}()")
        execute_ok(kc, f'child := exec.Command("sleep", "{marker}")\nif err := child.Start(); err != nil {{\n\tpanic(err)\n}}')
        expected = 2  # the worker and sleep
        if running == "interpreted cell":
            kc.execute('fmt.Println("spinning")\nfor {\n}')
            text = "spinning"
        elif running == "native cell":
            kc.execute('%%native\nfmt.Println("native up")\nfor {\n}')
            text, expected = "native up", 3
        if running != "nothing":
            up, seen = wait_for_iopub(
                kc, lambda m: m["msg_type"] == "stream" and text in m["content"]["text"], timeout=90
            )
            assert up, [m["content"] for m in seen]
        kernel = psutil.Process(kernel_pid(km))
        family = kernel.children(recursive=True)
        names = [" ".join(p.cmdline()) for p in family]
        assert any(marker in n for n in names), names
        assert any("__worker" in n for n in names), names
        assert len(family) >= expected, names
        kernel.send_signal(signal.SIGKILL)
        gone, alive = psutil.wait_procs(family, timeout=10)
        assert alive == [], [(p.pid, " ".join(p.cmdline())) for p in alive]
    finally:
        kc.stop_channels()
        km.cleanup_resources()


# --------------------------------------------------------------------------
# fatal errors end the worker, not the kernel


@pytest.mark.timeout(120)
def test_out_of_memory_restarts_worker(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "lost := 1")
    r = execute(kc, "var keep [][]byte\nfor {\n\tkeep = append(keep, make([]byte, 1<<30))\n}", timeout=100)
    assert r.status == "error", r.describe()
    assert r.error["ename"] in ("fatal error", "worker died"), r.error
    text = error_text(r)
    assert "out of memory" in text or "memory" in text, text[:2000]
    assert "lost" in r.error["evalue"] or "lost" in text
    assert execute(kc, "lost").status == "error"
    assert execute_ok(kc, "1 + 2").result_text == "3"
