"""Is every catalogue exercise balanced and are its demands plausible? (an analysis aid, not part of the package)

    python tools/exercise_plausibility.py            # markdown table of the default model
    python tools/exercise_plausibility.py --co-contraction 0.1

Per exercise and analysed leg:
- balance: the largest root residual (N, N m: the root's generalized forces the contacts leave
  unbalanced), whether any contact had to pull, and for flat contacts (a foot sole, a forearm) the
  largest centre-of-pressure offset from the contact point, |free moment about the horizontal
  axes| / vertical force (cm), in frames where it carries at least 10% of the weight; zero when the exercise balances the body over the contact;
- the largest reserve (N m) and whether the file's `limits` explains it (reserves >= 1 N m);
- peak hip abduction moment (N m/kg) and peak hip contact force (BW) against the published range
  of the closest measured task (CLOSEST below, each with its source).
"""
from __future__ import annotations

import argparse

import numpy as np
import yaml

import biomech
from biomech.exercise import Exercise

# Closest measured tasks: (name, abduction moment range N m/kg, contact force range BW, source).
STANCE = ("quiet single-leg stance", (0.7, 1.5), (2.19, 3.28),
          "moment: walking 1.1 +- 0.2 N m/kg, mean +- 2 SD (Lewinson et al. 2014, Proc Inst Mech Eng H 228:1258); "
          "force: one-legged stance 2.19-3.28 BW, 10 patients (Bergmann et al. 2016, Standardized loads acting in "
          "hip implants, PLoS ONE 11:e0155612)")
DYNAMIC = ("weight-bearing physiotherapy exercise, walking, running", (-np.inf, 2.2), (0.0, 4.41),
           "moment: up to running's loading response 1.8 + 0.4 N m/kg (Med Sci Sports Exerc 2011;43:296, step-rate "
           "study); force: up to 4.41 BW over 13 weight-bearing physiotherapy exercises (Schwachmeyer et al. 2013, "
           "In vivo hip joint loading during post-operative physiotherapeutic exercises, PLoS ONE 8:e77807)")
LYING = ("non-weight-bearing exercise in lying or kneeling", (-np.inf, 1.8), (0.0, 4.41),
         "moment: below maximal isometric abduction 1.8 +- 0.3 N m/kg (Lewinson et al. 2014); force: below the "
         "largest physiotherapy exercise 4.41 BW (Schwachmeyer et al. 2013)")


def closest(raw: dict, static: bool, role: str) -> tuple:
    ground = [c for c in raw.get("contacts", []) if c.get("type", "").startswith("ground")]
    # standing: a foot sole on the ground and the trunk off it (the single-leg bridge lies on its back)
    standing = (any(c["type"] == "ground_flat" and "foot" in c["name"] for c in ground)
                and not any(c.get("point", {}).get("body") in ("torso", "pelvis") for c in ground))
    if not standing:
        return LYING
    return STANCE if static and role == "stance" and not raw.get("loads") else DYNAMIC


def balance(result, raw: dict) -> tuple[float, bool, float]:
    names = list(result.contact_names)
    types = {c["name"]: c["type"] for c in raw.get("contacts", [])}
    cop = 0.0
    for i, n in enumerate(names):
        if types.get(n) != "ground_flat":
            continue
        f = np.asarray(result.contact_force)[:, 3 * i:3 * i + 3]
        m = np.asarray(result.contact_moment)[:, 3 * i:3 * i + 3]
        fy = np.abs(f[:, 1])
        loaded = fy > 0.1 * 9.81 * result.body_mass  # a contact that carries at least a tenth of the weight
        if loaded.any():
            cop = max(cop, float(np.max(np.hypot(m[loaded, 0], m[loaded, 2]) / fy[loaded])))
    return float(np.max(np.abs(result.root_residual))), bool(np.any(result.contact_tension)), cop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--co-contraction", type=float, default=0.0)
    ap.add_argument("--rest-supports", choices=("true", "false"), default="true")
    args = ap.parse_args()
    options = {"co_contraction": args.co_contraction, "rest_supports": args.rest_supports == "true"}
    model = biomech.Model.default()
    print("| exercise | leg | root residual | pulls | CoP offset cm | max reserve N m | limits | "
          "abduction N m/kg | range | HCF BW | range | closest task |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for ex_id in biomech.exercise.exercise_ids():
        ex = Exercise.load(ex_id)
        with open(ex.file, encoding="utf-8") as f:
            spec = yaml.safe_load(f)
        result = biomech.exercise.simulate_raw(model, ex, **options)
        residual, pulls, cop = balance(result, spec)
        summary = biomech.compare(model, [ex_id], **options)
        for _, s in summary.iterrows():
            task, mr, fr, _ = closest(spec, ex.is_static, s["role"])
            mom, hcf, res = s["peak_abduction_moment_nm_per_kg"], s["peak_hip_contact_force_bw"], s["max_reserve_nm"]
            ok = lambda v, r: "in" if r[0] <= v <= r[1] else "**out**"  # noqa: E731
            lim = "yes" if spec.get("limits") else "-"
            flag = "" if res < 1.0 or lim == "yes" else " **unexplained**"
            print(f"| {ex_id} | {s['leg']} | {residual:.1e} | {'yes' if pulls else 'no'} | {100 * cop:.1f} | "
                  f"{res:.1f}{flag} | {lim} | {mom:.2f} | {ok(mom, mr)} | {hcf:.2f} | {ok(hcf, fr)} | {task} |")
    print()
    for task, mr, fr, src in (STANCE, DYNAMIC, LYING):
        print(f"- {task}: abduction {mr[0]:g} to {mr[1]} N m/kg, contact force {fr[0]}-{fr[1]} BW. {src}")


if __name__ == "__main__":
    main()
