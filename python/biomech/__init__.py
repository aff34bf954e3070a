"""biomech: hip biomechanics toolkit.

A thin Python front over the compiled core ``biomech._core``: pandas tables,
plots, sweeps and the ``biomech`` command-line program.

    >>> import biomech
    >>> model = biomech.Model.default()
    >>> model.moment_arms(biomech.posture_deg(model, hip_flexion_r=90))

Every public name is listed once below with the domain module that defines it. A
module is imported when one of its names is first used, so ``import biomech`` stays
quick and pandas, matplotlib and dask load only when needed.
"""
from __future__ import annotations

import importlib
import sys
import types

from . import _core

__version__ = _core.__version__

# Errors: FileError (a ValueError with .file, .line, .field) for a bad model, exercise,
# storage, external loads, C3D or EMG file; FileNotFoundError for a missing one;
# ValueError for bad arguments.
FileError = _core.FileError

# public name -> module that defines it (one entry per name, grouped by domain)
_EXPORTS = {
    # model
    "data_path": "_paths",
    "Model": "model", "posture_deg": "model",
    "Subject": "_core", "Sex": "_core",
    # results and sweeps
    "save_results": "results", "load_results": "results",
    "sweep": "sweep", "sweep_parameters": "sweep",
    # seesaw and knee
    "lever_model": "seesaw", "single_leg_stance": "seesaw", "abductor_weakness": "seesaw", "q_angle": "seesaw",
    "StanceOptions": "seesaw",
    # recruitment and strength
    "solve_recruitment": "recruitment", "solve_recruitment_batch": "recruitment",
    "RecruitmentOptions": "recruitment",
    "strength_curve": "strength", "strength_data": "strength", "stretches": "strength", "weakness_table": "strength",
    "mvic_test": "strength",
    "percent_mvic": "strength",
    # exercises
    "Exercise": "exercise", "exercises": "exercise", "simulate": "exercise", "compare": "exercise",
    "weakness_curve": "exercise", "frontal_frame": "exercise",
    "SimulateOptions": "exercise", "ExerciseSummary": "exercise",
    # dynamics
    "simulate_stance": "dynamics", "simulate_hip_hitch": "dynamics", "PelvisSimulationOptions": "dynamics",
    # recorded motion
    "butterworth": "signal", "filtfilt": "signal", "lowpass_like_opensim": "signal",
    "Storage": "storage", "ExternalForce": "storage", "ExternalLoads": "storage", "read_external_loads": "storage",
    "read_storage": "storage", "write_storage": "storage",
    "C3DRecording": "recordings", "ForcePlate": "recordings", "read_c3d": "recordings", "read_emg_csv": "recordings",
    "analyze": "analysis", "analyze_raw": "analysis", "AnalyzeOptions": "analysis", "HipFrame": "analysis",
    # validation against published measurements
    "validate": "validate", "load_validation_data": "validate",
    # plots
    "plot_free_body_diagram": "plots", "plot_emg_comparison": "plots",
}

# submodules reachable as attributes (biomech.plots.ranking, biomech.emg.process, ...)
_SUBMODULES = ("analysis", "cli", "dynamics", "emg", "exercise", "fields", "model", "plots", "recordings", "recruitment",
               "results", "seesaw", "signal", "storage", "strength", "sweep", "validate")

__all__ = ["__version__", "FileError", *_EXPORTS, *_SUBMODULES]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'biomech' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS) | set(_SUBMODULES))


class _Package(types.ModuleType):
    """``biomech.sweep`` is a function and the name of the module that defines it. Importing
    that module sets the package attribute to the module; keep the function there instead."""

    def __setattr__(self, name, value):
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
