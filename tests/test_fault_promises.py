"""What the kernel promises when things go wrong, second set: interrupts
that arrive late or during a build, a worker that dies between cells, a
cell that closes its standard output, goroutines of earlier cells that keep
printing, and input that no frontend gives. Each test goes through
jupyter_client and checks what the user is told."""

import random
import signal
import time
import uuid

from conftest import need
from helpers import (
    control_reply,
    execute,
    execute_ok,
    is_live,
    kernel_pid,
    shell_reply,
    collect_iopub,
    strip_ansi,
    wait_for_iopub,
)


def session_kept(kc, name="kept", value="7"):
    assert execute_ok(kc, name).result_text == value
    assert execute_ok(kc, "2 + 3").result_text == "5"


def send_interrupt(kc):
    """An interrupt_request on the control channel, not waited for."""
    msg = kc.session.msg("interrupt_request", {})
    kc.control_channel.send(msg)
    return msg["header"]["msg_id"]


def worker_pid(km):
    psutil = need("psutil", "python3-psutil")
    for child in psutil.Process(kernel_pid(km)).children():
        if "__worker" in " ".join(child.cmdline()):
            return child.pid
    raise AssertionError("the kernel has no worker process")


# --------------------------------------------------------------------------
# an interrupt applies to the cell running when it was sent, and no other


def test_interrupt_sent_before_a_cell_does_not_stop_it(fresh_kernel):
    """The user pressed stop while nothing ran, then ran a cell at once:
    the kernel may read the execute_request (shell) before the interrupt
    (control), and the cell must still run to its end."""
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    stopped = []
    for i in range(40):
        time.sleep(random.random() * 0.05)
        interrupt = send_interrupt(kc)
        r = execute(kc, 'time.Sleep(30 * time.Millisecond)\nfmt.Println("ran")', timeout=30)
        control_reply(kc, interrupt)
        if r.status != "ok" or r.stdout != "ran\n":
            stopped.append((i, r.describe()))
    assert not stopped, f"{len(stopped)} of 40 cells were stopped by an interrupt sent before them: {stopped[:2]}"
    session_kept(kc)


def test_interrupt_sent_right_after_a_cell_stops_it_and_keeps_the_session(fresh_kernel):
    """Run, then stop at once: the interrupt may reach the kernel (and the
    worker) before the cell has started; it must stop that cell, as an
    interrupt does, and not be lost or end the worker."""
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    cells = ['fmt.Println("start")\nfor i := 0; ; i++ {\n}', 'fmt.Println("start")\ntime.Sleep(20 * time.Second)']
    for i in range(12):
        msg_id = kc.execute(cells[i % 2], allow_stdin=False)
        if i % 3 == 1:
            time.sleep(0.001)
        send_interrupt(kc)
        reply = shell_reply(kc, msg_id, timeout=30)["content"]
        collect_iopub(kc, msg_id)
        assert reply["status"] == "error" and reply["ename"] == "interrupted", (i, reply)
        assert "values are kept" in reply["evalue"], (i, reply)
    session_kept(kc)


def test_interrupt_after_a_deadlock_does_not_stop_the_next_cell(fresh_kernel):
    """The deadlock watchdog ended the cell just before the user's stop."""
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    for _ in range(5):
        r = execute(kc, "var mu sync.Mutex\nmu.Lock()\nmu.Lock()", timeout=30)
        assert r.error["ename"] == "deadlock", r.describe()
        interrupt = send_interrupt(kc)
        r = execute(kc, 'time.Sleep(30 * time.Millisecond)\nfmt.Println("ran")', timeout=30)
        control_reply(kc, interrupt)
        assert r.status == "ok" and r.stdout == "ran\n", r.describe()
    session_kept(kc)


def test_interrupt_while_idle_is_forgotten_and_a_running_cell_still_stops(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    # idle: answered, and nothing is kept for later
    msg = kc.session.msg("interrupt_request", {})
    kc.control_channel.send(msg)
    assert control_reply(kc, msg["header"]["msg_id"])["content"]["status"] == "ok"
    km.signal_kernel(signal.SIGINT)
    time.sleep(0.5)
    r = execute_ok(kc, 'time.Sleep(300 * time.Millisecond)\nfmt.Println("ran")', timeout=30)
    assert r.stdout == "ran\n", r.describe()
    # a running cell: stopped, by message and by signal
    for stop in (lambda: send_interrupt(kc), lambda: km.signal_kernel(signal.SIGINT)):
        msg_id = kc.execute("n := 0\nfor {\n\tn++\n}", allow_stdin=False)
        time.sleep(0.5)
        stop()
        reply = shell_reply(kc, msg_id, timeout=30)
        collect_iopub(kc, msg_id)
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "interrupted", reply["content"]
    session_kept(kc)


def _wait_for_compiler(km, timeout=60):
    """Waits until the kernel's native build runs the Go compiler."""
    psutil = need("psutil", "python3-psutil")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in psutil.Process(kernel_pid(km)).children(recursive=True):
            try:
                if p.name() == "compile" or "/compile" in " ".join(p.cmdline()[:1]):
                    return
            except psutil.Error:
                continue
        time.sleep(0.05)
    raise AssertionError("the native build did not start the compiler")


def test_interrupt_stops_a_native_build(fresh_kernel):
    """The build is stopped, and the program never runs."""
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    # A program that takes seconds to compile (about 1.4 s for 300,000
    # elements on an idle 2-core machine, so 1,000,000); the token keeps
    # the build cache from having it already. The interrupt goes once the
    # compiler runs.
    token = uuid.uuid4().hex
    elems = ",".join(str(i) for i in range(1000000))
    code = f'%%native\nconst token = "{token}"\nvar big = []int{{{elems}}}\nfunc main() {{ fmt.Println("ran", len(big)) }}'
    msg_id = kc.execute(code, allow_stdin=False)
    _wait_for_compiler(km)
    t0 = time.monotonic()
    send_interrupt(kc)
    reply = shell_reply(kc, msg_id, timeout=120)
    took = time.monotonic() - t0
    iopub = collect_iopub(kc, msg_id)
    content = reply["content"]
    assert content["status"] == "error" and content["ename"] == "interrupted", content
    assert "build" in content["evalue"], content
    printed = "".join(m["content"].get("text", "") for m in iopub if m["msg_type"] == "stream")
    assert "ran" not in printed, printed
    print(f"native build interrupted: reply {took * 1000:.0f} ms after the interrupt")
    session_kept(kc)


# --------------------------------------------------------------------------
# a worker that dies between cells


def _death_between_cells(kc, cell_id, what):
    """The report of the worker's death, published as output of the cell
    whose execute_request has msg id cell_id."""
    m, seen = wait_for_iopub(
        kc,
        lambda m: m["msg_type"] == "stream"
        and m["parent_header"].get("msg_id") == cell_id
        and "worker process" in m["content"]["text"],
        timeout=15,
    )
    assert m is not None, [x["content"] for x in seen]
    text = strip_ansi(m["content"]["text"])
    assert m["content"]["name"] == "stderr", m["content"]
    assert what in text, text
    assert "values were lost" in text, text
    return text


def _next_cell_says_values_were_lost(kc, why):
    r = execute(kc, "kept", timeout=30)
    streams = [m for m in r.outputs if m["msg_type"] == "stream"]
    assert streams, r.describe()
    first = streams[0]["content"]
    assert first["name"] == "stderr" and "values were lost" in first["text"], r.describe()
    assert why in first["text"], first["text"]
    # the cell ran in a fresh worker: kept is gone, and says so
    assert r.status == "error" and "undefined: kept" in r.error["evalue"], r.describe()
    execute_ok(kc, "kept := 7")
    session_kept(kc)
    # told once: the cell after has no notice
    r = execute_ok(kc, 'fmt.Println("quiet")')
    assert r.stdout == "quiet\n" and not [m for m in r.outputs if m["msg_type"] == "stream" and m["content"]["name"] == "stderr"], r.describe()


def test_panic_in_a_timer_callback_after_its_cell_is_told(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    r = execute_ok(kc, 'time.AfterFunc(time.Second, func() { panic("timer went off") })\nfmt.Println("armed")')
    assert r.stdout == "armed\n"
    text = _death_between_cells(kc, r.msg_id, "timer went off")
    n = r.content["execution_count"]
    assert f"after cell {n} had finished" in text, text
    _next_cell_says_values_were_lost(kc, "timer went off")


def test_worker_killed_between_cells_is_told(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    r = execute_ok(kc, 'fmt.Println("last")')
    psutil = need("psutil", "python3-psutil")
    psutil.Process(worker_pid(km)).kill()
    _death_between_cells(kc, r.msg_id, "killed")
    _next_cell_says_values_were_lost(kc, "killed")


def test_native_cell_after_a_worker_death_says_values_were_lost(fresh_kernel):
    """A native cell is built with the session's declarations, which went
    with the worker: it is told too."""
    km, kc = fresh_kernel
    r = execute_ok(kc, "func helper() int { return 7 }")
    psutil = need("psutil", "python3-psutil")
    psutil.Process(worker_pid(km)).kill()
    _death_between_cells(kc, r.msg_id, "killed")
    r = execute_ok(kc, '%%native\nfunc main() { fmt.Println("native") }', timeout=120)
    streams = [m["content"] for m in r.outputs if m["msg_type"] == "stream"]
    assert streams[0]["name"] == "stderr" and "values were lost" in streams[0]["text"], r.describe()
    assert r.stdout == "native\n", r.describe()


# --------------------------------------------------------------------------
# output of later cells


def test_a_cell_that_closes_stdout_does_not_silence_later_cells(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    r = execute_ok(
        kc,
        'fmt.Println("before")\nos.Stdout.Close()\nfmt.Println("after close")\n'
        'os.Stderr.Close()\nfmt.Fprintln(os.Stderr, "err after close")',
    )
    # as in a Go program, what the cell printed after closing is lost
    assert r.stdout == "before\n", r.describe()
    assert "after close" not in "".join(m["content"]["text"] for m in r.of_type("stream")), r.describe()
    r = execute_ok(
        kc,
        'fmt.Println("next cell")\nfmt.Fprintln(os.Stderr, "next stderr")\n'
        'c := exec.Command("echo", "child")\nc.Stdout = os.Stdout\n_ = c.Run()',
    )
    assert r.stdout == "next cell\nchild\n", r.describe()
    assert "next stderr" in "".join(m["content"]["text"] for m in r.outputs if m["msg_type"] == "stream")
    # a file opened after the close, which may take the closed descriptor,
    # is not disturbed
    execute_ok(kc, f'os.Stdout.Close()\nf, _ := os.CreateTemp("", "gocurrent-test")\nname := f.Name()')
    r = execute_ok(kc, 'fmt.Println("shown")\nf.WriteString("in the file")\nf.Close()\nb, _ := os.ReadFile(name)\nos.Remove(name)\nfmt.Println(string(b))')
    assert r.stdout == "shown\nin the file\n", r.describe()
    session_kept(kc)


def test_output_of_an_earlier_cells_goroutine_is_always_marked(fresh_kernel):
    """A goroutine of an earlier cell prints while later cells start: none
    of its lines passes for a later cell's own output."""
    km, kc = fresh_kernel
    unmarked, seen = [], 0
    for k in range(12):
        execute_ok(
            kc,
            f"stop{k} := make(chan bool)\ngo func() {{\n\tfor i := 0; ; i++ {{\n\t\tselect {{\n\t\tcase <-stop{k}:\n"
            f'\t\t\treturn\n\t\tdefault:\n\t\t}}\n\t\tfmt.Println("tick", i)\n\t\ttime.Sleep(2 * time.Millisecond)\n\t}}\n}}()',
        )
        time.sleep(random.random() * 0.06)
        r = execute_ok(kc, f'fmt.Println("own")\nclose(stop{k})\ntime.Sleep(10 * time.Millisecond)')
        for line in r.stdout.splitlines():
            if "tick" in line:
                seen += 1
                if not line.startswith("[from cell "):
                    unmarked.append(line)
        assert "own" in r.stdout.splitlines(), r.describe()
    assert not unmarked, f"{len(unmarked)} of {seen} late lines unmarked: {unmarked[:5]}"


def test_goroutine_started_by_an_earlier_cells_goroutine_is_that_cells(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(
        kc,
        "spawn := make(chan bool)\ngo func() {\n\t<-spawn\n\tgo func() {\n\t\tfor i := 0; i < 5; i++ {\n"
        '\t\t\tfmt.Println("grandchild", i)\n\t\t\ttime.Sleep(20 * time.Millisecond)\n\t\t}\n\t}()\n}()',
    )
    n = r.content["execution_count"]
    r = execute_ok(kc, "close(spawn)\ntime.Sleep(300 * time.Millisecond)")
    lines = [l for l in r.stdout.splitlines() if "grandchild" in l]
    assert len(lines) == 5 and all(l.startswith(f"[from cell {n}] ") for l in lines), r.describe()


def test_output_of_an_earlier_cells_timer_callback_is_marked(fresh_kernel):
    """time.AfterFunc runs its function on a goroutine the runtime starts
    when the timer fires, during a later cell: it is still the cell's that
    set the timer."""
    km, kc = fresh_kernel
    r = execute_ok(
        kc,
        'time.AfterFunc(200*time.Millisecond, func() {\n\tfor i := 0; i < 3; i++ {\n'
        '\t\tfmt.Println("timer", i)\n\t\ttime.Sleep(30 * time.Millisecond)\n\t}\n})\nfmt.Println("armed")',
    )
    n = r.content["execution_count"]
    r = execute_ok(kc, 'time.Sleep(500 * time.Millisecond)\nfmt.Println("own")')
    lines = r.stdout.splitlines()
    assert lines == [f"[from cell {n}] timer {i}" for i in range(3)] + ["own"], r.describe()


# --------------------------------------------------------------------------
# input


def test_scanln_without_stdin_says_why_and_reads_eof(kernel):
    km, kc = kernel
    r = execute_ok(
        kc, 'var s string\nn, err := fmt.Scanln(&s)\nfmt.Println(n, err)\nn, err = fmt.Scanln(&s)\nfmt.Println(n, err)',
        allow_stdin=False,
    )
    assert r.stdout == "0 EOF\n0 EOF\n", r.describe()
    stderr = "".join(m["content"]["text"] for m in r.outputs if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr  # once per cell
    assert "allow_stdin is false" in lines[0] and "EOF" in lines[0], stderr


def test_interrupt_while_waiting_for_input_keeps_the_session_and_leaves_nothing(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    msg_id = kc.execute('var s string\nfmt.Scanln(&s)\nfmt.Println("got", s)', allow_stdin=True)
    req = kc.get_stdin_msg(timeout=30)
    assert req["msg_type"] == "input_request", req
    time.sleep(0.3)
    send_interrupt(kc)
    reply = shell_reply(kc, msg_id, timeout=30)
    collect_iopub(kc, msg_id)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "interrupted", reply["content"]
    assert "kept" in reply["content"]["evalue"], reply["content"]
    # nothing of the abandoned input shows in the next cells
    for _ in range(2):
        r = execute_ok(kc, "kept")
        assert r.result_text == "7" and not [m for m in r.outputs if m["msg_type"] == "stream" and m["content"]["name"] == "stderr"], r.describe()


def test_a_failed_cell_ends_before_the_cells_queued_behind_it_are_aborted(fresh_kernel):
    """Run All with an error in the first cell: its idle status comes
    before the aborted cells' busy, as in IPython."""
    km, kc = fresh_kernel
    ids = [kc.execute('time.Sleep(200 * time.Millisecond)\npanic("first fails")', allow_stdin=False)]
    ids += [kc.execute(f"fmt.Println({i})", allow_stdin=False) for i in range(2)]
    replies = {i: shell_reply(kc, i, timeout=30)["content"]["status"] for i in ids}
    assert [replies[i] for i in ids] == ["error", "aborted", "aborted"], replies
    states = []
    deadline = time.monotonic() + 10
    while len(states) < 6 and time.monotonic() < deadline:
        m, _ = wait_for_iopub(kc, lambda m: m["msg_type"] == "status", timeout=2)
        if m and m["parent_header"].get("msg_id") in ids:
            states.append((ids.index(m["parent_header"]["msg_id"]), m["content"]["execution_state"]))
    assert states == [(0, "busy"), (0, "idle"), (1, "busy"), (1, "idle"), (2, "busy"), (2, "idle")], states


def test_text_that_looks_like_the_kernels_sync_markers_is_only_text(fresh_kernel):
    """The kernel keeps output and events in order with markers on the
    output pipes; what a cell prints cannot pass for one."""
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    for code, want in [
        ('fmt.Print("X\\x1b]gocurrent-sync;")\nfmt.Println("Y")', "X\x1b]gocurrent-sync;Y\n"),
        ('fmt.Print("A\\x1b]gocurrent-sync;999999999\\aB\\n")\nfmt.Println("C")', "A\x1b]gocurrent-sync;999999999\aB\nC\n"),
    ]:
        r = execute_ok(kc, code, timeout=30)
        assert r.stdout == want, r.describe()
    session_kept(kc)


def test_display_from_a_goroutine_after_its_cell_is_shown_as_that_cells(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(
        kc,
        'go func() {\n\ttime.Sleep(300 * time.Millisecond)\n\tdisplay.HTML("<b>late html</b>")\n'
        '\ttime.Sleep(600 * time.Millisecond)\n\tdisplay.Markdown("*later*")\n}()',
    )
    # while no cell runs
    m, seen = wait_for_iopub(kc, lambda m: m["msg_type"] == "display_data", timeout=10)
    assert m is not None, [x["msg_type"] for x in seen]
    assert m["parent_header"].get("msg_id") == r.msg_id and "late html" in m["content"]["data"]["text/html"], m
    # while a later cell runs: still the earlier cell's, not the running one's
    others = []
    later = kc.execute("time.Sleep(800 * time.Millisecond)", allow_stdin=False)
    assert shell_reply(kc, later)["content"]["status"] == "ok"
    own = collect_iopub(kc, later, others=others)
    assert not [x for x in own if x["msg_type"] == "display_data" and not is_live(x)], own
    shown = [x for x in others if x["msg_type"] == "display_data"]
    assert len(shown) == 1, others
    m = shown[0]
    assert m["parent_header"].get("msg_id") == r.msg_id and "later" in m["content"]["data"]["text/markdown"], m


def test_waiting_for_a_signal_is_not_a_deadlock(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    msg_id = kc.execute(
        'sigc := make(chan os.Signal, 1)\nsignal.Notify(sigc, os.Interrupt)\nfmt.Println("waiting")\n<-sigc', allow_stdin=False
    )
    time.sleep(2.5)  # the deadlock report comes within about half a second
    send_interrupt(kc)
    reply = shell_reply(kc, msg_id, timeout=30)["content"]
    collect_iopub(kc, msg_id)
    assert reply["status"] == "error" and reply["ename"] == "interrupted", reply
    # once the channel is no longer notified, waiting on nothing is one
    r = execute(kc, "signal.Stop(sigc)\nch := make(chan int)\n<-ch", timeout=30)
    assert r.status == "error" and r.error["ename"] == "deadlock", r.describe()
    session_kept(kc)


def test_goexit_in_the_cells_own_flow_stops_the_cell(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    r = execute(kc, 'defer fmt.Println("deferred")\nfmt.Println("before")\nruntime.Goexit()\nfmt.Println("after")')
    assert r.status == "error" and r.error["ename"] == "goexit", r.describe()
    assert r.stdout == "before\ndeferred\n", r.describe()
    assert "main called runtime.Goexit" in r.error["evalue"], r.error
    # in a goroutine it is Go's: the goroutine ends, its deferred calls run
    r = execute_ok(
        kc,
        'var wg sync.WaitGroup\nwg.Add(1)\ngo func() {\n\tdefer wg.Done()\n\tdefer fmt.Println("g deferred")\n'
        '\truntime.Goexit()\n\tfmt.Println("g after")\n}()\nwg.Wait()\nfmt.Println("main after")',
    )
    assert r.stdout == "g deferred\nmain after\n", r.describe()
    session_kept(kc)


def test_log_fatal_is_named_with_its_exit_status(kernel):
    km, kc = kernel
    r = execute(kc, 'log.Fatal("boom")')
    assert r.status == "error" and r.error["ename"] == "exit", r.describe()
    assert "log.Fatal (exit status 1)" in r.error["evalue"], r.error


def test_panic_with_a_session_error_type_shows_its_error_method(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(
        kc,
        'kept := 7\ntype MyErr struct{ code int }\nfunc (e MyErr) Error() string { return fmt.Sprint("myerr code=", e.code) }\n'
        'type PErr struct{ code int; name string }\nfunc (e *PErr) Error() string { return fmt.Sprint("perr ", e.code) }\n'
        'type Plain struct{ n int }\ntype Twin struct{ n int }\nfunc (t Twin) String() string { return "twin" }',
    )
    for code, want in [
        ("panic(MyErr{42})", "myerr code=42"),
        ('panic(&PErr{43, "x"})', "perr 43"),
        ("var e error = MyErr{6}\npanic(e)", "myerr code=6"),
        ("var wg sync.WaitGroup\nwg.Add(1)\ngo func() {\n\tdefer wg.Done()\n\tpanic(MyErr{5})\n}()\nwg.Wait()", "myerr code=5"),
    ]:
        r = execute(kc, code)
        assert r.status == "error" and r.error["ename"] == "panic", r.describe()
        assert r.error["evalue"].startswith(want + " ("), r.error
    # types reflection cannot tell apart (Plain and Twin): no method's text
    # is put on a value that may not have it
    r = execute(kc, "panic(Plain{2})")
    assert "twin" not in r.error["evalue"], r.error
    session_kept(kc)


def test_deadlock_is_reported_after_an_interrupted_sleep(fresh_kernel):
    """The interrupted cell's goroutine sleeps on where the interpreter
    cannot stop it, but it will wake no one: a later deadlock is one."""
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    for sleep in ["time.Sleep(10 * time.Second)", "time.Sleep(1 << 62)"]:
        msg_id = kc.execute(sleep, allow_stdin=False)
        time.sleep(0.5)
        send_interrupt(kc)
        reply = shell_reply(kc, msg_id, timeout=30)["content"]
        collect_iopub(kc, msg_id)
        assert reply["ename"] == "interrupted", reply
        r = execute(kc, "ch := make(chan int)\n<-ch", timeout=20)
        assert r.status == "error" and r.error["ename"] == "deadlock", r.describe()
    session_kept(kc)


def test_panic_nil_is_named_as_go_names_it(kernel):
    km, kc = kernel
    for code in ["panic(nil)", "var e error\npanic(e)"]:
        r = execute(kc, code)
        assert r.status == "error" and r.error["evalue"].startswith("panic called with nil argument ("), r.describe()
