"""``biomech model`` and ``biomech moment-arms``."""
from __future__ import annotations

import math

from ..model import posture_deg
from . import argument, command, model_arguments, model_from_args, parse_assignments


def _model_text(s: dict) -> str:
    subj = s["subject"]
    lines = [
        f"model: {s['name']}",
        f"source: {s['source']}",
        f"license: {s['license']}" if s.get("license") else None,
        f"subject: {subj['name']} ({subj['sex']}, {subj['mass_kg']:.1f} kg, {subj['height_m']:.2f} m)",
        f"total mass: {s['total_mass_kg']:.2f} kg",
        f"bodies ({len(s['bodies'])}): " + ", ".join(f"{b['name']} {b['mass_kg']:.2f} kg" for b in s["bodies"]),
        f"coordinates ({len(s['coordinates'])}): " + ", ".join(c["name"] for c in s["coordinates"]),
        f"landmarks ({len(s['landmarks'])}): " + ", ".join(s["landmarks"]),
        f"muscles ({len(s['muscles'])}), max isometric force (N):",
    ]
    width = max((len(m["name"]) for m in s["muscles"]), default=0)
    lines += [f"  {m['name']:<{width}}  {m['max_isometric_force_n']:8.1f}  {m['group']}"
              + (f" ({m['segment']})" if m["segment"] else "") for m in s["muscles"]]
    return "\n".join(line for line in lines if line is not None)


@command("model", help="Summarise a model: source, mass, bodies, coordinates, muscles.", text=_model_text)
@model_arguments
def _cmd_model(args):
    return model_from_args(args).summary()


def _moment_arms_text(r: dict) -> str:
    import pandas as pd

    df = pd.DataFrame.from_dict(r["moment_arms_m"], orient="index") * 100.0
    df.index.name = "muscle"
    posture = ", ".join(f"{k}={v:g}" for k, v in r["posture_deg"].items()) or "default"
    return f"moment arms (cm) of model {r['model']} at {posture}\n" + df.to_string(float_format=lambda v: f"{v:7.2f}")


@command("moment-arms", help="Moment arms (m) of every muscle about the coordinates it crosses, at one posture.",
         text=_moment_arms_text)
@model_arguments
@argument("--posture-deg", metavar="NAME=DEG,...",
          help="joint angles in degrees, e.g. hip_flexion_r=90,hip_rotation_r=20 (a name without _r/_l sets both sides)")
@argument("--muscles", metavar="SUBSTR,...", help="only muscles whose name contains one of these")
@argument("--coordinates", metavar="NAME,...", help="only these coordinates (default: those muscles cross)")
def _cmd_moment_arms(args):
    model = model_from_args(args)
    posture = posture_deg(model, parse_assignments(args.posture_deg))
    coords = [c.strip() for c in args.coordinates.split(",") if c.strip()] if args.coordinates else None
    table = model.moment_arms(posture, coordinates=coords)
    if args.muscles:
        keys = [k.strip() for k in args.muscles.split(",") if k.strip()]
        table = table[[any(k in name for k in keys) for name in table.index]]
        if table.empty:
            raise ValueError(f"--muscles: no muscle of model '{model.name}' matches {args.muscles!r}")
    return {
        "model": model.name,
        "posture_deg": {k: math.degrees(v) for k, v in posture.items()},
        "unit": "m",
        "moment_arms_m": {m: row.to_dict() for m, row in table.iterrows()},
    }
