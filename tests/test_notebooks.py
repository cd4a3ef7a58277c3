"""The example notebooks run top to bottom and match their paired scripts."""

import sys
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))
from build_notebooks import execute, notebook_scripts, source_fingerprint  # noqa: E402

SCRIPTS = notebook_scripts()


def code_cells(notebook):
    return [cell.source.strip() for cell in notebook.cells if cell.cell_type == "code"]


def test_every_notebook_has_a_script():
    assert len(SCRIPTS) == 4
    for script in SCRIPTS:
        assert script.with_suffix(".ipynb").exists(), f"run examples/build_notebooks.py {script}"


@pytest.mark.parametrize("script", SCRIPTS, ids=[script.stem for script in SCRIPTS])
def test_stored_notebook_matches_script(script):
    stored = nbformat.read(script.with_suffix(".ipynb"), as_version=4)
    rebuild = f"run python examples/build_notebooks.py examples/{script.name}"
    assert code_cells(stored) == code_cells(jupytext.read(script)), (
        f"{script.name} changed since its notebook was built; {rebuild}"
    )
    built_from = stored.metadata.get("implicit_optimum", {}).get("source_fingerprint")
    assert built_from == source_fingerprint(script), (
        f"the stored outputs of {script.stem}.ipynb come from older library code; {rebuild}"
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=[script.stem for script in SCRIPTS])
def test_notebook_executes(script):
    notebook = jupytext.read(script)
    execute(notebook)
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
    assert not errors
