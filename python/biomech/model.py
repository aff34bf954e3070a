"""The musculoskeletal model from Python: loading, postures, muscle lengths and moment arms.

A posture is either a dict of coordinate name to value (radians; metres for
translations; coordinates left out keep their default) or a NumPy array of
shape (nq,) or (n, nq) in ``model.coordinate_names`` order. A dict value may
be a 1-D array, giving n postures. A name without side suffix (``hip_flexion``)
sets both sides (``hip_flexion_r`` and ``hip_flexion_l``).

    >>> model = Model.default()
    >>> model.moment_arms(posture_deg(model, hip_flexion_r=90))   # muscles x coordinates, m
"""
from __future__ import annotations

import difflib
import math
import os
import threading
from collections.abc import Mapping
from typing import Any, Union

import numpy as np
import pandas as pd

from . import _core
from ._paths import DEFAULT_MODEL_FILE, data_path

Posture = Union[Mapping, np.ndarray, "pd.DataFrame", list, tuple, None]


class Model:
    """A musculoskeletal model (read-only): bodies, coordinates, landmarks, muscles.

    Build one with :meth:`default`, :meth:`load` or :meth:`from_osim`. SI units
    and radians; OpenSim frames (x anterior, y superior, z right).
    ``model.core`` is the compiled ``biomech._core.Model`` for the low-level API.
    """

    def __init__(self, core: _core.Model):
        if not isinstance(core, _core.Model):
            raise TypeError(f"Model(core): expected a biomech._core.Model, got {type(core).__name__}; "
                            "use Model.default(), Model.load(path) or Model.from_osim(path)")
        self._core = core
        self._local = threading.local()
        self._coord_names = list(core.coordinate_names)
        self._coord_pos = {n: i for i, n in enumerate(self._coord_names)}
        self._muscle_names = list(core.muscle_names)
        self._ma_idx = list(core.moment_arm_coords)
        self._all_coords = {c.name: c for c in core.coordinates}

    # ---- construction
    @classmethod
    def default(cls, subject: "_core.Subject | None" = None) -> "Model":
        """The shipped gait2392 hip model scaled to ``subject`` (its default male subject when None)."""
        if subject is not None and not isinstance(subject, _core.Subject):
            raise TypeError(f"Model.default: expected a biomech.Subject or None, got {type(subject).__name__}")
        return cls(_core.default_model(subject, str(data_path(DEFAULT_MODEL_FILE))))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Model":
        """Read a model file (YAML schema, docs/model_file.md).

        FileNotFoundError when missing; biomech.FileError (a ValueError naming the
        file, line and field) when something in it is wrong.
        """
        return cls(_core.load_model(os.fspath(path)))

    @classmethod
    def from_osim(cls, path: str | os.PathLike, scope: str = "hip") -> "Model":
        """Import an OpenSim 4 ``.osim`` model.

        ``scope="hip"``: the hip model the exercises use (hip-crossing muscles, feet merged into
        the tibiae, arms into the torso); ``scope="full"``: every body, joint and muscle, as a
        trial analysis needs (:func:`biomech.analyze` imports so). docs/model_file.md has the rules.
        """
        return cls(_core.import_osim(os.fspath(path), scope))

    def save(self, path: str | os.PathLike) -> None:
        """Write the model in the model-file schema."""
        _core.save_model(self._core, os.fspath(path))

    # ---- description
    @property
    def core(self) -> _core.Model:
        return self._core

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def source(self) -> str:
        """Provenance / citation of the geometry."""
        return self._core.source

    @property
    def license(self) -> str:
        return self._core.license

    @property
    def subject(self) -> _core.Subject:
        return self._core.subject

    @property
    def total_mass(self) -> float:
        """kg"""
        return self._core.total_mass

    @property
    def nq(self) -> int:
        """Length of the posture vector."""
        return self._core.nq

    @property
    def muscle_names(self) -> list[str]:
        return list(self._muscle_names)

    @property
    def coordinate_names(self) -> list[str]:
        """Independent coordinates, in posture-vector order."""
        return list(self._coord_names)

    @property
    def moment_arm_coordinate_names(self) -> list[str]:
        """The coordinates muscles cross: the columns of :meth:`moment_arms`."""
        return [self._coord_names[i] for i in self._ma_idx]

    @property
    def coordinates(self) -> pd.DataFrame:
        """One row per independent coordinate: range and default (rad, or m when not rotational)."""
        rows = []
        for name in self._coord_names:
            c = self._all_coords[name]
            rows.append({"name": name, "rotational": c.rotational, "range_min": c.range_min,
                         "range_max": c.range_max, "default": c.default_value})
        return pd.DataFrame(rows).set_index("name")

    @property
    def muscles(self) -> pd.DataFrame:
        """One row per muscle: side, group, segment and Hill parameters (units in the column names)."""
        rows = [{"name": mu.name, "side": mu.side, "group": mu.group, "segment": mu.segment,
                 "max_isometric_force_n": mu.max_isometric_force,
                 "optimal_fiber_length_m": mu.optimal_fiber_length,
                 "tendon_slack_length_m": mu.tendon_slack_length,
                 "pennation_angle_rad": mu.pennation_angle}
                for mu in self._core.muscles]
        return pd.DataFrame(rows, columns=["name", "side", "group", "segment", "max_isometric_force_n",
                                           "optimal_fiber_length_m", "tendon_slack_length_m",
                                           "pennation_angle_rad"]).set_index("name")

    @property
    def bodies(self) -> pd.DataFrame:
        """One row per body: mass (kg), centre of mass in the body frame (m), parent body."""
        core = self._core
        rows = []
        for b in core.bodies:
            parent = core.joints[b.joint].parent if b.joint >= 0 else -1
            rows.append({"name": b.name, "mass_kg": b.mass, "com_x_m": b.com[0], "com_y_m": b.com[1],
                         "com_z_m": b.com[2], "parent": core.bodies[parent].name if parent >= 0 else "ground"})
        return pd.DataFrame(rows, columns=["name", "mass_kg", "com_x_m", "com_y_m", "com_z_m", "parent"]).set_index("name")

    @property
    def landmarks(self) -> pd.DataFrame:
        """One row per landmark: body and location in the body frame (m)."""
        core = self._core
        rows = [{"name": l.name, "body": core.bodies[l.body].name, "x_m": l.location[0], "y_m": l.location[1],
                 "z_m": l.location[2], "source": l.source} for l in core.landmarks]
        return pd.DataFrame(rows, columns=["name", "body", "x_m", "y_m", "z_m", "source"]).set_index("name")

    def __repr__(self) -> str:
        return (f"<biomech.Model {self.name!r}: {len(self._core.bodies)} bodies, {self.nq} coordinates, "
                f"{len(self._muscle_names)} muscles, {self.total_mass:.1f} kg>")

    # ---- postures
    def _resolve(self, name: str) -> list[int]:
        """Posture indices a name sets (both sides for a name without side suffix)."""
        if name in self._coord_pos:
            return [self._coord_pos[name]]
        if name in self._all_coords:
            c = self._all_coords[name]
            driver = self._core.coordinates[c.driver].name
            raise ValueError(f"posture: coordinate '{name}' is coupled to '{driver}'; set '{driver}' instead")
        both = [n for n in (f"{name}_r", f"{name}_l") if n in self._coord_pos]
        if both:
            return [self._coord_pos[n] for n in both]
        close = difflib.get_close_matches(name, self._coord_names, n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"posture: expected a coordinate of model '{self.name}', got '{name}'{hint}")

    def _is_rotational(self, index: int) -> bool:
        return bool(self._all_coords[self._coord_names[index]].rotational)

    def posture(self, posture: Posture = None) -> np.ndarray:
        """The posture as a float array, (nq,) for one posture or (n, nq) for many.

        Accepts None (the default posture), a dict of name to value (radians, m for
        translations; values may be 1-D arrays of one length n), a DataFrame whose
        columns are coordinate names, or an array (nq,) / (n, nq). ValueError for an
        unknown name, a wrong shape or a non-finite value.
        """
        default = np.asarray(self._core.default_posture(), dtype=float)
        if posture is None:
            return default
        if isinstance(posture, pd.DataFrame):
            posture = {str(k): v.to_numpy() for k, v in posture.items()}
        if isinstance(posture, Mapping):
            values: dict[int, np.ndarray] = {}
            n = None
            for name, value in posture.items():
                arr = np.asarray(value, dtype=float)
                if arr.ndim > 1:
                    raise ValueError(f"posture: expected a number or a 1-D array for '{name}', got shape {arr.shape}")
                if not np.all(np.isfinite(arr)):
                    raise ValueError(f"posture: expected finite values, got {value!r} for '{name}'")
                if arr.ndim == 1:
                    if n is not None and len(arr) != n:
                        raise ValueError(f"posture: expected arrays of one length, got {n} and {len(arr)} ('{name}')")
                    n = len(arr)
                for i in self._resolve(str(name)):
                    values[i] = arr
            if n is None:
                q = default.copy()
            else:
                q = np.tile(default, (n, 1))
            for i, v in values.items():
                q[..., i] = v
            return q
        q = np.asarray(posture, dtype=float)
        if q.ndim not in (1, 2) or q.shape[-1] != self.nq:
            raise ValueError(f"posture: expected an array of shape ({self.nq},) or (n, {self.nq}) "
                             f"(coordinates {', '.join(self._coord_names)}), got shape {q.shape}")
        if not np.all(np.isfinite(q)):
            raise ValueError("posture: expected finite values, got NaN or inf")
        return q

    def posture_dict(self, q: np.ndarray | None = None) -> dict[str, float]:
        """A posture vector (nq,) as a dict of coordinate name to value (rad or m)."""
        q = self.posture(q)
        if q.ndim != 1:
            raise ValueError(f"posture_dict: expected one posture (nq,), got shape {q.shape}")
        return {n: float(v) for n, v in zip(self._coord_names, q)}

    # ---- muscle lengths and moment arms
    @property
    def data(self) -> _core.Data:
        """The workspace of the compiled algorithms (``_core.Data``): one per thread, so a
        Model can be shared by threads."""
        d = getattr(self._local, "data", None)
        if d is None:
            d = self._local.data = _core.Data(self._core)
        return d

    def _coord_indices(self, coordinates) -> list[int]:
        if coordinates is None:
            return list(self._ma_idx)
        if isinstance(coordinates, str):
            coordinates = [coordinates]
        out = []
        for c in coordinates:
            out += self._resolve(c)
        return out

    def moment_arms_array(self, posture: Posture = None, coordinates=None) -> tuple[np.ndarray, np.ndarray]:
        """Raw arrays: (lengths (n, n_muscles) m, moment arms (n, n_muscles, n_coords) m).

        ``posture`` as in :meth:`posture` (one posture gives n = 1); ``coordinates``
        names the columns (default: the coordinates muscles cross). Batched in C++
        with the GIL released.
        """
        q = np.atleast_2d(self.posture(posture))
        idx = self._coord_indices(coordinates)
        lengths, arms = _core.compute_muscle_paths_batch(self._core, self.data, np.ascontiguousarray(q), idx)
        return lengths, arms

    def moment_arms(self, posture: Posture = None, coordinates=None) -> pd.DataFrame:
        """Moment arms (m) by tendon excursion, r = -dL/dq: muscles x coordinates.

        One posture gives a DataFrame indexed by muscle with one column per
        coordinate (by default the coordinates muscles cross, rotational ones in m
        per rad). Several postures ((n, nq) array or dict of arrays) give a
        DataFrame indexed by (posture, muscle).
        """
        q = self.posture(posture)
        cols = [self._coord_names[i] for i in self._coord_indices(coordinates)]
        _, arms = self.moment_arms_array(q, coordinates)
        columns = pd.Index(cols, name="coordinate")
        if q.ndim == 1:
            return pd.DataFrame(arms[0], index=pd.Index(self._muscle_names, name="muscle"), columns=columns)
        index = pd.MultiIndex.from_product([range(q.shape[0]), self._muscle_names], names=["posture", "muscle"])
        return pd.DataFrame(arms.reshape(-1, len(cols)), index=index, columns=columns)

    def muscle_lengths(self, postures: Posture = None) -> "pd.Series | pd.DataFrame":
        """Muscle-tendon lengths (m).

        One posture gives a Series indexed by muscle; several ((n, nq) array or dict
        of arrays) a DataFrame with one row per posture and one column per muscle.
        """
        q = self.posture(postures)
        q2 = np.ascontiguousarray(np.atleast_2d(q))
        # one moment-arm column is the least the batch call computes alongside the lengths
        lengths, _ = _core.compute_muscle_paths_batch(self._core, self.data, q2, self._ma_idx[:1] or [0])
        if q.ndim == 1:
            return pd.Series(lengths[0], index=pd.Index(self._muscle_names, name="muscle"), name="length_m")
        return pd.DataFrame(lengths, index=pd.RangeIndex(q.shape[0], name="posture"),
                            columns=pd.Index(self._muscle_names, name="muscle"))

    def landmark_positions(self, posture: Posture = None) -> pd.DataFrame:
        """Landmarks in ground (m) at one posture: rows landmarks, columns x, y, z."""
        q = self.posture(posture)
        if q.ndim != 1:
            raise ValueError(f"landmark_positions: expected one posture, got shape {q.shape}")
        data = self.data
        _core.forward_kinematics(self._core, data, q)
        names = [l.name for l in self._core.landmarks]
        pos = np.array([_core.landmark_position(self._core, data, n) for n in names]).reshape(-1, 3)
        return pd.DataFrame(pos, index=pd.Index(names, name="landmark"), columns=["x_m", "y_m", "z_m"])

    def summary(self) -> dict[str, Any]:
        """Name, source, mass, bodies, coordinates and muscles (with max force) as plain data."""
        core = self._core
        coords = []
        for name in self._coord_names:
            c = self._all_coords[name]
            if c.rotational:
                coords.append({"name": name, "range_deg": [math.degrees(c.range_min), math.degrees(c.range_max)]})
            else:
                coords.append({"name": name, "range_m": [c.range_min, c.range_max]})
        return {
            "name": core.name,
            "source": core.source,
            "license": core.license,
            "subject": core.subject.to_dict(),
            "total_mass_kg": core.total_mass,
            "bodies": [{"name": b.name, "mass_kg": b.mass} for b in core.bodies],
            "coordinates": coords,
            "moment_arm_coordinates": self.moment_arm_coordinate_names,
            "landmarks": [l.name for l in core.landmarks],
            "muscles": [{"name": mu.name, "group": mu.group, "segment": mu.segment,
                         "max_isometric_force_n": mu.max_isometric_force} for mu in core.muscles],
        }


def posture_deg(*args, **angles_deg) -> dict[str, float]:
    """A posture dict in radians from angles in degrees.

    ``posture_deg(hip_flexion_r=90)`` or ``posture_deg(model, hip_flexion=90)``
    (a mapping may also be passed positionally). With a model, every name must be
    one of its rotational coordinates (a name without side suffix stands for
    both sides and is expanded); without one, names are kept as given and checked
    when the posture is used. ValueError for an unknown name or a non-finite value.
    """
    model = None
    given: dict[str, Any] = {}
    for a in args:
        if isinstance(a, Model):
            model = a
        elif isinstance(a, Mapping):
            given.update(a)
        else:
            raise TypeError(f"posture_deg: expected a Model or a mapping, got {type(a).__name__}")
    given.update(angles_deg)
    out: dict[str, float] = {}
    for name, value in given.items():
        arr = np.asarray(value, dtype=float)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"posture_deg: expected finite angles, got {value!r} for '{name}'")
        rad = np.radians(arr)
        rad = float(rad) if rad.ndim == 0 else rad
        if model is None:
            out[name] = rad
            continue
        for i in model._resolve(name):
            if not model._is_rotational(i):
                raise ValueError(f"posture_deg: '{model._coord_names[i]}' is a translation (m), not an angle")
            out[model._coord_names[i]] = rad
    return out


def as_model(model) -> "Model":
    """``model`` as a biomech.Model: None gives the default model, a ``_core.Model`` is wrapped.

    Every function that takes a model goes through here (TypeError for anything else).
    """
    if model is None:
        return Model.default()
    if isinstance(model, Model):
        return model
    if isinstance(model, _core.Model):
        return Model(model)
    raise TypeError(f"expected a biomech.Model (or None for the default model), got {type(model).__name__}")
