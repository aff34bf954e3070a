"""biomech.FileError raised from Python, with the same message layout as the C++ FileError, and
the one reader of text input files (the counterpart of the C++ read_text_file)."""
from __future__ import annotations

import os
from pathlib import Path

from . import _core


def file_error(file: str | os.PathLike, line: int, field: str, message: str) -> ValueError:
    """A biomech.FileError (ValueError) naming the file, its 1-based line (0: unknown) and the field."""
    file = os.fspath(file)
    exc = _core.FileError(f"{file}:{line}: field '{field}': {message}")
    exc.file, exc.line, exc.field = file, int(line), str(field)
    return exc


def read_text_file(path: str | os.PathLike, what: str, max_bytes: int) -> str:
    """The text of a regular file of at most max_bytes, decoded as UTF-8: a FileError (line 0,
    field '<file>') for a directory, a device or a larger file, checked before reading; an
    invalid byte named by line and column."""
    path = Path(path)
    try:
        if not path.is_file():
            raise file_error(path, 0, "<file>", f"expected a regular {what}, got a directory or device")
        size = path.stat().st_size
        if size > max_bytes:
            raise file_error(path, 0, "<file>", f"expected a {what} of at most {max_bytes} bytes, got {size}")
        data = path.read_bytes()
    except OSError as e:
        raise file_error(path, 0, "<file>", f"cannot read it ({e.strerror or e})") from None
    return decode_utf8(data, path)


def decode_utf8(data: bytes, path: str | os.PathLike) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise file_error(path, line, "<file>", f"invalid UTF-8 at line {line}, column {column} "
                                               f"(byte 0x{data[e.start]:02x})") from None
