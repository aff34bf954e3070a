"""The notebooks in notebooks/ are stored without outputs and execute without error."""
from __future__ import annotations

from pathlib import Path

import nbclient  # test dependencies (pyproject's [test] extra): a missing one is an error, not a skip
import nbformat
import pytest

from shared import shared_path

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


def execute(name: str, cwd: Path) -> str:
    """Runs the notebook in cwd; returns its printed text (errors fail the test)."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    return "".join(o.get("text", "") for o in outputs if o.output_type == "stream")


@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes(name, tmp_path, monkeypatch):
    walk = shared_path("reference_data", "opensim_walk")
    if walk is not None:  # the kernel runs in tmp_path: tell it where the shared data are
        monkeypatch.setenv("BIOMECH_SHARED", str(walk.parents[1]))
    text = execute(name, tmp_path)
    if name == "06_recorded_trial.ipynb" and walk is not None and walk.is_dir():
        assert "peak hip contact force: biomech" in text  # the walking trial beside OpenSim's results


def test_recorded_trial_notebook_runs_without_the_shared_data(tmp_path, monkeypatch):
    """A reader without the team's reference data gets the catalogue trial and a skipped section."""
    monkeypatch.setenv("BIOMECH_SHARED", str(tmp_path / "no_shared_data"))
    text = execute("06_recorded_trial.ipynb", tmp_path)
    assert "section skipped" in text and "simulated vs analysed back" in text
