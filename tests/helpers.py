"""Small helpers to drive a kernel through jupyter_client in tests."""

import datetime
import json
import os
import queue
import re
import subprocess
import time
import uuid

TIMEOUT = 30  # default seconds for one request

# The one-line timing summary the kernel shows under each cell, e.g.
# "» wall 487 µs · CPU 664 µs (user 332 µs, sys 332 µs) · 1.36 cores busy ..."
TIMING_LINE = re.compile(r"^.*\bwall [0-9.]+ ?[nµm]?s\b.*\bCPU\b.*$", re.M)


class Run:
    """What one execute_request produced: the reply and the iopub messages
    that had it as parent, from busy to idle."""

    def __init__(self, msg_id, reply, iopub):
        self.msg_id = msg_id
        self.reply = reply
        # Every iopub message with this parent, in order, but the live
        # status of a long cell (see is_live), which is in self.live.
        self.all_iopub = iopub
        self.iopub = [m for m in iopub if not is_live(m)]
        self.live = [m for m in iopub if is_live(m)]

    @property
    def content(self):
        return self.reply["content"]

    @property
    def status(self):
        return self.reply["content"]["status"]

    @property
    def outputs(self):
        """iopub messages other than status and execute_input."""
        return [m for m in self.iopub if m["msg_type"] not in ("status", "execute_input")]

    def of_type(self, *types):
        return [m for m in self.iopub if m["msg_type"] in types]

    @property
    def stdout(self):
        """What the cell printed, without the kernel's timing line (see
        strip_timing)."""
        return "".join(
            strip_timing(m["content"]["text"]) for m in self.of_type("stream") if m["content"]["name"] == "stdout"
        )

    @property
    def timing_lines(self):
        """The timing summaries shown for this cell, wherever they are (a
        stream, a display_data, the error's traceback, or the live status
        it ended with)."""
        texts = [m["content"]["text"] for m in self.of_type("stream")]
        for m in self.of_type("display_data"):
            texts.append(m["content"]["data"].get("text/plain", ""))
        for m in self.of_type("error"):
            texts.extend(strip_ansi(t) for t in m["content"]["traceback"])
        if self.live:
            texts.append(self.live[-1]["content"]["data"].get("text/plain", ""))
        return [l.strip() for t in texts for l in TIMING_LINE.findall(t)]

    @property
    def user_stdout(self):
        """stdout without the lines of the kernel's timing summary."""
        lines = self.stdout.splitlines(keepends=True)
        return "".join(l for l in lines if not TIMING_LINE.match(l.rstrip("\n")))

    @property
    def stderr(self):
        return "".join(
            m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == "stderr"
        )

    @property
    def results(self):
        return self.of_type("execute_result")

    @property
    def result_text(self):
        rs = self.results
        return rs[-1]["content"]["data"].get("text/plain") if rs else None

    @property
    def errors(self):
        return self.of_type("error")

    @property
    def error(self):
        errs = self.errors
        assert len(errs) == 1, f"expected exactly one error output, got {len(errs)}: {self.describe()}"
        return errs[0]["content"]

    def describe(self):
        lines = [f"reply: {self.reply['content']!r}"]
        for m in self.iopub:
            lines.append(f"  {m['msg_type']}: {m['content']!r}"[:2000])
        return "\n".join(lines)

    def __repr__(self):
        return "<Run " + self.describe() + ">"


def strip_timing(text):
    """The text of a stdout message without the kernel's timing line: the
    kernel sends that line in a message of its own, or as the last line of
    the cell's last stdout message when that ends a line."""
    if text.lstrip("\n").startswith("\u00bb wall"):
        return ""
    i = text.rfind("\n\u00bb wall")
    if i >= 0 and "\n" not in text[i + 1 :].rstrip("\n"):
        return text[: i + 1]
    return text


def is_live(m):
    """Whether an iopub message shows or updates the live status a cell
    shows while it runs longer than half a second (a display whose
    metadata has gocurrent.live)."""
    if m["msg_type"] not in ("display_data", "update_display_data"):
        return False
    md = m["content"].get("metadata") or {}
    return "live" in (md.get("gocurrent") or {})


def collect_iopub(kc, msg_id, timeout=TIMEOUT, others=None):
    """Read iopub until the status idle for msg_id. Messages of other
    parents are appended to `others` (if given) and otherwise dropped."""
    deadline = time.monotonic() + timeout
    msgs = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no idle on iopub for {msg_id} within {timeout} s; got {msgs!r}"[:4000])
        try:
            m = kc.get_iopub_msg(timeout=left)
        except queue.Empty:
            continue
        if m["parent_header"].get("msg_id") != msg_id:
            if others is not None:
                others.append(m)
            continue
        msgs.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return msgs


def _reply(get_msg, channel, msg_id, timeout):
    """The reply to msg_id read with get_msg (other replies are dropped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {channel} reply to {msg_id} within {timeout} s")
        try:
            m = get_msg(timeout=left)
        except queue.Empty:
            continue
        if m["parent_header"].get("msg_id") == msg_id:
            return m


def shell_reply(kc, msg_id, timeout=TIMEOUT):
    """The shell reply to msg_id (other replies are dropped)."""
    return _reply(kc.get_shell_msg, "shell", msg_id, timeout)


def control_reply(kc, msg_id, timeout=TIMEOUT):
    """The control reply to msg_id (other replies are dropped)."""
    return _reply(kc.get_control_msg, "control", msg_id, timeout)


def execute(kc, code, timeout=TIMEOUT, **kw):
    """Execute code and return a Run (reply + this request's iopub)."""
    kw.setdefault("allow_stdin", False)
    msg_id = kc.execute(code, **kw)
    log = os.environ.get("GOCURRENT_TEST_CELL_LOG")
    if log:  # for replaying a failing sequence of cells by hand
        with open(log, "a") as f:
            f.write(json.dumps({"kernel": id(kc), "code": code}) + "\n")
    reply = shell_reply(kc, msg_id, timeout)
    iopub = collect_iopub(kc, msg_id, timeout)
    return Run(msg_id, reply, iopub)


def execute_ok(kc, code, timeout=TIMEOUT, **kw):
    r = execute(kc, code, timeout=timeout, **kw)
    assert r.status == "ok", f"cell failed:\n{code}\n{r.describe()}"
    return r


def flush(kc, wait=0.2):
    """Drop whatever is waiting on shell and iopub."""
    for get in (kc.get_shell_msg, kc.get_iopub_msg):
        while True:
            try:
                get(timeout=wait)
            except queue.Empty:
                break


def strip_ansi(s):
    import re

    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", s)


def wait_for_iopub(kc, predicate, timeout):
    """Read iopub until a message satisfies predicate; return it, or None."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=max(0.05, deadline - time.monotonic()))
        except queue.Empty:
            continue
        seen.append(m)
        if predicate(m):
            return m, seen
    return None, seen


def kernel_pid(km):
    return km.provisioner.process.pid


def websocket_message(msg_type, content, channel, session, username="test"):
    """A Jupyter message as a server's kernel websocket takes it: JSON with
    the channel named in the message."""
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "username": username,
            "session": session,
            "msg_type": msg_type,
            "version": "5.3",
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        },
        "parent_header": {},
        "metadata": {},
        "content": content,
        "channel": channel,
        "buffers": [],
    }


def run_under_go(go, mod, progs, env):
    """stdout and stderr of each Go program of progs ({key: source of a
    package main}) run by Go: each becomes a package of one module in the
    directory mod (its main renamed Main), and one command, linked once,
    runs the one its argument names. Returns {key: (stdout, stderr)}."""
    module = mod.name
    (mod / "go.mod").write_text(f"module {module}\n\ngo 1.26\n")
    keys = sorted(progs)
    for i, key in enumerate(keys):
        pkg = f"p{i:03d}"
        src = re.sub(r"^package main$", "package " + pkg, progs[key], count=1, flags=re.M)
        src, n = re.subn(r"^func main\(\) \{$", "func Main() {", src, count=1, flags=re.M)
        assert n == 1, f"{key}: no func main:\n{src}"
        (mod / pkg).mkdir()
        (mod / pkg / "prog.go").write_text(src)
    imports = "".join(f'\t"{module}/p{i:03d}"\n' for i in range(len(keys)))
    cases = "".join(f"\tcase {i}:\n\t\tp{i:03d}.Main()\n" for i in range(len(keys)))
    (mod / "main.go").write_text(
        f"package main\n\nimport (\n\t\"os\"\n\t\"strconv\"\n\n{imports})\n\n"
        # The program sees the arguments of a program run without any.
        f"func main() {{\n\tn, _ := strconv.Atoi(os.Args[1])\n\tos.Args = os.Args[:1]\n\tswitch n {{\n{cases}\t}}\n}}\n"
    )
    env = dict(env, GOFLAGS="-mod=mod", GOTOOLCHAIN="local")
    binary = mod / "all"
    build = subprocess.run(
        [go, "build", "-o", str(binary), "."], cwd=str(mod), capture_output=True, text=True, timeout=300, env=env
    )
    assert build.returncode == 0, f"go build failed:\n{build.stderr}"
    out = {}
    for i, key in enumerate(keys):
        proc = subprocess.run([str(binary), str(i)], cwd=str(mod), capture_output=True, text=True, timeout=60, env=env)
        assert proc.returncode == 0, f"{key} failed under Go:\n{proc.stderr}\n{progs[key]}"
        out[key] = (proc.stdout, proc.stderr)
    return out
