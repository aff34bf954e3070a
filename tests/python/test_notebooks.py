"""The notebooks in notebooks/ are stored without outputs and execute without error."""
from __future__ import annotations

from pathlib import Path

import nbclient  # test dependencies (pyproject's [test] extra): a missing one is an error, not a skip
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
# (1) seesaw, (2) comparing exercises, (3) weakness and Trendelenburg, (4) population sweep,
# (5) weakness and knee valgus across exercises, (6) a recorded trial analysed
NAMES = ["01_seesaw.ipynb", "02_comparing_exercises.ipynb", "03_weakness_trendelenburg.ipynb",
         "04_population_sweep.ipynb", "05_weakness_and_valgus.ipynb", "06_recorded_trial.ipynb"]


def test_every_notebook_is_listed():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_stored_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: stored with outputs"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes(name, tmp_path):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
