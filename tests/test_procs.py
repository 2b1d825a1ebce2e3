"""procs.Map, the process pool of cells, through jupyter_client: results in
order, separate memory, failures reported with their inputs while the other
inputs finish, struct types crossing both ways, interrupt, and the timing
line counting the children's CPU time."""

import os
import re
import time

import pytest

from conftest import need
from helpers import collect_iopub, execute, execute_ok, kernel_pid, shell_reply, strip_ansi

PROCS = "__procs"  # the hidden command of the children (interp.ProcsCommand)


def procs_children(psutil, km):
    """The live child processes of procs.Map under the kernel. A child
    starting a program of its own (the type checker's go list) shows as a
    second __procs process between its fork and its exec: those are not
    counted."""
    root = psutil.Process(kernel_pid(km))
    out = []
    for p in root.children(recursive=True):
        try:
            if PROCS in p.cmdline() and p.status() != psutil.STATUS_ZOMBIE and PROCS not in p.parent().cmdline():
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def no_zombies(psutil, km):
    root = psutil.Process(kernel_pid(km))
    return [p for p in root.children(recursive=True) if p.status() == psutil.STATUS_ZOMBIE]


def machine_busy_seconds():
    """CPU seconds all processes of the machine used so far (/proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def test_results_in_input_order_and_typed(kernel):
    km, kc = kernel
    execute_ok(
        kc,
        "func square(x int) int {\n"
        "\ttime.Sleep(time.Duration(10-x) * 10 * time.Millisecond) // later inputs finish first\n"
        "\treturn x * x\n}\nnums := []int{1, 2, 3, 4, 5, 6, 7, 8, 9}",
    )
    r = execute_ok(kc, 'squares, err := procs.Map(4, square, nums)\nfmt.Printf("%T %v %v\\n", squares, squares, err)')
    assert r.user_stdout == "[]int [1 4 9 16 25 36 49 64 81] <nil>\n", r.describe()
    r = execute_ok(kc, "procs.Map(2, square, []int{3, 4})")
    assert r.result_text == "[9 16] <nil>", r.describe()
    r = execute_ok(kc, "only := procs.Map(2, square, []int{5})\nonly[0] + 1")
    assert r.result_text == "26", r.describe()


def test_globals_changed_in_a_child_are_unchanged_in_the_notebook(kernel):
    km, kc = kernel
    execute_ok(
        kc,
        "var counter = 100\nvar seen []int\n"
        "func bump(x int) int {\n\tcounter += x\n\tseen = append(seen, x)\n\treturn counter\n}",
    )
    r = execute_ok(kc, 'res := procs.Map(1, bump, []int{1, 2, 3})\nfmt.Println(res, counter, seen, os.Getpid())')
    res, counter, seen, pid = re.fullmatch(r"\[(.*)\] (\d+) \[(.*)\] (\d+)\n", r.user_stdout).groups()
    # One child took all three inputs, one after the other, in its own memory.
    assert res == "101 103 106", r.user_stdout
    assert counter == "100" and seen == "", r.user_stdout
    r = execute_ok(kc, "func where(x int) int { return os.Getpid() }\nprocs.Map(2, where, []int{1, 2, 3, 4})")
    pids = set(re.fullmatch(r"\[(.*)\] <nil>", r.result_text).group(1).split())
    assert pid not in pids and 1 <= len(pids) <= 2, (pid, pids)


def test_a_panicking_input_is_reported_with_its_input_while_the_others_finish(kernel):
    km, kc = kernel
    execute_ok(
        kc,
        "func risky(x int) int {\n"
        "\tif x == 3 {\n"
        '\t\tpanic(fmt.Sprintf("no threes: %d", x))\n'
        "\t}\n"
        "\ttime.Sleep(50 * time.Millisecond)\n"
        "\treturn x * 10\n}",
    )
    r = execute_ok(
        kc,
        "res, err := procs.Map(2, risky, []int{1, 2, 3, 4, 5})\nfmt.Println(res)\nfmt.Println(err)\n"
        "var f *procs.Failure\nerrors.As(err, &f)\nfmt.Println(f.Index, f.Input, f.Kind)",
    )
    lines = r.user_stdout.splitlines()
    assert lines[0] == "[10 20 0 40 50]", r.describe()
    assert lines[1] == "procs.Map: 1 of 5 inputs failed: inputs[2] = 3: panic: no threes: 3 (in risky, which starts at cell %d, line 1)" % (
        r.content["execution_count"] - 1
    ), r.describe()
    assert lines[2] == "2 3 panic", r.describe()
    # (The interpreter places a panic inside an if at the if.)
    # With one variable, Map panics once all inputs are done.
    r = execute(kc, "res := procs.Map(2, risky, []int{1, 3})")
    assert r.status == "error", r.describe()
    assert r.error["ename"] == "panic", r.error
    assert "inputs[1] = 3: panic: no threes: 3" in r.error["evalue"], r.error
    assert "cell line 1" in strip_ansi("\n".join(r.error["traceback"])), r.error


def test_an_os_exit_child_is_reported_and_replaced(kernel):
    km, kc = kernel
    psutil = need("psutil", "python3-psutil")
    execute_ok(kc, "func quitter(x int) int {\n\tif x%2 == 0 {\n\t\tos.Exit(3)\n\t}\n\treturn x\n}")
    r = execute_ok(kc, "res, err := procs.Map(2, quitter, []int{1, 2, 3, 4, 5})\nfmt.Println(res)\nfmt.Println(err)")
    assert r.user_stdout == (
        "[1 0 3 0 5]\n"
        "procs.Map: 2 of 5 inputs failed:\n"
        "  inputs[1] = 2: os.Exit(3) was called: the process ended\n"
        "  inputs[3] = 4: os.Exit(3) was called: the process ended\n"
    ), r.describe()
    assert execute_ok(kc, "1 + 1").result_text == "2"
    assert procs_children(psutil, km) == []
    assert no_zombies(psutil, km) == []


def test_a_fatal_error_in_a_child_keeps_the_worker(kernel):
    km, kc = kernel
    execute_ok(kc, "kept := 11")
    execute_ok(
        kc,
        "func racy(x int) int {\n\tif x == 1 {\n\t\tm := map[int]int{}\n\t\tfor i := 0; i < 4; i++ {\n"
        "\t\t\tgo func() {\n\t\t\t\tfor j := 0; ; j++ {\n\t\t\t\t\tm[j] = j\n\t\t\t\t}\n\t\t\t}()\n\t\t}\n"
        "\t\ttime.Sleep(5 * time.Second)\n\t}\n\treturn x\n}",
    )
    r = execute_ok(kc, "procs.Map(2, racy, []int{0, 1, 2})", timeout=60)
    assert r.result_text.startswith(
        "[0 0 2] procs.Map: 1 of 3 inputs failed: inputs[1] = 1: fatal error: concurrent map writes"
    ), r.describe()
    assert execute_ok(kc, "kept").result_text == "11"


def test_a_struct_type_of_the_session_crosses_both_ways(kernel):
    km, kc = kernel
    execute_ok(
        kc,
        "type Order struct {\n\tID    int\n\tItems []string\n\tPrice float64\n}\n"
        "type Invoice struct {\n\tOrder Order\n\tTotal float64\n\tLines map[string]int\n}\n"
        "func bill(o Order) Invoice {\n\tlines := map[string]int{}\n\tfor _, it := range o.Items {\n\t\tlines[it]++\n\t}\n"
        "\treturn Invoice{Order: o, Total: o.Price * float64(len(o.Items)), Lines: lines}\n}",
    )
    r = execute_ok(
        kc,
        'inv := procs.Map(2, bill, []Order{{ID: 1, Items: []string{"a", "b", "a"}, Price: 2.5}, {ID: 2, Price: 9}})\n'
        'for _, v := range inv {\n\tfmt.Printf("%d %v %g %v\\n", v.Order.ID, v.Order.Items, v.Total, v.Lines)\n}',
    )
    assert r.user_stdout == "1 [a b a] 7.5 map[a:2 b:1]\n2 [] 0 map[]\n", r.describe()


@pytest.mark.timeout(120)
def test_interrupt_during_a_long_map_kills_the_children_and_keeps_the_session(fresh_kernel):
    psutil = need("psutil", "python3-psutil")
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 42\nfunc forever(x int) int {\n\tfor {\n\t\tx++\n\t}\n}")
    msg_id = kc.execute("procs.Map(3, forever, []int{1, 2, 3, 4, 5, 6})", allow_stdin=False)
    deadline = time.monotonic() + 20
    while len(procs_children(psutil, km)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    kids = procs_children(psutil, km)
    assert len(kids) == 3, kids
    time.sleep(0.5)  # they are busy
    assert all(k.cpu_times().user > 0 for k in kids)
    t0 = time.monotonic()
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=20)
    collect_iopub(kc, msg_id)
    assert time.monotonic() - t0 < 3, "the interrupt took too long"
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "interrupted", reply["content"]
    assert "restarted" not in reply["content"]["evalue"], reply["content"]
    gone, alive = psutil.wait_procs(kids, timeout=5)
    assert alive == [], alive
    assert procs_children(psutil, km) == []
    assert no_zombies(psutil, km) == []
    assert execute_ok(kc, "kept").result_text == "42"
    # The pool works again after the interrupt.
    execute_ok(kc, "func twice(x int) int { return 2 * x }")
    assert execute_ok(kc, "procs.Map(2, twice, []int{1, 2})").result_text == "[2 4] <nil>"


@pytest.mark.timeout(180)
def test_timing_counts_the_childrens_cpu(kernel):
    km, kc = kernel
    execute_ok(kc, "func burn(n int) int {\n\ts := 0\n\tfor i := 0; i < n; i++ {\n\t\ts += i % 7\n\t}\n\treturn s\n}")
    # About 1.5 s of CPU per input in the interpreter.
    r = execute_ok(kc, "burn(300000)")
    t = r.reply["metadata"]["timing"]
    cpu = (t["user_ns"] + t["sys_ns"]) / 1e9
    n = int(300000 * 1.5 / max(cpu, 0.001))
    busy0 = machine_busy_seconds()
    r = execute_ok(kc, f"procs.Map(2, burn, []int{{{n}, {n}}})", timeout=120)
    machine = (machine_busy_seconds() - busy0) / (r.reply["metadata"]["timing"]["wall_ns"] / 1e9)
    t = r.reply["metadata"]["timing"]
    cpu_map = (t["user_ns"] + t["sys_ns"]) / 1e9
    cores = cpu_map / (t["wall_ns"] / 1e9)
    print(
        f"procs.Map(2, burn, 2 inputs of ~1.5 s CPU): wall {t['wall_ns'] / 1e9:.2f} s, CPU {cpu_map:.2f} s, "
        f"{cores:.2f} cores busy (the machine: {machine:.2f} of {os.cpu_count()})"
    )
    # The children's CPU time is the cell's: two inputs' worth, about 3 s
    # (calibrated; the worker alone uses little).
    assert cpu_map > 1.5, (t, cpu)
    # About 2 cores busy, unless other programs took the cores (the tests
    # may share the machine): then the machine was saturated, and how much
    # of it the children got says nothing of the kernel (their CPU time,
    # checked above, is what the kernel counts).
    assert cores > 1.5 or machine > os.cpu_count() - 0.3, (cores, machine, t)
    assert t["goroutines_started"] == 0, t  # processes, not goroutines
    line = r.timing_lines[0]
    shown = float(re.search(r"([0-9.]+) cores busy", line).group(1))
    assert abs(shown - cores) < 0.05, (line, cores)


def test_what_cannot_cross_is_said(kernel):
    km, kc = kernel
    execute_ok(kc, "func one(x int) int { return x }\nfunc toFunc(x int) func() { return func() {} }")
    r = execute(kc, "procs.Map(2, func(x int) int { return x }, []int{1})")
    assert r.status == "error" and "a function literal, a variable or a method cannot be sent" in r.error["evalue"], r.describe()
    r = execute_ok(kc, "procs.Map(2, toFunc, []int{1})")
    assert "the result cannot cross back as JSON: json: unsupported type: func()" in r.result_text, r.describe()
    r = execute_ok(kc, "step := 2\nfunc usesStep(x int) int { return x * step }\n_, err := procs.Map(2, usesStep, []int{1})\nerr")
    assert "usesStep uses step, set by a statement (step := ...)" in r.result_text, r.describe()


def test_help_describes_procs(kernel):
    km, kc = kernel
    r = execute_ok(kc, "%help")
    assert "procs.Map(workers, fn, inputs)" in r.stdout, r.stdout


def test_two_maps_of_one_function_in_one_statement(kernel):
    """Two calls of procs.Map with the same function inside one loop body
    (one evaluation) share one helper."""
    km, kc = kernel
    execute_ok(kc, "func twice(x int) int { return 2 * x }")
    r = execute_ok(
        kc,
        "for i := 1; i <= 2; i++ {\n"
        "\ta := procs.Map(1, twice, []int{i})\n"
        "\tb, err := procs.Map(2, twice, []int{i, i + 1})\n"
        "\tfmt.Println(a, b, err)\n"
        "}",
        timeout=120,
    )
    assert r.user_stdout == "[2] [2 4] <nil>\n[4] [4 6] <nil>\n", r.describe()
