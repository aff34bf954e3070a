#!/usr/bin/env python3
"""OpenSim and biomech on the same problems, in one run. Prints one JSON object.

For each comparison: what each side computes, its CPU and wall time (bench/timing.py),
its rate, and the ratio biomech / OpenSim by CPU time and by wall time.

1. Moment arms: gait2392 (the reference model file), its 54 hip-crossing muscles about
   the hip and knee coordinates of both legs (8), at random postures within the
   coordinate ranges. OpenSim: realizePosition, then computeMomentArm per muscle and
   coordinate; biomech: Model.from_osim of the same file, moment_arms_array. Also the
   largest difference between the two on the postures both computed.
2. Static optimisation, OpenSim's AnalyzeTool with its StaticOptimization:
   - the walking trial (reference_data/opensim_walk: 23 dof, 92 muscles, 6 residual
     actuators, ground reaction forces), OpenSim only: biomech has no whole-body model;
   - a hip-only problem of biomech's size on both sides: the right hip's 3 coordinates
     and its 27 muscles, 3 reserve actuators of the same cost as biomech's (optimal force
     0.01 N m: (m / 0.01)^2 = 1e4 (m / 1 N m)^2), activation exponent 2. OpenSim: the
     walking trial's right-hip angles with every other coordinate locked at its default
     and no ground reaction forces (moments from the leg's own dynamics), its muscle
     force-length-velocity physiology on. biomech: the same postures on the default model,
     moments its muscles can produce (activations uniform in 0-0.5), and per frame the
     moment arms plus the solve (solve_recruitment_batch), max isometric forces.
3. Forward dynamics of single-leg stance, both sides with the same constant excitation
   of the stance-side gluteus medius (3), minimus (3) and tensor fasciae latae,
   activation dynamics (10 / 40 ms), 2 dof (pelvic obliquity about the stance hip, trunk
   lean at the lumbar joint with the same passive moments: the hip's tissue as biomech's
   plant calibrates it, Anderson's lumbar curve, and a 300 N m/rad, 60 N m s/rad servo),
   the same integrator tolerance, rigid and compliant tendon. biomech:
   simulate_stance (Thelen 2003 curves, Dormand-Prince; the whole call). OpenSim: a model
   built here from gait2392's bodies (stance femur and tibia fixed, swing leg welded to
   the pelvis) with Millard2012EquilibriumMuscle (the muscle biomech's compliant tendon
   follows; Thelen2003Muscle has no rigid-tendon mode), Runge-Kutta-Merson; timed from
   initSystem to the end of the integration.

OpenSim runs in a temporary folder: it writes logs and results to its working folder,
never to the shared material. Skips, with the reason in the JSON and exit status 0, when
opensim is not importable or the shared material ($BIOMECH_SHARED or <repo>/../shared)
is absent.

    python bench/compare_opensim.py [--postures 20] [--excitation 0.3] [--duration-s 10]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from timing import machine, rates, ratios, timed

REPO = Path(__file__).resolve().parents[1]
MOMENT_ARM_COORDS = [f"{c}_{s}" for s in "rl" for c in ("hip_flexion", "hip_adduction", "hip_rotation", "knee_angle")]
HIP_R = ["hip_flexion_r", "hip_adduction_r", "hip_rotation_r"]
ABDUCTORS_R = ["glut_med1_r", "glut_med2_r", "glut_med3_r", "glut_min1_r", "glut_min2_r", "glut_min3_r", "tfl_r"]
WALK_FILES = ["subject01_simbody_adjusted_StaticOp.osim", "gait2392_SO_weak_Residual_Actuators.xml",
              "foot_floor_loads.xml", "subject01_walk1_Kinematics.sto", "subject01_walk1_grf.mot",
              "setup_static_optimization.xml"]
# The lumbar's passive moment as biomech's pelvis model uses it (Anderson FC 1999, A dynamic
# optimization solution for a complete cycle of normal gait, PhD thesis, Univ. of Texas at Austin,
# Table G.2; damping 0.1 N m s/rad after Falisse et al. 2019, J R Soc Interface 16:20190402),
# plus biomech's default lumbar servo (ControllerOptions: 300 N m/rad, 60 N m s/rad). The hip's
# passive moment is read from biomech's plant (obliquity_passive_expression).
LUMBAR_PASSIVE_AND_SERVO = "-0.25*exp(20.36*(q-0.349))+0.25*exp(-20.36*(q+0.349))-0.1*qdot-300*q-60*qdot"


def obliquity_passive_expression(plant) -> str:
    """The plant's passive hip moment as an OpenSim expression in the stance model's obliquity q: the tissue
    biomech's simulation applies, for both sides. The plant's moment M (PassiveJointMoment) is about hip
    adduction = hip_adduction0 + theta, theta positive when the swing side drops; the PinJoint below turns
    the other way (q = -theta: q falls below 0 as the pelvis drops), so the force on q is -M(-q, -qdot)."""
    m, a0 = plant.hip_passive, plant.hip_adduction0
    return (f"-(({m.k1!r})*exp(({m.k2!r})*(({a0!r})-q-({m.q1!r})))+({m.k3!r})*exp(({m.k4!r})*(({a0!r})-q-({m.q2!r}))))"
            f"-({m.damping!r})*qdot")


def shared_dir() -> Path:
    env = os.environ.get("BIOMECH_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def read_sto(path: Path):
    """(header lines up to 'endheader', column names, data (rows, columns)) of an OpenSim .sto/.mot file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    end = lines.index("endheader")
    return lines[: end + 1], [n.strip() for n in lines[end + 1].split("\t")], np.loadtxt(lines[end + 2 :], ndmin=2)


def write_sto(path: Path, header: list[str], names: list[str], data: np.ndarray) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(header) + "\n" + "\t".join(names) + "\n")
        np.savetxt(f, data, delimiter="\t", fmt="%.12g")


def vec3(osim, v):
    """A Vec3 that owns its values (SWIG's Transform.p() refers into a temporary)."""
    return osim.Vec3(v[0], v[1], v[2])


# ---------------------------------------------------------------- 1. moment arms


def compare_moment_arms(osim, biomech, gait2392: Path, n_osim: int, n_ours: int) -> dict:
    ours_model = biomech.Model.from_osim(gait2392)
    muscles = list(ours_model.muscle_names)
    rng = np.random.default_rng(2392)
    q = np.tile(ours_model.posture(None), (n_ours, 1))
    cols = [ours_model.coordinate_names.index(c) for c in MOMENT_ARM_COORDS]
    ranges = ours_model.coordinates.loc[MOMENT_ARM_COORDS, ["range_min", "range_max"]].to_numpy()
    q[:, cols] = rng.uniform(ranges[:, 0], ranges[:, 1], (n_ours, len(cols)))

    model = osim.Model(str(gait2392))
    state = model.initSystem()
    cs = model.getCoordinateSet()
    coords = [cs.get(c) for c in MOMENT_ARM_COORDS]
    paths = [model.getMuscles().get(m).getGeometryPath() for m in muscles]
    theirs = np.empty((n_osim, len(muscles), len(coords)))

    def opensim_side():
        for i in range(n_osim):
            for c, k in zip(coords, cols):
                c.setValue(state, q[i, k], False)
            model.realizePosition(state)
            for j, gp in enumerate(paths):
                for k, c in enumerate(coords):
                    theirs[i, j, k] = gp.computeMomentArm(state, c)

    per_posture = len(muscles) * len(coords)
    osim_t = rates(timed(opensim_side), n_osim * per_posture, "moment_arms")
    ours_t = rates(timed(lambda: ours_model.moment_arms_array(q, MOMENT_ARM_COORDS), min_cpu_s=0.5),
                   n_ours * per_posture, "moment_arms")
    ours_arms = ours_model.moment_arms_array(q[:n_osim], MOMENT_ARM_COORDS)[1]
    return {
        "what": "moment arms (one muscle about one coordinate at one posture) of gait2392's hip-crossing muscles",
        "muscles": len(muscles), "coordinates": MOMENT_ARM_COORDS,
        "opensim": {"postures": n_osim, **osim_t, "method": "realizePosition + GeometryPath.computeMomentArm"},
        "biomech": {"postures": n_ours, **ours_t, "method": "Model.moment_arms_array (batched, one thread)"},
        "ratio_biomech_over_opensim": ratios(ours_t, osim_t, "moment_arms"),
        "max_abs_difference_m": float(np.abs(ours_arms - theirs).max()),
    }


# ---------------------------------------------------------------- 2. static optimisation


def run_analyze_tool(osim, work: Path, setup_text: str) -> dict:
    """Run an AnalyzeTool setup (text) in `work`; its time and the activations it wrote."""
    (work / "setup.xml").write_text(setup_text, encoding="utf-8")
    results = {}

    def run():
        tool = osim.AnalyzeTool(str(work / "setup.xml"))
        if not tool.run():
            raise RuntimeError(f"OpenSim AnalyzeTool failed in {work}")

    results["time"] = timed(run)
    _, names, act = read_sto(work / "ResultsStaticOptimization" / "subject01_StaticOptimization_activation.sto")
    results["frames"], results["actuators"] = act.shape[0], len(names) - 1
    results["names"], results["activation"] = names, act
    return results


def compare_static_optimisation(osim, biomech, walk: Path, gait2392: Path, work: Path) -> dict:
    from biomech.recruitment import solve_recruitment_batch

    # the walking trial as OpenSim's own example runs it (the setup names the model file without _StaticOp)
    walk_dir = work / "walk"
    walk_dir.mkdir()
    for f in WALK_FILES:
        shutil.copy(walk / f, walk_dir / f)
    setup = (walk / "setup_static_optimization.xml").read_text(encoding="utf-8")
    setup = setup.replace("<model_file>subject01_simbody_adjusted.osim</model_file>",
                          "<model_file>subject01_simbody_adjusted_StaticOp.osim</model_file>")
    walking = run_analyze_tool(osim, walk_dir, setup)
    model = osim.Model(str(walk_dir / WALK_FILES[0]))
    # a check that it solved the example's problem: the activations shipped with it (an earlier OpenSim)
    _, ref_names, ref = read_sto(walk / "opensim_reference_output" / "subject01_StaticOptimization_activation.sto")
    common = [n for n in ref_names[1:] if n in walking["names"]]
    rows = np.minimum(np.searchsorted(ref[:, 0], walking["activation"][:, 0] - 1e-9), len(ref) - 1)
    diff = np.abs(walking["activation"][:, [walking["names"].index(n) for n in common]]
                  - ref[rows][:, [ref_names.index(n) for n in common]])
    walking_report = {
        "frames": walking["frames"], "dofs": model.getCoordinateSet().getSize(),
        "muscles": model.getMuscles().getSize(), "actuators": walking["actuators"],
        **rates(walking["time"], walking["frames"], "frames"),
        "max_abs_activation_difference_vs_reference_output": float(diff.max()),
    }

    # hip-only: lock everything but the right hip, keep its muscles, add three reserves
    hip_muscles = [m for m in biomech.Model.from_osim(gait2392).muscle_names if m.endswith("_r")]
    header, names, kin = read_sto(walk_dir / "subject01_walk1_Kinematics.sto")
    cs = model.updCoordinateSet()
    for i in range(cs.getSize()):
        c = cs.get(i)
        if c.getName() not in HIP_R:
            c.set_locked(True)
            value = c.getDefaultValue()
            kin[:, names.index(c.getName())] = math.degrees(value) if c.getMotionType() == 1 else value  # 1: rotational
    muscles = model.updMuscles()
    for i in range(muscles.getSize()):
        muscles.get(i).set_appliesForce(muscles.get(i).getName() in hip_muscles)
    for c in HIP_R:
        reserve = osim.CoordinateActuator(c)
        reserve.setName(f"reserve_{c}")
        reserve.setOptimalForce(0.01)
        reserve.setMinControl(-math.inf)
        reserve.setMaxControl(math.inf)
        model.addForce(reserve)
    model.finalizeConnections()
    hip_dir = work / "hip_only"
    hip_dir.mkdir()
    model.printToXML(str(hip_dir / "hip_only.osim"))
    write_sto(hip_dir / "hip_only_kinematics.sto", header, names, kin)
    hip_setup = (setup.replace("subject01_simbody_adjusted_StaticOp.osim", "hip_only.osim")
                 .replace("<force_set_files> gait2392_SO_weak_Residual_Actuators.xml</force_set_files>", "<force_set_files />")
                 .replace("<external_loads_file>foot_floor_loads.xml</external_loads_file>", "<external_loads_file />")
                 .replace("subject01_walk1_Kinematics.sto", "hip_only_kinematics.sto"))
    hip = run_analyze_tool(osim, hip_dir, hip_setup)
    osim_hip = rates(hip["time"], hip["frames"], "frames")

    # biomech on the same right-hip postures
    ours_model = biomech.Model.default()
    n = hip["frames"]
    q = np.tile(ours_model.posture(None), (n, 1))
    for c in HIP_R:
        q[:, ours_model.coordinate_names.index(c)] = np.radians(
            np.interp(hip["activation"][:, 0], kin[:, 0], kin[:, names.index(c)]))
    arms = ours_model.moment_arms_array(q, HIP_R)[1]
    right = (ours_model.muscles["side"] == "r").to_numpy() & (np.abs(arms).max(axis=(0, 2)) > 1e-6)
    force = ours_model.muscles["max_isometric_force_n"].to_numpy()[right]
    a0 = np.random.default_rng(1).uniform(0.0, 0.5, (n, int(right.sum())))
    tau = np.einsum("fnj,fn->fj", arms[:, right, :], a0 * force)

    def ours_side():
        r = np.ascontiguousarray(ours_model.moment_arms_array(q, HIP_R)[1][:, right, :])
        return solve_recruitment_batch(r, force, tau, p=2.0)

    solved = ours_side()
    ours_hip = rates(timed(ours_side, min_cpu_s=0.5), n, "frames")
    return {
        "walking_trial_opensim_only": walking_report,
        "hip_only": {
            "opensim": {"frames": hip["frames"], "dofs": len(HIP_R), "muscles": hip["actuators"] - len(HIP_R),
                        "reserves": len(HIP_R), **osim_hip},
            "biomech": {"frames": n, "dofs": len(HIP_R), "muscles": int(right.sum()), "reserves": len(HIP_R),
                        "all_converged": bool(solved["converged"].all()), **ours_hip},
            "ratio_biomech_over_opensim": ratios(ours_hip, osim_hip, "frames"),
        },
    }


# ---------------------------------------------------------------- 3. forward dynamics


def stance_model(osim, gait2392: Path, excitation: float, rigid: bool, obliquity_passive: str):
    """gait2392's bodies as biomech's pelvis model sees them: 2 dof, 7 abductors at a constant excitation."""
    full = osim.Model(str(gait2392))
    s0 = full.initSystem()
    bodies = full.getBodySet()

    def offset(child, parent):  # child origin in the parent frame, default pose (all frames aligned there)
        b = bodies.get(child)
        return vec3(osim, (b.getTransformInGround(s0) if parent == "ground"
                           else b.findTransformBetween(s0, bodies.get(parent))).p())

    m = osim.Model()
    m.setName("single_leg_stance")
    m.setGravity(full.getGravity())
    new = {}
    zero, z_to_x = osim.Vec3(0), osim.Vec3(0, math.pi / 2, 0)  # PinJoint turns about z; the dofs turn about x

    def weld(child, parent):
        new[child] = bodies.get(child).clone()
        m.addBody(new[child])
        frame = m.getGround() if parent == "ground" else new[parent]
        m.addJoint(osim.WeldJoint(f"{child}_fixed", frame, offset(child, parent), zero, new[child], zero, zero))

    def pin(name, coordinate, child, parent, in_parent, in_child):
        new[child] = bodies.get(child).clone()
        m.addBody(new[child])
        joint = osim.PinJoint(name, new[parent], in_parent, z_to_x, new[child], in_child, z_to_x)
        joint.updCoordinate().setName(coordinate)
        m.addJoint(joint)

    weld("femur_r", "ground")
    weld("tibia_r", "femur_r")
    pin("stance_hip", "pelvic_obliquity", "pelvis", "femur_r", zero, offset("femur_r", "pelvis"))
    pin("lumbar", "trunk_lean", "torso", "pelvis", offset("torso", "pelvis"), zero)
    for child, parent in [("femur_l", "pelvis"), ("tibia_l", "femur_l"), ("talus_l", "tibia_l"),
                          ("calcn_l", "talus_l"), ("toes_l", "calcn_l")]:
        weld(child, parent)
    controller = osim.PrescribedController()
    for name in ABDUCTORS_R:
        th = osim.Thelen2003Muscle.safeDownCast(full.getMuscles().get(name))
        mu = osim.Millard2012EquilibriumMuscle(name, th.getMaxIsometricForce(), th.getOptimalFiberLength(),
                                               th.getTendonSlackLength(), th.getPennationAngleAtOptimalFiberLength())
        mu.setMaxContractionVelocity(th.getMaxContractionVelocity())
        mu.setActivationTimeConstant(th.getActivationTimeConstant())
        mu.setDeactivationTimeConstant(th.getDeactivationTimeConstant())
        mu.set_ignore_tendon_compliance(rigid)
        mu.set_fiber_damping(0.1)
        points = th.getGeometryPath().getPathPointSet()
        for i in range(points.getSize()):
            p = osim.PathPoint.safeDownCast(points.get(i))
            mu.addNewPathPoint(p.getName(), new[p.getParentFrame().getName()], vec3(osim, p.get_location()))
        m.addForce(mu)
        controller.addActuator(mu)
        controller.prescribeControlForActuator(name, osim.Constant(excitation))
    m.addController(controller)
    for name, coordinate, expression in [("obliquity_passive", "pelvic_obliquity", obliquity_passive),
                                         ("lumbar_passive_and_servo", "trunk_lean", LUMBAR_PASSIVE_AND_SERVO)]:
        f = osim.ExpressionBasedCoordinateForce(coordinate, expression)
        f.setName(name)
        m.addForce(f)
    m.finalizeConnections()
    return m


def compare_forward_dynamics(osim, biomech, gait2392: Path, excitation: float, duration_s: float, tol: float) -> dict:
    from biomech.dynamics import simulate_stance

    from biomech.dynamics import pelvis_plant

    ours_model = biomech.Model.default()
    obliquity_passive = obliquity_passive_expression(pelvis_plant(ours_model, "r"))
    out = {}
    for tendon in ("rigid", "compliant"):
        m = stance_model(osim, gait2392, excitation, rigid=tendon == "rigid", obliquity_passive=obliquity_passive)
        result = {}

        def opensim_side():
            s = m.initSystem()
            for name in ABDUCTORS_R:
                m.getMuscles().get(name).setActivation(s, excitation)
            m.equilibrateMuscles(s)
            manager = osim.Manager(m)
            manager.setIntegratorAccuracy(tol)
            s.setTime(0.0)
            manager.initialize(s)
            manager.integrate(duration_s)
            result["table"] = manager.getStatesTable()

        osim_t = rates(timed(opensim_side), duration_s, "simulated_s")
        obliquity = result["table"].getDependentColumn("/jointset/stance_hip/pelvic_obliquity/value").to_numpy()
        ours = {}

        def ours_side():
            ours["r"] = simulate_stance(ours_model, controller="prescribed", excitation=excitation, duration_s=duration_s,
                                        abs_tol=tol, rel_tol=tol, tendon=tendon)

        ours_t = rates(timed(ours_side, min_cpu_s=0.5), duration_s, "simulated_s")
        out[tendon] = {
            "opensim": {**osim_t, "steps": result["table"].getNumRows(),
                        "max_abs_obliquity_deg": float(np.degrees(np.abs(obliquity).max()))},
            "biomech": {**ours_t, "steps": ours["r"].summary["steps"], "integrator": ours["r"].summary["integrator"],
                        "max_abs_obliquity_deg": float(ours["r"].timeseries["obliquity_deg"].abs().max())},
            "ratio_biomech_over_opensim": ratios(ours_t, osim_t, "simulated_s"),
        }
    return {"excitation": excitation, "duration_s": duration_s, "integrator_tolerance": tol, "dofs": 2,
            "obliquity_passive_moment_nm": obliquity_passive,
            "muscles": ABDUCTORS_R, **out}


# ---------------------------------------------------------------- main


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postures", type=int, default=20, help="postures for OpenSim's moment arms (biomech: 500x more)")
    ap.add_argument("--excitation", type=float, default=0.3, help="constant abductor excitation, forward dynamics")
    ap.add_argument("--duration-s", type=float, default=10.0, help="simulated time, forward dynamics")
    ap.add_argument("--tolerance", type=float, default=1e-6, help="integrator accuracy, both sides")
    ap.add_argument("--skip-static-optimisation", action="store_true", help="leave out the AnalyzeTool runs (~1 CPU min)")
    args = ap.parse_args(argv)
    report = {"benchmark": "compare_opensim"}
    shared = shared_dir()
    gait2392 = shared / "reference_models" / "gait2392_thelen2003muscle.osim"
    walk = shared / "reference_data" / "opensim_walk"
    missing = [p for p in (gait2392, walk) if not p.exists()]
    work = Path(tempfile.mkdtemp(prefix="biomech-compare-opensim-"))
    cwd = os.getcwd()
    try:
        os.chdir(work)  # OpenSim writes opensim.log (and AnalyzeTool its results) to the working folder
        try:
            import opensim as osim
        except ImportError as e:
            report["skipped"] = f"opensim is not importable ({e}); pip install opensim"
        if missing:
            report["skipped"] = f"shared material not found: {', '.join(map(str, missing))} (set BIOMECH_SHARED)"
        if "skipped" not in report:
            import biomech

            osim.Logger.setLevelString("error")  # not the missing .vtp display meshes
            report["opensim_version"] = osim.__version__
            report["biomech_version"] = biomech.__version__
            report["moment_arms"] = compare_moment_arms(osim, biomech, gait2392, args.postures, 500 * args.postures)
            if not args.skip_static_optimisation:
                report["static_optimisation"] = compare_static_optimisation(osim, biomech, walk, gait2392, work)
            report["forward_dynamics"] = compare_forward_dynamics(osim, biomech, gait2392, args.excitation,
                                                                  args.duration_s, args.tolerance)
    finally:
        os.chdir(cwd)
        shutil.rmtree(work, ignore_errors=True)
    report["machine"] = machine()
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
