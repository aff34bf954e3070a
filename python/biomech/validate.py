"""The model against published measurements of people (``datasets/validation``, shipped).

    >>> import biomech
    >>> v = biomech.validate()                     # the default model
    >>> v.emg_by_study                             # Spearman's rho per study, with n
    >>> v.contact_force                            # in vivo hip contact force vs the model (BW)
    >>> print(v.scorecard())
    >>> v.plot("validation/")                      # model vs measured, one picture per study
    >>> biomech.validate(biomech.Model.load("mine.yaml"))   # another model, as its file states it

What each table holds and how to read it: docs/validation.md. Every measured value carries its
study; the studies' citations are in ``v.studies``. Nothing in the model is fitted to these data.

The model's EMG-style estimate compared with a study's %MVIC is the **mean** gluteus medius %MVIC
over the exercise's repetition (surface EMG studies average the amplitude over the exercise); the
peak is reported beside it.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from ._paths import dataset_path
from .model import as_model

__all__ = ["validate", "Validation", "load_validation_data", "spearman", "score_emg", "score_contact_force"]

# A study enters the rank comparison with at least this many catalogue exercises.
MIN_EXERCISES_FOR_RHO = 3
# Matches used in comparisons: the same task, or the same movement with a stated difference.
MATCHES = ("exact", "close")


def load_validation_data() -> dict[str, Any]:
    """The shipped validation data set: one DataFrame per file of ``datasets/validation``."""
    import pandas as pd

    base = dataset_path("validation")
    names = ("studies", "gmed_emg", "hip_strength", "hip_contact_force", "hip_abduction_moment")
    return {n: pd.read_csv(base / f"{n}.csv", dtype={"side": str}, keep_default_na=True) for n in names}


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties get their mean rank."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x))
    sx = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sx[j + 1] == sx[i]:
            j += 1
        ranks[order[i:j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    return ranks


def spearman(a, b) -> float:
    """Spearman's rank correlation of two equal-length sequences (Pearson's r of the ranks, ties
    averaged); NaN with fewer than 3 pairs or a constant sequence."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"spearman: expected two 1-D sequences of one length, got {a.shape} and {b.shape}")
    if len(a) < 3:
        return math.nan
    ra, rb = _ranks(a), _ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = math.sqrt(float(ra @ ra) * float(rb @ rb))
    return float(ra @ rb / den) if den > 0 else math.nan


class Validation:
    """The scorecard: ``emg`` (one row per measured value with the model's estimate),
    ``emg_by_study`` (rho per study), ``leave_one_study_out``, ``strength``, ``contact_force``,
    ``moments`` (DataFrames) and ``studies`` (citations)."""

    def __init__(self, tables: dict[str, Any], model_name: str, options: dict[str, Any], model=None):
        self.__dict__.update(tables)
        self.model_name = model_name
        self.options = options
        self._model = model  # for the strength plot

    def to_dict(self) -> dict[str, Any]:
        return {k: v.to_dict(orient="records") for k, v in self.__dict__.items() if hasattr(v, "to_dict")}

    def scorecard(self) -> str:
        """The scorecard as text."""
        lines = [f"Validation of model '{self.model_name}' against datasets/validation (docs/validation.md)", ""]
        lines.append("Gluteus medius EMG: Spearman's rho of the model's mean %MVIC and each study's %MVIC")
        for _, r in self.emg_by_study.iterrows():
            lines.append(f"  {r['study_id']:<24} {_rho_text(r['rho'], r['n_exercises'])}  "
                         f"({_ranked(r)}, {_participants(r['n_participants'])}; "
                         f"{_within_text(r)}{_without_model(r)})")
        lines.append("Leave one study out: rho against the mean of the other studies per exercise and leg")
        for _, r in self.leave_one_study_out.iterrows():
            lines.append(f"  without {r['left_out']:<16} {_rho_text(r['rho'], r['n_exercises'])}  "
                         f"({_count(r['n_exercises'], 'exercise-leg')})")
        lines += ["", "Hip strength (N m/kg)"]
        for _, r in self.strength.iterrows():
            lines.append(f"  {r['study_id']:<14} {r['direction']}, {r['test']} ({r['sex']}): model {r['model']:.2f}, "
                         f"measured {r['measured']:.2f} +- {r['sd']:.2f} -> {'within' if r['within_sd'] else 'OUTSIDE'}")
        lines += ["", "In vivo hip contact force (BW)"]
        for _, r in self.contact_force.iterrows():
            lines.append(f"  {r['study_id']:<14} {r['task'][:44]:<44} model {r['model_bw']:.2f}, measured "
                         f"{_spread(r)} -> error {r['error_bw']:+.2f} BW, {_within_force(r['within'])}")
        if len(self.moments):
            lines += ["", "Hip abduction moment"]
            for _, r in self.moments.iterrows():
                lines.append(f"  {r['study_id']:<14} {r['task'][:44]:<44} model {r['model']:.2f}, measured "
                             f"{r['measured']:.2f} ({r['unit']})")
        return "\n".join(lines)

    def plot(self, directory: str | os.PathLike) -> list[Path]:
        """Model vs measured: ``emg_<study>.png`` for every EMG study with values,
        ``hip_contact_force.png`` (every contact-force study) and ``strength.png`` (the model's
        abduction strength curves with the measured strengths); the files written."""
        from .plots import validation_contact_force, validation_study

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        files = []
        for study, rows in self.emg.groupby("study_id", sort=True):
            p = out / f"emg_{study}.png"
            r = self.emg_by_study.set_index("study_id").loc[study]
            validation_study(rows, study, _rho_text(r["rho"], r["n_exercises"]), p)
            files.append(p)
        if len(self.contact_force):
            p = out / "hip_contact_force.png"
            validation_contact_force(self.contact_force, p)
            files.append(p)
        if self._model is not None:
            from .strength import strength_curve

            p = out / "strength.png"
            strength_curve(self._model, plot=p)
            files.append(p)
        return files


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _ranked(r) -> str:
    """How many exercises a study has, and how many exercise-legs its rho ranks when they differ."""
    text = _count(r["n_distinct_exercises"], "exercise")
    return text if r["n_exercises"] == r["n_distinct_exercises"] else f"{text}, {r['n_exercises']} exercise-legs"


def _rho_text(rho: float, n_exercises: int) -> str:
    if not math.isnan(rho):
        return f"{rho:+.2f}"
    if n_exercises < MIN_EXERCISES_FOR_RHO:
        return f"no rank ({_count(n_exercises, 'exercise-leg')}, needs {MIN_EXERCISES_FOR_RHO})"
    return "no rank (all values tie)"


def _participants(n) -> str:
    return "n not reported" if n is None or (isinstance(n, float) and math.isnan(n)) else f"n = {int(n)}"


def _without_model(r) -> str:
    n = r["n_without_model"]
    return "" if n == 0 else f"; {n} of a leg the model does not analyse, not ranked"


def _within_text(r) -> str:
    if r["n_with_sd"] == 0:
        return f"no SD reported for its {_count(r['n_values'], 'value')}"
    return f"{r['within_sd']}/{r['n_with_sd']} model values within mean +- SD"


def _within_force(within) -> str:
    import pandas as pd

    if pd.isna(within):
        return "no spread published"
    return "within" if within else "OUTSIDE"


def _spread(r) -> str:
    if not math.isnan(r["measured_mean"]):
        sd = "" if math.isnan(r["measured_sd"]) else f" +- {r['measured_sd']:.2f}"
        rng = "" if math.isnan(r["measured_min"]) else f" (range {r['measured_min']:.2f}-{r['measured_max']:.2f})"
        return f"{r['measured_mean']:.2f}{sd}{rng}"
    if not math.isnan(r["measured_min"]):
        return f"{r['measured_min']:.2f}-{r['measured_max']:.2f}"
    return f"<= {r['measured_max']:.2f}"


def score_emg(emg):
    """The EMG scorecard's arithmetic on ``emg``: one row per published value with ``study_id``,
    ``exercise_id``, ``leg`` (the model's leg it is compared with), ``mean_percent_mvic``, ``sd``,
    ``n`` and ``model_mean_percent_mvic``. Returns ``emg`` with ``within_sd`` (|model - mean| <= SD;
    False when the study gave no SD), the table per study (Spearman's rho over its exercises, NaN
    below ``MIN_EXERCISES_FOR_RHO``; ``n_exercises`` counts the exercise-legs ranked, both legs of
    one exercise being two values; a study's variants of one exercise and leg are averaged first)
    and leave one study out (rho of the model against the mean over the other studies)."""
    import pandas as pd

    emg = emg.copy()
    emg["within_sd"] = emg["sd"].notna() & ((emg["model_mean_percent_mvic"] - emg["mean_percent_mvic"]).abs()
                                            <= emg["sd"])
    # a value the model has no estimate for (it does not analyse that leg) cannot be ranked
    per = (emg[emg["model_mean_percent_mvic"].notna()]
           .groupby(["study_id", "exercise_id", "leg"], dropna=False, sort=True)
           .agg(measured=("mean_percent_mvic", "mean"), model=("model_mean_percent_mvic", "first"))
           .reset_index())
    by_study = []
    for study in sorted(emg["study_id"].unique()):
        rows = per[per["study_id"] == study]
        values = emg[emg["study_id"] == study]
        n = values["n"].dropna()
        by_study.append({"study_id": study, "n_exercises": len(rows),
                         "n_distinct_exercises": rows["exercise_id"].nunique(),
                         "n_participants": int(n.max()) if len(n) else None,
                         "rho": spearman(rows["measured"], rows["model"]) if len(rows) >= MIN_EXERCISES_FOR_RHO
                         else math.nan,
                         "n_values": len(values), "n_without_model": int(values["model_mean_percent_mvic"].isna().sum()),
                         "n_with_sd": int(values["sd"].notna().sum()),
                         "within_sd": int(values["within_sd"].sum())})
    by_study = pd.DataFrame(by_study, columns=["study_id", "n_exercises", "n_distinct_exercises", "n_participants", "rho", "n_values",
                                               "n_without_model", "n_with_sd", "within_sd"])
    loso = []
    for study in sorted(per["study_id"].unique()):
        rest = per[per["study_id"] != study]
        pooled = rest.groupby(["exercise_id", "leg"], dropna=False).agg(measured=("measured", "mean"),
                                                                         model=("model", "first"))
        loso.append({"left_out": study, "n_exercises": len(pooled),
                     "rho": spearman(pooled["measured"], pooled["model"]) if len(pooled) >= MIN_EXERCISES_FOR_RHO
                     else math.nan})
    loso = pd.DataFrame(loso, columns=["left_out", "n_exercises", "rho"])
    return emg, by_study, loso


def score_contact_force(cf):
    """The contact-force scorecard's arithmetic: ``cf`` has ``model_bw`` and the measured
    ``measured_mean``, ``measured_sd``, ``measured_min``, ``measured_max`` (BW, NaN when not
    published). ``reference_bw`` is the mean, else the middle of the range, else the upper bound
    (a study that gives only "below X"); ``error_bw = model_bw - reference_bw``; ``within``: the model
    inside the published range, else inside mean +- SD, else below the bound; NA for a single value without spread."""
    cf = cf.copy()
    mid = 0.5 * (cf["measured_min"] + cf["measured_max"])
    cf["reference_bw"] = cf["measured_mean"].where(cf["measured_mean"].notna(),
                                                   mid.where(mid.notna(), cf["measured_max"]))
    cf["error_bw"] = cf["model_bw"] - cf["reference_bw"]
    lo = cf["measured_min"].where(cf["measured_min"].notna(), cf["measured_mean"] - cf["measured_sd"])
    hi = cf["measured_max"].where(cf["measured_max"].notna(), cf["measured_mean"] + cf["measured_sd"])
    within = (cf["model_bw"] >= lo.where(lo.notna(), -np.inf)) & (cf["model_bw"] <= hi)
    cf["within"] = within.astype("boolean").where(hi.notna())  # NA: a single value, no spread published
    return cf


def validate(model=None, exercises_options: dict[str, Any] | None = None) -> Validation:
    """Runs ``model`` (the default model when None) through every comparison the validation data
    allow and returns the scorecard. ``exercises_options``: options of ``biomech.compare``
    (``p``, ...), the same for every exercise."""
    import pandas as pd

    from .exercise import compare

    m = as_model(model)
    data = load_validation_data()
    options = dict(exercises_options or {})
    emg = data["gmed_emg"]
    emg = emg[emg["match"].isin(MATCHES) & emg["muscle"].eq("gluteus_medius") & emg["exercise_id"].notna()].copy()
    force = data["hip_contact_force"]
    force = force[force["match"].isin(MATCHES) & force["exercise_id"].notna()].copy()
    needed = sorted(set(emg["exercise_id"]) | set(force["exercise_id"]) | {"single_leg_stance"})
    table = compare(m, needed, **options)

    # ---- EMG: the model's value for the leg the study recorded (the working leg when not stated)
    def model_leg(exercise: str, side: Any) -> str | None:
        rows = table[table["exercise"] == exercise]
        if isinstance(side, str) and side in ("r", "l"):
            return side if (rows["leg"] == side).any() else None
        # not stated: the leg the exercise works (stance or moving, whichever reads higher)
        rows = rows.sort_values("gmed_mean_percent_mvic", ascending=False)
        return str(rows["leg"].iloc[0]) if len(rows) else None

    def model_value(exercise: str, leg: str | None, column: str) -> float:
        rows = table[(table["exercise"] == exercise) & (table["leg"] == leg)]
        return float(rows[column].iloc[0]) if len(rows) else math.nan

    emg["leg"] = [model_leg(e, s) for e, s in zip(emg["exercise_id"], emg["side"])]
    emg["model_mean_percent_mvic"] = [model_value(e, g, "gmed_mean_percent_mvic")
                                      for e, g in zip(emg["exercise_id"], emg["leg"])]
    emg["model_peak_percent_mvic"] = [model_value(e, g, "gmed_peak_percent_mvic")
                                      for e, g in zip(emg["exercise_id"], emg["leg"])]
    emg, by_study, loso = score_emg(emg)

    # ---- strength (N m/kg, and the %BW x height of Fredericson 2000 converted with the model's height)
    from .strength import strength_curve

    peak = float(strength_curve(m).attrs["peak_torque_nm_per_kg"])
    tests = {"isometric": peak,  # isokinetic tests: the model's peak at the test's speed
             "isokinetic_concentric_60deg_s": float(strength_curve(m, velocity_deg_s=60.0)
                                                    .attrs["peak_torque_nm_per_kg"])}
    sex = m.subject.sex
    rows = []
    for _, r in data["hip_strength"].iterrows():
        if r["direction"] != "abduction" or r["sex"] not in (sex, "pooled") or r["test"] not in tests \
                or math.isnan(r["mean_nm_per_kg"]):
            continue  # hand-held forces (%BW) need the test's lever arm, which the studies do not give
        rows.append({"study_id": r["study_id"], "direction": "abduction", "test": r["test"], "sex": r["sex"],
                     "model": tests[r["test"]], "measured": r["mean_nm_per_kg"], "sd": r["sd"]})
    strength = pd.DataFrame(rows, columns=["study_id", "direction", "test", "sex", "model", "measured", "sd"])
    strength["within_sd"] = (strength["model"] - strength["measured"]).abs() <= strength["sd"]

    # ---- in vivo hip contact force: the model's peak in the matching exercise
    def peak_bw(exercise: str) -> float:
        rows = table[table["exercise"] == exercise]
        return float(rows["peak_hip_contact_force_bw"].max()) if len(rows) else math.nan

    cf = pd.DataFrame({
        "study_id": force["study_id"].to_numpy(), "task": force["task"].to_numpy(),
        "exercise_id": force["exercise_id"].to_numpy(), "match": force["match"].to_numpy(),
        "model_bw": [peak_bw(e) for e in force["exercise_id"]],
        "measured_mean": force["peak_bw_mean"].to_numpy(float), "measured_sd": force["peak_bw_sd"].to_numpy(float),
        "measured_min": force["peak_bw_min"].to_numpy(float), "measured_max": force["peak_bw_max"].to_numpy(float),
    })
    cf = score_contact_force(cf)

    # ---- abduction moment demand as % of maximal strength (quiet single-leg stance)
    mo = data["hip_abduction_moment"]
    mo = mo[mo["match"].isin(MATCHES) & mo["exercise_id"].notna()]
    moments = []
    for _, r in mo.iterrows():
        rows = table[table["exercise"] == r["exercise_id"]]
        demand = float(rows["peak_abduction_moment_nm_per_kg"].max())
        if r["unit_as_published"].startswith("%"):
            moments.append({"study_id": r["study_id"], "task": r["task"], "exercise_id": r["exercise_id"],
                            "model": 100.0 * demand / peak, "measured": float(r["value_as_published"]),
                            "unit": "% of maximal isometric abduction"})
        elif not math.isnan(r["peak_nm_per_kg_mean"]):
            moments.append({"study_id": r["study_id"], "task": r["task"], "exercise_id": r["exercise_id"],
                            "model": demand, "measured": r["peak_nm_per_kg_mean"], "unit": "N m/kg"})
    moments = pd.DataFrame(moments, columns=["study_id", "task", "exercise_id", "model", "measured", "unit"])

    tables = {"emg": emg.reset_index(drop=True), "emg_by_study": by_study, "leave_one_study_out": loso,
              "strength": strength, "contact_force": cf, "moments": moments, "studies": data["studies"]}
    return Validation(tables, m.name, options, m)
