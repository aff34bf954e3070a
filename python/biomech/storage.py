"""OpenSim's recorded-motion files: storage files (.sto, .mot) and external loads (.xml + .mot).

    >>> import biomech
    >>> kin = biomech.read_storage("subject01_walk1_Kinematics.sto")   # Storage: .data, .in_degrees
    >>> q = kin.in_radians()                                            # rotational columns only
    >>> loads = biomech.read_external_loads("foot_floor_loads.xml")     # grf .mot found next to it
    >>> loads["right_foot"].force                                       # (n, 3) N, in ground

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

from ._checks import is_number
from ._errors import file_error, read_text_file

__all__ = [
    "Storage",
    "read_storage",
    "write_storage",
    "ExternalForce",
    "ExternalLoads",
    "read_external_loads",
]

# Largest storage or external loads file read (checked before reading): an hour of 100 Hz
# frames of 40 columns is about 170 MB of text.
MAX_STORAGE_BYTES = 256 << 20
MAX_XML_BYTES = 16 << 20
MAX_TIME_S = 1e9  # |time| of a row (the bound of AnalyzeOptions' start_time_s and end_time_s)
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
    ``row_lines``: the 1-based line of each data row in the file (None when not read from one),
    for errors that point at a row.
    """

    name: str
    version: int | None
    in_degrees: bool
    header: dict[str, str]
    data: pd.DataFrame
    description: str = ""
    path: Path | None = None
    row_lines: list[int] | None = dataclasses.field(default=None, repr=False, compare=False)

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
        return dataclasses.replace(self, data=data, row_lines=None)


def _coordinate_of(column: str) -> str:
    """The coordinate a column belongs to: 'hip_flexion_r', '/jointset/hip_r/hip_flexion_r/value', 'hip_flexion_r_u'."""
    parts = column.split("/")
    if len(parts) >= 2 and parts[-1] in ("value", "speed"):
        return parts[-2]
    return column[:-2] if column.endswith("_u") else column


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
    biomech.FileError naming the line and column (also for a file that is not a regular
    file, larger than MAX_STORAGE_BYTES or not valid UTF-8): a header without ``endheader``, a bad
    ``inDegrees``/``version``/``DataType``, duplicate labels, a row with the wrong number of
    values, a value that is not a finite number (NaN and inf refused), a time that does not increase, and row or column
    counts that disagree with nRows/datarows and nColumns/datacolumns (which count the time
    column). Angles stay as the file has them: see :meth:`Storage.in_radians`.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"storage file not found: {path}")
    lines = read_text_file(path, "storage file", MAX_STORAGE_BYTES).splitlines()

    def fail(line: int, field: str, message: str):
        return file_error(path, line, field, message)

    # ---- header
    end = next((i for i, s in enumerate(lines) if s.strip() == "endheader"), None)
    if end is None:
        first_data = next((i for i, s in enumerate(lines) if s.strip() and is_number(s.split()[0])), len(lines) - 1)
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
            row = [float(t) for t in tokens]
        except ValueError:
            j = next(k for k, t in enumerate(tokens) if not is_number(t))
            raise fail(i + 1, labels[j], f"expected a number, got {tokens[j]!r}") from None
        if not all(math.isfinite(v) for v in row):
            j = next(k for k, v in enumerate(row) if not math.isfinite(v))
            raise fail(i + 1, labels[j], f"expected a finite number, got {tokens[j]!r}")
        rows.append(row)
        row_lines.append(i + 1)
    values = np.array(rows, dtype=float).reshape(len(rows), ncol)
    time = values[:, 0]
    far = np.flatnonzero(np.abs(time) > MAX_TIME_S)
    if far.size:
        k = far[0]
        raise fail(row_lines[k], "time", f"expected a time in [-{MAX_TIME_S:g}, {MAX_TIME_S:g}] s, got {time[k]:g}")
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
                   description="\n".join(description), path=path, row_lines=row_lines)


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


# ---------------------------------------------------------------- external loads


@dataclasses.dataclass
class ExternalForce:
    """One ExternalForce of an ExternalLoads file, with its data resolved.

    OpenSim's rule: the force, point and torque identifiers are column-name prefixes, each
    must match exactly 3 columns (taken as x, y, z in file order); an absent or empty
    identifier means no force, no point (force at the body origin) or no torque.
    ``force`` (n, 3) N expressed in ``force_expressed_in_body``; ``point`` (n, 3) m expressed
    in ``point_expressed_in_body``; ``torque`` (n, 3) N m expressed in the force's frame.
    ``line``: the line of ``<ExternalForce>`` in the xml.
    """

    name: str
    applied_to_body: str
    force_expressed_in_body: str
    point_expressed_in_body: str
    force_identifier: str
    point_identifier: str
    torque_identifier: str
    applies_force: bool
    force_columns: list[str]
    point_columns: list[str]
    torque_columns: list[str]
    force: np.ndarray | None
    point: np.ndarray | None
    torque: np.ndarray | None
    line: int


@dataclasses.dataclass
class ExternalLoads:
    """An OpenSim ExternalLoads file: its forces and the data file they read.

    ``time`` (n,) s of the data file; ``data`` the data file as a Storage;
    ``model_kinematics_file`` and ``lowpass_cutoff_frequency_for_load_kinematics`` (Hz, None
    when absent or negative) as the xml gives them (older files).
    """

    path: Path
    name: str
    data_file: Path
    data: Storage
    forces: list[ExternalForce]
    model_kinematics_file: str | None = None
    lowpass_cutoff_frequency_for_load_kinematics: float | None = None

    @property
    def time(self) -> np.ndarray:
        return self.data.time

    def __getitem__(self, name: str) -> ExternalForce:
        for f in self.forces:
            if f.name == name:
                return f
        raise KeyError(f"no ExternalForce named {name!r}; have {[f.name for f in self.forces]}")

    def shared_columns(self) -> dict[str, list[str]]:
        """Data columns that more than one ExternalForce reads: {column: [force names]}.

        Two forces reading the same columns usually means a copied identifier (the
        OpenSim walking tutorial's right foot reads the left foot's torque).
        """
        users: dict[str, list[str]] = {}
        for f in self.forces:
            for c in f.force_columns + f.point_columns + f.torque_columns:
                users.setdefault(c, [])
                if f.name not in users[c]:
                    users[c].append(f.name)
        return {c: names for c, names in users.items() if len(names) > 1}


def _parse_xml_with_lines(path: Path):
    """ElementTree root and {element: 1-based line of its start tag}."""
    import xml.etree.ElementTree as ET
    import xml.parsers.expat

    builder = ET.TreeBuilder()
    lines: dict[Any, int] = {}
    parser = xml.parsers.expat.ParserCreate()

    def start(tag, attrs):
        lines[builder.start(tag, attrs)] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    text = read_text_file(path, "external loads file", MAX_XML_BYTES)
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as e:
        raise file_error(path, e.lineno, "xml", f"not well-formed XML at line {e.lineno}, column {e.offset + 1}: "
                                               f"{xml.parsers.expat.ErrorString(e.code)}") from None
    return builder.close(), lines


def read_external_loads(xml_path: str | os.PathLike, data_file: str | os.PathLike | None = None) -> ExternalLoads:
    """Read an OpenSim ExternalLoads .xml and the storage file its forces read.

    ``data_file`` overrides the xml's ``<datafile>``; a relative ``<datafile>`` is taken
    relative to the xml's folder. Each ``<ExternalForce>`` gives the body it acts on, the
    frames its force and point are expressed in (default ground) and the column-name
    prefixes of its force, point and torque. biomech.FileError naming the xml line: no
    ``<ExternalLoads>``, a force without applied_to_body, neither a force nor a torque
    identifier, a point without a force, an identifier that matches other than 3 columns.
    """
    xml_path = Path(xml_path)
    if not xml_path.exists():
        raise FileNotFoundError(f"external loads file not found: {xml_path}")
    root, lines = _parse_xml_with_lines(xml_path)
    loads = root if root.tag == "ExternalLoads" else root.find("ExternalLoads")
    if loads is None:
        raise file_error(xml_path, lines.get(root, 1), "ExternalLoads", f"expected an <ExternalLoads> element, got <{root.tag}>")

    def text(parent, tag: str) -> tuple[str | None, int]:
        el = parent.find(tag)
        if el is None:
            return None, lines[parent]
        return (el.text or "").strip(), lines[el]

    # the data file
    datafile_text, datafile_line = text(loads, "datafile")
    if data_file is not None:
        data_path = Path(data_file)
    else:
        if not datafile_text:
            raise file_error(xml_path, datafile_line, "datafile", "expected a <datafile> (or pass data_file=)")
        data_path = Path(datafile_text)
        if not data_path.is_absolute():
            data_path = xml_path.parent / data_path
    if not data_path.exists():
        raise FileNotFoundError(f"external loads data file not found: {data_path} (from {xml_path}:{datafile_line})")
    data = read_storage(data_path)
    labels = data.column_names

    forces = []
    objects = loads.find("objects")
    for ef in (objects.findall("ExternalForce") if objects is not None else []):
        name = ef.get("name", "")
        ef_line = lines[ef]
        body, body_line = text(ef, "applied_to_body")
        if not body:
            raise file_error(xml_path, body_line, "applied_to_body", f"ExternalForce {name!r}: expected the body it is applied to")
        frames = {}
        for tag in ("force_expressed_in_body", "point_expressed_in_body"):
            value, _ = text(ef, tag)
            frames[tag] = value or "ground"
        applies, _ = text(ef, "appliesForce")
        disabled, _ = text(ef, "isDisabled")
        applies_force = (applies or "true").lower() == "true" and (disabled or "false").lower() != "true"

        resolved = {}
        for what in ("force", "point", "torque"):
            ident, ident_line = text(ef, f"{what}_identifier")
            ident = ident or ""
            cols = [c for c in labels if c.startswith(ident)] if ident else []
            if ident and len(cols) != 3:
                raise file_error(
                    xml_path, ident_line, f"{what}_identifier",
                    f"ExternalForce {name!r}: {what} identifier {ident!r} matches {len(cols)} columns of "
                    f"{data_path.name} {cols[:6]}, expected 3 (x, y, z)")
            resolved[what] = (ident, cols, data.data[cols].to_numpy() if cols else None)
        if not resolved["force"][0] and not resolved["torque"][0]:
            raise file_error(xml_path, ef_line, "force_identifier", f"ExternalForce {name!r}: neither a force nor a torque identifier")
        if resolved["point"][0] and not resolved["force"][0]:
            raise file_error(xml_path, ef_line, "point_identifier", f"ExternalForce {name!r}: a point without a force")
        forces.append(ExternalForce(
            name=name, applied_to_body=body,
            force_expressed_in_body=frames["force_expressed_in_body"],
            point_expressed_in_body=frames["point_expressed_in_body"],
            force_identifier=resolved["force"][0], point_identifier=resolved["point"][0],
            torque_identifier=resolved["torque"][0], applies_force=applies_force,
            force_columns=resolved["force"][1], point_columns=resolved["point"][1],
            torque_columns=resolved["torque"][1],
            force=resolved["force"][2], point=resolved["point"][2], torque=resolved["torque"][2],
            line=ef_line))

    kin_file, _ = text(loads, "external_loads_model_kinematics_file")
    cutoff_text, cutoff_line = text(loads, "lowpass_cutoff_frequency_for_load_kinematics")
    cutoff = None
    if cutoff_text:
        if not is_number(cutoff_text):
            raise file_error(xml_path, cutoff_line, "lowpass_cutoff_frequency_for_load_kinematics",
                             f"expected a number, got {cutoff_text!r}")
        cutoff = float(cutoff_text) if float(cutoff_text) >= 0 else None
    return ExternalLoads(path=xml_path, name=loads.get("name", ""), data_file=data_path, data=data, forces=forces,
                         model_kinematics_file=kin_file or None, lowpass_cutoff_frequency_for_load_kinematics=cutoff)
