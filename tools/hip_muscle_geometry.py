"""Hip-abductor geometry of the default model against another OpenSim model (an analysis aid, not
part of the package; docs/validation.md, "Muscle geometry and the hip contact force").

    python tools/hip_muscle_geometry.py                                  # the default model's arms and lines
    python tools/hip_muscle_geometry.py OTHER.osim                       # moment-arm tables of both
    python tools/hip_muscle_geometry.py OTHER.osim --write-models DIR    # + the transplanted models
    python tools/hip_muscle_geometry.py OTHER.osim --plot FILE.png

OTHER.osim is a model whose hip muscles are named by the importer's groups (Rajagopal et al. 2016
was used). It prints the abduction, flexion and internal-rotation moment arms (cm) of the hip
abductors of both models at 0 deg and over hip flexion 0-90 deg, the inclination of the default
model's gluteus medius and minimus lines of action (to compare with the CT-measured axis of the
abductor mass; `line_inclinations`), and writes two model files that
keep everything of the default model (bones, joints, landmarks, subjects, strength) but take some
muscle paths from OTHER:

- ``<default>_abductors_from_<other>.yaml``: gluteus medius and minimus;
- ``<default>_hip_from_<other>.yaml``: every muscle group that runs from the pelvis to the femur
  only (gluteals, iliacus, psoas, adductors, piriformis), with their wrap cylinders.

Pelvis points and pelvic wrap cylinders keep their position relative to the hip centre (the two
pelvis frames place the hip centre differently); femur points are copied (both femur frames have
their origin at the hip centre). Each transplanted group keeps the default model's total maximal
isometric force, split as OTHER splits it; fibre and tendon lengths and pennation come with the
paths. These files are for comparison only: their muscle data are OTHER's, with OTHER's licence.
"""
from __future__ import annotations

import argparse
import copy
import os
from pathlib import Path

import numpy as np
import yaml

import biomech
from biomech import _core
from biomech.model import DEFAULT_MODEL_FILE
from biomech._paths import data_path

ABDUCTORS = ("gluteus_medius", "gluteus_minimus")
PELVIS_FEMUR_GROUPS = ABDUCTORS + ("gluteus_maximus", "iliacus", "psoas", "adductors", "piriformis")
SHOWN = [("gluteus_medius", "anterior"), ("gluteus_medius", "middle"), ("gluteus_medius", "posterior"),
         ("gluteus_minimus", "anterior"), ("gluteus_minimus", "middle"), ("gluteus_minimus", "posterior"),
         ("tfl", ""), ("piriformis", "")]


def hip_centre(doc: dict, side: str) -> np.ndarray:
    joint = next(j for j in doc["joints"] if j["child"] == f"femur_{side}")
    if any(abs(a) > 1e-12 for a in joint["parent_offset"].get("orientation_deg", [0, 0, 0])):
        raise ValueError(f"{joint['name']}: a rotated hip frame is not supported")
    return np.asarray(joint["parent_offset"]["location_m"], dtype=float)


def transplant(default_doc: dict, other_doc: dict, groups) -> dict:
    """The default model's document with the muscles of `groups` taken from `other_doc`."""
    out = copy.deepcopy(default_doc)
    shift = {s: hip_centre(default_doc, s) - hip_centre(other_doc, s) for s in ("r", "l")}
    keep = [m for m in out["muscles"] if m["group"] not in groups]
    new, cylinders = [], {}
    for side in ("r", "l"):
        for group in groups:
            mine = [m for m in default_doc["muscles"] if m["group"] == group and m["side"] == side]
            theirs = [m for m in other_doc["muscles"] if m["group"] == group and m["side"] == side]
            if not mine or not theirs:
                continue
            if any(p["body"] not in ("pelvis", f"femur_{side}") for m in theirs for p in m["path"]):
                raise ValueError(f"{group}: transplanting needs pelvis-to-femur paths")
            total_mine = sum(m["max_isometric_force_n"] for m in mine)
            total_theirs = sum(m["max_isometric_force_n"] for m in theirs)
            for m in theirs:
                m = copy.deepcopy(m)
                m["max_isometric_force_n"] = m["max_isometric_force_n"] * total_mine / total_theirs
                for p in m["path"]:
                    if p["body"] == "pelvis":
                        p["location_m"] = [float(v) for v in np.asarray(p["location_m"]) + shift[side]]
                for w in m.get("wraps", []):
                    cylinders[w["cylinder"]] = side
                m.pop("source", None)
                new.append(m)
    wraps = []
    for c in other_doc.get("wrap_cylinders", []):
        if c["name"] in cylinders:
            c = copy.deepcopy(c)
            if c["body"] == "pelvis":
                c["location_m"] = [float(v) for v in np.asarray(c["location_m"]) + shift[cylinders[c["name"]]]]
            wraps.append(c)
    out["muscles"] = keep + new
    if wraps:
        out["wrap_cylinders"] = out.get("wrap_cylinders", []) + wraps
    out["name"] = f"{default_doc['name']}+{other_doc['name']}"
    out["source"] = (f"{default_doc['name']} with the paths of {', '.join(groups)} from {other_doc['name']} "
                     "(tools/hip_muscle_geometry.py); for comparison only")
    out["license"] = f"mixed: {default_doc.get('license', '')}; {other_doc.get('license', '')}"
    return out


def load_scaled(path: str | os.PathLike) -> biomech.Model:
    """A model file scaled to its default subject, as Model.default() scales the shipped file."""
    return biomech.Model(_core.default_model(None, os.fspath(path)))


def write_models(osim: str, directory: str | os.PathLike) -> dict[str, Path]:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    default_path = data_path(DEFAULT_MODEL_FILE)
    default_doc = yaml.safe_load(open(default_path))
    other = biomech.Model.from_osim(osim)
    other_path = out / f"{other.name}.yaml"
    other.save(other_path)
    other_doc = yaml.safe_load(open(other_path))
    files = {}
    for label, groups in (("abductors", ABDUCTORS), ("hip", PELVIS_FEMUR_GROUPS)):
        p = out / f"{default_doc['name']}_{label}_from_{other.name}.yaml"
        with open(p, "w") as f:
            yaml.safe_dump(transplant(default_doc, other_doc, groups), f, sort_keys=False, width=120)
        files[label] = p
    return files


def arms_cm(model: biomech.Model, flexion_deg: float, side: str = "r") -> dict:
    """(group, segment) -> abduction, flexion, internal-rotation moment arms (cm) at `flexion_deg`."""
    q = biomech.posture_deg(model, **{f"hip_flexion_{side}": flexion_deg})
    ma = model.moment_arms(q)
    mus = model.muscles
    out = {}
    for name in ma.index:
        if mus.loc[name, "side"] != side:
            continue
        key = (mus.loc[name, "group"], mus.loc[name, "segment"] or "")
        out[key] = (-100 * ma.loc[name, f"hip_adduction_{side}"], 100 * ma.loc[name, f"hip_flexion_{side}"],
                    100 * ma.loc[name, f"hip_rotation_{side}"])
    return out


def table(models: dict[str, biomech.Model], flexions=(0, 30, 60, 90)) -> str:
    lines = []
    for which, title in ((0, "abduction"), (1, "flexion (+) / extension (-)"), (2, "internal (+) / external (-) rotation")):
        lines.append(f"{title} moment arm, cm, at hip flexion {', '.join(str(f) for f in flexions)} deg")
        for key in SHOWN:
            cells = []
            for label, m in models.items():
                values = [arms_cm(m, f).get(key) for f in flexions]
                cells.append(f"{label} " + " ".join("  -  " if v is None else f"{v[which]:+5.1f}" for v in values))
            lines.append(f"  {' '.join(k for k in key if k):28s} " + " | ".join(cells))
    return "\n".join(lines)


def line_inclinations(doc: dict, side: str = "r") -> dict:
    """(group, segment) -> (sagittal, frontal, through-centre) inclinations (deg) of the gluteus medius and
    minimus lines of action at 0 deg of hip flexion, adduction and rotation, with the group's
    force-weighted mean line under (group, "mean") and both groups' under ("gluteus medius and minimus", "mean").

    The line is the path segment that crosses the hip (last pelvis point to first femur point), as CT
    measures the axis of the abductor mass (Clark & Haynor 1987, Anatomy of the abductor muscles of
    the hip as studied by computed tomography, J Bone Joint Surg Am 69(7), 1987). Sagittal: angle
    from the vertical, + when the upper end lies anterior; frontal: + when it lies medial.
    "through-centre": the sagittal inclination at which the line through the insertion would pass
    through the hip centre (no flexion or extension arm); a line inclined less extends the hip.
    """
    centre = hip_centre(doc, side)
    lines, weights = {}, {}
    for m in doc["muscles"]:
        if m["side"] != side or m["group"] not in ABDUCTORS:
            continue
        bodies = [pt["body"] for pt in m["path"]]
        k = bodies.index(f"femur_{side}")
        if k == 0 or bodies[k - 1] != "pelvis":
            raise ValueError(f"{m['name']}: no path segment from the pelvis to the femur")
        # at 0 deg the femur frame is the pelvis frame moved to the hip centre
        upper = np.asarray(m["path"][k - 1]["location_m"], float) - centre
        insertion = np.asarray(m["path"][k]["location_m"], float)
        u = (upper - insertion) / np.linalg.norm(upper - insertion)
        lines[(m["group"], m.get("segment", ""))] = (u, insertion)
        weights[(m["group"], m.get("segment", ""))] = m["max_isometric_force_n"]

    def angles(u, insertion=None):
        lateral = u[2] if side == "r" else -u[2]
        through = None if insertion is None else np.degrees(np.arctan2(-insertion[0], -insertion[1]))
        return np.degrees(np.arctan2(u[0], u[1])), np.degrees(np.arctan2(-lateral, u[1])), through

    out = {key: angles(u, ins) for key, (u, ins) in lines.items()}
    for label, groups in ((g, (g,)) for g in ABDUCTORS):
        keys = [k for k in lines if k[0] in groups]
        out[(label, "mean")] = angles(sum(weights[k] * lines[k][0] for k in keys))
    out[("gluteus medius and minimus", "mean")] = angles(sum(weights[k] * lines[k][0] for k in lines))
    return out


def inclination_table(doc: dict) -> str:
    lines = ["line of action at 0 deg, deg from vertical: sagittal (+ upper end anterior), frontal (+ medial);"
             " sagittal inclination a line through the insertion needs to pass through the hip centre"]
    for (group, segment), (sag, front, through) in line_inclinations(doc).items():
        extra = "" if through is None else f"   through centre {through:+5.1f}"
        lines.append(f"  {group + ' ' + segment:34s} sagittal {sag:+5.1f}   frontal {front:+5.1f}{extra}")
    return "\n".join(lines)


# Sagittal (flexion +) moment arms, cm, at 0 deg of hip flexion that the image-based 3D gluteus
# medius of Modenese & Kohout 2020 (Automated generation of three-dimensional complex muscle
# geometries for use in personalised musculoskeletal models, Ann Biomed Eng 48:1793-1804; one
# cadaver, CT and MRI, 100 fibres) gives, as the mean of the anterior, middle and posterior thirds of its
# fibres in their published order (which runs from the external to the internal rotators, r = 0.92;
# thirds sorted by rotation arm give +0.27 / -1.31 / -2.24); read from the results the authors publish
# with the paper.
# A sensitivity target, not a measured population mean (n = 1; docs/validation.md).
GMED_FLEXION_ARMS_LHDL_CM = {"anterior": 0.15, "middle": -1.30, "posterior": -2.13}
# The same with the posterior third at the most extending fibre of Blemker & Delp 2005 (Three-dimensional
# representation of complex muscle architectures and geometries, Ann Biomed Eng 33:661-673; MRI of one
# subject): every segment inside both fibre envelopes.
GMED_FLEXION_ARMS_BOTH_CM = {"anterior": 0.15, "middle": -1.30, "posterior": -1.42}


def _flexion_arm_cm(upper: np.ndarray, insertion: np.ndarray) -> float:
    u = (upper - insertion) / np.linalg.norm(upper - insertion)
    return 100.0 * float(np.cross(insertion, u)[2])


def sagittal_variant(doc: dict, targets_cm: dict, label: str) -> dict:
    """The model document with each gluteus medius insertion moved along the femur's anterior (x) axis
    until the segment's flexion arm at 0 deg equals targets_cm[segment] (both sides alike). Only the
    insertion moves, so the pelvic origin and with it most of the abduction arm stay."""
    out = copy.deepcopy(doc)
    for side in ("r", "l"):
        centre = hip_centre(doc, side)
        for m in out["muscles"]:
            if m["side"] != side or m["group"] != "gluteus_medius":
                continue
            bodies = [pt["body"] for pt in m["path"]]
            k = bodies.index(f"femur_{side}")
            upper = np.asarray(m["path"][k - 1]["location_m"], float) - centre
            insertion = np.asarray(m["path"][k]["location_m"], float)
            target = targets_cm[m["segment"]]
            lo, hi = -0.05, 0.05  # shift, m; the flexion arm grows with an anterior shift
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                if _flexion_arm_cm(upper, insertion + [mid, 0.0, 0.0]) < target:
                    lo = mid
                else:
                    hi = mid
            m["path"][k]["location_m"] = [float(v) for v in insertion + [0.5 * (lo + hi), 0.0, 0.0]]
    out["name"] = f"{doc['name']}_{label}"
    out["source"] = (f"{doc['name']} with the gluteus medius insertions moved anteriorly to sagittal moment "
                     f"arms {targets_cm} cm at 0 deg (tools/hip_muscle_geometry.py); a sensitivity study")
    return out


def write_sagittal_variants(directory: str | os.PathLike) -> dict[str, Path]:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    doc = yaml.safe_load(open(data_path(DEFAULT_MODEL_FILE)))
    files = {}
    for label, targets in (("gmed_sagittal_lhdl", GMED_FLEXION_ARMS_LHDL_CM),
                           ("gmed_sagittal_both", GMED_FLEXION_ARMS_BOTH_CM)):
        p = out / f"{doc['name']}_{label}.yaml"
        with open(p, "w") as f:
            yaml.safe_dump(sagittal_variant(doc, targets, label), f, sort_keys=False, width=120)
        files[label] = p
    return files


def evaluate(path: str | os.PathLike) -> dict:
    """Single-leg-stance hip contact force, standing legs above the largest physiotherapy-exercise force
    and Distefano 2009's rank correlation of the model file, scaled and strength-calibrated exactly as
    the default model file (`load_scaled`), so that only its geometry differs from the default."""
    from exercise_plausibility import LYING, closest

    model = load_scaled(path)
    card = biomech.validate(model)
    stance = card.contact_force.set_index("study_id").loc["bergmann2016", "model_bw"]
    rho = card.emg_by_study.set_index("study_id").loc["distefano2009", "rho"]
    above = []
    for _, row in biomech.compare(model).iterrows():  # the whole catalogue in one call
        ex = biomech.exercise.Exercise.load(row["exercise"])
        with open(ex.file, encoding="utf-8") as f:
            spec = yaml.safe_load(f)
        task = closest(spec, ex.is_static, row["role"])
        if task is not LYING and row["peak_hip_contact_force_bw"] > LYING[2][1]:
            above.append((row["exercise"], row["leg"], round(float(row["peak_hip_contact_force_bw"]), 2)))
    return {"single_leg_stance_bw": float(stance), "distefano2009_rho": float(rho), "standing_legs_above": above}


def plot(models: dict[str, biomech.Model], path: str | os.PathLike) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    flexions = np.arange(0, 91, 10)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharex=True)
    styles = ["-", "--", ":"]
    colours = {"anterior": "C0", "middle": "C1", "posterior": "C2"}
    for (label, m), ls in zip(models.items(), styles):
        arms = [arms_cm(m, f) for f in flexions]
        for seg, c in colours.items():
            v = np.array([a[("gluteus_medius", seg)] for a in arms])
            for k, ax in enumerate(axes):
                ax.plot(flexions, v[:, k], ls, color=c, label=f"{label} gmed {seg}" if k == 0 else None)
    for ax, t in zip(axes, ("abduction", "flexion (+) / extension (-)", "internal (+) / external (-) rotation")):
        ax.set_title(t)
        ax.set_xlabel("hip flexion (deg)")
        ax.axhline(0, color="k", lw=0.5)
    axes[0].set_ylabel("moment arm (cm)")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("osim", nargs="?", help="the other OpenSim model (without it: the default model only)")
    ap.add_argument("--write-models", metavar="DIR", help="write the transplanted model files into DIR")
    ap.add_argument("--plot", metavar="FILE", help="gluteus medius moment arms over hip flexion")
    ap.add_argument("--write-sagittal-variants", metavar="DIR",
                    help="write the default model with the gluteus medius insertions moved to the image-based "
                         "sagittal arms (sensitivity study)")
    ap.add_argument("--evaluate", metavar="FILE", nargs="+",
                    help="single-leg-stance force, standing legs above 4.41 BW and Distefano rho of model files, "
                         "scaled like the default model (no other output)")
    a = ap.parse_args()
    if a.evaluate:
        for p in a.evaluate:
            r = evaluate(p)
            print(f"{p}: single-leg stance {r['single_leg_stance_bw']:.2f} BW, Distefano 2009 rho "
                  f"{r['distefano2009_rho']:+.2f}, {len(r['standing_legs_above'])} standing legs above 4.41 BW: "
                  + ", ".join(f"{e} {leg} {bw}" for e, leg, bw in r["standing_legs_above"]))
        raise SystemExit(0)
    # both unscaled: the default model file as written (its reference subject), OTHER as imported
    models = {"default": biomech.Model.load(data_path(DEFAULT_MODEL_FILE))}
    if a.osim:
        models["other"] = biomech.Model.from_osim(a.osim)
    elif a.write_models:
        ap.error("--write-models needs the other model")
    print(table(models))
    print(inclination_table(yaml.safe_load(open(data_path(DEFAULT_MODEL_FILE)))))
    if a.write_sagittal_variants:
        for label, p in write_sagittal_variants(a.write_sagittal_variants).items():
            print(f"wrote {p}")
            print(table({"default": models["default"], label: biomech.Model.load(p)}, flexions=(0, 30)))
    if a.write_models:
        for label, p in write_models(a.osim, a.write_models).items():
            print(f"wrote {p}")
    if a.plot:
        plot(models, a.plot)
