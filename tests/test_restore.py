"""A worker that dies takes the session's values with it, but not its
declarations: the kernel keeps them and declares them again in the fresh
worker. Each test goes through jupyter_client and checks what the user is
told and what still works."""

from conftest import need
from helpers import execute, execute_ok, strip_ansi, wait_for_iopub
from test_fault_promises import worker_pid

CRASH = """m := map[int]int{}
for i := 0; i < 4; i++ {
	go func() { for j := 0; ; j++ { m[j] = j } }()
}
time.Sleep(5 * time.Second)"""

SESSION = [
    "import str \"strings\"",
    "type Counter struct {\n\tmu sync.Mutex\n\tn  int\n}\n\nfunc (c *Counter) Inc() { c.mu.Lock(); c.n++; c.mu.Unlock() }",
    "var total = 40\nconst step = 2",
    "kept := 7",
    "func usesKept() int {\n\treturn kept\n}",
    "func shout(s string) string { return str.ToUpper(s) + \"!\" }",
]


def _declare(kc):
    for code in SESSION:
        execute_ok(kc, code)
    execute_ok(kc, "total = 1000")  # a value the crash loses


def _still_declared(kc):
    r = execute_ok(kc, 'c := &Counter{}\nvar wg sync.WaitGroup\nfor i := 0; i < 10; i++ {\n\twg.Add(1)\n\tgo func() { defer wg.Done(); c.Inc() }()\n}\nwg.Wait()\nfmt.Println(c.n, total+step, shout("go"))')
    assert r.stdout == "10 42 GO!\n", r.describe()
    r = execute(kc, "kept")
    assert r.status == "error" and "undefined: kept" in r.error["evalue"], r.describe()


def test_declarations_survive_a_fatal_error(fresh_kernel):
    km, kc = fresh_kernel
    _declare(kc)
    r = execute(kc, CRASH, timeout=60)
    assert r.status == "error" and r.error["ename"] == "fatal error", r.describe()
    text = strip_ansi("\n".join(r.error["traceback"]))
    assert "values were lost" in text, text
    assert "declarations of earlier cells were declared again, except:" in text, text
    assert "usesKept (cell 5, line 1): undefined: kept" in text, text
    _still_declared(kc)
    # the declaration that failed works once what it uses is back
    execute_ok(kc, "kept := 8")
    execute_ok(kc, SESSION[4])
    assert execute_ok(kc, "usesKept()").result_text == "8"


def test_declarations_survive_a_worker_killed_between_cells(fresh_kernel):
    km, kc = fresh_kernel
    _declare(kc)
    r = execute_ok(kc, 'fmt.Println("last")')
    psutil = need("psutil", "python3-psutil")
    psutil.Process(worker_pid(km)).kill()
    m, seen = wait_for_iopub(
        kc,
        lambda m: m["msg_type"] == "stream"
        and m["parent_header"].get("msg_id") == r.msg_id
        and "declared again" in m["content"]["text"],
        timeout=30,
    )
    assert m is not None, [x["content"] for x in seen]
    r = execute(kc, 'fmt.Println(shout("back"))', timeout=60)
    streams = [m["content"] for m in r.outputs if m["msg_type"] == "stream"]
    assert streams[0]["name"] == "stderr" and "values were lost" in streams[0]["text"], r.describe()
    assert "declared again" in streams[0]["text"], streams[0]["text"]
    assert r.status == "ok" and r.stdout == "BACK!\n", r.describe()
    _still_declared(kc)


def test_native_cells_see_restored_declarations(fresh_kernel):
    """Programs are built with the kernel's own record of the
    declarations, which a worker's death does not take away."""
    km, kc = fresh_kernel
    execute_ok(kc, "func helper() int { return 7 }\ntype Pair struct{ A, B int }")
    psutil = need("psutil", "python3-psutil")
    psutil.Process(worker_pid(km)).kill()
    r = execute_ok(kc, "%%native\nfunc main() { fmt.Println(helper(), Pair{1, 2}) }", timeout=180)
    assert r.stdout == "7 {1 2}\n", r.describe()


def test_a_restart_forgets_declarations(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "func helper() int { return 7 }")
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=60)
    r = execute(kc, "helper()")
    assert r.status == "error" and "undefined: helper" in r.error["evalue"], r.describe()
