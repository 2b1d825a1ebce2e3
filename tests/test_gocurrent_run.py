"""`gocurrent run NOTEBOOK -o OUT`: executes a notebook headless with no
Jupyter involved (JUPYTER_PATH unset), prints outputs and timing lines, and
writes a valid executed notebook."""

import os
import re
import subprocess

import pytest

from conftest import ROOT, TESTS_DIR, need

SMOKE = os.path.join(TESTS_DIR, "testdata", "smoke.ipynb")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def run_gocurrent(gc, *args, timeout=300):
    env = {k: v for k, v in gc.env.items() if not k.startswith("JUPYTER")}
    proc = subprocess.run(
        [gc.binary, "run", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    return proc, ANSI.sub("", proc.stdout)


def write_notebook(path, cells):
    nbformat = need("nbformat", "python3-nbformat")
    v4 = nbformat.v4
    nb = v4.new_notebook(
        cells=[
            v4.new_code_cell(src, metadata={"tags": tags}) if tags else v4.new_code_cell(src)
            for src, tags in cells
        ],
        metadata={"kernelspec": {"name": "gocurrent", "display_name": "Go (gocurrent)", "language": "go"}},
    )
    nbformat.write(nb, str(path))
    return nb


@pytest.mark.timeout(300)
def test_run_smoke_notebook(gocurrent_env, tmp_path):
    nbformat = need("nbformat", "python3-nbformat")
    out = tmp_path / "out.ipynb"
    proc, text = run_gocurrent(gocurrent_env, SMOKE, "-o", str(out))
    assert proc.returncode == 0, f"exit {proc.returncode}\n{text}\n{proc.stderr}"
    # cell outputs on the terminal
    for expected in ["hello from gocurrent", "10", "100", "sum of squares", "this cell fails on purpose", "sum 30"]:
        assert expected in text, f"{expected!r} not in the terminal output:\n{text}"
    # a timing line under the cells
    assert len(re.findall(r"wall [0-9.]+ [nµm]?s", text)) >= 5, text
    nb = nbformat.read(str(out), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), counts
    assert all(c.outputs for c in code), [c.source[:30] for c in code if not c.outputs]
    failing = [c for c in code if "raises-exception" in c.metadata.get("tags", [])]
    assert failing and all(any(o.output_type == "error" for o in c.outputs) for c in failing)
    # the cell after the failing one ran
    assert "sum 30" in "".join(o.get("text", "") for o in code[-1].outputs)
    # the input notebook is untouched
    src = nbformat.read(SMOKE, as_version=4)
    assert all(not c.outputs for c in src.cells if c.cell_type == "code")


# The tutorials run here: the first, which README's first command runs, and
# the one with cells that fail on purpose. tests/test_nbclient.py runs every
# tutorial through jupyter_client, and scripts/notebooks.sh with this
# command.
RUN = ["01-goroutines.ipynb", "02-locks.ipynb"]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("path", [os.path.join(ROOT, "notebooks", n) for n in RUN], ids=RUN)
def test_run_tutorial_notebook(gocurrent_env, tmp_path, path):
    assert os.path.exists(path), f"{path} is gone: name another tutorial in RUN"
    nbformat = need("nbformat", "python3-nbformat")
    out = tmp_path / "out.ipynb"
    proc, text = run_gocurrent(gocurrent_env, path, "-o", str(out))
    assert proc.returncode == 0, f"exit {proc.returncode}\n{text}\n{proc.stderr}"
    assert "wall" in text
    nb = nbformat.read(str(out), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert all(c.outputs for c in code)
    for c in code:
        for o in c.outputs:
            if o.output_type == "stream":
                assert o.text in text or o.text.strip() in text  # what was written was also shown


@pytest.mark.timeout(120)
def test_run_failing_cell_gives_nonzero_exit(gocurrent_env, tmp_path):
    nbformat = need("nbformat", "python3-nbformat")
    src = tmp_path / "fails.ipynb"
    write_notebook(src, [("a := 1", None), ('panic("not expected")', None), ("a + 1", None)])
    out = tmp_path / "fails-out.ipynb"
    proc, text = run_gocurrent(gocurrent_env, str(src), "-o", str(out), timeout=100)
    assert proc.returncode != 0, text
    assert "not expected" in text
    nb = nbformat.read(str(out), as_version=4)
    nbformat.validate(nb)
    assert any(o.output_type == "error" for o in nb.cells[1].outputs)


@pytest.mark.timeout(120)
def test_run_default_output_path(gocurrent_env, tmp_path):
    nbformat = need("nbformat", "python3-nbformat")
    src = tmp_path / "mini.ipynb"
    write_notebook(src, [('fmt.Println("mini")', None), ("6 * 9", None)])
    proc, text = run_gocurrent(gocurrent_env, str(src), timeout=100)
    assert proc.returncode == 0, text + proc.stderr
    out = tmp_path / "mini.nbconvert.ipynb"
    assert out.exists(), os.listdir(tmp_path)
    nb = nbformat.read(str(out), as_version=4)
    nbformat.validate(nb)
    assert nb.cells[1].outputs[0]["data"]["text/plain"] == "54"
    assert "mini" in text and "54" in text
