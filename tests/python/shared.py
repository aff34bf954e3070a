"""Where the tests find the team's shared material (articles, reference models and data).

``$BIOMECH_SHARED`` or ``<repo>/../shared``. The product never reads it; a test
that needs it calls ``shared_path(...)`` and skips with a reason when it is None.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def shared_path(*parts: str | os.PathLike) -> Path | None:
    """Path under the shared material, or None when it is not on this machine."""
    env = os.environ.get("BIOMECH_SHARED")
    base = Path(env) if env else REPO.parent / "shared"
    return base.joinpath(*parts) if base.is_dir() else None
