"""Analysis of a recorded trial: OpenSim's files in, per-frame hip loads and muscle activity out.

    >>> import biomech
    >>> df = biomech.analyze("subject01.osim", "subject01_walk1_ik.mot", "grf.xml", lowpass_cutoff_hz=6)
    >>> df.loc["r", ["hip_contact_force_bw", "gmed_percent_mvic"]]

The steps follow OpenSim's AnalyzeTool with Static Optimization and Joint Reaction
(libbiomech/include/biomech/analyze.hpp says how each mirrors OpenSim's;
docs/recorded_motion.md describes the whole chain).
"""
from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np

from . import _core
from ._errors import file_error
from .fields import scalar_fields
from .model import Model, as_model
from .storage import ExternalLoads, Storage, read_external_loads, read_storage

__all__ = ["analyze", "analyze_raw", "trial_model", "AnalyzeOptions", "HipFrame", "HIP_COLUMNS"]

AnalyzeOptions = _core.AnalyzeOptions
HipFrame = _core.HipFrame

# Columns of the per-frame table, from the field table of _core.HipFrame (time_s and leg index it).
HIP_COLUMNS = [c for c in scalar_fields(_core.HipFrame) if c not in ("time_s", "leg")]

# Frames above which a tqdm progress bar is shown.
_PROGRESS_FRAMES = 200


def trial_model(model: Any) -> Model:
    """The model of a trial analysis: a biomech.Model as given, or a path (.osim imported with
    scope 'full', so that the feet, ankles and every muscle are there; .yaml loaded)."""
    if isinstance(model, (str, os.PathLike)):
        if os.fspath(model).lower().endswith(".osim"):
            return Model.from_osim(model, scope="full")
        return Model.load(model)
    return as_model(model)


# Largest external load (checked with the file's line): far beyond any recorded trial.
MAX_EXTERNAL_FORCE_N = 1e5
MAX_EXTERNAL_TORQUE_NM = 1e5
MAX_EXTERNAL_POINT_M = 100.0


def _row_error(storage: Storage, row: int, column: str, message: str) -> ValueError:
    """A FileError at a row of a storage file (line 0 when the storage was not read from a file)."""
    line = storage.row_lines[row] if storage.row_lines is not None else 0
    return file_error(storage.path or "<storage>", line, column, message)


def _kinematics(kinematics: Any, model: Model) -> Storage:
    """The trial's coordinates in radians, each model coordinate within the range forward
    kinematics accepts (the joint range widened by a turn, or 1 m), checked with the row's line."""
    kin = kinematics if isinstance(kinematics, Storage) else read_storage(kinematics)
    kin = kin.in_radians(model)
    coords = model.coordinates
    margin = {True: np.deg2rad(_core.POSTURE_MARGIN_DEG), False: _core.POSTURE_MARGIN_M}
    for col in kin.column_names:
        if col not in coords.index:
            continue
        rot = bool(coords.at[col, "rotational"])
        lo, hi = coords.at[col, "range_min"] - margin[rot], coords.at[col, "range_max"] + margin[rot]
        v = kin.data[col].to_numpy()
        out = np.flatnonzero(~((v >= lo) & (v <= hi)))
        if out.size:
            k, unit = out[0], (np.rad2deg(1.0) if rot else 1.0)
            raise _row_error(kin, k, col, f"expected {col} in [{lo * unit:.6g}, {hi * unit:.6g}] "
                             f"{'deg' if rot else 'm'} (its range widened by {'360 deg' if rot else '1 m'}), "
                             f"got {v[k] * unit:.6g}")
    return kin


def _loads(external_loads: Any) -> list:
    if external_loads is None:
        return []
    loads = external_loads if isinstance(external_loads, ExternalLoads) else read_external_loads(external_loads)
    out = []
    for f in loads.forces:
        if not f.applies_force:
            continue
        where = f"{loads.path}: ExternalForce {f.name!r} (line {f.line})"
        for frame, what in ((f.force_expressed_in_body, "force"), (f.point_expressed_in_body, "point")):
            if frame != "ground":
                raise ValueError(f"{where}: expected the {what} expressed in ground, got {frame!r}")
        for what, values, columns, bound, unit in (
                ("force", f.force, f.force_columns, MAX_EXTERNAL_FORCE_N, "N"),
                ("point", f.point, f.point_columns, MAX_EXTERNAL_POINT_M, "m"),
                ("torque", f.torque, f.torque_columns, MAX_EXTERNAL_TORQUE_NM, "N m")):
            if values is None:
                continue
            far = np.argwhere(~(np.abs(np.asarray(values, float)) <= bound))
            if far.size:
                k, j = far[0]
                raise _row_error(loads.data, k, columns[j], f"ExternalForce {f.name!r}: expected a {what} component "
                                 f"in [-{bound:g}, {bound:g}] {unit}, got {values[k, j]:g}")
        empty = np.zeros((0, 3))
        out.append(_core.ExternalLoadSeries(
            f.name, f.applied_to_body, loads.time, np.asarray(f.force, float),
            empty if f.point is None else np.asarray(f.point, float),
            empty if f.torque is None else np.asarray(f.torque, float)))
    return out


def analyze_raw(model, kinematics, external_loads=None, *, progress: bool | None = None,
                **options) -> "_core.AnalyzeResult":
    """The compiled per-frame result (arrays) of a trial analysis; arguments as in :func:`analyze`."""
    m = trial_model(model)
    o = _core.AnalyzeOptions(**options)
    kin = _kinematics(kinematics, m)
    loads = _loads(external_loads)
    bar = None
    callback = None
    n = len(kin.time) // max(1, o.frame_step)
    if progress or (progress is None and n > _PROGRESS_FRAMES):
        from tqdm import tqdm

        bar = tqdm(total=n, unit="frame", desc="analyze", leave=False)

        def callback(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)
    try:
        return _core.analyze(m.core, m.data, kin.time, kin.column_names,
                             kin.data[kin.column_names].to_numpy(dtype=float), loads, o, callback)
    finally:
        if bar is not None:
            bar.close()


def analyze(model, kinematics, external_loads=None, *, progress: bool | None = None, **options):
    """Per-frame analysis of a recorded trial, indexed by (leg, time_s).

    ``model``: a biomech.Model, or a path (an .osim is imported whole, scope 'full': every
    body, joint and muscle, so that inverse dynamics runs from the ground up).
    ``kinematics``: a coordinates file (.mot/.sto, e.g. OpenSim's IK output) or a Storage;
    angles in degrees are converted. ``external_loads``: an ExternalLoads .xml (or the object
    ``read_external_loads`` returns), forces and points expressed in ground; None for none.
    Options by public name (``biomech.AnalyzeOptions.fields()``): ``lowpass_cutoff_hz``
    (OpenSim's lowpass_cutoff_frequency_for_coordinates; < 0 none), ``start_time_s``,
    ``end_time_s``, ``frame_step``, ``force_velocity``, ``passive_fiber_force``,
    ``recruitment`` (a RecruitmentOptions: ``p``, ``min_activation``, ...). ``progress``:
    a tqdm bar (None: on trials over 200 frames).

    Columns: the fields of ``biomech.HipFrame`` (hip moments from inverse dynamics, hip
    contact force in the femur and pelvis frames, N and BW, gluteus medius and TFL %MVIC,
    gmed:TFL, the seesaw's abductor moment, force and lever), then per muscle of that side
    ``activation:<name>`` and ``force:<name>_n``. ``df.attrs``: options, body weight, largest
    reserve and residual, and the coordinates of the file the model lacks
    (``unused_columns``, not analysed; a UserWarning names them too) and of the model the file lacks
    (``defaulted_coordinates``, held at their defaults). Every coordinate of the model is
    balanced: by the muscles and reserves, and on the root joint by the residuals.
    """
    import pandas as pd

    m = trial_model(model)
    res = analyze_raw(m, kinematics, external_loads, progress=progress, **options)
    if res.unused_columns:
        warnings.warn(f"biomech.analyze: the model {m.core.name!r} lacks these coordinates of the trial, "
                      f"not analysed: {', '.join(res.unused_columns)}", UserWarning, stacklevel=2)
    t = np.asarray(res.time)
    rows = [h.to_dict() for h in res.hips]
    table = pd.DataFrame(rows, columns=scalar_fields(_core.HipFrame))
    act, force = np.asarray(res.activation), np.asarray(res.muscle_force)
    frames = []
    for side in dict.fromkeys(table["leg"]):
        part = table[table["leg"] == side].set_index(["leg", "time_s"])[HIP_COLUMNS]
        cols = {}
        for j, mu in enumerate(m.core.muscles):
            if mu.side == side:
                cols[f"activation:{mu.name}"] = act[:, j]
                cols[f"force:{mu.name}_n"] = force[:, j]
        frames.append(pd.concat([part, pd.DataFrame(cols, index=part.index)], axis=1))
    df = pd.concat(frames) if frames else pd.DataFrame(columns=HIP_COLUMNS)
    reserve = np.asarray(res.reserve)
    root = _root_columns(m, res)
    balanced = [k for k in range(reserve.shape[1]) if k not in root]
    o = _core.AnalyzeOptions(**options)
    df.attrs.update({
        "model": m.core.name, "options": o.to_dict(), "body_weight_n": res.body_weight_n,
        "frames": int(len(t)), "converged_frames": int(np.sum(res.converged)),
        "max_reserve_nm": float(np.abs(reserve[:, balanced]).max()) if balanced else 0.0,
        "max_residual": float(np.abs(reserve[:, root]).max()) if root else 0.0,
        "unused_columns": list(res.unused_columns), "defaulted_coordinates": list(res.defaulted_coordinates)})
    return df


def _root_columns(m: Model, res) -> list[int]:
    """Posture indices of the root joint's coordinates (the residuals' dofs)."""
    core = m.core
    root_joint = core.joints[core.bodies[0].joint]
    names = set()
    for ax in list(root_joint.rotations) + list(root_joint.translations):
        if ax.coordinate >= 0:
            names.add(core.coordinates[ax.coordinate].name)
    return [k for k, c in enumerate(res.coordinates) if c in names]
