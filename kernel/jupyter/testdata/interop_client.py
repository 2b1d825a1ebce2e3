"""Interop client for interop_test.go: drives the Go Sockets with jupyter_client.

Usage: interop_client.py CONNECTION_FILE. Prints OK on success; any failure
raises (jupyter_client itself rejects bad signatures and dates).
"""

import sys
import time

import zmq
from jupyter_client import BlockingKernelClient


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def iopub_until_idle(kc, parent_id, timeout=20):
    """Collects iopub messages caused by parent_id until its idle status."""
    deadline = time.monotonic() + timeout
    got = []
    while True:
        left = deadline - time.monotonic()
        check(left > 0, "no idle status on iopub for %s; got %r" % (parent_id, [m["msg_type"] for m in got]))
        msg = kc.get_iopub_msg(timeout=left)
        if msg["parent_header"].get("msg_id") != parent_id:
            continue
        got.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return got


def main():
    cf = sys.argv[1]
    kc = BlockingKernelClient()
    kc.load_connection_file(cf)
    check(kc.session.auth is not None, "jupyter_client is not checking signatures")
    kc.start_channels()
    kc.wait_for_ready(timeout=30)

    # shell
    reply = kc.kernel_info(reply=True, timeout=10)
    check(reply["msg_type"] == "kernel_info_reply", reply)
    check(reply["content"]["protocol_version"] == "5.3", reply)
    msgs = iopub_until_idle(kc, reply["parent_header"]["msg_id"])
    check([m["content"]["execution_state"] for m in msgs] == ["busy", "idle"], msgs)

    # control
    req = kc.session.msg("kernel_info_request")
    kc.control_channel.send(req)
    rep = kc.get_control_msg(timeout=10)
    check(rep["msg_type"] == "kernel_info_reply", rep)
    check(rep["parent_header"]["msg_id"] == req["header"]["msg_id"], rep)
    check(rep["header"]["session"] == reply["header"]["session"], "kernel session changed")
    iopub_until_idle(kc, req["header"]["msg_id"])

    # stdin: input_request goes to this client's stdin socket
    mid = kc.execute("input", allow_stdin=True)
    ireq = kc.get_stdin_msg(timeout=10)
    check(ireq["msg_type"] == "input_request", ireq)
    check(ireq["parent_header"]["msg_id"] == mid, ireq)
    kc.input("gopher")
    rep = kc.get_shell_msg(timeout=10)
    check(rep["parent_header"]["msg_id"] == mid and rep["content"]["status"] == "ok", rep)
    msgs = iopub_until_idle(kc, mid)
    streams = [m["content"]["text"] for m in msgs if m["msg_type"] == "stream"]
    check(streams == ["gopher\n"], msgs)

    # many iopub messages arrive, in order
    n = 5000
    mid = kc.execute("flood %d" % n)
    msgs = iopub_until_idle(kc, mid, timeout=60)
    texts = [m["content"]["text"] for m in msgs if m["msg_type"] == "stream"]
    check(texts == ["%d\n" % i for i in range(n)], "flood: got %d stream messages" % len(texts))
    rep = kc.get_shell_msg(timeout=10)
    check(rep["parent_header"]["msg_id"] == mid, rep)

    # a second client gets its own replies
    kc2 = BlockingKernelClient()
    kc2.load_connection_file(cf)
    kc2.start_channels(hb=False)
    r1 = kc.kernel_info()
    r2 = kc2.kernel_info()
    a = kc.get_shell_msg(timeout=10)
    b = kc2.get_shell_msg(timeout=10)
    check(a["parent_header"]["msg_id"] == r1, a)
    check(b["parent_header"]["msg_id"] == r2, b)
    kc2.stop_channels()

    # heartbeat, raw
    ctx = zmq.Context.instance()
    hb = ctx.socket(zmq.REQ)
    hb.linger = 0
    hb.connect(kc._make_url("hb"))
    for ping in (b"ping", b"", b"x" * 1000):
        hb.send(ping)
        check(hb.poll(5000), "no heartbeat reply")
        check(hb.recv() == ping, "heartbeat did not echo")
    hb.close()
    # and jupyter_client's own heartbeat channel (1 s period)
    time.sleep(2.5)
    check(kc.hb_channel.is_beating(), "hb_channel not beating")

    kc.stop_channels()
    print("OK")


if __name__ == "__main__":
    main()
