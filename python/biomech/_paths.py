"""Where biomech's data files live, installed or in a source tree, and that tree's git commit."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent

# The model file Model.default() scales (models/ in the repository, biomech/models in a wheel).
DEFAULT_MODEL_FILE = "gait2392_hip.yaml"


def data_path(*parts: str | os.PathLike) -> Path:
    """Path of a file under the model/data directory (``models/`` in the repository).

    Looks, in order, at ``$BIOMECH_MODELS_DIR``, the copy installed inside the
    package (``biomech/models`` in a wheel) and the source tree's ``models/``
    (when running from a checkout or an editable install). ``data_path()`` is
    the directory itself; ``data_path("exercises", "clam.yaml")`` a file in it.
    The path is returned whether or not the file exists.
    """
    env = os.environ.get("BIOMECH_MODELS_DIR")
    candidates = [Path(env)] if env else []
    candidates += [_PACKAGE_DIR / "models", _PACKAGE_DIR.parents[1] / "models"]
    for base in candidates:
        if base.is_dir():
            return base.joinpath(*parts)
    raise FileNotFoundError(
        "biomech model directory not found (looked in "
        + ", ".join(str(c) for c in candidates)
        + "); set BIOMECH_MODELS_DIR"
    )



def dataset_path(*parts: str | os.PathLike) -> Path:
    """Path under the shipped data sets (``datasets/`` in the repository, ``biomech/datasets`` in
    a wheel): ``dataset_path("validation", "gmed_emg.csv")``."""
    candidates = [_PACKAGE_DIR / "datasets", _PACKAGE_DIR.parents[1] / "datasets"]
    for base in candidates:
        if base.is_dir():
            return base.joinpath(*parts)
    raise FileNotFoundError("biomech datasets directory not found (looked in "
                            + ", ".join(str(c) for c in candidates) + ")")


def git_commit() -> str:
    """The git commit of the biomech source tree, when the package runs from one (else ``""``).

    ``$BIOMECH_GIT_COMMIT`` overrides it.
    """
    env = os.environ.get("BIOMECH_GIT_COMMIT")
    if env:
        return env
    for root in (_PACKAGE_DIR.parents[1], _PACKAGE_DIR.parents[0]):
        if (root / ".git").exists():
            try:
                out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                     text=True, timeout=5, check=False)
                if out.returncode == 0:
                    return out.stdout.strip()
            except (OSError, subprocess.SubprocessError):
                pass
    return ""
