"""OpenSim's recorded-motion files: storage files (.sto, .mot).

    >>> import biomech
    >>> kin = biomech.read_storage("subject01_walk1_Kinematics.sto")   # Storage: .data, .in_degrees
    >>> q = kin.in_radians()                                            # rotational columns only

Every error in a file is a biomech.FileError (a ValueError) naming the file, the 1-based line
and the column or field; a missing file is FileNotFoundError. Formats and conventions:
docs/recorded_motion.md.
"""
from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import file_error

__all__ = [
    "Storage",
    "read_storage",
    "write_storage",
]

# Header keys OpenSim's readers know; any other key=value line is kept in Storage.header.
_ROWS_KEYS = ("nRows", "datarows")
_COLUMNS_KEYS = ("nColumns", "datacolumns")
# OpenSim's translational coordinates are named *_tx, *_ty, *_tz (gait2392, Rajagopal 2016,
# Hamner 2010 models all follow it); everything else in a coordinates file is an angle.
_TRANSLATION_NAME = re.compile(r"_t[xyz](/value|/speed|_u)?$")


@dataclasses.dataclass
class Storage:
    """A storage file: its header and a table with a ``time`` column first (s).

    ``version``: the header's ``version=`` (1: OpenSim's Storage class, 3: OpenSim 4's
    STOFileAdapter), None for a header without one (the older ``datacolumns``/``datarows``
    layout). ``in_degrees``: the header's ``inDegrees`` (or SIMM's "Angles are in degrees.");
    when absent, as OpenSim's Storage: True for a ``.mot`` without version (SIMM motion
    files are in degrees), False otherwise.
    ``header``: every other ``key=value`` line (and ``range`` of the older layout), as text.
    ``description``: the free lines of the header after the name.
    """

    name: str
    version: int | None
    in_degrees: bool
    header: dict[str, str]
    data: pd.DataFrame
    description: str = ""
    path: Path | None = None

    @property
    def time(self) -> np.ndarray:
        """(n,) s."""
        return self.data["time"].to_numpy()

    @property
    def column_names(self) -> list[str]:
        """The data columns (without ``time``)."""
        return [c for c in self.data.columns if c != "time"]

    def angle_columns(self, model: Any = None, rotational: Iterable[str] | None = None) -> list[str]:
        """The columns that hold angles, i.e. that OpenSim converts between degrees and radians.

        OpenSim converts only the rotational coordinates of the model (and their speeds).
        With ``model`` (a biomech.Model): the columns named after one of its rotational
        coordinates (also as ``.../<name>/value``, ``/speed`` or ``<name>_u``). With
        ``rotational``: exactly those names. Without either: every column except those named
        ``*_tx``, ``*_ty``, ``*_tz``, OpenSim's names of translational coordinates (so, without a
        model, only for a file of coordinates: forces would be taken as angles).
        """
        cols = self.column_names
        if model is not None and rotational is not None:
            raise ValueError("expected model or rotational, got both")
        if model is not None:
            table = model.coordinates
            rotational = [str(n) for n, r in zip(table.index, table["rotational"]) if r]
        if rotational is None:
            return [c for c in cols if not _TRANSLATION_NAME.search(c)]
        names = set(rotational)
        return [c for c in cols if _coordinate_of(c) in names]

    def in_radians(self, model: Any = None, rotational: Iterable[str] | None = None) -> "Storage":
        """A copy with the angle columns (see :meth:`angle_columns`) in radians; itself when not in degrees."""
        if not self.in_degrees:
            return self
        data = self.data.copy()
        cols = self.angle_columns(model, rotational)
        data[cols] = np.deg2rad(data[cols].to_numpy())
        return dataclasses.replace(self, data=data, in_degrees=False)

    def lowpass_like_opensim(self, cutoff_hz: float) -> "Storage":
        """Every column low-passed as OpenSim's tools do with lowpass_cutoff_frequency_for_coordinates.

        See :func:`biomech.lowpass_like_opensim`: the rows come back on the time grid OpenSim
        filters on (the file's, or its smallest step when the steps are not uniform).
        """
        from .signal import lowpass_like_opensim

        t, v = lowpass_like_opensim(self.time, self.data[self.column_names].to_numpy(), cutoff_hz)
        data = pd.DataFrame(v, columns=self.column_names)
        data.insert(0, "time", t)
        return dataclasses.replace(self, data=data)


def _coordinate_of(column: str) -> str:
    """The coordinate a column belongs to: 'hip_flexion_r', '/jointset/hip_r/hip_flexion_r/value', 'hip_flexion_r_u'."""
    parts = column.split("/")
    if len(parts) >= 2 and parts[-1] in ("value", "speed"):
        return parts[-2]
    return column[:-2] if column.endswith("_u") else column


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _split_labels(line: str) -> list[str]:
    # Labels are tab-separated in OpenSim's files; a file without tabs is split on blanks.
    parts = line.split("\t") if "\t" in line else line.split()
    return [p.strip() for p in parts if p.strip()]


def read_storage(path: str | os.PathLike) -> Storage:
    """Read an OpenSim storage file (.sto, .mot): header, column labels, rows of numbers.

    Headers: OpenSim's Storage (version=1, with nRows, nColumns, inDegrees), OpenSim 4's
    STOFileAdapter (version=3, OpenSimVersion, DataType=double) and the older layout
    (``name``, ``datacolumns``, ``datarows``, ``range``), each closed by ``endheader``.
    The first label must be ``time``; rows are split on tabs and blanks. Checked, each a
    biomech.FileError naming the line and column: a header without ``endheader``, a bad
    ``inDegrees``/``version``/``DataType``, duplicate labels, a row with the wrong number of
    values, a value that is not a number, a time that does not increase, and row or column
    counts that disagree with nRows/datarows and nColumns/datacolumns (which count the time
    column). Angles stay as the file has them: see :meth:`Storage.in_radians`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"storage file not found: {path}")
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()

    def fail(line: int, field: str, message: str):
        return file_error(path, line, field, message)

    # ---- header
    end = next((i for i, s in enumerate(lines) if s.strip() == "endheader"), None)
    if end is None:
        first_data = next((i for i, s in enumerate(lines) if s.strip() and _is_number(s.split()[0])), len(lines) - 1)
        raise fail(first_data + 1, "endheader", "expected a header closed by a line 'endheader', found none")
    name, version, in_degrees, degrees_stated = "", None, False, False
    header: dict[str, str] = {}
    header_line: dict[str, int] = {}
    description: list[str] = []
    for i in range(end):
        text = lines[i].strip()
        if not text:
            continue
        if "=" in text:
            key, value = (s.strip() for s in text.split("=", 1))
            if key == "version":
                if not value.isdigit():
                    raise fail(i + 1, "version", f"expected an integer version, got {value!r}")
                version = int(value)
            elif key == "inDegrees":
                if value.lower() not in ("yes", "no", "y", "n"):
                    raise fail(i + 1, "inDegrees", f"expected inDegrees=yes or no, got {value!r}")
                in_degrees = value.lower() in ("yes", "y")
                degrees_stated = True
            elif key == "DataType":
                if value != "double":
                    raise fail(i + 1, "DataType", f"expected DataType=double (one number a column), got {value!r}")
            elif key:
                header[key] = value
                header_line[key] = i + 1
            continue
        if text in ("Angles are in degrees.", "Angles are in radians."):  # SIMM's way of saying it
            in_degrees, degrees_stated = text.endswith("degrees."), True
            continue
        word, _, rest = text.partition(" ")
        if word in ("datacolumns", "datarows", "range") and rest.strip():
            header[word] = rest.strip()
            header_line[word] = i + 1
        elif word == "name" and not name and rest.strip():
            name = rest.strip()
        elif not name and not description:
            name = text
        else:
            description.append(text)
    if not degrees_stated and version is None and path.suffix.lower() == ".mot":
        in_degrees = True  # OpenSim's Storage: motion files from SIMM (no version) are in degrees

    # ---- labels
    label_index = next((i for i in range(end + 1, len(lines)) if lines[i].strip()), None)
    if label_index is None:
        raise fail(end + 1, "labels", "expected a line of column labels after endheader, found none")
    labels = _split_labels(lines[label_index])
    label_line = label_index + 1
    if labels[0] != "time":
        raise fail(label_line, labels[0], f"expected the first column label 'time', got {labels[0]!r}")
    seen: set[str] = set()
    for lab in labels:
        if lab in seen:
            raise fail(label_line, lab, f"duplicate column label {lab!r}")
        seen.add(lab)

    # ---- rows
    ncol = len(labels)
    rows: list[list[float]] = []
    row_lines: list[int] = []
    for i in range(label_index + 1, len(lines)):
        tokens = lines[i].split()
        if not tokens:
            continue
        if len(tokens) != ncol:
            raise fail(i + 1, "columns", f"expected {ncol} values (as many as labels), got {len(tokens)}")
        try:
            rows.append([float(t) for t in tokens])
        except ValueError:
            j = next(k for k, t in enumerate(tokens) if not _is_number(t))
            raise fail(i + 1, labels[j], f"expected a number, got {tokens[j]!r}") from None
        row_lines.append(i + 1)
    values = np.array(rows, dtype=float).reshape(len(rows), ncol)
    time = values[:, 0]
    bad = np.flatnonzero(~(np.diff(time) > 0))
    if bad.size:
        k = bad[0] + 1
        raise fail(row_lines[k], "time", f"expected increasing time, got {time[k]!r} after {time[k - 1]!r}")

    # ---- counts the header announces
    for keys, actual, what in ((_ROWS_KEYS, len(rows), "rows"), (_COLUMNS_KEYS, ncol, "columns (with time)")):
        for key in keys:
            if key in header:
                announced = header[key]
                if not announced.isdigit() or int(announced) != actual:
                    raise fail(header_line[key], key, f"header announces {announced} {what}, the file has {actual}")
    data = pd.DataFrame(values, columns=labels)
    return Storage(name=name, version=version, in_degrees=in_degrees, header=header, data=data,
                   description="\n".join(description), path=path)


def write_storage(path: str | os.PathLike, data: pd.DataFrame, *, name: str | None = None,
                  in_degrees: bool = False, version: int = 1, header: Mapping[str, Any] | None = None) -> Path:
    """Write ``data`` (a ``time`` column, or an index named ``time``, then numeric columns) as a storage file.

    ``version=1``: OpenSim's Storage layout (name, version=1, nRows, nColumns, inDegrees);
    ``version=3``: OpenSim 4's STOFileAdapter layout (name, inDegrees, DataType=double,
    version=3). Both are read by OpenSim's Storage and TimeSeriesTable and by :func:`read_storage`.
    Columns are tab-separated, numbers written with 17 significant digits (round-trip exact).
    ``header``: extra key=value lines. Returns the path.
    """
    path = Path(path)
    if version not in (1, 3):
        raise ValueError(f"expected version 1 (Storage) or 3 (OpenSim 4), got {version!r}")
    df = data.reset_index() if data.index.name == "time" else data
    if "time" not in df.columns:
        raise ValueError(f"expected a 'time' column or index, got columns {list(df.columns)[:5]}")
    labels = ["time"] + [str(c) for c in df.columns if c != "time"]
    if len(set(labels)) != len(labels):
        raise ValueError("expected unique column names")
    for lab in labels:
        if not lab or any(ch.isspace() for ch in lab):
            raise ValueError(f"expected column names without blanks (OpenSim splits on them), got {lab!r}")
    values = df[labels].to_numpy(dtype=float)
    if values.shape[0] > 1 and not np.all(np.diff(values[:, 0]) > 0):
        raise ValueError("expected increasing time")
    name = name if name is not None else path.name
    head = [name]
    if version == 1:
        head += ["version=1", f"nRows={values.shape[0]}", f"nColumns={len(labels)}"]
    head.append(f"inDegrees={'yes' if in_degrees else 'no'}")
    for k, v in (header or {}).items():
        head.append(f"{k}={v}")
    if version == 3:
        head += ["DataType=double", "version=3"]
    head.append("endheader")
    body = ["\t".join(labels)]
    body += ["\t".join(_fmt(x) for x in row) for row in values]
    path.write_text("\n".join(head + body) + "\n", encoding="utf-8")
    return path


def _fmt(x: float) -> str:
    return "nan" if math.isnan(x) else f"{x:.17g}"
