"""Build the example notebooks from their paired percent-format scripts.

Each ``NN_name.py`` here is the reviewable source of ``NN_name.ipynb``. Run
``python examples/build_notebooks.py`` after editing a script: it converts it
with jupytext, executes it top to bottom with nbclient and stores the
notebook with its outputs, so readers see the plots without running it.
Rebuild every notebook after changing the library, too: the tests check
that the stored outputs come from the current code.
"""

import hashlib
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parent
CELL_TIMEOUT_SECONDS = 600


def source_fingerprint(script: Path) -> str:
    """Return a hash of ``script`` and the library's source files.

    It is stored in each built notebook, so a test can tell when the stored
    outputs came from older code.
    """
    digest = hashlib.sha256()
    library = sorted((EXAMPLES.parent / "implicit_optimum").glob("*.py"))
    for path in [script, *library]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def notebook_scripts() -> list[Path]:
    return sorted(path for path in EXAMPLES.glob("[0-9][0-9]_*.py"))


def execute(notebook) -> None:
    """Execute ``notebook`` in place, with the examples folder as working directory."""
    # IPC sockets in a private folder keep the kernel off the network.
    with tempfile.TemporaryDirectory() as folder:
        kernel_manager = KernelManager(
            kernel_name="python3", transport="ipc", ip=str(Path(folder) / "kernel")
        )
        client = NotebookClient(
            notebook,
            km=kernel_manager,
            timeout=CELL_TIMEOUT_SECONDS,
            resources={"metadata": {"path": str(EXAMPLES)}},
        )
        client.execute()


def build(script: Path) -> float:
    notebook = jupytext.read(script)
    start = time.perf_counter()
    execute(notebook)
    elapsed = time.perf_counter() - start
    notebook.metadata["implicit_optimum"] = {"source_fingerprint": source_fingerprint(script)}
    nbformat.write(notebook, script.with_suffix(".ipynb"))
    return elapsed


if __name__ == "__main__":
    selected = [Path(name).resolve() for name in sys.argv[1:]] or notebook_scripts()
    for script in selected:
        print(f"{script.name}: executed in {build(script):.1f} s")
