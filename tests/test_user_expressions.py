"""user_expressions of execute_request, through jupyter_client.

As ipykernel does, the kernel evaluates them after a cell that succeeded
and returns them in execute_reply's user_expressions, each as
{"status": "ok", "data": ..., "metadata": {}} or as an error entry
{"status": "error", "ename", "evalue", "traceback"}. They publish nothing
and change neither the execution count nor the history."""

from helpers import execute, execute_ok, shell_reply


def outputs_of(r):
    return [m["msg_type"] for m in r.outputs]


def test_values(kernel):
    km, kc = kernel
    r = execute_ok(
        kc,
        'ueX := 5\ntype ueTemp float64\nfunc (t ueTemp) String() string { return fmt.Sprintf("%.1f°C", float64(t)) }\nueT := ueTemp(21.5)',
        user_expressions={"x": "6*7", "double": "ueX*2", "t": "ueT", "s": 'strings.Repeat("ab", 2)'},
    )
    ue = r.content["user_expressions"]
    assert ue["x"] == {"status": "ok", "data": {"text/plain": "42"}, "metadata": {}}, ue
    assert ue["double"] == {"status": "ok", "data": {"text/plain": "10"}, "metadata": {}}, ue
    assert ue["t"] == {"status": "ok", "data": {"text/plain": "21.5°C"}, "metadata": {}}, ue
    assert ue["s"]["status"] == "ok" and ue["s"]["data"]["text/plain"] == '"abab"', ue
    assert set(ue) == {"x", "double", "t", "s"}


def test_errors_publish_nothing_and_keep_the_kernel(kernel):
    km, kc = kernel
    plain = execute_ok(kc, 'fmt.Println("hi")')
    r = execute_ok(
        kc,
        'fmt.Println("hi")',
        user_expressions={"undefined": "ueNoSuchName + 1", "syntax": "1 +", "stmt": "x := 1", "ok": "6*7"},
    )
    ue = r.content["user_expressions"]
    for name in ("undefined", "syntax", "stmt"):
        e = ue[name]
        assert e["status"] == "error", ue
        assert isinstance(e["ename"], str) and e["ename"], e
        assert isinstance(e["evalue"], str) and e["evalue"], e
        assert isinstance(e["traceback"], list) and e["traceback"], e
        assert "data" not in e
    assert "undefined: ueNoSuchName" in ue["undefined"]["evalue"], ue
    assert ue["ok"]["data"] == {"text/plain": "42"}, ue
    # The same outputs as the cell without them: no error, no stream.
    assert outputs_of(r) == outputs_of(plain), r.describe()
    assert r.user_stdout == "hi\n", r.describe()
    assert execute_ok(kc, "2 + 3").result_text == "5"


def test_failed_cell_evaluates_none(kernel):
    km, kc = kernel
    r = execute(kc, "ueFail := 1\npanic(\"no\")", user_expressions={"x": "6*7"})
    assert r.status == "error", r.describe()
    assert r.content["user_expressions"] == {}, r.content
    assert execute(kc, "undefinedName", user_expressions={"x": "6*7"}).content["user_expressions"] == {}


def test_count_history_and_silent(kernel):
    km, kc = kernel
    first = execute_ok(kc, "ueCount := 1", user_expressions={"a": "ueCount + 1", "b": "ueCount +"})
    count = first.content["execution_count"]
    assert first.content["user_expressions"]["a"]["data"] == {"text/plain": "2"}
    # A silent request evaluates them too, and publishes no output.
    silent = execute_ok(kc, "ueCount = 10", silent=True, user_expressions={"a": "ueCount * 3"})
    assert silent.content["user_expressions"]["a"]["data"] == {"text/plain": "30"}, silent.content
    assert silent.outputs == [], silent.describe()
    after = execute_ok(kc, "ueCount")
    assert after.content["execution_count"] == count + 1
    assert after.result_text == "10"
    msg_id = kc.history(hist_access_type="tail", n=3, output=False, raw=True)
    hist = [h[2] for h in shell_reply(kc, msg_id)["content"]["history"]]
    assert hist[-2:] == ["ueCount := 1", "ueCount"], hist
