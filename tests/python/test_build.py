"""The build's hand-kept lists stay complete, and the installed package is whole."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import biomech
import biomech.cli

ROOT = Path(__file__).resolve().parents[2]


def test_every_binding_file_is_declared_and_called():
    module_cpp = (ROOT / "python/src/module.cpp").read_text(encoding="utf-8")
    bindings_hpp = (ROOT / "python/src/bindings.hpp").read_text(encoding="utf-8")
    domains = sorted(p.stem[len("bind_"):] for p in (ROOT / "python/src").glob("bind_*.cpp"))
    assert domains, "no python/src/bind_*.cpp"
    for d in domains:
        assert re.search(rf"^\s*bind_{d}\(m\);", module_cpp, flags=re.M), f"module.cpp does not call bind_{d}(m)"
        assert f"void bind_{d}(" in bindings_hpp, f"bindings.hpp does not declare bind_{d}"


def test_command_modules_import_and_register():
    parser = biomech.cli.build_parser()
    assert parser.prog == "biomech"
    for mod in biomech.cli.COMMAND_MODULES:
        importlib.import_module(mod)
    assert {"model", "moment-arms"} <= set(biomech.cli._REGISTRY)


def test_version_single_source():
    cmake = (ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    m = re.search(r"project\(biomech VERSION ([0-9.]+)", cmake)
    assert m and biomech.__version__ == m.group(1) == biomech._core.__version__


def test_models_are_shipped_with_the_package():
    models = biomech.data_path()
    assert models.is_dir()
    assert (models / biomech.model.DEFAULT_MODEL_FILE).is_file(), (
        f"{biomech.model.DEFAULT_MODEL_FILE} missing from {models}")
