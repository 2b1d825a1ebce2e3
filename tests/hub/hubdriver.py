"""Drive a throw-away JupyterHub whose users run gocurrent kernels.

Used by tests/test_hub.py (3 users) and bench/bench_hub.py (N users).

    hub = Hub(state_dir, jupyter_path)         # jupyterhub_config.py next to this file
    hub.start()                                # /usr/bin/jupyterhub + configurable-http-proxy
    user = HubUser(hub, "alice")
    user.login()                               # DummyAuthenticator, the shared password
    user.create_token(); user.start_server()   # REST API, service token
    user.upload(name, nb); user.start_kernel() # /user/alice/api/contents, /api/kernels
    result = user.run_notebook(nb)             # every code cell over the kernel websocket
    user.stop_kernel(); user.stop_server()
    hub.stop()                                 # SIGTERM: the hub stops the proxy and servers

Everything listens on 127.0.0.1 (free ports picked at start) and all state
(sqlite db, cookie secret, pid files, the users' homes, the hub's log) is
under state_dir. Only the Python standard library, requests, websocket
(python3-websocket) and psutil are used.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import psutil
import requests
import websocket

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/
from helpers import websocket_message  # noqa: E402

HUB_DIR = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HUB_DIR, "jupyterhub_config.py")
JUPYTERHUB = "/usr/bin/jupyterhub"
SINGLEUSER = "/usr/bin/jupyterhub-singleuser"
NPM_PROXY = os.path.join(HUB_DIR, "node_modules", ".bin", "configurable-http-proxy")
DEBIAN_PROXY = "/usr/bin/configurable-http-proxy"
SERVICE = "gocurrent-test"
KERNEL_NAME = "gocurrent"

# The kernel's one-line timing summary (as tests/helpers.py TIMING_LINE).
TIMING_LINE = re.compile(r"^.*\bwall [0-9.]+ ?[nµm]?s\b.*\bCPU\b.*$", re.M)


class HubError(Exception):
    pass


# --------------------------------------------------------------------------
# the proxy


def find_proxy():
    """(command, extra env, description) of the configurable-http-proxy to
    use: npm's, pinned by tests/hub/package-lock.json and installed by
    scripts/setup-node.sh, if it runs; else Debian's (GOCURRENT_HUB_PROXY_SOURCE
    =npm or =debian insists on one). Debian's script needs
    NODE_PATH=/usr/share/nodejs when `node` is not Debian's own nodejs (a
    NodeSource node does not search /usr/share/nodejs, and the proxy fails
    with "Cannot find module 'commander'")."""
    tried = []
    candidates = [
        (NPM_PROXY, {}, "npm, tests/hub/package-lock.json"),
        (DEBIAN_PROXY, {"NODE_PATH": "/usr/share/nodejs"}, "Debian node-configurable-http-proxy"),
    ]
    # GOCURRENT_HUB_PROXY_SOURCE=debian (or npm) uses only that one
    only = os.environ.get("GOCURRENT_HUB_PROXY_SOURCE")
    if only:
        candidates = [c for c in candidates if only in c[2].lower()]
    for cmd, extra, origin in candidates:
        if not os.access(cmd, os.X_OK):
            tried.append(f"{cmd}: not installed")
            continue
        env = dict(os.environ, **extra)
        try:
            out = subprocess.run([cmd, "--version"], capture_output=True, text=True, timeout=30, env=env)
        except (OSError, subprocess.TimeoutExpired) as exc:
            tried.append(f"{cmd}: {exc}")
            continue
        if out.returncode == 0 and re.match(r"^\d+\.\d+", out.stdout.strip()):
            return cmd, extra, f"configurable-http-proxy {out.stdout.strip()} ({origin}, {cmd})"
        tried.append(f"{cmd} --version: exit {out.returncode}: {(out.stderr or out.stdout).strip()[-300:]}")
    raise HubError("no working configurable-http-proxy (run scripts/setup-node.sh): " + "; ".join(tried))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def go_env():
    """GOCACHE, GOMODCACHE, GOPATH (and GOCURRENT_GO if set) as they are now,
    for the kernels, whose HOME is a fresh directory: native cells then use
    the warm build cache and need no download."""
    go = shutil.which("go") or next(
        (p for p in ("/usr/local/go/bin/go", "/usr/lib/go/bin/go") if os.access(p, os.X_OK)), None
    )
    env = {}
    if go:
        names = ["GOCACHE", "GOMODCACHE", "GOPATH"]
        out = subprocess.run([go, "env", *names], capture_output=True, text=True, timeout=60)
        if out.returncode == 0:
            env.update(zip(names, out.stdout.splitlines()))
        path_dir = os.path.dirname(go)
        if path_dir not in os.environ.get("PATH", "").split(os.pathsep):
            env["GOCURRENT_GO"] = go
    if os.environ.get("GOCURRENT_GO"):
        env["GOCURRENT_GO"] = os.environ["GOCURRENT_GO"]
    return env


# --------------------------------------------------------------------------
# the hub


class Hub:
    def __init__(self, state, jupyter_path, password=None, start_timeout=120, extra_env=None):
        self.state = os.path.abspath(state)
        os.makedirs(os.path.join(self.state, "homes"), exist_ok=True)
        self.jupyter_path = jupyter_path
        self.password = password or secrets.token_hex(8)
        self.token = secrets.token_hex(32)
        self.port = free_port()
        self.api_port = free_port()
        self.proxy_api_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.state, "jupyterhub.log")
        self.proc = None
        self.start_timeout = start_timeout
        self.extra_env = extra_env or {}
        self.proxy_description = None
        self.seen_pids = set()  # every process under the hub we saw, for cleanup
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {self.token}"

    def home(self, name):
        return os.path.join(self.state, "homes", name)

    def start(self, timeout=60):
        proxy, proxy_env, self.proxy_description = find_proxy()
        env = dict(os.environ)
        env.update(go_env())
        env.update(proxy_env)
        env.update(self.extra_env)
        env.update(
            {
                "GOCURRENT_HUB_STATE": self.state,
                "GOCURRENT_HUB_PORT": str(self.port),
                "GOCURRENT_HUB_API_PORT": str(self.api_port),
                "GOCURRENT_HUB_PROXY_API_PORT": str(self.proxy_api_port),
                "GOCURRENT_HUB_PROXY": proxy,
                "GOCURRENT_HUB_TOKEN": self.token,
                "GOCURRENT_HUB_PASSWORD": self.password,
                "GOCURRENT_HUB_START_TIMEOUT": str(self.start_timeout),
                "JUPYTER_PATH": self.jupyter_path,
            }
        )
        env.pop("CONFIGPROXY_AUTH_TOKEN", None)  # the hub makes its own
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [JUPYTERHUB, "-f", CONFIG],
            cwd=self.state,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise HubError(f"jupyterhub exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                r = requests.get(self.url + "/hub/api/", timeout=5)
                if r.status_code == 200 and "version" in r.json():
                    self.version = r.json()["version"]
                    break
            except (requests.RequestException, ValueError):
                pass
            if time.monotonic() > deadline:
                raise HubError(f"the hub did not answer on {self.url}/hub/api/ within {timeout} s:\n{self.log_tail()}")
            time.sleep(0.2)
        self.snapshot()
        return self

    def api(self, method, path, expect=(200, 201, 202, 204), timeout=30, **kw):
        r = self.http.request(method, self.url + "/hub/api" + path, timeout=timeout, **kw)
        if r.status_code not in expect:
            raise HubError(f"{method} /hub/api{path}: {r.status_code} {r.text[:500]}")
        return r.json() if r.content else None

    def processes(self):
        """The hub's process and all its descendants (proxy, single-user
        servers, kernels, workers), as psutil.Process objects. Kernels run
        in their own sessions but are still the servers' children."""
        try:
            return family(psutil.Process(self.proc.pid))
        except psutil.NoSuchProcess:
            return []

    def snapshot(self):
        procs = self.processes()
        self.seen_pids.update((p.pid, _create_time(p)) for p in procs)
        return procs

    def proxy_process(self):
        for p in self.processes():
            try:
                if "configurable-http-proxy" in " ".join(p.cmdline()):
                    return p
            except psutil.Error:
                pass
        return None

    def stop(self, timeout=60):
        """SIGTERM the hub (it stops every user's server and the proxy) and
        wait. Returns (exit code, seconds, processes still alive after)."""
        if self.proc is None:
            return None, 0.0, []
        self.snapshot()
        t0 = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        took = time.monotonic() - t0
        code = self.proc.poll()
        # what the hub left behind (give exiting processes a moment)
        deadline = time.monotonic() + 10
        while True:
            left = [p for p in self._alive_seen() if p.pid != self.proc.pid]
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        return code, took, left

    def _alive_seen(self):
        alive = []
        for pid, created in self.seen_pids:
            try:
                p = psutil.Process(pid)
                if _create_time(p) == created and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
            except psutil.Error:
                pass
        return alive

    def kill(self):
        """Kill the hub and everything it started that is still alive (by
        pid, each one we saw under the hub)."""
        if self.proc is not None and self.proc.poll() is None:
            self.snapshot()
            self.proc.kill()
            self.proc.wait(10)
        for p in self._alive_seen():
            try:
                p.kill()
            except psutil.Error:
                pass
        if getattr(self, "_log", None):
            self._log.close()

    def log_tail(self, n=60):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])


def alive(p):
    """Whether a psutil.Process still runs (a zombie does not)."""
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _create_time(p):
    try:
        return p.create_time()
    except psutil.Error:
        return None


# --------------------------------------------------------------------------
# a user


class CellResult:
    def __init__(self, index, source, reply, iopub, wall):
        self.index = index
        self.source = source
        self.reply = reply
        self.iopub = iopub
        self.wall = wall
        self.status = reply["content"]["status"] if reply else "timeout"
        self.enames = [m["content"]["ename"] for m in iopub if m["msg_type"] == "error"]

    @property
    def texts(self):
        out = []
        for m in self.iopub:
            t, c = m["msg_type"], m["content"]
            if t == "stream":
                out.append(c["text"])
            elif t in ("display_data", "execute_result", "update_display_data"):
                out.append(c.get("data", {}).get("text/plain", ""))
            elif t == "error":
                out.extend(re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", l) for l in c["traceback"])
        return out

    @property
    def timing_lines(self):
        return [l.strip() for t in self.texts for l in TIMING_LINE.findall(t)]

    def describe(self):
        return f"cell {self.index} ({self.status}, {self.wall:.2f} s, errors {self.enames}): {self.source[:60]!r} -> {''.join(self.texts)[:600]!r}"


class NotebookResult:
    def __init__(self, user):
        self.user = user
        self.cells = []
        self.wall = None
        self.finished = False
        self.error = None  # an exception that stopped the run

    def slowest(self):
        return max(self.cells, key=lambda c: c.wall, default=None)


class HubUser:
    def __init__(self, hub, name):
        self.hub = hub
        self.name = name
        self.token = None
        self.kernel_id = None
        self.ws = None
        self.session = uuid.uuid4().hex
        self.http = requests.Session()

    def __repr__(self):
        return f"<HubUser {self.name}>"

    @property
    def base(self):
        return f"{self.hub.url}/user/{self.name}"

    def login(self, password=None):
        """Log in through the hub's login form; return the cookie names."""
        s = requests.Session()
        s.get(self.hub.url + "/hub/login", timeout=30).raise_for_status()
        r = s.post(
            self.hub.url + "/hub/login",
            data={"username": self.name, "password": self.hub.password if password is None else password},
            allow_redirects=False,
            timeout=30,
        )
        if r.status_code != 302:
            raise HubError(f"login of {self.name}: {r.status_code} (expected a redirect) {r.text[:300]!r}")
        return sorted(s.cookies.keys())

    def create_token(self):
        """An API token of the user's own (POST /users/NAME/tokens, by the
        service); the user's requests below use it."""
        self.hub.api("POST", f"/users/{self.name}", expect=(201, 409))  # 409: exists (logged in)
        r = self.hub.api("POST", f"/users/{self.name}/tokens", json={"note": "gocurrent hub test"})
        self.token = r["token"]
        self.http.headers["Authorization"] = f"token {self.token}"
        return self.token

    def start_server(self, timeout=None):
        timeout = timeout or self.hub.start_timeout + 10
        t0 = time.monotonic()
        self.hub.api("POST", f"/users/{self.name}/server", expect=(201, 202, 400))
        while True:
            model = self.hub.api("GET", f"/users/{self.name}")
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                break
            if not server and not model.get("pending") and time.monotonic() - t0 > 5:
                raise HubError(f"{self.name}'s server is gone (did it fail to start?):\n{self.hub.log_tail(30)}")
            if time.monotonic() - t0 > timeout:
                raise HubError(f"{self.name}'s server not ready within {timeout} s: {model}")
            time.sleep(0.25)
        self.server_start_time = time.monotonic() - t0
        return self.server_start_time

    def server_api(self, method, path, expect=(200, 201, 204), timeout=60, **kw):
        # no redirects: a token the server could not check (the hub too slow
        # to answer it) redirects to the login page, which is no answer
        r = self.http.request(method, self.base + "/api" + path, timeout=timeout, allow_redirects=False, **kw)
        if r.status_code not in expect:
            raise HubError(
                f"{self.name}: {method} /user/{self.name}/api{path}: {r.status_code} "
                f"{r.headers.get('Location', '')} {r.text[:500]}"
            )
        return r.json() if r.content else None

    def upload(self, path, nb):
        """PUT a notebook (a dict) into the user's home; read it back."""
        self.server_api("PUT", f"/contents/{path}", json={"type": "notebook", "format": "json", "content": nb})
        return self.server_api("GET", f"/contents/{path}?content=1")["content"]

    def kernelspecs(self):
        return self.server_api("GET", "/kernelspecs")

    def start_kernel(self, timeout=60):
        k = self.server_api("POST", "/kernels", json={"name": KERNEL_NAME}, timeout=timeout)
        self.kernel_id = k["id"]
        self.ws = websocket.create_connection(
            f"{self.hub.ws_url}/user/{self.name}/api/kernels/{self.kernel_id}/channels?session_id={self.session}",
            header=[f"Authorization: token {self.token}"],
            timeout=timeout,
        )
        self.ws_lock = threading.Lock()
        # as Jupyter's clients do: ask for kernel_info until the kernel answers
        deadline = time.monotonic() + timeout
        while True:
            reply, _ = self.request("kernel_info_request", {}, channel="shell", timeout=min(10, timeout))
            if reply is not None:
                break
            if time.monotonic() > deadline:
                raise HubError(f"{self.name}: no kernel_info_reply from kernel {self.kernel_id} within {timeout} s")
            self.kernel_info_retries = getattr(self, "kernel_info_retries", 0) + 1
        self.kernel_info = reply["content"]
        return self.kernel_id

    def request(self, msg_type, content, channel="shell", timeout=120):
        """Send one request on the websocket; return (reply, iopub messages
        of it up to status idle). (None, iopub) when it times out."""
        msg = websocket_message(msg_type, content, channel, self.session, username=self.name)
        msg_id = msg["header"]["msg_id"]
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        reply, iopub, idle = None, [], False
        while not (reply and idle):
            left = deadline - time.monotonic()
            if left <= 0:
                return reply, iopub
            # short reads: the server pings every 30 s, and a ping resets a
            # long read's timeout, so recv() could wait forever for data
            self.ws.settimeout(min(left, 2.0))
            try:
                raw = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            if isinstance(raw, bytes):
                continue  # binary frames carry buffers; no cell here sends any
            m = json.loads(raw)
            if m.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if m["channel"] == "iopub":
                iopub.append(m)
                if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                    idle = True
            elif m["channel"] == channel:
                reply = m
        return reply, iopub

    def execute(self, code, timeout=120, stop_on_error=True):
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": stop_on_error,
        }
        return self.request("execute_request", content, timeout=timeout)

    def run_notebook(self, nb, cell_timeout=120):
        """Execute every code cell of nb (a dict) in order; never raises."""
        result = NotebookResult(self.name)
        t0 = time.monotonic()
        try:
            index = 0
            for cell in nb["cells"]:
                if cell["cell_type"] != "code":
                    continue
                source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                if not source.strip():
                    continue
                c0 = time.monotonic()
                # a cell expected to fail must not abort what follows (as nbclient)
                tagged = "raises-exception" in cell.get("metadata", {}).get("tags", [])
                reply, iopub = self.execute(source, timeout=cell_timeout, stop_on_error=not tagged)
                cr = CellResult(index, source, reply, iopub, time.monotonic() - c0)
                cr.metadata = cell.get("metadata", {})
                result.cells.append(cr)
                index += 1
                if reply is None:
                    raise HubError(f"{self.name}: no reply within {cell_timeout} s to {cr.describe()}")
            result.finished = True
        except Exception as exc:  # recorded; the caller judges
            result.error = f"{type(exc).__name__}: {exc}"
        result.wall = time.monotonic() - t0
        return result

    def kernel_process(self):
        """The kernel's process: the one whose command line names this
        kernel's connection file (kernel-ID.json)."""
        needle = f"kernel-{self.kernel_id}.json"
        for p in self.hub.processes():
            try:
                if any(needle in a for a in p.cmdline()):
                    return p
            except psutil.Error:
                pass
        return None

    def server_process(self):
        for p in self.hub.processes():
            try:
                cmd = p.cmdline()
                if any("jupyterhub-singleuser" in a for a in cmd[:2]) and p.environ().get("JUPYTERHUB_USER") == self.name:
                    return p
            except psutil.Error:
                pass
        return None

    def stop_kernel(self):
        if self.ws is not None:
            try:
                self.ws.close()
            except Exception:
                pass
            self.ws = None
        if self.kernel_id:
            self.server_api("DELETE", f"/kernels/{self.kernel_id}", expect=(204, 404))

    def stop_server(self, timeout=60):
        self.hub.api("DELETE", f"/users/{self.name}/server", expect=(202, 204, 400))
        deadline = time.monotonic() + timeout
        while True:
            model = self.hub.api("GET", f"/users/{self.name}")
            if not model.get("servers") and not model.get("pending"):
                return
            if time.monotonic() > deadline:
                raise HubError(f"{self.name}'s server did not stop within {timeout} s: {model}")
            time.sleep(0.25)


def family(proc):
    """A process and its live descendants; none when it is gone."""
    try:
        return [proc] + proc.children(recursive=True)
    except psutil.Error:
        return []


def peak_rss(proc):
    """Sum of the high-water marks of resident memory (VmHWM) of a process
    and its live descendants: what they needed at their peaks."""
    total = 0
    for p in family(proc):
        try:
            with open(f"/proc/{p.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) * 1024
        except (OSError, ValueError):
            pass
    return total


def tree_memory(proc):
    """(RSS bytes, PSS bytes, pids) of a process and its descendants."""
    rss = pss = 0
    pids = []
    for p in family(proc):
        try:
            full = p.memory_full_info()
            rss += full.rss
            pss += getattr(full, "pss", full.rss)
            pids.append(p.pid)
        except psutil.Error:
            pass
    return rss, pss, pids


def tree_cpu(proc):
    """CPU seconds of a process, its waited-for children (native builds and
    programs) and its live descendants (the worker)."""
    total = 0.0
    for p in family(proc):
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            pass
    return total
