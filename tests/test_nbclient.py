"""Execute the tutorial notebooks end to end with real clients: nbclient
(in-process) and `jupyter nbconvert --to notebook --execute` (Debian's
/usr/bin/jupyter, as a subprocess).

Every notebook in notebooks/ is executed, plus the small notebooks in
tests/testdata/. Cells tagged "raises-exception" must fail; any other error
output fails the test. A tagged cell that names its error in the cell
metadata ("expected_error": the error's name, as "deadlock" or "data race")
must fail with that error; in the tutorial notebooks every tagged cell names
one.
"""

import copy
import glob
import os
import subprocess

import pytest

from conftest import JUPYTER, KERNEL_NAME, ROOT, TESTS_DIR, need, need_program

NOTEBOOKS = sorted(
    p for p in glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")) if not p.endswith(".nbconvert.ipynb")
)
TESTDATA = sorted(glob.glob(os.path.join(TESTS_DIR, "testdata", "*.ipynb")))
ALL = [p for p in NOTEBOOKS + TESTDATA if not p.endswith(".nbconvert.ipynb")]

CELL_TIMEOUT = 120  # seconds, per cell


def test_there_are_notebooks_to_run():
    assert TESTDATA, "tests/testdata has no notebook"
    assert NOTEBOOKS, "notebooks/ has no tutorial notebook (expected at least 01-goroutines.ipynb)"


def _allowed_error(cell):
    return "raises-exception" in cell.get("metadata", {}).get("tags", [])


def _expected_error(cell):
    return cell.get("metadata", {}).get("expected_error")


def _errors(nb):
    """(cell index, ename, evalue) of error outputs in cells not tagged
    raises-exception."""
    bad = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or _allowed_error(cell):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                bad.append((i, out.get("ename"), out.get("evalue")))
    return bad


def _strip_outputs(nb):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", ALL, ids=[os.path.relpath(p, ROOT) for p in ALL])
def test_nbclient_executes_notebook(path):
    nbformat = need("nbformat", "python3-nbformat")
    nbclient = need("nbclient", "python3-nbclient")
    nb = _strip_outputs(nbformat.read(path, as_version=4))
    client = nbclient.NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT,
        startup_timeout=60,
        allow_errors=False,  # only cells tagged raises-exception may fail
        resources={"metadata": {"path": os.path.dirname(path)}},
    )
    client.execute()
    assert not _errors(nb), f"error outputs in {path}: {_errors(nb)}"
    code_cells = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert code_cells, "no code cells"
    for c in code_cells:
        assert c.execution_count is not None, c.source
    # every tagged cell really failed (otherwise the tag is stale), with the
    # error it names
    for c in code_cells:
        if _allowed_error(c):
            enames = [o.ename for o in c.outputs if o.output_type == "error"]
            assert enames, f"tagged raises-exception but did not fail:\n{c.source}"
            want = _expected_error(c)
            if path in NOTEBOOKS:
                assert want, f"a tutorial cell tagged raises-exception must name its expected_error:\n{c.source}"
            if want:
                assert want in enames, f"expected error {want!r}, got {enames}:\n{c.source}"
    # execution counts go up one by one
    counts = [c.execution_count for c in code_cells]
    assert counts == list(range(counts[0], counts[0] + len(counts))), counts
    nbformat.validate(nb)


@pytest.mark.timeout(600)
def test_nbconvert_execute_subprocess(gocurrent_env, tmp_path):
    nbformat = need("nbformat", "python3-nbformat")
    jupyter = need_program(JUPYTER, "jupyter-nbconvert")
    src = NOTEBOOKS[0] if NOTEBOOKS else TESTDATA[0]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.run(
        [
            jupyter,
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            f"--ExecutePreprocessor.kernel_name={KERNEL_NAME}",
            "--ExecutePreprocessor.timeout=120",
            "--output-dir",
            str(out_dir),
            "--output",
            "executed",
            src,
        ],
        capture_output=True,
        text=True,
        timeout=540,
        env=gocurrent_env.env,
        cwd=str(tmp_path),
    )
    assert proc.returncode == 0, f"nbconvert failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    out = out_dir / "executed.ipynb"
    assert out.exists(), proc.stderr
    nb = nbformat.read(str(out), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert code and all(c.outputs for c in code), [
        (c.source[:40], len(c.outputs)) for c in code if not c.outputs
    ]
    assert all(c.execution_count is not None for c in code)
    assert not _errors(nb), _errors(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNEL_NAME
    assert nb.metadata.get("language_info", {}).get("name") == "go"
