"""The kernel through a Jupyter server: the REST API and the kernel
websocket, the path JupyterLab, classic Notebook and VS Code (remote
servers) take. Each test runs against two servers: Debian's classic
Notebook (jupyter-notebook 6.4) and Jupyter Server (jupyter-server 1.23,
the server under JupyterLab), each started once in a temporary directory,
with the gocurrent kernelspec that ``gocurrent_env`` installed visible through
JUPYTER_PATH.

Also: the kernel started from a connection file with ``"ip": "0.0.0.0"``
(what a server started with ``--ip=0.0.0.0`` or a kernel gateway writes)
binds its five ports on every interface and answers on the loopback and
on the machine's own address.

``NotebookServer`` is shared with test_browser.py and test_lab.py.
"""

import json
import os
import re
import socket
import struct
import subprocess
import time
import uuid

import pytest

from conftest import JUPYTER, KERNEL_NAME, need, need_program
from helpers import websocket_message

TIMING_PREFIX = "\u00bb wall"


# --------------------------------------------------------------------------
# helpers


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_ports(n, host="0.0.0.0"):
    """n distinct free TCP ports (held open together while choosing)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind((host, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class NotebookServer:
    """A Jupyter server on 127.0.0.1 (a subprocess): Debian's classic
    Notebook 6 (``kind="notebook"``, what test_browser.py drives) or Jupyter
    Server 1.23 (``kind="server"``, the server under JupyterLab and VS Code's
    remote kernels). Both serve the same REST API and kernel websocket."""

    KINDS = {
        # kind: (jupyter subcommand, Debian package, config class, root dir option, extensions option)
        "notebook": ("notebook", "jupyter-notebook", "NotebookApp", "notebook_dir", "nbserver_extensions"),
        "server": ("server", "jupyter-server", "ServerApp", "root_dir", "jpserver_extensions"),
    }

    def __init__(self, root_dir, env, log_path, kind="notebook", command=None):
        """command: the program and arguments that start the server instead
        of ``jupyter <kind>`` (a Jupyter Server application of its own, as
        test_lab.py's JupyterLab); it takes the kind's options, but for the
        extensions option (the application chooses its extensions)."""
        subcommand, package, app, root_option, ext_option = self.KINDS[kind]
        extensions = []
        if command is None:
            need_program(JUPYTER + "-" + subcommand, package)
            command = [JUPYTER, subcommand]
            # no extensions or widgets from the machine's config
            extensions = [f"--{app}.{ext_option}={{}}"]
        self.kind = kind
        self.requests = need("requests", "python3-requests")
        self.port = free_port()
        self.token = uuid.uuid4().hex
        self.root_dir = root_dir
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        args = [
            *command,
            "--no-browser",
            f"--port={self.port}",
            "--port-retries=0",
            f"--{app}.token={self.token}",
            "--ip=127.0.0.1",
            f"--{app}.{root_option}={root_dir}",
            *extensions,
        ]
        if os.getuid() == 0:
            args.append("--allow-root")
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            args, cwd=root_dir, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.session = self.requests.Session()
        self.session.headers["Authorization"] = f"token {self.token}"
        self._wait_ready(timeout=60)

    def log_text(self):
        self.log.flush()
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"jupyter {self.kind} exited with {self.proc.returncode}:\n{self.log_text()[-4000:]}",
                    pytrace=False,
                )
            try:
                r = self.session.get(self.url + "/api/status", timeout=2)
                if r.status_code == 200:
                    return
                last = f"HTTP {r.status_code}"
            except self.requests.RequestException as exc:
                last = exc
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"jupyter {self.kind} not ready in {timeout} s ({last}):\n{self.log_text()[-4000:]}", pytrace=False)

    def api(self, method, path, timeout=30, **kw):
        return self.session.request(method, self.url + path, timeout=timeout, **kw)

    def stop(self):
        if self.proc.poll() is None:
            # Shut down the kernels through the API first (orderly), then
            # the server itself.
            try:
                for k in self.api("GET", "/api/kernels", timeout=5).json():
                    self.api("DELETE", f"/api/kernels/{k['id']}", timeout=15)
            except Exception:
                pass
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


class KernelSocket:
    """The kernel websocket of a Jupyter server (/api/kernels/ID/channels):
    JSON text frames of Jupyter messages with a "channel" field."""

    def __init__(self, server, kernel_id, timeout=30):
        websocket = need("websocket", "python3-websocket")
        self.session_id = uuid.uuid4().hex
        url = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel_id}/channels?session_id={self.session_id}"
        self.ws = websocket.create_connection(
            url, header=[f"Authorization: token {server.token}"], timeout=timeout
        )
        self.timeout_exc = websocket.WebSocketTimeoutException
        self.pending = []  # messages read while waiting for something else

    def close(self):
        self.ws.close()

    def send(self, channel, msg_type, content):
        msg = websocket_message(msg_type, content, channel, self.session_id)
        self.ws.send(json.dumps(msg))
        return msg["header"]["msg_id"]

    @staticmethod
    def _decode(frame):
        if isinstance(frame, str):
            return json.loads(frame)
        # binary frame (a message with buffers): nbufs, offsets, then parts;
        # the first part is the JSON message.
        nbufs = struct.unpack("!I", frame[:4])[0]
        offsets = struct.unpack("!" + "I" * nbufs, frame[4 : 4 + 4 * nbufs])
        end = offsets[1] if nbufs > 1 else len(frame)
        return json.loads(frame[offsets[0] : end].decode())

    def recv(self, timeout):
        if self.pending:
            return self.pending.pop(0)
        self.ws.settimeout(max(0.05, timeout))
        try:
            return self._decode(self.ws.recv())
        except self.timeout_exc:
            return None

    def wait(self, predicate, timeout, what):
        """Read until predicate(msg); keep the others in order in `seen`."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}; got {seen!r}"[:5000])
            m = self.recv(left)
            if m is None:
                continue
            seen.append(m)
            if predicate(m):
                return m, seen

    def wait_ready(self, timeout=60):
        """kernel_info_request until one is answered on shell and its idle
        status comes on iopub: the server subscribes to iopub when the
        websocket opens, and what the kernel publishes before that
        subscription takes effect is lost (as jupyter_client's
        wait_for_ready, wait for both)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg_id = self.send("shell", "kernel_info_request", {})
            reply, idle = None, False
            try:
                while not (reply and idle):
                    m, _ = self.wait(
                        lambda m: m["parent_header"].get("msg_id") == msg_id,
                        timeout=min(5, max(0.1, deadline - time.monotonic())),
                        what="kernel_info_reply and its idle status",
                    )
                    if m["msg_type"] == "kernel_info_reply":
                        reply = m
                    elif m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                        idle = True
                return reply
            except AssertionError:
                continue
        raise AssertionError(f"no kernel_info_reply and idle status over the websocket within {timeout} s")

    def start_execute(self, code):
        return self.send(
            "shell",
            "execute_request",
            {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        )

    def collect(self, msg_id, timeout=60):
        """The execute_reply and the iopub messages of msg_id, until both the
        reply and the idle status have come."""
        deadline = time.monotonic() + timeout
        reply, iopub = None, []
        idle = False
        while not (reply and idle):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"cell {msg_id} not done in {timeout} s; reply={reply!r} iopub={iopub!r}"[:5000])
            m = self.recv(left)
            if m is None or m["parent_header"].get("msg_id") != msg_id:
                continue
            if m["channel"] == "shell" and m["msg_type"] == "execute_reply":
                reply = m
            elif m["channel"] == "iopub":
                iopub.append(m)
                if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                    idle = True
        return WsRun(reply, iopub)

    def execute(self, code, timeout=60):
        return self.collect(self.start_execute(code), timeout)


class WsRun:
    def __init__(self, reply, iopub):
        self.reply = reply
        self.iopub = iopub

    @property
    def status(self):
        return self.reply["content"]["status"]

    def of_type(self, *types):
        return [m for m in self.iopub if m["msg_type"] in types]

    @property
    def stdout(self):
        return "".join(
            m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == "stdout"
        )

    @property
    def user_stdout(self):
        return "".join(l for l in self.stdout.splitlines(keepends=True) if not l.lstrip().startswith(TIMING_PREFIX))

    @property
    def timing_lines(self):
        texts = [m["content"]["text"] for m in self.of_type("stream")]
        texts += [m["content"]["data"].get("text/plain", "") for m in self.of_type("display_data")]
        texts += [re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", t) for m in self.of_type("error") for t in m["content"]["traceback"]]
        return [l.strip() for t in texts for l in t.splitlines() if l.strip().startswith(TIMING_PREFIX)]

    @property
    def result_text(self):
        rs = self.of_type("execute_result")
        return rs[-1]["content"]["data"].get("text/plain") if rs else None

    def describe(self):
        out = [f"reply: {self.reply['content']!r}" if self.reply else "reply: None"]
        out += [f"  {m['msg_type']}: {m['content']!r}"[:1500] for m in self.iopub]
        return "\n".join(out)


# --------------------------------------------------------------------------
# the server


@pytest.fixture(scope="module", params=sorted(NotebookServer.KINDS))
def server(request, gocurrent_env, tmp_path_factory):
    root = str(tmp_path_factory.mktemp("server-root"))
    log = os.path.join(str(tmp_path_factory.mktemp("server-log")), f"jupyter-{request.param}.log")
    srv = NotebookServer(root, dict(gocurrent_env.env), log, kind=request.param)
    try:
        yield srv
    finally:
        srv.stop()


def test_kernelspec_listed(server):
    r = server.api("GET", "/api/kernelspecs")
    assert r.status_code == 200, r.text
    specs = r.json()["kernelspecs"]
    assert KERNEL_NAME in specs, f"gocurrent not in {sorted(specs)}"
    spec = specs[KERNEL_NAME]["spec"]
    assert spec["display_name"] == "Go (gocurrent)", spec
    assert spec["language"] == "go", spec
    assert spec.get("interrupt_mode") == "message", spec
    resources = specs[KERNEL_NAME]["resources"]
    assert "logo-64x64" in resources, resources
    logo = server.api("GET", resources["logo-64x64"].replace(server.url, ""))
    assert logo.status_code == 200 and logo.headers["Content-Type"].startswith("image/png"), logo.headers
    assert logo.content[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.timeout(180)
def test_kernel_lifecycle_over_rest_and_websocket(server):
    t0 = time.monotonic()
    r = server.api("POST", "/api/kernels", json={"name": KERNEL_NAME})
    assert r.status_code == 201, r.text
    kid = r.json()["id"]
    assert r.json()["name"] == KERNEL_NAME
    ws = None
    try:
        ws = KernelSocket(server, kid)
        info = ws.wait_ready()
        assert info["content"]["language_info"]["name"] == "go", info["content"]
        started = time.monotonic() - t0

        # 1. a cell: stream output, the timing line, execute_reply ok
        run = ws.execute('greeting := "hello from the server"\nfmt.Println(greeting)')
        assert run.status == "ok", run.describe()
        assert run.user_stdout == "hello from the server\n", run.describe()
        assert len(run.timing_lines) == 1, run.describe()
        assert re.search(r"wall [0-9.]+ ?[nµm]?s\b.*CPU", run.timing_lines[0]), run.timing_lines
        assert run.reply["content"]["execution_count"] >= 1
        busy = [m for m in run.of_type("status") if m["content"]["execution_state"] == "busy"]
        assert busy, run.describe()
        assert run.of_type("execute_input")[0]["content"]["code"].startswith("greeting :=")

        # a final expression's value is an execute_result
        run = ws.execute("6 * 7")
        assert run.status == "ok" and run.result_text == "42", run.describe()

        # goroutines' output streams to the websocket too
        run = ws.execute(
            "var wg sync.WaitGroup\nfor i := range 3 {\n\twg.Add(1)\n\tgo func() { defer wg.Done(); fmt.Println(\"worker\", i) }()\n}\nwg.Wait()"
        )
        assert run.status == "ok", run.describe()
        assert sorted(run.user_stdout.splitlines()) == ["worker 0", "worker 1", "worker 2"], run.describe()

        # 2. interrupt through REST stops `for {}`; the session survives
        msg_id = ws.start_execute("for {\n}")
        ws.wait(
            lambda m: m["parent_header"].get("msg_id") == msg_id
            and m["msg_type"] == "status"
            and m["content"]["execution_state"] == "busy",
            timeout=30,
            what="busy for the `for {}` cell",
        )
        time.sleep(0.5)
        ti = time.monotonic()
        r = server.api("POST", f"/api/kernels/{kid}/interrupt")
        assert r.status_code == 204, (r.status_code, r.text)
        run = ws.collect(msg_id, timeout=20)
        interrupt_s = time.monotonic() - ti
        assert run.status == "error", run.describe()
        assert run.reply["content"]["ename"] == "interrupted", run.describe()
        assert interrupt_s < 5, f"interrupt took {interrupt_s:.1f} s"
        run = ws.execute("fmt.Println(greeting + \" again\")")
        assert run.status == "ok" and run.user_stdout == "hello from the server again\n", run.describe()

        # 3. restart through REST: a fresh session
        tr = time.monotonic()
        r = server.api("POST", f"/api/kernels/{kid}/restart", timeout=60)
        assert r.status_code == 200, (r.status_code, r.text)
        restart_s = time.monotonic() - tr
        ws.close()
        ws = KernelSocket(server, kid)
        ws.wait_ready()
        run = ws.execute("greeting")
        assert run.status == "error", run.describe()
        assert "greeting" in run.reply["content"]["evalue"] and "undefined" in run.reply["content"]["evalue"], run.describe()
        assert run.of_type("error"), run.describe()
        run = ws.execute('fmt.Println("after restart")')
        assert run.status == "ok" and run.user_stdout == "after restart\n", run.describe()
        print(f"\nkernel start {started:.2f} s, interrupt {interrupt_s:.2f} s, restart {restart_s:.2f} s")
    finally:
        if ws is not None:
            ws.close()
        # 4. DELETE
        r = server.api("DELETE", f"/api/kernels/{kid}", timeout=30)
    assert r.status_code == 204, (r.status_code, r.text)
    ids = [k["id"] for k in server.api("GET", "/api/kernels").json()]
    assert kid not in ids
    assert server.api("GET", f"/api/kernels/{kid}").status_code == 404


# --------------------------------------------------------------------------
# binding to 0.0.0.0


def non_loopback_ipv4():
    """The machine's first non-loopback IPv4 address (hostname -I), or None."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    for a in out.split():
        if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", a) and not a.startswith("127."):
            return a
    return None


def listening_sockets(pid):
    """{port: local address} of the TCP sockets in LISTEN state that the
    process pid holds, from /proc/PID/net/tcp and tcp6 and /proc/PID/fd.
    An IPv4 wildcard shows as "0.0.0.0"; an IPv6 one as "::" (Go's
    net.Listen("tcp", "0.0.0.0:N") makes a dual-stack socket on [::],
    which accepts IPv4 on every interface too)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        m = re.fullmatch(r"socket:\[(\d+)\]", link)
        if m:
            inodes.add(m.group(1))
    found = {}
    for table in ("tcp", "tcp6"):
        try:
            f = open(f"/proc/{pid}/net/{table}")
        except OSError:
            continue
        with f:
            next(f)
            for line in f:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state != "0A" or inode not in inodes:  # 0A = LISTEN
                    continue
                hexip, hexport = local.split(":")
                raw = bytes.fromhex(hexip)
                # /proc prints each 32-bit word in host (little-endian) order
                raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                family = socket.AF_INET if len(raw) == 4 else socket.AF_INET6
                found[int(hexport, 16)] = socket.inet_ntop(family, raw)
    return found


def ss_wildcard_ports():
    """{port: address as ss prints it} of listening TCP sockets, by `ss -ltn`
    ("0.0.0.0" for IPv4 all interfaces, "*" for a dual-stack wildcard,
    "[::]" for IPv6 only)."""
    ss = need_program("ss", "iproute2")
    out = subprocess.run([ss, "-Hltn"], capture_output=True, text=True, timeout=10).stdout
    ports = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            addr, _, port = fields[3].rpartition(":")
            if port.isdigit():
                ports.setdefault(int(port), []).append(addr)
    return ports


@pytest.mark.timeout(120)
def test_kernel_binds_all_interfaces(gocurrent_env, tmp_path):
    bkc = need("jupyter_client.blocking", "python3-jupyter-client")
    ports = free_ports(5)
    names = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"]
    conn = dict(zip(names, ports))
    conn.update(
        {
            "ip": "0.0.0.0",
            "transport": "tcp",
            "key": uuid.uuid4().hex,
            "signature_scheme": "hmac-sha256",
            "kernel_name": KERNEL_NAME,
        }
    )
    connfile = tmp_path / "kernel-allif.json"
    connfile.write_text(json.dumps(conn))
    log = open(tmp_path / "kernel.log", "wb")
    proc = subprocess.Popen(
        [gocurrent_env.kernel_binary, "kernel", str(connfile)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=gocurrent_env.env,
        start_new_session=True,
    )
    clients = []
    try:
        addresses = ["127.0.0.1"]
        other = non_loopback_ipv4()
        if other:
            addresses.append(other)
        for addr in addresses:
            kc = bkc.BlockingKernelClient()
            kc.load_connection_file(str(connfile))
            kc.ip = addr
            kc.start_channels()
            clients.append(kc)
            kc.wait_for_ready(timeout=60)
            msg_id = kc.execute(f'fmt.Println("via {addr}")', allow_stdin=False)
            reply = kc.get_shell_msg(timeout=30)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = kc.get_shell_msg(timeout=30)
            assert reply["content"]["status"] == "ok", reply["content"]
            text = ""
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                m = kc.get_iopub_msg(timeout=30)
                if m["parent_header"].get("msg_id") != msg_id:
                    continue
                if m["msg_type"] == "stream":
                    text += m["content"]["text"]
                if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                    break
            assert f"via {addr}\n" in text, text
            assert TIMING_PREFIX in text, text

        # the five ports are listening on all interfaces, held by the kernel
        # process: 0.0.0.0, or the dual-stack wildcard (which also takes
        # IPv4, as the connections above to 127.0.0.1 and the machine's
        # own address show)
        bound = listening_sockets(proc.pid)
        by_ss = ss_wildcard_ports()
        for name, port in zip(names, ports):
            assert bound.get(port) in ("0.0.0.0", "::"), f"{name} {port} not bound on all interfaces by the kernel: {bound}"
            assert set(by_ss.get(port, [])) & {"0.0.0.0", "*"}, f"ss -ltn: {name} {port} is {by_ss.get(port)}"
        print(f"\nkernel answered on {addresses}; listening: {bound}")
    finally:
        for kc in clients:
            kc.stop_channels()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        log.close()

