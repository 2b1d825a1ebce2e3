"""Variables of standard packages in interpreted cells, through
jupyter_client: assigned with every assignment operator and read back with
their current value (runtime.MemProfileRate = 0 was a compile error, and
functions compiled before a change read the old value)."""

import os
import subprocess
import tempfile

import pytest

from conftest import need_program
from helpers import execute_ok


def test_assign_and_read_back(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(kc, "runtime.MemProfileRate = 0\nfmt.Println(runtime.MemProfileRate)")
    assert r.user_stdout == "0\n", r.describe()
    r = execute_ok(kc, "runtime.MemProfileRate += 4\nruntime.MemProfileRate = runtime.MemProfileRate * 2\nruntime.MemProfileRate++\nruntime.MemProfileRate")
    assert r.result_text == "9", r.describe()
    execute_ok(kc, "func rateNow() int { return runtime.MemProfileRate + 0 }\nfunc setRate(n int) { runtime.MemProfileRate = n }")
    r = execute_ok(kc, "setRate(512)\nfmt.Println(rateNow(), runtime.MemProfileRate)")
    assert r.user_stdout == "512 512\n", r.describe()
    # In a function's body, as in a program's main.
    r = execute_ok(kc, "func zeroRate() {\n\truntime.MemProfileRate = 0\n\tfmt.Println(runtime.MemProfileRate + 1)\n}\nzeroRate()")
    assert r.user_stdout == "1\n", r.describe()


def select2():
    """Go's test/chan/select2.go, which sets runtime.MemProfileRate in main,
    and what go run prints for it."""
    go = need_program("go", "golang-go (or a Go toolchain on PATH)")
    goroot = subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True, timeout=60).stdout.strip()
    path = os.path.join(goroot, "test", "chan", "select2.go")
    if not os.path.exists(path):
        pytest.fail(f"the Go distribution has no {path}", pytrace=False)
    with open(path) as f:
        src = f.read()
    want = subprocess.run([go, "run", path], capture_output=True, text=True, timeout=120, cwd=tempfile.gettempdir())
    assert want.returncode == 0, want.stderr
    return src, want


@pytest.mark.timeout(180)
def test_go_select2_as_cells(fresh_kernel):
    """select2.go in the interpreter: its declarations (without the package
    clause) in one cell, main's body as top-level statements in the next."""
    km, kc = fresh_kernel
    src, want = select2()
    lines = src.split("\n")
    start = lines.index("func main() {")
    end = lines.index("}", start)
    decls = "\n".join(l for l in lines[:start] + lines[end + 1 :] if l != "package main")
    body = "\n".join(l[1:] if l.startswith("\t") else l for l in lines[start + 1 : end])
    r1 = execute_ok(kc, decls, timeout=60)
    r2 = execute_ok(kc, body, timeout=120)
    assert r1.user_stdout + r2.user_stdout == want.stdout, r2.describe()
    assert r1.stderr + r2.stderr == want.stderr, r2.describe()
    r = execute_ok(kc, "runtime.MemProfileRate")
    assert r.result_text == "0", r.describe()


@pytest.mark.program_cell
@pytest.mark.timeout(180)
def test_go_select2_program_cell(fresh_kernel):
    """select2.go as one cell: a whole program, which the kernel runs
    natively."""
    km, kc = fresh_kernel
    src, want = select2()
    r = execute_ok(kc, src, timeout=120)
    assert r.user_stdout == want.stdout, r.describe()
    assert r.stderr == want.stderr, r.describe()
