"""Shared fixtures for gocurrent's end-to-end tests.

The session fixture ``gocurrent_env`` (autouse) builds the gocurrent binary
from the repository into a temporary directory, installs the kernelspec with
``gocurrent install --prefix <tmp>/prefix`` and points JUPYTER_PATH at it.
HOME, XDG_DATA_HOME and the Jupyter data/runtime/config directories go to
the same temporary directory, so the kernel's history file and the
connection files never touch the user's own.  The Go caches keep their
usual places (GOCACHE, GOMODCACHE, GOPATH are pinned before HOME changes),
so the build and any native cell need no download.

A missing dependency (the go toolchain, a Python module, a Debian program)
makes the tests FAIL, never skip: see ``need``.

Every test gets a wall-clock limit (SIGALRM), 120 s unless marked
``@pytest.mark.timeout(N)``, so nothing can hang the suite; and every
Jupyter call in these tests has its own explicit timeout as well.
"""

import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS_DIR)
KERNEL_NAME = "gocurrent"
COMPILED_KERNEL_NAME = "gocurrent-compiled"
DEFAULT_TIMEOUT = 120  # seconds per test, unless marked otherwise

# Debian's Jupyter lives here; the python3 first on PATH may be another one.
JUPYTER = "/usr/bin/jupyter"
DEBIAN_PYTHON = "/usr/bin/python3"


# --------------------------------------------------------------------------
# dependencies: fail, never skip


def need(module, package=None):
    """Import a Python module, or fail the test naming the Debian package."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        pytest.fail(
            f"missing dependency: Python module {module!r} ({exc}); "
            f"install the Debian package {package or 'that provides it'} "
            f"and run the tests with {DEBIAN_PYTHON} (this is {sys.executable})",
            pytrace=False,
        )


def need_program(path_or_name, package):
    """Return the absolute path of a program, or fail the test."""
    found = path_or_name if os.path.isabs(path_or_name) else shutil.which(path_or_name)
    if not found or not os.access(found, os.X_OK):
        pytest.fail(
            f"missing dependency: program {path_or_name!r}; install the Debian package {package}",
            pytrace=False,
        )
    return found


# --------------------------------------------------------------------------
# per-test time limit


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "timeout(seconds): wall-clock limit for one test (default %d s)" % DEFAULT_TIMEOUT
    )
    config.addinivalue_line("markers", "program_cell: a whole program run as one cell (the native engine runs it)")


class TimeLimitExceeded(Exception):
    """Raised in the main thread when a test runs past its limit."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Arm SIGALRM around the whole test (setup, call, teardown). Not when
    the pytest-timeout plugin is there: it reads the same marker."""
    if item.config.pluginmanager.hasplugin("timeout"):
        yield
        return
    marker = item.get_closest_marker("timeout")
    limit = int(marker.args[0]) if marker and marker.args else DEFAULT_TIMEOUT

    def on_alarm(signum, frame):
        raise TimeLimitExceeded(f"{item.nodeid} ran longer than {limit} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# --------------------------------------------------------------------------
# build and install once per session


class GoCurrent:
    """Where the session's build and kernelspec live."""

    def __init__(self, tmp, binary, prefix, env):
        self.tmp = tmp
        self.binary = binary  # the freshly built binary
        self.prefix = prefix
        self.kernelspec_dir = os.path.join(prefix, "share", "jupyter", "kernels", KERNEL_NAME)
        self.jupyter_path = os.path.join(prefix, "share", "jupyter")
        self.env = env  # the environment the tests run with
        with open(os.path.join(self.kernelspec_dir, "kernel.json")) as f:
            self.spec = json.load(f)
        self.kernel_binary = self.spec["argv"][0]  # what Jupyter actually runs


def _go_env(go, *names):
    out = subprocess.run([go, "env", *names], cwd=ROOT, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        pytest.fail(f"go env failed: {out.stderr}", pytrace=False)
    return dict(zip(names, out.stdout.splitlines()))


@pytest.fixture(scope="session", autouse=True)
def gocurrent_env(tmp_path_factory):
    """Build gocurrent, install its kernelspec under a temp prefix, and set
    JUPYTER_PATH, HOME, XDG_DATA_HOME (and Jupyter's own dirs) for all
    tests. Restores the environment afterwards."""
    go = need_program("go", "golang-go (or a Go toolchain on PATH)")
    tmp = str(tmp_path_factory.mktemp("gocurrent"))
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    binary = os.path.join(bindir, "gocurrent")

    # Pin the Go caches to where they are now, before HOME moves.
    goenv = _go_env(go, "GOCACHE", "GOMODCACHE", "GOPATH")

    # The build has its own time limit; it does not count against the
    # first test's.
    remaining = signal.alarm(0)
    t0 = time.monotonic()
    build = subprocess.run(
        [go, "build", "-o", binary, "."], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    if build.returncode != 0:
        pytest.fail(f"go build failed ({build.returncode}):\n{build.stderr}", pytrace=False)
    if remaining:
        signal.alarm(remaining)
    sys.stderr.write(f"\n[gocurrent tests] built {binary} in {time.monotonic() - t0:.1f} s\n")

    home = os.path.join(tmp, "home")
    xdg_data = os.path.join(tmp, "xdg-data")
    runtime = os.path.join(tmp, "jupyter-runtime")
    config = os.path.join(tmp, "jupyter-config")
    for d in (home, xdg_data, runtime, config):
        os.makedirs(d, exist_ok=True)
    prefix = os.path.join(tmp, "prefix")

    saved = dict(os.environ)
    os.environ.update(goenv)
    os.environ.update(
        {
            "HOME": home,
            "XDG_DATA_HOME": xdg_data,
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "JUPYTER_RUNTIME_DIR": runtime,
            "JUPYTER_CONFIG_DIR": config,
            "JUPYTER_DATA_DIR": os.path.join(xdg_data, "jupyter"),
            "JUPYTER_PATH": os.path.join(prefix, "share", "jupyter"),
            "IPYTHONDIR": os.path.join(home, ".ipython"),
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
    )
    try:
        inst = subprocess.run(
            [binary, "install", "--prefix", prefix], capture_output=True, text=True, timeout=60
        )
        if inst.returncode != 0:
            pytest.fail(
                f"gocurrent install --prefix failed ({inst.returncode}):\n{inst.stdout}{inst.stderr}",
                pytrace=False,
            )
        gc = GoCurrent(tmp, binary, prefix, dict(os.environ))
        if not os.path.exists(gc.kernel_binary):
            pytest.fail(f"kernel.json runs {gc.kernel_binary}, which does not exist", pytrace=False)
        yield gc
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --------------------------------------------------------------------------
# kernels


def start_kernel(timeout=60, kernel_name=KERNEL_NAME):
    """Start the gocurrent kernel (or, with kernel_name, another installed
    kernelspec); return (KernelManager, BlockingKernelClient) with the
    client ready."""
    manager = need("jupyter_client.manager", "python3-jupyter-client")
    return manager.start_new_kernel(kernel_name=kernel_name, startup_timeout=timeout)


def stop_kernel(km, kc):
    try:
        kc.stop_channels()
    finally:
        try:
            km.shutdown_kernel(now=False)
        except Exception:
            km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel(gocurrent_env):
    """One kernel for a test module: (km, kc)."""
    km, kc = start_kernel()
    try:
        yield km, kc
    finally:
        stop_kernel(km, kc)


@pytest.fixture
def fresh_kernel(gocurrent_env):
    """A kernel of its own for one test: (km, kc)."""
    km, kc = start_kernel()
    try:
        yield km, kc
    finally:
        stop_kernel(km, kc)


@pytest.fixture
def fresh_compiled_kernel(gocurrent_env):
    """A compiled session (kernelspec gocurrent-compiled) for one test."""
    km, kc = start_kernel(kernel_name=COMPILED_KERNEL_NAME)
    try:
        yield km, kc
    finally:
        stop_kernel(km, kc)


def new_id():
    return uuid.uuid4().hex
