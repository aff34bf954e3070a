"""The package's layers: `import biomech` is lean and changes nothing; domain modules return
tables and know nothing of the command line or of matplotlib; every public name resolves."""
from __future__ import annotations

import json
import subprocess
import sys

import biomech

HEAVY = ("pandas", "matplotlib", "dask", "distributed", "h5py", "scipy", "tqdm")


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_import_loads_no_heavy_module_and_changes_no_environment_variable():
    r = _run("import json, os, sys; before = dict(os.environ); import biomech; "
             f"print(json.dumps({{'env': dict(os.environ) == before, 'heavy': [m for m in {HEAVY!r} if m in sys.modules]}}))")
    assert r["env"], "importing biomech changed an environment variable"
    assert r["heavy"] == [], f"import biomech loaded {r['heavy']}"


def test_domain_modules_do_not_load_the_command_line_or_matplotlib():
    modules = ["model", "seesaw", "exercise", "strength", "dynamics", "recruitment", "sweep", "results", "storage",
               "recordings", "emg", "signal", "fields"]
    r = _run("import json, sys; import " + ", ".join(f"biomech.{m}" for m in modules) + "; "
             "print(json.dumps({'cli': 'biomech.cli' in sys.modules, 'mpl': 'matplotlib' in sys.modules}))")
    assert not r["cli"] and not r["mpl"]


def test_a_sweep_streamed_to_a_file_loads_no_pandas(tmp_path):
    """pandas (0.2-0.4 s to import) is for DataFrames; a sweep written to HDF5 makes none."""
    out = tmp_path / "s.h5"
    r = _run("import json, sys, biomech; biomech.sweep(target='single_leg_stance', samples=3, seed=1, "
             "population={'mass_kg': {'distribution': 'uniform', 'min': 50, 'max': 90}}, "
             f"out={str(out)!r}, quiet=True); print(json.dumps({{'pandas': 'pandas' in sys.modules}}))")
    assert out.is_file()
    assert not r["pandas"]


def test_every_public_name_resolves():
    for name in biomech.__all__:
        assert getattr(biomech, name) is not None, name
    assert "Model" in dir(biomech)


def test_the_package_never_imports_scipy():
    """scipy is an oracle of the tests and benchmarks (tests/python/recruitment_oracle.py), never the product's."""
    import pathlib
    import re

    root = pathlib.Path(biomech.__file__).parent
    hits = [f"{p.relative_to(root)}:{i}" for p in sorted(root.rglob("*.py"))
            for i, line in enumerate(p.read_text().splitlines(), 1)
            if re.match(r"\s*(import|from)\s+scipy\b", line)]
    assert hits == []
