"""Hip-abductor geometry of the default model against another OpenSim model (an analysis aid, not
part of the package; docs/validation.md, "Muscle geometry and the hip contact force").

    python tools/hip_muscle_geometry.py OTHER.osim                       # moment-arm tables
    python tools/hip_muscle_geometry.py OTHER.osim --write-models DIR    # + the transplanted models
    python tools/hip_muscle_geometry.py OTHER.osim --plot FILE.png

OTHER.osim is a model whose hip muscles are named by the importer's groups (Rajagopal et al. 2016
was used). It prints the abduction, flexion and internal-rotation moment arms (cm) of the hip
abductors of both models at 0 deg and over hip flexion 0-90 deg, and writes two model files that
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
    ap.add_argument("osim", help="the other OpenSim model")
    ap.add_argument("--write-models", metavar="DIR", help="write the transplanted model files into DIR")
    ap.add_argument("--plot", metavar="FILE", help="gluteus medius moment arms over hip flexion")
    a = ap.parse_args()
    # both unscaled: the default model file as written (its reference subject), OTHER as imported
    models = {"default": biomech.Model.load(data_path(DEFAULT_MODEL_FILE)), "other": biomech.Model.from_osim(a.osim)}
    print(table(models))
    if a.write_models:
        for label, p in write_models(a.osim, a.write_models).items():
            print(f"wrote {p}")
    if a.plot:
        plot(models, a.plot)
