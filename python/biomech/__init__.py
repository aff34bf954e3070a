"""biomech: hip biomechanics toolkit.

A thin Python front over the compiled core ``biomech._core``: pandas tables,
plots, sweeps and the ``biomech`` command-line program.

    >>> import biomech
    >>> model = biomech.Model.default()
    >>> model.moment_arms(biomech.posture_deg(model, hip_flexion_r=90))

Domain modules re-export their public names here, one import line each.
"""
from __future__ import annotations

import os as _os

from . import _core
from ._paths import data_path

__version__ = _core.__version__

# The C++ loaders (default_model_path and friends) look in $BIOMECH_MODELS_DIR
# first: point them at the model files shipped in this package (or the source
# tree's models/), unless the user chose a directory. Child processes (Dask
# workers) inherit it.
if not _os.environ.get("BIOMECH_MODELS_DIR"):
    try:
        _os.environ["BIOMECH_MODELS_DIR"] = str(data_path())
    except FileNotFoundError:
        pass

# Errors: FileError (a ValueError with .file, .line, .field) for a bad model,
# exercise, storage, external loads, C3D or EMG file; FileNotFoundError for a missing one; ValueError for bad arguments.
FileError = _core.FileError

# ---- domains (one line per domain module)
from .model import Model, posture_deg  # noqa: E402
from ._core import Sex, Subject  # noqa: E402
from .results import load_results, save_results  # noqa: E402
from .sweep import sweep, sweep_parameters  # noqa: E402
from .seesaw import abductor_weakness, lever_model, plot_free_body_diagram, q_angle, single_leg_stance  # noqa: E402
from .recruitment import solve_recruitment, solve_recruitment_batch  # noqa: E402
from .strength import mvic_test, percent_mvic, strength_curve, stretches, weakness_table  # noqa: E402
from .exercise import Exercise, compare, exercises, frontal_frame, simulate, weakness_curve  # noqa: E402
from .dynamics import simulate_hip_hitch, simulate_stance  # noqa: E402
from .signal import butterworth, filtfilt, lowpass_like_opensim  # noqa: E402
from .storage import ExternalForce, ExternalLoads, Storage, read_external_loads, read_storage, write_storage  # noqa: E402
from .recordings import C3DRecording, ForcePlate, read_c3d, read_emg_csv  # noqa: E402
from . import emg  # noqa: E402
from .plots import plot_emg_comparison  # noqa: E402

__all__ = [
    "__version__",
    "data_path",
    "FileError",
    "Model",
    "Subject",
    "Sex",
    "posture_deg",
    "save_results",
    "load_results",
    "sweep",
    "sweep_parameters",
    "lever_model",
    "single_leg_stance",
    "abductor_weakness",
    "q_angle",
    "plot_free_body_diagram",
    "solve_recruitment",
    "solve_recruitment_batch",
    "strength_curve",
    "stretches",
    "weakness_table",
    "mvic_test",
    "percent_mvic",
    "Exercise",
    "exercises",
    "simulate",
    "compare",
    "weakness_curve",
    "frontal_frame",
    "simulate_stance",
    "simulate_hip_hitch",
    "butterworth",
    "filtfilt",
    "lowpass_like_opensim",
    "Storage",
    "read_storage",
    "write_storage",
    "ExternalForce",
    "ExternalLoads",
    "read_external_loads",
    "C3DRecording",
    "ForcePlate",
    "read_c3d",
    "read_emg_csv",
    "emg",
    "plot_emg_comparison",
]
