"""Drive `jupyter console --kernel gocurrent` (Debian's /usr/bin/jupyter)
through a pseudo-terminal with pexpect, as a person would type."""

import re
import time

import pytest

from conftest import JUPYTER, KERNEL_NAME, need, need_program

# colours, cursor movement, bracketed paste and the like
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]|\r")


class Terminal:
    """A pexpect child whose output is matched with the ANSI codes removed."""

    def __init__(self, pexpect, child):
        self.pexpect = pexpect
        self.child = child
        self.pending = ""  # text not yet consumed by expect
        self.screen = ""  # everything, for failure messages

    def _read(self, wait):
        try:
            data = self.child.read_nonblocking(65536, timeout=wait)
        except self.pexpect.TIMEOUT:
            return True
        except self.pexpect.EOF:
            return False
        text = ANSI.sub("", data)
        self.pending += text
        self.screen += text
        return True

    def expect(self, pattern, timeout=30):
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.pending)
            if m:
                self.pending = self.pending[m.end() :]
                return m
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout} s waiting for {pattern!r}; terminal showed:\n"
                    + self.screen[-3000:]
                )
            if not self._read(0.2):
                m = rx.search(self.pending)
                if m:
                    return m
                raise AssertionError(
                    f"console ended while waiting for {pattern!r}; terminal showed:\n" + self.screen[-3000:]
                )

    def settle(self, quiet=0.3, timeout=5):
        """Wait until the terminal has been quiet for `quiet` seconds, so
        that keys are not typed while the prompt is still being drawn."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = len(self.screen)
            if not self._read(quiet):
                return
            if len(self.screen) == before:
                return

    def sendline(self, line):
        self.settle()
        self.child.sendline(line)

    def sendeof(self):
        self.settle()
        self.child.sendeof()

    def wait_exit(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._read(0.2):
                self.child.close()
                return self.child.exitstatus
        raise AssertionError("jupyter console did not exit; terminal showed:\n" + self.screen[-3000:])


@pytest.fixture
def console(gocurrent_env):
    pexpect = need("pexpect", "python3-pexpect")
    psutil = need("psutil", "python3-psutil")
    jupyter = need_program(JUPYTER, "jupyter-console")
    env = dict(gocurrent_env.env)
    # prompt_toolkit asks the terminal for the cursor position and, with no
    # answer, redraws the prompt a moment later: keys typed then get lost.
    env["PROMPT_TOOLKIT_NO_CPR"] = "1"
    env["TERM"] = "xterm"
    child = pexpect.spawn(
        jupyter,
        ["console", "--kernel", KERNEL_NAME],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
    )
    term = Terminal(pexpect, child)
    try:
        yield term, psutil
    finally:
        if child.isalive():
            child.terminate(force=True)
        # never leave a kernel behind, even when a test failed
        for p in getattr(term, "kernel_procs", []):
            try:
                p.kill()
            except psutil.Error:
                pass


def kernel_processes(psutil, console_pid):
    """The gocurrent kernel (and its worker) started by the console."""
    procs = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        procs = [
            p
            for p in psutil.Process(console_pid).children(recursive=True)
            if any("gocurrent" in a for a in p.cmdline()[:1])
        ]
        if any("kernel" in p.cmdline() for p in procs):
            return procs
        time.sleep(0.1)
    raise AssertionError(f"no gocurrent kernel under the console: {procs}")


def assert_gone(psutil, procs, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for p in procs:
            try:
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
            except psutil.NoSuchProcess:
                pass
        if not alive:
            return
        time.sleep(0.1)
    raise AssertionError(f"still running after the console exited: {[(p.pid, p.cmdline()) for p in alive]}")


def start_session(term, psutil):
    term.expect(r"In \[1\]: ", timeout=60)
    procs = kernel_processes(psutil, term.child.pid)
    term.kernel_procs = procs
    return procs


def run_cells(term):
    term.sendline("x := 20")
    term.expect(r"In \[2\]: ")
    term.sendline("x*2+2")
    term.expect(r"Out\[2\]: 42\b")
    term.expect(r"In \[3\]: ")
    term.sendline('fmt.Println("hi")')
    term.expect(r"\nhi\n")
    term.expect(r"In \[4\]: ")


@pytest.mark.timeout(120)
def test_console_session_ctrl_d(console):
    term, psutil = console
    procs = start_session(term, psutil)
    assert "gocurrent" in term.screen  # the banner
    run_cells(term)
    term.sendeof()
    term.expect(r"Do you really want to exit")
    term.sendline("y")
    assert term.wait_exit() == 0
    assert_gone(psutil, procs)


@pytest.mark.timeout(120)
def test_console_session_exit_command(console):
    """`exit` is the documented way to leave jupyter console without the
    confirmation; the kernel answers it with an ask_exit payload (as IPython
    does), since the console sends it to the kernel as code."""
    term, psutil = console
    procs = start_session(term, psutil)
    run_cells(term)
    term.sendline("exit")
    assert term.wait_exit(timeout=10) == 0
    assert_gone(psutil, procs)


@pytest.mark.timeout(120)
def test_console_multiline_and_error(console):
    """is_complete drives continuation lines; an error shows and the
    session goes on."""
    term, psutil = console
    start_session(term, psutil)
    term.sendline("func twice(n int) int {")
    term.expect(r"\.\.\.: ")
    term.sendline("return 2 * n")
    term.expect(r"\.\.\.: ")
    term.sendline("}")  # is_complete says complete: the cell runs
    term.expect(r"In \[2\]: ")
    term.sendline("twice(21)")
    term.expect(r"Out\[2\]: 42\b")
    term.expect(r"In \[3\]: ")
    term.sendline("undefinedName + 1")
    term.expect(r"compile error")
    term.expect(r"In \[4\]: ")
    term.sendline("twice(2)")
    term.expect(r"Out\[4\]: 4\b")
    term.sendeof()
    term.expect(r"Do you really want to exit")
    term.sendline("y")
    assert term.wait_exit() == 0
