"""The kernel in a real browser: Debian's classic Jupyter Notebook (6.4)
driven in headless Chromium by tests/browser/notebook.mjs (playwright-core,
with the system's /usr/bin/chromium; scripts/setup-node.sh installs it).

One notebook server and one browser run for the whole module (the fixture
``browser_run``); the driver records what it saw as JSON and each test
below checks one part of it:

- the New menu lists "Go (gocurrent)" and the kernel's logo is served;
- a notebook created from that menu runs the kernel and shows the logo in
  the kernel indicator;
- a typed cell shows its output and the timing line;
- Tab completes ``fmt.Pri``; Shift-Tab on ``fmt.Println`` and inside
  ``fmt.Println(`` shows its documentation;
- the toolbar's interrupt button stops ``for {}`` and the session goes on;
- each tutorial notebook (notebooks/*.ipynb, copies) runs with Cell > Run
  All: every cell gets an execution count, no cell shows an error unless it
  is tagged raises-exception (and then the one it expects), the timing
  lines show, and the charts (SVG) render with a non-zero size.

Screenshots go to a temporary directory and are copied to
tests/browser/artifacts/ (ignored by git) for CI to keep.
"""

import glob
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import ROOT, need_program
from test_server_api import NotebookServer

BROWSER_DIR = os.path.join(ROOT, "tests", "browser")
ARTIFACTS = os.path.join(BROWSER_DIR, "artifacts")
DRIVER = os.path.join(BROWSER_DIR, "notebook.mjs")
SETUP = os.path.join(ROOT, "scripts", "setup-node.sh")
CHROMIUM = "/usr/bin/chromium"
NOTEBOOKS = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
TIMING = "\u00bb wall"

DRIVER_TIMEOUT = 270  # seconds for the whole browser session
pytestmark = pytest.mark.timeout(DRIVER_TIMEOUT + 60)


def _ensure_node_modules(env):
    if os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
        return
    r = subprocess.run(["bash", SETUP, "tests/browser"], capture_output=True, text=True, timeout=300, env=env)
    if r.returncode != 0:
        pytest.fail(f"scripts/setup-node.sh failed ({r.returncode}):\n{r.stdout}{r.stderr}", pytrace=False)


@pytest.fixture(scope="module")
def browser_run(gocurrent_env, tmp_path_factory, pytestconfig):
    node = need_program("node", "nodejs (Node.js >= 18)")
    need_program("npm", "npm")
    chromium = need_program(CHROMIUM, "chromium")
    env = dict(gocurrent_env.env)
    _ensure_node_modules(env)

    tmp = tmp_path_factory.mktemp("browser")
    root = tmp / "notebooks"
    root.mkdir()
    for name in NOTEBOOKS:
        shutil.copy(os.path.join(ROOT, "notebooks", name), root / name)
    shots = tmp / "screenshots"
    profile = tmp / "chromium-profile"
    server = NotebookServer(str(root), env, str(tmp / "jupyter-notebook.log"))
    try:
        cfg = {
            "url": server.url,
            "token": server.token,
            "chromium": chromium,
            "profile": str(profile),
            "shots": str(shots),
            "notebooks": NOTEBOOKS,
            "notebookTimeoutMs": 90000,
        }
        t0 = time.monotonic()
        try:
            p = subprocess.run(
                [node, DRIVER, json.dumps(cfg)],
                cwd=BROWSER_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=DRIVER_TIMEOUT,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(
                f"the browser driver ran longer than {DRIVER_TIMEOUT} s:\n{(exc.stderr or b'')[-4000:]!r}\n"
                f"server log:\n{server.log_text()[-3000:]}",
                pytrace=False,
            )
        elapsed = time.monotonic() - t0
        lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
        if p.returncode != 0 or not lines:
            pytest.fail(
                f"browser driver exited {p.returncode}\nstdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-6000:]}",
                pytrace=False,
            )
        result = json.loads(lines[-1])
        result["driver_stderr"] = p.stderr
        result["server_log"] = server.log_text()
    finally:
        server.stop()

    # keep the screenshots (and the driver's result.json) where CI can pick
    # them up
    os.makedirs(ARTIFACTS, exist_ok=True)
    kept = []
    for path in sorted(glob.glob(os.path.join(str(shots), "*"))):
        dest = os.path.join(ARTIFACTS, os.path.basename(path))
        shutil.copy(path, dest)
        if path.endswith(".png"):
            kept.append(dest)
    report = [f"[browser] driver took {elapsed:.1f} s; screenshots in {shots} (copied to {ARTIFACTS}):"]
    report += [f"[browser]   {path}" for path in result.get("screenshots", [])]
    for name, rec in result.get("checks", {}).items():
        report.append(f"[browser] {name}: {'ok' if rec.get('ok') else 'FAILED'} in {rec.get('ms')} ms")
    if result.get("console"):
        report.append(f"[browser] console errors: {json.dumps(result['console'])[:3000]}")
    _say(pytestconfig, "\n" + "\n".join(report))
    result["kept_screenshots"] = kept
    result["elapsed"] = elapsed
    return result


def _say(pytestconfig, text):
    """Print past pytest's output capture (the paths of the screenshots
    should show in every run, not only when a test fails)."""
    capman = pytestconfig.pluginmanager.getplugin("capturemanager")
    if capman is None:
        print(text)
        return
    with capman.global_and_fixture_disabled():
        print(text, flush=True)


def _check(result, name):
    if result.get("fatal") and name not in result["checks"]:
        pytest.fail(f"browser driver stopped before {name}: {result['fatal']}\n{result['driver_stderr'][-3000:]}")
    assert name in result["checks"], f"check {name} did not run; ran: {sorted(result['checks'])}"
    return result["checks"][name]


def _show(rec):
    return json.dumps(rec, indent=1, ensure_ascii=False)[:6000]


def test_new_menu_lists_kernel_with_logo(browser_run):
    rec = _check(browser_run, "new_menu")
    assert rec["item_text"] == "Go (gocurrent)", _show(rec)
    assert rec["logo_status"] == 200, _show(rec)
    assert rec["logo_type"].startswith("image/png"), _show(rec)
    assert rec["logo_png_magic"] and rec["logo_bytes"] > 100, _show(rec)
    assert rec["ok"], _show(rec)


def test_new_notebook_uses_kernel_and_shows_logo(browser_run):
    rec = _check(browser_run, "new_notebook")
    assert rec.get("kernel_name") == "gocurrent", _show(rec)
    assert rec["kernelspec"]["name"] == "gocurrent", _show(rec)
    assert rec["kernelspec"]["display_name"] == "Go (gocurrent)", _show(rec)
    assert "logo-64x64.png" in (rec["logo_src"] or ""), _show(rec)
    assert rec["logo_loaded"] and rec["logo_natural"] == [64, 64], _show(rec)
    assert rec["logo_visible"], _show(rec)
    assert rec["indicator_text"].strip() == "Go (gocurrent)", _show(rec)
    assert rec["ok"], _show(rec)


def test_cell_output_and_timing_line(browser_run):
    rec = _check(browser_run, "run_cell")
    assert "hello from chromium" in rec.get("output", ""), _show(rec)
    assert TIMING in rec["output"], _show(rec)
    assert rec["timing_visible"], _show(rec)
    assert rec["execution_count"] == 1, _show(rec)
    assert rec["ok"], _show(rec)


def test_tab_completion(browser_run):
    """`fmt.Pri` then Tab: the list (Print, Printf, Println) pops up, and
    picking an entry gives `fmt.Print...` (the reply's range is right)."""
    rec = _check(browser_run, "tab_completion")
    if rec.get("list_visible"):
        assert {"Print", "Printf", "Println"} <= set(rec["options"]), _show(rec)
    assert rec.get("text_after_pick", "").startswith("fmt.Print"), _show(rec)
    assert rec["ok"], _show(rec)


def test_shift_tab_tooltip_on_name(browser_run):
    """Shift-Tab with the cursor on `fmt.Println`: the tooltip shows its doc."""
    rec = _check(browser_run, "shift_tab_tooltip_on_name")
    assert rec.get("visible"), _show(rec)
    assert "Println" in rec["text"], _show(rec)
    assert rec["ok"], _show(rec)


def test_shift_tab_tooltip(browser_run):
    """`fmt.Println(` then Shift-Tab (the cursor inside the call's
    parentheses, after the auto-closed `(`): the tooltip shows Println's
    documentation, as IPython's kernel does for the call around the cursor."""
    rec = _check(browser_run, "shift_tab_tooltip")
    assert rec["cell_text"] == "fmt.Println()" and rec["cursor"]["ch"] == 12, _show(rec)
    assert rec.get("reply") and rec["reply"]["status"] == "ok", _show(rec)
    assert rec["reply"]["found"], (
        "inspect_request for 'fmt.Println()' with cursor_pos 12 (inside the parentheses) "
        f"answered found=false, so the classic Notebook shows no tooltip: {_show(rec)}"
    )
    assert rec.get("visible"), _show(rec)
    assert "Println" in rec["text"], _show(rec)
    assert rec["ok"], _show(rec)


def test_interrupt_button(browser_run):
    rec = _check(browser_run, "interrupt")
    assert rec.get("stopped_ms") is not None, f"the loop was not stopped: {_show(rec)}"
    assert rec["stopped_ms"] < 5000, _show(rec)
    assert "interrupted" in rec["loop_output"].lower(), _show(rec)
    assert "after interrupt: hello from chromium" in rec["after_output"], _show(rec)
    assert rec["ok"], _show(rec)


def _expected(name):
    """From the repository's copy (with its committed outputs): per cell
    index, whether a timing line and how many charts it showed."""
    with open(os.path.join(ROOT, "notebooks", name)) as f:
        nb = json.load(f)
    exp = {}
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] != "code":
            continue
        texts, charts = [], 0
        for o in c.get("outputs", []):
            if o["output_type"] == "stream":
                texts.append("".join(o["text"]) if isinstance(o["text"], list) else o["text"])
            elif o["output_type"] in ("display_data", "execute_result"):
                d = o.get("data", {})
                if "image/svg+xml" in d or "image/png" in d:
                    charts += 1
                t = d.get("text/plain", "")
                t = "".join(t) if isinstance(t, list) else t
                # A failed cell's timing line is the display its live
                # status became, shown only when the cell ran longer than
                # half a second: not expected of every run.
                if not t.startswith(TIMING):
                    texts.append(t)
            elif o["output_type"] == "error":
                texts.extend(o.get("traceback", []))
        exp[i] = {"timing": any(TIMING in t for t in texts), "charts": charts}
    return exp


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_tutorial_notebook_run_all(browser_run, name):
    rec = _check(browser_run, f"notebook:{name}")
    nb = browser_run["notebooks"].get(name)
    assert nb is not None, _show(rec)
    cells = [c for c in nb["cells"] if c["type"] == "code"]
    problems = []
    if not nb["finished"]:
        problems.append(f"Run All did not finish within the time limit ({nb['run_ms']} ms)")
    expected = _expected(name)
    assert sorted(expected) == [c["index"] for c in cells], "the page's cells differ from the notebook file"
    for c in cells:
        where = f"cell {c['index']} ({c['source_head']!r})"
        if c["empty"]:
            continue
        if not isinstance(c["execution_count"], int):
            problems.append(f"{where}: no execution count ({c['execution_count']!r})")
        allowed = "raises-exception" in c["tags"]
        if c["errors"] and not allowed:
            problems.append(f"{where}: unexpected error output: {c['errors'][0][:800]}")
        if allowed:
            if not c["errors"]:
                problems.append(f"{where}: tagged raises-exception but shows no error")
            elif c["expected_error"] and c["expected_error"] not in c["errors"][0]:
                problems.append(f"{where}: error does not name {c['expected_error']!r}: {c['errors'][0][:500]}")
        exp = expected[c["index"]]
        if exp["timing"] and not (c["timing"] and c["timing"]["visible"]):
            problems.append(f"{where}: timing line missing or not visible (timing={c['timing']!r}); output: {c['text'][:300]!r}")
        visible_charts = [ch for ch in c["charts"] if ch["width"] > 0 and ch["height"] > 0 and ch["loaded"]]
        if len(visible_charts) < exp["charts"]:
            problems.append(f"{where}: {exp['charts']} chart(s) expected, visible: {c['charts']!r}")
        for ch in visible_charts:
            if ch["tag"] == "svg" and not ch["shapes"]:
                problems.append(f"{where}: an empty SVG chart {ch!r}")
    if name.startswith(("04-", "06-")):
        assert sum(e["charts"] for e in expected.values()) > 0, f"{name} is expected to have charts"
    assert not problems, f"{name} (Run All took {nb['run_ms']} ms):\n" + "\n".join(problems)
    assert rec["ok"], _show(rec)


def test_browser_session_kept_screenshots(browser_run):
    """The browser session kept its screenshots (the session's duration is
    printed by the fixture, not asserted: machines differ)."""
    assert browser_run["kept_screenshots"], "no screenshots were taken"
