"""Native cells (%%native and whole programs) through jupyter_client."""

import os
import re
import time

import pytest

from conftest import start_kernel, stop_kernel
from helpers import collect_iopub, execute, execute_ok, shell_reply, strip_ansi


def error_text(r):
    return r.error["evalue"] + "\n" + strip_ansi("\n".join(r.error["traceback"]))


def test_native_cell_sees_session_declarations(kernel):
    km, kc = kernel
    execute_ok(kc, 'import "strings"\nconst times = 3\nfunc shout(s string) string {\n\treturn strings.ToUpper(s) + "!"\n}')
    r = execute_ok(kc, '%%native\nfor i := 0; i < times; i++ {\n\tfmt.Println(shout("go"), i)\n}', timeout=120)
    assert r.stdout == "GO! 0\nGO! 1\nGO! 2\n", r.describe()
    t = r.reply["metadata"]["timing"]
    assert t["engine"] == "native", t
    assert 0 < t["build_ns"] < t["wall_ns"], t
    line = r.timing_lines[0]
    assert re.search(r"wall .* \(build .*, run .*\) ·", line), line
    assert "· native" in line, line


def test_native_timing_counts_cores(kernel):
    km, kc = kernel
    code = (
        "%%native -gomaxprocs 2\nvar wg sync.WaitGroup\nfor g := 0; g < 2; g++ {\n\twg.Add(1)\n\tgo func() {\n"
        "\t\tdefer wg.Done()\n\t\tx := 0\n\t\tfor i := 0; i < 600_000_000; i++ {\n\t\t\tx += i % 7\n\t\t}\n"
        "\t\tif x == 1 {\n\t\t\tfmt.Println(x)\n\t\t}\n\t}()\n}\nwg.Wait()"
    )
    r = execute_ok(kc, code, timeout=120)
    t = r.reply["metadata"]["timing"]
    assert t["gomaxprocs"] == 2
    run = t["wall_ns"] - t["build_ns"]
    cores = (t["user_ns"] + t["sys_ns"]) / run
    print(f"native CPU-bound, 2 goroutines: run {run / 1e9:.2f} s, {cores:.2f} cores busy")
    # Both goroutines' CPU is counted (about 0.3 s each on this machine;
    # CPU time does not depend on how busy the machine is, wall time does).
    assert t["user_ns"] + t["sys_ns"] >= 0.3e9, t


def test_native_race_report_is_the_cells_error(kernel):
    km, kc = kernel
    code = (
        "%%native -race\ncounter := 0\nvar wg sync.WaitGroup\nfor i := 0; i < 2; i++ {\n\twg.Add(1)\n\tgo func() {\n"
        "\t\tdefer wg.Done()\n\t\tfor j := 0; j < 1000; j++ {\n\t\t\tcounter++\n\t\t}\n\t}()\n}\nwg.Wait()\nfmt.Println(\"done\")"
    )
    r = execute(kc, code, timeout=180)
    assert r.status == "error", r.describe()
    assert r.error["ename"] == "data race", r.error
    text = error_text(r)
    assert "first at cell line 9" in r.error["evalue"], r.error["evalue"]
    assert "WARNING: DATA RACE" in text and "cell line 9" in text and "created at" in text, text
    assert "+0x" not in text and "/usr/" not in text, text
    assert r.stdout == "done\n"
    assert "WARNING: DATA RACE" not in r.stderr, "the report is shown twice"
    assert r.reply["metadata"]["timing"]["engine"] == "native -race"


def test_native_errors_point_at_cell_lines(kernel):
    km, kc = kernel
    r = execute(kc, '%%native\nx := 1\ny := "a" + x\nfmt.Println(y)', timeout=120)
    assert r.status == "error"
    assert r.error["ename"] == "compile error", r.error
    assert "cell line 3:" in r.error["evalue"], r.error
    r = execute(kc, "%%native\nvar s []int\ni := 4\nfmt.Println(s[i])", timeout=120)
    assert r.error["ename"] == "panic", r.error
    assert "index out of range" in r.error["evalue"] and "cell line 4" in r.error["evalue"], r.error
    assert "cell line 4" in r.stderr, r.stderr
    # a variable of the interpreter session is not a declaration
    execute_ok(kc, "sessionValue := 42")
    r = execute(kc, "%%native\nfmt.Println(sessionValue)", timeout=120)
    assert r.status == "error"
    assert "interpreter session computed" in r.error["evalue"], r.error
    assert execute_ok(kc, "sessionValue").result_text == "42"


def test_whole_program_runs_natively(kernel):
    km, kc = kernel
    r = execute_ok(
        kc,
        'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n\tfmt.Println("args", len(os.Args))\n}',
        timeout=120,
    )
    assert r.stdout == "args 1\n", r.describe()
    assert r.reply["metadata"]["timing"]["engine"] == "native"
    r = execute_ok(kc, '%%native -- one two\nfmt.Println(os.Args[1:])', timeout=120)
    assert r.stdout == "[one two]\n", r.describe()


def test_interrupt_kills_native_program(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 7")
    msg_id = kc.execute("%%native\nfor {\n}", allow_stdin=False)
    time.sleep(8)  # build, then spin
    t0 = time.monotonic()
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=30)
    assert time.monotonic() - t0 < 5
    assert reply["content"]["ename"] == "interrupted", reply["content"]
    collect_iopub(kc, msg_id)
    assert execute_ok(kc, "kept").result_text == "7"


def test_without_toolchain_the_error_says_what_to_install(gocurrent_env):
    saved = os.environ.get("GOCURRENT_GO")
    os.environ["GOCURRENT_GO"] = "/nonexistent/bin/go"
    try:
        km, kc = start_kernel()
    finally:
        if saved is None:
            del os.environ["GOCURRENT_GO"]
        else:
            os.environ["GOCURRENT_GO"] = saved
    try:
        r = execute(kc, "%%native\nfmt.Println(1)")
        assert r.status == "error"
        assert "Go toolchain" in r.error["evalue"] and "install" in r.error["evalue"], r.error
        assert execute_ok(kc, "1 + 1").result_text == "2", "the interpreter keeps working"
    finally:
        stop_kernel(km, kc)
