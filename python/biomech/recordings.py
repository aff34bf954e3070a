"""Laboratory recordings: C3D files (through ezc3d) and EMG exported as CSV.

    >>> import biomech
    >>> rec = biomech.read_c3d("trial.c3d")
    >>> rec.force_plates[0].force_n          # (n, 3) N in the lab frame, at the analog rate
    >>> rec.analogs["EMG_gmed"]              # analog channels by label, with a time column
    >>> emg = biomech.read_emg_csv("emg.csv", rate_hz=2000)

SI units throughout (N, N m, m, s) whatever the file's units; docs/recorded_motion.md.
"""
from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ._checks import is_number
from ._errors import file_error

__all__ = ["ForcePlate", "C3DRecording", "read_c3d", "read_emg_csv"]

# Factors to SI of the unit strings C3D files use (C3D.org's manual: ANALOG:UNITS, POINT:UNITS).
_LENGTH_TO_M = {"m": 1.0, "cm": 1e-2, "mm": 1e-3}
_FORCE_TO_N = {"N": 1.0, "kN": 1e3}
_MOMENT_TO_NM = {"Nm": 1.0, "N.m": 1.0, "N m": 1.0, "N*m": 1.0, "Nmm": 1e-3, "N.mm": 1e-3, "N mm": 1e-3,
                 "N*mm": 1e-3}


@dataclasses.dataclass
class ForcePlate:
    """One force plate, in the lab (C3D global) frame, sampled at the analog rate.

    ``force_n`` (n, 3) N the ground reaction on the body; ``moment_nm`` (n, 3) N m about the
    centre of the plate's surface (the mean of its corners); ``cop_m`` (n, 3) m centre of
    pressure; ``free_moment_nm`` (n, 3) N m the moment left at the centre of pressure
    (vertical for a level plate); ``corners_m`` (4, 3) m; ``units``: the file's units of
    force, moment and position before conversion. ``index``: 1-based, as in the file.
    """

    index: int
    force_n: np.ndarray
    moment_nm: np.ndarray
    cop_m: np.ndarray
    free_moment_nm: np.ndarray
    corners_m: np.ndarray
    units: dict[str, str]

    @property
    def centre_m(self) -> np.ndarray:
        """(3,) m: the centre of the plate's surface."""
        return self.corners_m.mean(axis=0)


@dataclasses.dataclass
class C3DRecording:
    """What read_c3d returns.

    ``analogs``: a DataFrame with ``time`` (s, from the first frame) and one column per analog
    channel label, values in the file's units (``analog_units``); ``markers``: {label: (n_frames, 3) m};
    ``marker_time`` (n_frames,) s; ``force_plates``: one ForcePlate a plate, at the analog rate.
    """

    path: Path
    point_rate_hz: float
    analog_rate_hz: float
    analogs: pd.DataFrame
    analog_units: dict[str, str]
    markers: dict[str, np.ndarray]
    marker_time: np.ndarray
    force_plates: list[ForcePlate]

    def analog(self, label: str) -> np.ndarray:
        """(n,) one analog channel in the file's units; KeyError naming the labels there are."""
        if label not in self.analogs.columns or label == "time":
            raise KeyError(f"no analog channel {label!r}; have {[c for c in self.analogs.columns if c != 'time']}")
        return self.analogs[label].to_numpy()


def _unit_factor(table: dict[str, float], unit: str, path: Path, what: str) -> float:
    u = unit.strip()
    if u not in table:
        raise file_error(path, 0, what, f"unknown unit {u!r}; expected one of {sorted(table)}")
    return table[u]


def _labels(group, path: Path, group_name: str) -> list[str]:
    labels = []
    i = 1
    key = "LABELS"
    while key in group:
        labels += [str(s).strip() for s in group[key]["value"]]
        i += 1
        key = f"LABELS{i}"
    seen = set()
    for lab in labels:
        if lab in seen:
            raise file_error(path, 0, f"{group_name}:LABELS", f"duplicate label {lab!r}")
        seen.add(lab)
    return labels


def read_c3d(path: str | os.PathLike) -> C3DRecording:
    """Read a C3D file with ezc3d: analog channels by label, force plates, markers, rates.

    Analog values are ezc3d's (ANALOG:SCALE, GEN_SCALE and OFFSET applied), in the file's
    units. Force plates (FORCE_PLATFORM group, types 1-4 as ezc3d supports them) come in
    the lab frame, converted to N, N m and m from the units the file gives. Markers are
    converted to m from POINT:UNITS. A file ezc3d cannot read, duplicate labels and
    unknown units are biomech.FileError (line 0: a C3D file has no lines; field names the
    C3D group and parameter).
    """
    import ezc3d

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"C3D file not found: {path}")
    try:
        c = ezc3d.c3d(os.fspath(path), extract_forceplat_data=True)
    except (OSError, RuntimeError, ValueError, IndexError) as e:  # ezc3d's C++ exceptions, as SWIG maps them
        raise file_error(path, 0, "c3d", f"ezc3d cannot read it: {e}") from None
    params = c["parameters"]
    point_rate = float(c["header"]["points"]["frame_rate"])
    analog_rate = float(c["header"]["analogs"]["frame_rate"])
    first = int(c["header"]["points"]["first_frame"])
    t0 = first / point_rate if point_rate > 0 else 0.0

    # analogs
    raw = np.asarray(c["data"]["analogs"])
    labels = _labels(params["ANALOG"], path, "ANALOG") if "ANALOG" in params else []
    n_analog = raw.shape[1] if raw.ndim == 3 else 0
    if len(labels) != n_analog:
        raise file_error(path, 0, "ANALOG:LABELS", f"{len(labels)} labels for {n_analog} analog channels")
    n_samples = raw.shape[2] if n_analog else 0
    analogs = pd.DataFrame(raw[0].T if n_analog else np.empty((0, 0)), columns=labels)
    analogs.insert(0, "time", t0 + np.arange(n_samples) / analog_rate if analog_rate > 0 else np.zeros(n_samples))
    units = [str(u).strip() for u in params["ANALOG"]["UNITS"]["value"]] if "ANALOG" in params and "UNITS" in params["ANALOG"] else []
    analog_units = {lab: (units[i] if i < len(units) else "") for i, lab in enumerate(labels)}

    # markers
    points = np.asarray(c["data"]["points"])
    point_labels = _labels(params["POINT"], path, "POINT") if "POINT" in params else []
    point_unit = ""
    if "POINT" in params and "UNITS" in params["POINT"] and len(params["POINT"]["UNITS"]["value"]):
        point_unit = str(params["POINT"]["UNITS"]["value"][0]).strip()
    markers: dict[str, np.ndarray] = {}
    n_frames = points.shape[2] if points.ndim == 3 else 0
    if point_labels and n_frames:
        scale = _unit_factor(_LENGTH_TO_M, point_unit or "mm", path, "POINT:UNITS")
        for i, lab in enumerate(point_labels[: points.shape[1]]):
            markers[lab] = points[:3, i, :].T * scale
    marker_time = t0 + np.arange(n_frames) / point_rate if point_rate > 0 else np.zeros(n_frames)

    plates = []
    for k, pf in enumerate(c["data"].get("platform", [])):
        length = _unit_factor(_LENGTH_TO_M, pf["unit_position"], path, "FORCE_PLATFORM:position unit")
        force = _unit_factor(_FORCE_TO_N, pf["unit_force"], path, "FORCE_PLATFORM:force unit")
        moment = _unit_factor(_MOMENT_TO_NM, pf["unit_moment"], path, "FORCE_PLATFORM:moment unit")
        plates.append(ForcePlate(
            index=k + 1,
            force_n=np.asarray(pf["force"]).T * force,
            moment_nm=np.asarray(pf["moment"]).T * moment,
            cop_m=np.asarray(pf["center_of_pressure"]).T * length,
            free_moment_nm=np.asarray(pf["Tz"]).T * moment,
            corners_m=np.asarray(pf["corners"]).T * length,
            units={"force": pf["unit_force"], "moment": pf["unit_moment"], "position": pf["unit_position"]}))
    return C3DRecording(path=path, point_rate_hz=point_rate, analog_rate_hz=analog_rate, analogs=analogs,
                        analog_units=analog_units, markers=markers, marker_time=marker_time, force_plates=plates)


def read_emg_csv(path: str | os.PathLike, time_column: str | None = None, rate_hz: float | None = None) -> pd.DataFrame:
    """Read EMG channels from a CSV file: a header row of labels, then one row of numbers a sample.

    Time: ``time_column`` names it; without it a column named ``time`` (any case) is the time;
    a file without one needs ``rate_hz`` (time = row / rate_hz). Separators: comma,
    semicolon or tab (from the header row). Returns a DataFrame with ``time`` (s) first and
    one column per channel, ``attrs["rate_hz"]`` the sampling rate. biomech.FileError
    naming line and column: a missing time column, duplicate labels, a row with the wrong
    number of values, a value that is not a number, time that does not increase, or
    uneven sampling (a step more than 1 % off the median: filters need a uniform rate).
    """
    import csv

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"EMG file not found: {path}")
    if rate_hz is not None and not (rate_hz > 0 and math.isfinite(rate_hz)):
        raise ValueError(f"expected a positive rate_hz, got {rate_hz!r}")
    with open(path, newline="", encoding="utf-8-sig") as f:
        text = f.read()
    lines = text.splitlines()
    header_index = next((i for i, s in enumerate(lines) if s.strip()), None)
    if header_index is None:
        raise file_error(path, 1, "labels", "expected a header row of channel labels, the file is empty")
    head = lines[header_index]
    delimiter = max(",;\t", key=head.count) if any(d in head for d in ",;\t") else ","
    reader = csv.reader(lines[header_index:], delimiter=delimiter)
    labels = [s.strip() for s in next(reader)]
    header_line = header_index + 1
    seen = set()
    for lab in labels:
        if not lab or lab in seen:
            raise file_error(path, header_line, lab or "labels", f"{'empty' if not lab else 'duplicate'} label {lab!r}")
        seen.add(lab)
    if time_column is None:
        time_column = next((lab for lab in labels if lab.lower() == "time"), None)
        if time_column is not None and rate_hz is not None:
            raise ValueError(f"{path} has a time column {time_column!r}: rate_hz must not be given too")
    elif time_column not in labels:
        raise file_error(path, header_line, time_column, f"no column {time_column!r}; labels are {labels}")
    if time_column is None and rate_hz is None:
        raise file_error(path, header_line, "time", "no time column: give time_column= or rate_hz=")

    rows, row_lines = [], []
    for k, tokens in enumerate(reader):
        line = header_line + 1 + k
        if not any(t.strip() for t in tokens):
            continue
        if len(tokens) != len(labels):
            raise file_error(path, line, "columns", f"expected {len(labels)} values (as many as labels), got {len(tokens)}")
        try:
            rows.append([float(t) for t in tokens])
        except ValueError:
            j = next(i for i, t in enumerate(tokens) if not is_number(t))
            raise file_error(path, line, labels[j], f"expected a number, got {tokens[j]!r}") from None
        row_lines.append(line)
    values = np.array(rows, dtype=float).reshape(len(rows), len(labels))
    df = pd.DataFrame(values, columns=labels)
    if time_column is not None:
        time = df.pop(time_column).to_numpy()
        steps = np.diff(time)
        bad = np.flatnonzero(~(steps > 0))
        if bad.size:
            k = bad[0] + 1
            raise file_error(path, row_lines[k], time_column, f"expected increasing time, got {time[k]!r} after {time[k - 1]!r}")
        if steps.size:
            dt = float(np.median(steps))
            uneven = np.flatnonzero(np.abs(steps - dt) > 0.01 * dt)
            if uneven.size:
                k = uneven[0] + 1
                raise file_error(path, row_lines[k], time_column,
                                 f"uneven sampling: step {steps[k - 1]!r} s where the median is {dt!r} s")
            rate = 1.0 / dt
        else:
            rate = float("nan")
    else:
        rate = float(rate_hz)
        time = np.arange(len(df)) / rate
    df.insert(0, "time", time)
    df.attrs["rate_hz"] = rate
    return df


