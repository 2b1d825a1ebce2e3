"""Memory an idle kernel gives back, through jupyter_client: the heap a
cell left as garbage is returned to the operating system once the kernel
has had no request for a second, as the worker's RSS shows."""

import time

from conftest import need
from helpers import execute_ok

# 30 MiB, every page of it written, garbage when the cell ends: less than
# what the worker returns right after a cell (64 MB), so only the return
# after a second of rest gives it back.
GARBAGE = (
    "n := 0\n"
    "func() {\n"
    "\tb := make([]byte, 30<<20)\n"
    "\tfor i := 0; i < len(b); i += 4096 {\n"
    "\t\tb[i] = 1\n"
    "\t}\n"
    "\tn = len(b) >> 20\n"
    "}()\n"
    "n"
)


def worker_of(psutil, km):
    (worker,) = psutil.Process(km.provisioner.process.pid).children()
    return worker


def test_an_idle_worker_gives_back_what_its_cell_left(fresh_kernel):
    psutil = need("psutil", "python3-psutil")
    km, kc = fresh_kernel
    assert execute_ok(kc, GARBAGE).result_text == "30"
    worker = worker_of(psutil, km)
    busy = worker.memory_info().rss
    time.sleep(3)
    rested = worker.memory_info().rss
    assert busy - rested > 20 * 2**20, f"worker RSS {busy / 2**20:.0f} MiB right after the cell, {rested / 2**20:.0f} MiB after 3 s idle"
    # The session is intact.
    assert execute_ok(kc, "n").result_text == "30"
