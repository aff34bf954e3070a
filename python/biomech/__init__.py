"""biomech: hip biomechanics toolkit.

A thin Python front over the compiled core ``biomech._core``: pandas tables,
plots, sweeps and the ``biomech`` command-line program.

    >>> import biomech
    >>> model = biomech.Model.default()
    >>> model.moment_arms(biomech.posture_deg(model, hip_flexion_r=90))
"""
from __future__ import annotations

from . import _core
from ._paths import data_path

__version__ = _core.__version__

FileError = _core.FileError

__all__ = ["__version__", "data_path", "FileError"]
