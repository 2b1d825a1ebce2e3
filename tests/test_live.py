"""The live status of a long cell: after half a second a display with a
transient display_id shows how long the cell has run, its goroutines, the
cores busy and its child processes, updated in place a few times a second;
when the cell ends the display is emptied and the timing line follows.
Fast cells show nothing. `gocurrent run` shows the same line rewritten in
place on a terminal, and nothing on a pipe."""

import os
import pty
import re
import select
import subprocess
import time

from conftest import need
from helpers import execute_ok, strip_ansi
from test_gocurrent_run import write_notebook

LONG_CELL = """
import ("os/exec"; "sync"; "time")
cmd := exec.Command("sleep", "2")
if err := cmd.Start(); err != nil { panic(err) }
var wg sync.WaitGroup
for i := 0; i < 3; i++ {
	wg.Go(func() { time.Sleep(1500 * time.Millisecond) })
}
fmt.Println("started")
wg.Wait()
_ = cmd.Wait()
fmt.Println("done")
"""


def live_texts(run):
    return [m["content"]["data"].get("text/plain", "") for m in run.live]


def check_live_protocol(run, timing=True):
    """The live messages of run: one display_data, then updates of the
    same transient display_id, the last of which empties it; the timing
    line (which measuring magics do not show) comes after them."""
    live = run.live
    assert live, f"a long cell showed no live status:\n{run.describe()}"
    assert live[0]["msg_type"] == "display_data", run.describe()
    ids = {m["content"]["transient"].get("display_id") for m in live}
    assert len(ids) == 1 and ids.pop().startswith("gocurrent-live-"), live
    assert all(m["msg_type"] == "update_display_data" for m in live[1:]), [m["msg_type"] for m in live]
    last = live[-1]
    assert last["content"]["data"] == {"text/plain": ""}, last["content"]
    assert last["content"]["metadata"]["gocurrent"]["live"] == "ended"
    order = run.all_iopub
    assert all(order.index(m) < order.index(last) for m in live[:-1])
    if not timing:
        return
    lines = [i for i, m in enumerate(order) if m["msg_type"] == "stream" and "\u00bb wall" in m["content"]["text"]]
    assert lines and lines[-1] > order.index(last), "the timing line must follow the emptied status"
    assert len(run.timing_lines) == 1, run.timing_lines


def test_a_long_cell_shows_a_live_status_updated_in_place(kernel):
    _, kc = kernel
    run = execute_ok(kc, LONG_CELL)
    check_live_protocol(run)
    shown = [m for m in run.live[:-1]]
    assert len(shown) >= 4, f"about 2 s of status at 4 a second, got {len(shown)}: {live_texts(run)}"
    for m in shown:
        text = m["content"]["data"]["text/plain"]
        assert re.match(r"^running \d+\.\d s · \d+ goroutines? · \d+\.\d\d cores busy · \d+ child process(es)?$", text), text
    numbers = [m["content"]["metadata"]["gocurrent"]["live"] for m in shown]
    # While the three goroutines sleep the cell has four; the sleep command
    # is a child process all along.
    assert max(n["goroutines"] for n in numbers) == 4, numbers
    assert all(n["child_processes"] >= 1 for n in numbers[:3]), numbers
    elapsed = [n["elapsed_ns"] for n in numbers]
    assert elapsed == sorted(elapsed) and elapsed[0] >= 0.5e9, elapsed
    assert run.stdout == "started\ndone\n"


def test_a_fast_cell_shows_no_live_status(kernel):
    _, kc = kernel
    for code in ("1 + 1", 'fmt.Println("hi")', "time.Sleep(100 * time.Millisecond)"):
        run = execute_ok(kc, code)
        assert run.live == [], run.describe()
        assert not [m for m in run.all_iopub if m["msg_type"] in ("display_data", "update_display_data")]


def test_the_live_status_goes_with_the_timing_line(kernel):
    _, kc = kernel
    execute_ok(kc, "%timing off")
    try:
        run = execute_ok(kc, "time.Sleep(800 * time.Millisecond)")
        assert run.live == [] and run.timing_lines == [], run.describe()
    finally:
        execute_ok(kc, "%timing on")
    run = execute_ok(kc, "time.Sleep(800 * time.Millisecond)")
    check_live_protocol(run)


def test_a_measuring_magic_and_a_native_cell_show_a_live_status(kernel):
    _, kc = kernel
    run = execute_ok(kc, "%%timeit -n 1 -r 3\ntime.Sleep(300 * time.Millisecond)", timeout=60)
    check_live_protocol(run, timing=False)
    assert "per loop" in run.stdout
    run = execute_ok(kc, '%%native\nimport "time"\nfunc main() { time.Sleep(900 * time.Millisecond) }', timeout=120)
    check_live_protocol(run)


def read_pty(cmd, env, timeout=300):
    """Run cmd with its standard output on a terminal; return all it wrote."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdout=slave, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 1)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(master)
    return proc.returncode, out.decode("utf-8", "replace")


def test_gocurrent_run_rewrites_one_status_line_on_a_terminal_only(gocurrent_env, tmp_path):
    nbformat = need("nbformat", "python3-nbformat")
    nb = tmp_path / "long.ipynb"
    write_notebook(nb, [('fmt.Println("a")\ntime.Sleep(1200 * time.Millisecond)\nfmt.Println("b")', None), ("1 + 1", None)])
    env = {k: v for k, v in gocurrent_env.env.items() if not k.startswith("JUPYTER")}
    code, out = read_pty([gocurrent_env.binary, "run", str(nb), "-o", str(tmp_path / "tty.ipynb")], env)
    assert code == 0, out
    # Each status replaces the last on the same line: a carriage return and
    # erase-line before the next.
    statuses = re.findall(r"running \d+\.\d s", out)
    assert len(statuses) >= 2, out
    assert "\r\x1b[K" in out, out
    plain = strip_ansi(out.replace("\r\x1b[K", "\n"))
    assert "a\r\n" in out and "b" in plain
    # The cell's last status was taken off before its last line and the
    # timing line, which come in one message.
    assert re.search(r"running [^\n]*\r\x1b\[K(\x1b\[[0-9;]*m)*(b\r?\n)?\u00bb wall", out), out
    proc = subprocess.run(
        [gocurrent_env.binary, "run", str(nb), "-o", str(tmp_path / "pipe.ipynb")],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "running" not in proc.stdout and "\r" not in proc.stdout, proc.stdout
    for written in ("tty.ipynb", "pipe.ipynb"):
        cell = nbformat.read(str(tmp_path / written), as_version=4).cells[0]
        types = [o["output_type"] for o in cell.outputs]
        assert types == ["stream"], (written, cell.outputs)
