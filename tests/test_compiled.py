"""Compiled sessions (kernelspec gocurrent-compiled) through jupyter_client:
cells built with the Go toolchain and loaded into one host process, so that
values, goroutines and types of earlier cells live on in later cells, with
Go's own output (%T names main.T, as go run does).
"""

import os
import threading
import time

import pytest

from conftest import COMPILED_KERNEL_NAME, need, start_kernel, stop_kernel
from helpers import Run, collect_iopub, execute, execute_ok, shell_reply, strip_ansi, strip_timing

pytestmark = pytest.mark.timeout(240)

BUILD_TIMEOUT = 180  # the first cell waits for the session's host to build


@pytest.fixture(scope="module")
def compiled(gocurrent_env):
    km, kc = start_kernel(kernel_name=COMPILED_KERNEL_NAME)
    try:
        yield km, kc
    finally:
        stop_kernel(km, kc)


def test_the_kernelspec_is_installed(gocurrent_env):
    import json

    path = os.path.join(gocurrent_env.jupyter_path, "kernels", "gocurrent-compiled", "kernel.json")
    with open(path) as f:
        spec = json.load(f)
    assert spec["display_name"] == "Go (gocurrent, compiled)"
    assert spec["argv"][1:] == ["kernel", "--compiled", "{connection_file}"]


def test_values_types_and_goroutines_live_across_cells(compiled):
    _, kc = compiled
    execute_ok(
        kc,
        """
type account struct {
	name    string
	balance int
	mu      sync.Mutex
}

func (a *account) deposit(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.balance += n
}

type shape interface{ area() float64 }

type rect struct{ w, h float64 }

func (r rect) area() float64 { return r.w * r.h }

type ctxKey struct{}
""",
        timeout=BUILD_TIMEOUT,
    )
    r = execute_ok(
        kc,
        """
acct := &account{name: "alice"}
var wg sync.WaitGroup
for range 1000 {
	wg.Add(1)
	go func() { defer wg.Done(); acct.deposit(1) }()
}
wg.Wait()
results := make(chan int)
go func() { for i := range 3 { results <- i * i } ; close(results) }()
ctx := context.WithValue(context.Background(), ctxKey{}, "kept")
var shapes []shape = []shape{rect{2, 3}, rect{1, 1}}
acct.balance""",
    )
    assert r.result_text == "1000", r.describe()
    r = execute_ok(
        kc,
        """
fmt.Printf("%T %+v\\n", shapes[0], shapes[0])
for v := range results {
	fmt.Print(v, " ")
}
fmt.Println()
fmt.Println(ctx.Value(ctxKey{}))
if r, ok := shapes[1].(rect); ok {
	fmt.Println("a rect", r.area())
}
total := 0.0
for _, s := range shapes {
	total += s.area()
}
total""",
    )
    assert r.stdout.splitlines() == ["main.rect {w:2 h:3}", "0 1 4 ", "kept", "a rect 1"], r.describe()
    assert r.result_text == "7", r.describe()
    assert r.timing_lines, r.describe()
    timing = r.content["metadata"]["timing"] if "timing" in r.content.get("metadata", {}) else r.reply["metadata"]["timing"]
    assert timing["engine"] == "compiled"
    assert timing["build_ns"] > 0


def test_errors_point_at_the_cell(compiled):
    _, kc = compiled
    r = execute(kc, "x := 1\ny := undefinedName + x")
    assert r.status == "error"
    assert r.error["ename"] == "compile error"
    assert "cell line 2:6" in r.error["evalue"] and "undefinedName" in r.error["evalue"], r.describe()

    r = execute(kc, "func half(n int) int {\n\treturn 10 / n\n}\nzero := 0\nhalf(zero)")
    assert r.error["ename"] == "panic"
    assert "integer divide by zero" in r.error["evalue"]
    tb = strip_ansi("\n".join(r.error["traceback"]))
    assert "cell[" in tb and ":2 in" in tb, tb
    # The session goes on.
    assert execute_ok(kc, "half(5)").result_text == "2"


def test_a_crash_is_told_and_the_session_goes_on(compiled):
    _, kc = compiled
    execute_ok(kc, "kept := 41\nfunc answer() int { return 42 }")
    r = execute(kc, 'go func() { panic("in a goroutine") }()\ntime.Sleep(time.Second)')
    assert r.status == "error"
    assert r.error["ename"] == "panic", r.describe()
    assert "in a goroutine" in r.error["evalue"]
    assert "values of its variables are lost" in r.error["evalue"] and "kept" in r.error["evalue"]
    r = execute_ok(kc, "answer()", timeout=BUILD_TIMEOUT)
    assert r.result_text == "42"


def interrupt_after(km, kc, code, delay=3.0):
    timer = threading.Timer(delay, km.interrupt_kernel)
    timer.start()
    try:
        t0 = time.monotonic()
        r = execute(kc, code, timeout=60)
    finally:
        timer.cancel()
    assert time.monotonic() - t0 < 30
    return r


def test_interrupt_of_a_waiting_cell_keeps_the_values(compiled):
    km, kc = compiled
    execute_ok(kc, "before := 20")
    r = interrupt_after(km, kc, "after := 1\nfmt.Println(\"waiting\")\ntime.Sleep(time.Hour)\nfmt.Println(\"never\")")
    assert r.status == "error"
    assert r.content["ename"] == "interrupted", r.describe()
    assert "keeps its values" in r.content["evalue"] and "sleep" in r.content["evalue"], r.describe()
    assert r.stdout == "waiting\n"
    assert execute_ok(kc, "before + after + 21").result_text == "42"


def test_interrupt_of_a_computing_cell_restarts_the_process(compiled):
    km, kc = compiled
    execute_ok(kc, "lost := 5")
    r = interrupt_after(km, kc, "for {\n}")
    assert r.status == "error"
    assert r.content["ename"] == "interrupted", r.describe()
    assert "values of its variables are lost" in r.content["evalue"] and "lost" in r.content["evalue"], r.describe()
    assert execute_ok(kc, "lost + 1", timeout=BUILD_TIMEOUT).result_text == "1"


def test_a_deadlock_is_reported_and_the_session_goes_on(compiled):
    _, kc = compiled
    r = execute(kc, "stuck := 3\nvar wg sync.WaitGroup\nwg.Add(1)\nwg.Wait()", timeout=60)
    assert r.status == "error"
    assert r.error["ename"] == "deadlock", r.describe()
    assert "sync.WaitGroup.Wait at cell[" in strip_ansi("\n".join(r.error["traceback"])), r.describe()
    assert execute_ok(kc, "stuck * 2").result_text == "6"


def test_display_and_rich_values(compiled):
    _, kc = compiled
    r = execute_ok(
        kc,
        """
type badge string

func (b badge) HTML() string { return "<b>" + string(b) + "</b>" }

fmt.Println("before")
display.HTML("<i>shown</i>")
fmt.Println("after")
badge("ok")""",
    )
    kinds = [
        (m["msg_type"], strip_timing(m["content"]["text"]) if m["msg_type"] == "stream" else m["content"].get("data", {}).get("text/html"))
        for m in r.outputs
        if m["msg_type"] in ("stream", "display_data", "execute_result")
    ]
    kinds = [k for k in kinds if not (k[0] == "stream" and k[1] == "")]
    assert kinds == [
        ("stream", "before\n"),
        ("display_data", "<i>shown</i>"),
        ("stream", "after\n"),
        ("execute_result", "<b>ok</b>"),
    ], r.describe()


def test_input_from_the_frontend(compiled):
    _, kc = compiled
    msg_id = kc.execute(
        'var who string\nfmt.Print("name? ")\nfmt.Scanln(&who)\nsc := bufio.NewScanner(os.Stdin)\nsc.Scan()\n'
        'fmt.Println("hello", who, sc.Text())',
        allow_stdin=True,
    )
    for line in ("gopher", "again"):
        req = kc.get_stdin_msg(timeout=BUILD_TIMEOUT)
        assert req["msg_type"] == "input_request", req
        assert req["parent_header"]["msg_id"] == msg_id
        kc.input(line)
    reply = shell_reply(kc, msg_id, timeout=60)
    run = Run(msg_id, reply, collect_iopub(kc, msg_id))
    assert run.status == "ok", run.describe()
    assert run.stdout == "name? hello gopher again\n", run.describe()

    # Without stdin, the cell's input ends at once, as under go run </dev/null.
    r = execute(kc, 'var s2 string\n_, err := fmt.Scanln(&s2)\nerr', allow_stdin=False, timeout=60)
    assert r.status == "ok" and r.result_text in ("EOF", "unexpected newline"), r.describe()


def test_measuring_magics_time_the_compiled_code(compiled):
    _, kc = compiled
    execute_ok(kc, "func work(n int) int { x := 0; for i := range n { x = x*31 + i }; return x }\nvar total int")
    r = execute_ok(kc, '%%timeit -n 10 -r 3\nvar calls int\nfmt.Println("shown once")\ncalls++\ntotal += work(1000)')
    assert r.user_stdout.count("shown once") == 1, r.describe()
    t = r.reply["metadata"]["timeit"]
    assert t["loops"] == 10 and t["runs"] == 3 and t["engine"] == "compiled", t
    # A compiled loop of 1000 steps takes microseconds (the interpreter's
    # takes about a millisecond).
    assert t["mean_ns"] < 500_000, t
    # The declarations stay in the session; the statements ran 1 + 10*3 times.
    assert execute_ok(kc, "calls").result_text == "31"
    r = execute_ok(kc, "%%compare -r 2\n// --- once\ntotal += work(10)\n// --- twice\ntotal += work(10)\ntotal += work(10)")
    table = " ".join(m["content"]["data"].get("text/plain", "") for m in r.of_type("display_data", "execute_result"))
    assert "once" in table and "twice" in table, r.describe()


def test_timeit_keeps_the_work_of_a_dropped_result_and_stops_when_interrupted(compiled):
    """The statements run inside testing.B's b.Loop, so a call whose result
    the cell drops still does its work (100,000 steps cannot take under
    10 µs); an interrupted measurement of waiting statements ends, and the
    next measurement runs."""
    km, kc = compiled
    execute_ok(kc, "func spin(n int) int { s := 0; for j := 0; j < n; j++ { s += j % 7 }; return s }")
    t = execute_ok(kc, "%%timeit -r 3\nspin(100_000)").reply["metadata"]["timeit"]
    assert t["best_ns"] > 10_000 and t["warnings"] == [], t
    r = interrupt_after(km, kc, "%%timeit -n 100 -r 3\ntime.Sleep(50 * time.Millisecond)", delay=2.0)
    assert r.status == "error" and r.content["ename"] == "interrupted", r.describe()
    t0 = time.monotonic()
    t = execute_ok(kc, "%%timeit -n 5 -r 2\nspin(1000)", timeout=60).reply["metadata"]["timeit"]
    assert t["loops"] == 5 and t["runs"] == 2, t
    assert time.monotonic() - t0 < 20, "the next measurement waited for the interrupted one"


def test_completion_and_inspection(compiled):
    _, kc = compiled
    execute_ok(
        kc,
        "type gauge struct {\n\tlevel int\n\tmu    sync.Mutex\n}\n\n"
        "func (g *gauge) raise(n int) { g.level += n }\n\nmeter := &gauge{}",
        timeout=BUILD_TIMEOUT,
    )

    def complete(code):
        msg_id = kc.complete(code, len(code))
        return shell_reply(kc, msg_id)["content"]

    c = complete("met")
    assert "meter" in c["matches"], c
    c = complete("meter.")
    assert set(c["matches"]) == {"level", "mu", "raise"}, c
    c = complete("strings.Rep")
    assert "Repeat" in c["matches"] and "ReplaceAll" in c["matches"], c
    assert c["cursor_start"] == len("strings."), c

    def inspect(code):
        msg_id = kc.inspect(code, len(code))
        return shell_reply(kc, msg_id)["content"]

    i = inspect("gauge")
    assert i["found"] and "level int" in i["data"]["text/plain"] and "cell" in i["data"]["text/plain"], i
    i = inspect("strings.Repeat")
    assert i["found"] and "func Repeat(s string, count int) string" in i["data"]["text/plain"], i
    i = inspect("meter.level")
    assert i["found"] and "int" in i["data"]["text/plain"], i


def test_goroutines_and_status(compiled):
    _, kc = compiled
    execute_ok(kc, "park := make(chan int)\nfunc waiter() { <-park }\ngo waiter()", timeout=BUILD_TIMEOUT)
    r = execute_ok(kc, "%goroutines")
    assert "runs waiter (cell " in r.stdout and "chan receive at cell[" in r.stdout, r.describe()
    r = execute_ok(kc, "%status")
    assert "worker pid" in r.stdout and "worker RSS" in r.stdout, r.describe()
    execute_ok(kc, "close(park)")


def test_methods_in_a_later_cell_than_their_type(compiled):
    """A method declared after its type (and after variables and functions
    that use it) declares the type again in its cell: the values of the
    variables are kept, and later cells see every method."""
    _, kc = compiled
    execute_ok(kc, "type item struct{ n int }")
    execute_ok(kc, "var items []item\nfunc add(n int) { items = append(items, item{n}) }")
    execute_ok(kc, "add(1)\nfirst := item{7}")
    r = execute_ok(kc, 'func (i item) String() string { return fmt.Sprint("#", i.n) }')
    assert r.stderr == "", r.describe()
    r = execute_ok(kc, 'add(2)\nfmt.Println(items, first)\nfmt.Printf("%T %v\\n", first, len(items))')
    assert r.stdout == "[#1 #2] #7\nmain.item 2\n", r.describe()
    execute_ok(kc, "func (i *item) bump() { i.n += 10 }")
    r = execute_ok(kc, "first.bump()\nitems[0].bump()\nfmt.Println(first, items)")
    assert r.stdout == "#17 [#11 #2]\n", r.describe()


def test_a_method_in_a_later_cell_keeps_one_variable_for_running_goroutines(compiled):
    """A goroutine of an earlier cell that updates a variable goes on
    updating the one variable later cells see, after a method declared in a
    later cell has declared the variable's type again."""
    _, kc = compiled
    execute_ok(kc, "type meter struct{ mu sync.Mutex; n int }\nvar m meter")
    execute_ok(kc, "stop, done := make(chan bool), make(chan bool)\n"
               "go func() {\n\tfor {\n\t\tselect {\n\t\tcase <-stop:\n\t\t\tclose(done)\n\t\t\treturn\n"
               "\t\tdefault:\n\t\t\tm.mu.Lock()\n\t\t\tm.n++\n\t\t\tm.mu.Unlock()\n\t\t\ttime.Sleep(time.Millisecond)\n\t\t}\n\t}\n}()")
    execute_ok(kc, "func (m *meter) read() int { m.mu.Lock(); defer m.mu.Unlock(); return m.n }")
    r = execute_ok(kc, "a := m.read()\ntime.Sleep(100 * time.Millisecond)\nb := m.read()\n"
                   "stop <- true\n<-done\nfmt.Println(b > a, m.read() == m.n)")
    assert r.stdout == "true true\n", r.describe()


def test_unexported_methods_across_cells(compiled):
    """An interface with unexported methods declared in one cell is
    satisfied by types of later cells, and unexported methods of earlier
    cells' types are values too."""
    _, kc = compiled
    execute_ok(kc, "type shaper interface{ area() int }")
    execute_ok(kc, "type sq struct{ s int }\nfunc (q sq) area() int { return q.s * q.s }")
    execute_ok(kc, "func total(shapes ...shaper) (t int) {\n\tfor _, s := range shapes {\n\t\tt += s.area()\n\t}\n\treturn\n}")
    r = execute_ok(kc, "f := sq{3}.area\ng := sq.area\nvar s shaper = sq{2}\n_, ok := s.(interface{ area() int })\nfmt.Println(total(sq{1}, s), f(), g(sq{4}), ok)")
    assert r.stdout == "5 9 16 true\n", r.describe()
    r = execute(kc, "func (q sq) boom() { panic(\"boom\") }\nsq{}.boom()")
    tb = strip_ansi("\n".join(r.error["traceback"]))
    assert ".sq.boom\n" in tb and "Gocurrent_" not in tb, tb


def test_a_var_after_statements_takes_its_value_there(compiled):
    """var s T = v after statements is set where it is written (as in a
    function body), not before the cell's statements run."""
    _, kc = compiled
    r = execute_ok(kc, 'parts := []string{}\nfor i := range 3 {\n\tparts = append(parts, fmt.Sprint(i))\n}\nvar joined string = strings.Join(parts, "+")\nvar n, m = len(parts), len(joined)\nfmt.Println(joined, n, m)')
    assert r.stdout == "0+1+2 3 5\n", r.describe()
    assert execute_ok(kc, "joined").result_text == '"0+1+2"'


def test_a_session_under_the_race_detector(gocurrent_env):
    km, kc = start_kernel(kernel_name=COMPILED_KERNEL_NAME)
    try:
        execute_ok(kc, "before := 1", timeout=BUILD_TIMEOUT)
        r = execute_ok(kc, "%race on", timeout=BUILD_TIMEOUT)
        assert "under the race detector" in r.stdout and "before" in r.stdout, r.describe()
        racy = "counter := 0\nvar wg sync.WaitGroup\nfor range 4 {\n\twg.Add(1)\n\tgo func() { defer wg.Done(); for range 1000 { counter++ } }()\n}\nwg.Wait()"
        r = execute_ok(kc, racy, timeout=BUILD_TIMEOUT)
        assert "WARNING: DATA RACE" in r.stderr and "cell[" in r.stderr, r.describe()
        assert r.reply["metadata"]["timing"]["engine"] == "compiled, race detector", r.describe()
        r = execute_ok(kc, "var mu sync.Mutex\nsafe := 0\nfor range 4 {\n\twg.Add(1)\n\tgo func() { defer wg.Done(); for range 1000 { mu.Lock(); safe++; mu.Unlock() } }()\n}\nwg.Wait()\nsafe")
        assert "DATA RACE" not in r.stderr and r.result_text == "4000", r.describe()
        assert execute_ok(kc, "%race").stdout == "The race detector is on (%race on|off).\n"
        r = execute_ok(kc, "%race off")
        assert "without the race detector" in r.stdout, r.describe()
        r = execute(kc, "before")
        assert r.status == "error" and "undefined: before" in r.error["evalue"], r.describe()
    finally:
        stop_kernel(km, kc)


def test_the_interpreter_points_at_the_compiled_kernel_for_race(gocurrent_env):
    km, kc = start_kernel()
    try:
        r = execute(kc, "%race on")
        assert r.status == "error", r.describe()
        assert "%%native -race" in r.error["evalue"] and "Go (gocurrent, compiled)" in r.error["evalue"], r.describe()
    finally:
        stop_kernel(km, kc)


def procs_children(psutil, km):
    """The live child processes of procs.Map under the kernel (host
    binaries started with the hidden command __procs)."""
    from helpers import kernel_pid

    out = []
    for p in psutil.Process(kernel_pid(km)).children(recursive=True):
        try:
            if "__procs" in p.cmdline() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def test_procs_map_in_a_compiled_session(compiled):
    _, kc = compiled
    decls = execute_ok(
        kc,
        """
var total = 10

func square(x int) int { return x * x }

func half(x int) (int, error) {
	if x%2 == 1 {
		return 0, fmt.Errorf("%d is odd", x)
	}
	return x / 2, nil
}

func greet(name string) {
	fmt.Println("hello", name)
	display.Text("shown by " + name)
	fmt.Fprintln(os.Stderr, "bye", name)
}

func add(x int) int { total += x; return total }

func risky(x int) int {
	if x == 3 {
		panic("no threes")
	}
	if x == 4 {
		os.Exit(3)
	}
	return x
}""",
        timeout=BUILD_TIMEOUT,
    )
    r = execute_ok(
        kc,
        "total = 500\n"
        "squares, err := procs.Map(2, square, []int{1, 2, 3, 4})\n"
        "only := procs.Map(0, square, []int{5, 6})\n"
        'fmt.Printf("%T %v %v %d\\n", squares, squares, err, squares[3]+only[1])\n'
        "halves, err := procs.Map(2, half, []int{2, 3, 4})\n"
        "fmt.Println(halves, err)\n"
        "var pe *procs.Error\n"
        "fmt.Println(errors.As(err, &pe), pe.Failures[0].Index, pe.Failures[0].Kind)\n"
        "sums := procs.Map(1, add, []int{1, 2})\n"
        "fmt.Println(sums, total)",
    )
    assert r.user_stdout == (
        "[]int [1 4 9 16] <nil> 52\n"
        "[1 0 2] procs.Map: 1 of 3 inputs failed: inputs[1] = 3: 3 is odd\n"
        "true 1 error\n"
        # One child took both inputs, from the declared total, not the notebook's.
        "[11 13] 500\n"
    ), r.describe()

    r = execute_ok(kc, 'done, err := procs.Map(1, greet, []string{"ann", "bob"})\nfmt.Println(len(done), err)')
    kinds = [
        (
            m["msg_type"],
            m["content"].get("name"),
            strip_timing(m["content"]["text"]) if m["msg_type"] == "stream" else m["content"].get("data", {}).get("text/plain"),
        )
        for m in r.outputs
        if m["msg_type"] in ("stream", "display_data")
    ]
    kinds = [k for k in kinds if not (k[0] == "stream" and k[2] == "")]
    text = "".join(k[2] for k in kinds if k[0] == "stream" and k[1] == "stdout")
    assert text == "hello ann\nhello bob\n2 <nil>\n", r.describe()
    assert "bye ann\nbye bob\n" == "".join(k[2] for k in kinds if k[1] == "stderr"), r.describe()
    shown = [k[2] for k in kinds if k[0] == "display_data"]
    assert shown == ["shown by ann", "shown by bob"], r.describe()

    r = execute_ok(kc, "out, err := procs.Map(2, risky, []int{1, 2, 3, 4, 5})\nfmt.Println(out)\nfmt.Println(err)")
    assert r.user_stdout == (
        "[1 2 0 0 5]\nprocs.Map: 2 of 5 inputs failed:\n"
        "  inputs[2] = 3: panic: no threes (in risky at cell %d, line 23)\n"
        "  inputs[3] = 4: the process ended with exit status 3\n" % decls.content["execution_count"]
    ), r.describe()

    r = execute(kc, "one := procs.Map(2, risky, []int{3})")
    assert r.status == "error" and r.error["ename"] == "panic", r.describe()
    assert r.error["evalue"].startswith("procs.Map: 1 of 1 inputs failed: inputs[0] = 3: panic: no threes"), r.describe()


def test_procs_map_refuses_a_function_literal(compiled):
    _, kc = compiled
    r = execute(kc, "doubled, err := procs.Map(2, func(x int) int { return 2 * x }, []int{1, 2})")
    assert r.status == "error" and r.error["ename"] == "compile error", r.describe()
    assert r.error["evalue"].startswith(
        "cell line 1:30: procs.Map: the function must be one declared in the session (func name(x In) Out)"
    ), r.describe()


def test_interrupt_of_procs_map_kills_its_children(compiled):
    psutil = need("psutil", "python3-psutil")
    km, kc = compiled
    execute_ok(kc, "func nap(x int) int { time.Sleep(time.Hour); return x }\nkeep := 6", timeout=BUILD_TIMEOUT)
    msg_id = kc.execute("naps, err := procs.Map(2, nap, []int{1, 2, 3, 4})")
    deadline = time.monotonic() + 60
    while len(procs_children(psutil, km)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(procs_children(psutil, km)) == 2
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=60)
    r = Run(msg_id, reply, collect_iopub(kc, msg_id))
    assert r.status == "error" and r.content["ename"] == "interrupted", r.describe()
    deadline = time.monotonic() + 10
    while procs_children(psutil, km) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert procs_children(psutil, km) == []
    assert execute_ok(kc, "keep * 7").result_text == "42"


def test_a_long_cell_shows_a_live_status_with_its_goroutines(compiled):
    from test_live import check_live_protocol

    _, kc = compiled
    run = execute_ok(
        kc,
        'import ("sync"; "time")\nvar wg sync.WaitGroup\nfor i := 0; i < 2; i++ { wg.Go(func() { time.Sleep(1200 * time.Millisecond) }) }\nwg.Wait()',
        timeout=300,
    )
    check_live_protocol(run)
    numbers = [m["content"]["metadata"]["gocurrent"]["live"] for m in run.live[:-1]]
    assert 3 in [n["goroutines"] for n in numbers], numbers
