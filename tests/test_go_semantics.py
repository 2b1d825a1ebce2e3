"""Cells behave as Go does: each snippet runs as a cell in the kernel and as
a program under `go run` (the same toolchain), and the outputs must match.

The interpreter (yaegi) lags the language in places (range over int and
over functions, min/max/clear, per-iteration loop variables, newer standard
library symbols, break out of a select); the kernel is meant to close those
gaps, so these tests hold it to what `go run` prints.
"""

import os
import queue
import subprocess
import textwrap

import pytest

from conftest import ROOT, need_program
from helpers import collect_iopub, shell_reply, Run

# (id, imports, declarations, statements)
SNIPPETS = [
    ("range-over-int", ["fmt"], "", 'for i := range 3 {\n\tfmt.Print(i, " ")\n}\nfmt.Println()'),
    ("min-max", ["fmt"], "", "fmt.Println(min(3, 1, 2), max(3, 1, 2), min(2.5, 1.5))"),
    (
        "clear",
        ["fmt"],
        "",
        'm := map[string]int{"a": 1, "b": 2}\nclear(m)\ns := []int{1, 2}\nclear(s)\nfmt.Println(len(m), s)',
    ),
    (
        "loopvar-closures",
        ["fmt"],
        "",
        "var fs []func()\nfor i := 0; i < 3; i++ {\n\tfs = append(fs, func() { fmt.Print(i) })\n}\n"
        "for _, f := range fs {\n\tf()\n}\nfmt.Println()",
    ),
    (
        "loopvar-goroutines",
        ["fmt", "sync"],
        "",
        "var wg sync.WaitGroup\nres := make([]int, 3)\nfor i := 0; i < 3; i++ {\n\twg.Add(1)\n"
        "\tgo func() {\n\t\tdefer wg.Done()\n\t\tres[i] = i * 10\n\t}()\n}\nwg.Wait()\nfmt.Println(res)",
    ),
    (
        "range-over-func",
        ["fmt"],
        "func countTo(n int) func(func(int) bool) {\n\treturn func(yield func(int) bool) {\n"
        "\t\tfor i := 0; i < n; i++ {\n\t\t\tif !yield(i) {\n\t\t\t\treturn\n\t\t\t}\n\t\t}\n\t}\n}",
        "for x := range countTo(3) {\n\tfmt.Print(x)\n}\nfmt.Println()",
    ),
    ("slices-max", ["fmt", "slices"], "", "fmt.Println(slices.Max([]int{1, 5, 2}), slices.Contains([]string{\"a\"}, \"a\"))"),
    ("sync-oncevalue", ["fmt", "sync"], "", "get := sync.OnceValue(func() int { return 7 })\nfmt.Println(get(), get())"),
    (
        "generic-inference",
        ["fmt", "strconv"],
        "func mapSlice[T, U any](xs []T, f func(T) U) []U {\n\tout := make([]U, 0, len(xs))\n"
        "\tfor _, x := range xs {\n\t\tout = append(out, f(x))\n\t}\n\treturn out\n}",
        "fmt.Println(mapSlice([]int{1, 2}, func(i int) string { return strconv.Itoa(i * 10) }))",
    ),
    (
        "generic-type",
        ["fmt"],
        "type stack[T any] struct{ items []T }\n\nfunc (s *stack[T]) push(v T) { s.items = append(s.items, v) }\n\n"
        "func (s *stack[T]) pop() T {\n\tv := s.items[len(s.items)-1]\n\ts.items = s.items[:len(s.items)-1]\n\treturn v\n}",
        "var st stack[string]\nst.push(\"a\")\nst.push(\"b\")\nfmt.Println(st.pop(), len(st.items))",
    ),
    ("println-goes-to-stderr", [], "", 'println("to stderr", 42)'),
    (
        "waitgroup-pattern",
        ["fmt", "sync", "sync/atomic"],
        "",
        "var wg sync.WaitGroup\nvar n int64\nfor i := 0; i < 200; i++ {\n\twg.Add(1)\n"
        "\tgo func() {\n\t\tdefer wg.Done()\n\t\tatomic.AddInt64(&n, 1)\n\t}()\n}\nwg.Wait()\nfmt.Println(n)",
    ),
    (
        "mutex-counter",
        ["fmt", "sync"],
        "",
        "var mu sync.Mutex\nvar wg sync.WaitGroup\ncount := 0\nfor i := 0; i < 100; i++ {\n\twg.Add(1)\n"
        "\tgo func() {\n\t\tdefer wg.Done()\n\t\tmu.Lock()\n\t\tcount++\n\t\tmu.Unlock()\n\t}()\n}\nwg.Wait()\n"
        "fmt.Println(count)",
    ),
    (
        "channel-range-close",
        ["fmt"],
        "",
        "ch := make(chan int, 3)\ngo func() {\n\tfor i := 1; i <= 3; i++ {\n\t\tch <- i\n\t}\n\tclose(ch)\n}()\n"
        "sum := 0\nfor v := range ch {\n\tsum += v\n}\nfmt.Println(sum)",
    ),
    (
        "context-timeout-defer",
        ["context", "fmt", "time"],
        "",
        "ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)\ndefer cancel()\n"
        "<-ctx.Done()\nfmt.Println(ctx.Err())",
    ),
    (
        "break-label-in-select",
        ["context", "fmt"],
        "",
        "ctx, cancel := context.WithCancel(context.Background())\ncancel()\nn := 0\nloop:\n"
        "for {\n\tselect {\n\tcase <-ctx.Done():\n\t\tbreak loop\n\tdefault:\n\t\tn++\n\t}\n}\n"
        'fmt.Println("left the loop")',
    ),
    (
        "select-timeout",
        ["fmt", "time"],
        "",
        'never := make(chan int)\nselect {\ncase <-never:\n\tfmt.Println("no")\n'
        'case <-time.After(10 * time.Millisecond):\n\tfmt.Println("timeout")\n}',
    ),
    (
        "method-values-and-interfaces",
        ["fmt", "math"],
        "type shapeI interface{ area() float64 }\n\ntype circle struct{ r float64 }\n\n"
        "func (c circle) area() float64 { return math.Pi * c.r * c.r }\n\ntype sq struct{ s float64 }\n\n"
        "func (q sq) area() float64 { return q.s * q.s }",
        'shapes := []shapeI{circle{1}, sq{2}}\nfor _, s := range shapes {\n\tfmt.Printf("%.2f\\n", s.area())\n}',
    ),
]


def go_program(imports, decls, stmts):
    imp = "".join(f'\t"{i}"\n' for i in imports)
    body = textwrap.indent(stmts, "\t")
    return f"package main\n\nimport (\n{imp})\n\n{decls}\n\nfunc main() {{\n{body}\n}}\n"


def go_run(gc, tmp_path, imports, decls, stmts):
    go = need_program("go", "golang-go (or a Go toolchain on PATH)")
    d = tmp_path / "prog"
    d.mkdir()
    (d / "go.mod").write_text("module snippet\n\ngo 1.24\n")
    (d / "main.go").write_text(go_program(imports, decls, stmts))
    env = dict(gc.env)
    env["GOFLAGS"] = "-mod=mod"
    env["GOTOOLCHAIN"] = "local"
    proc = subprocess.run(
        [go, "run", "."], cwd=str(d), capture_output=True, text=True, timeout=180, env=env
    )
    assert proc.returncode == 0, f"go run failed:\n{proc.stderr}\n{(d / 'main.go').read_text()}"
    return proc.stdout, proc.stderr


def run_cell(km, kc, code, timeout=10):
    """Run a cell; if it has not finished in time, interrupt it so the
    kernel is usable again, and fail."""
    msg_id = kc.execute(code, allow_stdin=False)
    try:
        reply = shell_reply(kc, msg_id, timeout=timeout)
    except TimeoutError:
        km.interrupt_kernel()
        try:
            shell_reply(kc, msg_id, timeout=20)
            collect_iopub(kc, msg_id, timeout=10)
        except (TimeoutError, queue.Empty):
            pass
        pytest.fail(f"the cell did not finish within {timeout} s (interrupted):\n{code}")
    return Run(msg_id, reply, collect_iopub(kc, msg_id))


@pytest.mark.timeout(240)
@pytest.mark.parametrize("name,imports,decls,stmts", SNIPPETS, ids=[s[0] for s in SNIPPETS])
def test_cell_matches_go_run(fresh_kernel, gocurrent_env, tmp_path, name, imports, decls, stmts):
    km, kc = fresh_kernel  # a session of its own: names repeat across snippets
    want_out, want_err = go_run(gocurrent_env, tmp_path, imports, decls, stmts)
    cell = (decls + "\n\n" + stmts) if decls else stmts
    r = run_cell(km, kc, cell)
    assert r.status == "ok", f"the cell failed where `go run` printed {want_out!r}:\n{r.describe()}"
    assert r.user_stdout == want_out, f"stdout differs from go run:\n{r.describe()}"
    assert r.stderr == want_err, f"stderr differs from go run ({want_err!r}):\n{r.describe()}"
