"""Where one frame's hip contact force and hip moments come from (an analysis aid, not part of the package).

    python tools/decompose_exercise.py single_leg_stance
    python tools/decompose_exercise.py side_lying_hip_abduction --frame peak_abduction
    python tools/decompose_exercise.py path/to/exercise.yaml --leg l --frame 12 --co-contraction 0.1
    python tools/decompose_exercise.py single_leg_stance --model my_model.yaml   # scaled like the default

For the chosen frame of one analysed leg it prints the generalized forces the leg's actuators supply
(hip flexion, adduction, rotation, knee), the reserves, the gluteus medius %MVIC, the posture, and
the hip contact force (pelvis on femur) split along its own direction into: gravity of each body of
the leg, each contact or support acting on the leg, each muscle's pull on the leg (its tension
along the path segment that crosses the hip; muscles that wrap are lumped into the rest), and the
rest (inertia and the known loads on the leg); then the muscles' shares summed by group.
The split uses Newton's law for the leg below the hip: J = m a - sum of the other forces on it.
"""
from __future__ import annotations

import argparse
import os

import numpy as np
import yaml

import biomech
from biomech import _core
from biomech.exercise import Exercise


def subtree(model, body: int) -> list[int]:
    """The body and every body below it."""
    out, grown = [body], True
    while grown:
        grown = False
        for j in model.joints:
            if j.parent in out and j.child not in out:
                out.append(j.child)
                grown = True
    return out


def muscle_pull(model, data, muscle: int, tension: float, leg: list[int]) -> np.ndarray:
    """Net force (N, ground) of a muscle with `tension` on the bodies in `leg`: along every path
    segment that crosses between the leg and the rest, toward the rest. gait2392 paths have no
    wrap objects, so the active points (conditional ones in range) are the returned points; None for a
    path with wrap points."""
    bodies = []
    for p in model.muscles[muscle].path:
        if p.type == "conditional" and not p.range_min <= data.coordinate_value[p.condition_coordinate] <= p.range_max:
            continue
        bodies.append(p.body)
    pts = np.asarray(_core.muscle_path_points(model, data, muscle))
    if len(bodies) != len(pts):
        return None
    force = np.zeros(3)
    for k in range(len(pts) - 1):
        a, b = bodies[k] in leg, bodies[k + 1] in leg
        if a != b:
            u = (pts[k + 1] - pts[k]) / np.linalg.norm(pts[k + 1] - pts[k])
            force += tension * (u if a else -u)
    return force


def exercise_file(exercise: str) -> str:
    if exercise.endswith((".yaml", ".yml")) or os.sep in exercise:
        return exercise
    return str(biomech.exercise._exercise_dir() / f"{exercise}.yaml")


def decompose(exercise: str, leg_side: str = "r", frame: str = "peak_hcf", p: float = 2.0, model_file=None,
              **options):
    """Prints the decomposition; returns {part: BW along the force} and {muscle group: BW}."""
    path = exercise_file(exercise)
    # a model file is scaled to its default subject exactly as the shipped one is
    model = biomech.Model.default() if model_file is None else biomech.Model(_core.default_model(None, model_file))
    core = model.core
    res = biomech.exercise.simulate_raw(model, Exercise.load(path), p=p, **options)
    leg = next(l for l in res.legs if l.side == leg_side)
    moment = np.asarray(leg.moment)
    if frame == "peak_hcf":
        f = int(np.argmax(leg.hip_contact_force_bw))
    elif frame == "peak_abduction":
        f = int(np.argmax(-moment[:, 1]))
    else:
        f = int(frame)
    q = np.asarray(res.posture)[f]
    data = _core.Data(core)
    _core.forward_kinematics(core, data, q)
    _core.compute_muscle_paths(core, data, q)
    names = [b.name for b in core.bodies]
    below = subtree(core, names.index(f"femur_{leg_side}"))
    weight = res.body_mass * float(np.linalg.norm(core.gravity))
    J = np.asarray(leg.hip_contact_force)[f]
    unit = J / np.linalg.norm(J)
    parts = {f"gravity {names[b]}": -core.bodies[b].mass * np.asarray(core.gravity) for b in below}
    spec = yaml.safe_load(open(path))
    contact_force = np.asarray(res.contact_force)[f]
    for c, cs in enumerate(spec.get("contacts", [])):
        on_leg = np.zeros(3)
        if names.index(cs["point"]["body"]) in below:
            on_leg += contact_force[3 * c:3 * c + 3]
        if cs.get("on_body") and names.index(cs["on_body"]) in below:
            on_leg -= contact_force[3 * c:3 * c + 3]
        if np.linalg.norm(on_leg) > 0:
            parts[f"contact {cs['name']}"] = -on_leg
    tension = np.asarray(leg.force)[f] + np.asarray(leg.passive_force)[f]
    groups, wrapped = {}, []
    for i, (name, m) in enumerate(zip(leg.actuators, leg.muscle_index)):
        if m >= 0 and tension[i] > 0:
            pull = muscle_pull(core, data, m, tension[i], below)
            if pull is None:
                wrapped.append(name)
                continue
            parts[f"muscle {name}"] = -pull
            g = core.muscles[m].group
            groups[g] = groups.get(g, 0.0) + float(-pull @ unit) / weight
    parts["inertia and known loads" + (" and wrapping muscles" if wrapped else "")] = J - sum(parts.values())

    print(f"{res.exercise_id}, leg {leg_side}, frame {f} (t = {res.time[f]:.2f} s): hip contact force "
          f"{leg.hip_contact_force_bw[f]:.2f} BW")
    print("  moments (N m) flexion {:.1f}, adduction {:.1f} (abduction {:.2f} N m/kg), rotation {:.1f}, knee {:.1f}"
          .format(*moment[f, :2], -moment[f, 1] / res.body_mass, *moment[f, 2:]))
    print("  reserves (N m)", np.round(np.asarray(leg.reserve)[f], 2),
          " gluteus medius %MVIC (anterior, middle, posterior, whole)", np.round(np.asarray(leg.gmed_percent_mvic)[f], 1))
    print("  posture (deg):", ", ".join(f"{n} {np.degrees(v):.0f}" for n, v in zip(core.coordinate_names, q)
                                       if abs(v) > 1e-6 and not n.endswith(("_tx", "_ty", "_tz"))))
    print("  hip contact force along its direction (BW):")
    for name, v in sorted(parts.items(), key=lambda kv: -abs(kv[1] @ unit)):
        if abs(v @ unit) / weight >= 0.01:
            print(f"    {name:36s} {v @ unit / weight:+.2f}")
    print("  muscles by group (BW):", ", ".join(f"{g} {v:+.2f}" for g, v in sorted(groups.items(), key=lambda kv: -kv[1])
                                                if abs(v) >= 0.005))
    if wrapped:
        print("  muscles that wrap, counted in the rest:", ", ".join(wrapped))
    return {k: float(v @ unit) / weight for k, v in parts.items()}, groups


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exercise", help="catalogue id or path to an exercise file")
    ap.add_argument("--leg", default="r", choices=("r", "l"))
    ap.add_argument("--frame", default="peak_hcf", help="peak_hcf, peak_abduction or a frame index")
    ap.add_argument("--p", type=float, default=2.0)
    ap.add_argument("--co-contraction", type=float, default=0.0)
    ap.add_argument("--passive-fiber-force", action="store_true")
    ap.add_argument("--no-rest-supports", action="store_true")
    ap.add_argument("--model", help="a model file, scaled to its default subject like the shipped one")
    a = ap.parse_args()
    decompose(a.exercise, a.leg, a.frame, a.p, model_file=a.model, co_contraction=a.co_contraction,
              passive_fiber_force=a.passive_fiber_force, rest_supports=not a.no_rest_supports)
