"""biomech.FileError raised from Python, with the same message layout as the C++ FileError."""
from __future__ import annotations

import os

from . import _core


def file_error(file: str | os.PathLike, line: int, field: str, message: str) -> ValueError:
    """A biomech.FileError (ValueError) naming the file, its 1-based line (0: unknown) and the field."""
    file = os.fspath(file)
    exc = _core.FileError(f"{file}:{line}: field '{field}': {message}")
    exc.file, exc.line, exc.field = file, int(line), str(field)
    return exc
