"""The notebooks in notebooks/ are stored without outputs and execute without error (issue 6)."""
from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

import biomech  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
# the APIs each notebook calls (documented in the issues); a notebook whose API has not landed is xfail
NEEDS = {
    "01_seesaw.ipynb": ["lever_model", "single_leg_stance", "plot_free_body_diagram"],
    "02_comparing_exercises.ipynb": ["compare", "simulate", "exercises", "save_results"],
    "03_weakness_trendelenburg.ipynb": ["weakness_table", "abductor_weakness", "q_angle", "posture_deg", "sweep"],
    "04_population_sweep.ipynb": ["sweep", "load_results"],
}


def test_every_notebook_is_listed():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NEEDS)


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_stored_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: stored with outputs"


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_notebook_executes(name, tmp_path):
    missing = [a for a in NEEDS[name] if not hasattr(biomech, a)]
    if missing:
        pytest.xfail(f"waits for biomech.{', biomech.'.join(missing)}")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
