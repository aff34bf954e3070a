"""Trial analysis (biomech.analyze) checked against OpenSim on the same trial.

OpenSim's Static Optimization and Joint Reaction tutorial (subject01 walking, gait2392
scaled to 72.6 kg; M. DeMers, OpenSim 2.3.1 updated for OpenSim 4.2, opensim-models
Tutorials/Estimating_Joint_Reaction_Loads) is rerun here with the installed opensim
(4.6) in a temporary folder: its AnalyzeTool (Static Optimization, then Joint Reaction
on those forces) and its InverseDynamicsTool, with the tutorial's own setup (no
coordinate filter, activation exponent 2, every 10th frame, muscle min_control 0.01,
force-velocity on). We compare against that 4.6 output (the tutorial's stored output,
from an earlier OpenSim, differs from it by < 0.004 in activation and < 4 N in hip force).

The tests skip with a reason when the shared data or the opensim package are absent.
Figures are printed (pytest -s) and written to $BIOMECH_ANALYZE_REPORT when set.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

import biomech
from opensim_oracle import import_opensim
from shared import shared_path

WALK = shared_path("reference_data", "opensim_walk")
MODEL = "subject01_simbody_adjusted_StaticOp.osim"
HIP_DOFS = [f"hip_{d}_{s}" for s in "rl" for d in ("flexion", "adduction", "rotation")]
HIP_MUSCLES = [f"{m}{k}_{s}" for s in "rl" for m in ("glut_med", "glut_min") for k in (1, 2, 3)] + ["tfl_r", "tfl_l"]


def need_walk():
    if WALK is None or not (WALK / MODEL).exists():
        pytest.skip(f"OpenSim walking trial not found: {WALK} (set BIOMECH_SHARED)")


def read_sto(path) -> pd.DataFrame:
    s = biomech.read_storage(path)
    return s.data.set_index("time")


def setup_values():
    """The tutorial's settings, read from its setup files and model (not retyped)."""
    so = ET.parse(WALK / "setup_static_optimization.xml").getroot().find("AnalyzeTool")
    analysis = so.find("AnalysisSet/objects/StaticOptimization")
    model = ET.parse(WALK / MODEL).getroot()
    min_controls = {float(e.text) for e in model.iter("min_control")
                    if e.text and e.text.strip() not in ("-Inf", "-inf")}
    assert len(min_controls) == 1  # every muscle: 0.01
    return {
        "lowpass_cutoff_hz": float(so.findtext("lowpass_cutoff_frequency_for_coordinates")),
        "start_time_s": float(analysis.findtext("start_time")),
        "end_time_s": float(analysis.findtext("end_time")),
        "frame_step": int(analysis.findtext("step_interval")),
        "p": float(analysis.findtext("activation_exponent")),
        "force_velocity": analysis.findtext("use_muscle_physiology").strip() == "true",
        "min_activation": min_controls.pop(),
    }


@pytest.fixture(scope="module")
def opensim_walk(tmp_path_factory):
    """OpenSim 4.6's SO activations, joint reaction loads and inverse dynamics on the trial."""
    need_walk()
    osim = import_opensim()
    work = tmp_path_factory.mktemp("opensim_walk")
    for f in WALK.iterdir():
        if f.is_file():
            shutil.copy(f, work / f.name)
    cwd = os.getcwd()
    os.chdir(work)  # OpenSim resolves the setup's relative paths from here
    try:
        def setup(name, results):
            text = (work / name).read_text()
            text = text.replace("subject01_simbody_adjusted.osim", MODEL)  # the model shipped with the outputs
            text = re.sub(r"<results_directory>.*?</results_directory>", f"<results_directory>{results}</results_directory>", text)
            text = text.replace("ResultsStaticOptimization\\subject01", "so/subject01")
            out = work / f"run_{name}"
            out.write_text(text)
            return str(out)

        osim.AnalyzeTool(setup("setup_static_optimization.xml", "so")).run()
        osim.AnalyzeTool(setup("setup_JointReaction.xml", "jr")).run()
        idt = osim.InverseDynamicsTool()
        idt.setModelFileName(MODEL)
        idt.setCoordinatesFileName("subject01_walk1_Kinematics.sto")
        idt.setExternalLoadsFileName("foot_floor_loads.xml")
        idt.setStartTime(0.5)
        idt.setEndTime(1.999)
        idt.setLowpassCutoffFrequency(-1)
        idt.setResultsDir("id")
        idt.setOutputGenForceFileName("id.sto")
        excluded = osim.ArrayStr()
        excluded.append("Muscles")
        idt.setExcludedForces(excluded)
        idt.run()
    finally:
        os.chdir(cwd)
    return {
        "activation": read_sto(work / "so" / "subject01_StaticOptimization_activation.sto"),
        "reaction": read_sto(work / "jr" / "subject01_JointReaction_ReactionLoads.sto"),
        "id": read_sto(work / "id" / "id.sto"),
    }


@pytest.fixture(scope="module")
def ours():
    need_walk()
    o = setup_values()
    return biomech.analyze(WALK / MODEL, WALK / "subject01_walk1_Kinematics.sto", WALK / "foot_floor_loads.xml",
                           progress=False, **o)


def at_times(df: pd.DataFrame, times: np.ndarray) -> pd.DataFrame:
    """Rows of df at the given times (to 1e-6 s)."""
    idx = [int(np.argmin(np.abs(df.index.to_numpy() - t))) for t in times]
    assert np.max(np.abs(df.index.to_numpy()[idx] - times)) < 1e-6
    return df.iloc[idx]


def rms(x) -> float:
    return float(np.sqrt(np.mean(np.square(x))))


def report(figures: dict) -> None:
    print(json.dumps(figures, indent=1))
    path = os.environ.get("BIOMECH_ANALYZE_REPORT")
    if path:
        with open(path, "w") as f:
            json.dump(figures, f, indent=1)


def test_the_walking_trial_agrees_with_opensim(opensim_walk, ours):
    right = ours.loc["r"]
    times = right.index.to_numpy()
    assert len(times) == 150 and ours.attrs["converged_frames"] == 150
    assert ours.attrs["unused_columns"] == [] and ours.attrs["defaulted_coordinates"] == []
    figures = {"frames": len(times), "hip_moment_rms_nm": {}, "activation_rms": {}}

    # hip moments vs OpenSim's inverse dynamics: RMS below 1 N m per hip dof
    id_ = at_times(opensim_walk["id"], times)
    for dof in HIP_DOFS:
        side = dof[-1]
        col = dof[:-2] + "_moment_nm"
        e = ours.loc[side][col].to_numpy() - id_[f"{dof}_moment"].to_numpy()
        figures["hip_moment_rms_nm"][dof] = rms(e)
        assert rms(e) < 1.0, dof

    # activations vs OpenSim's SO: RMS below 0.05 for every gluteus medius, minimus and TFL muscle
    act = at_times(opensim_walk["activation"], times)
    for m in HIP_MUSCLES:
        e = ours.loc[m[-1]][f"activation:{m}"].to_numpy() - act[m].to_numpy()
        figures["activation_rms"][m] = rms(e)
        assert rms(e) < 0.05, m

    # right hip contact force vs OpenSim's Joint Reaction (hip_r on femur_r in femur_r)
    jr = at_times(opensim_walk["reaction"], times)
    theirs = jr[[f"hip_r_on_femur_r_in_femur_r_f{a}" for a in "xyz"]].to_numpy()
    mine = right[[f"hip_contact_femur_{a}_n" for a in "xyz"]].to_numpy()
    f_theirs, f_mine = np.linalg.norm(theirs, axis=1), np.linalg.norm(mine, axis=1)
    figures["hip_contact_peak_n"] = {"ours": float(f_mine.max()), "opensim": float(f_theirs.max())}
    figures["hip_contact_rms_n"] = {"ours": rms(f_mine), "opensim": rms(f_theirs)}
    figures["hip_contact_component_rms_difference_n"] = [rms(mine[:, k] - theirs[:, k]) for k in range(3)]
    report(figures)
    assert abs(f_mine.max() / f_theirs.max() - 1) < 0.05
    assert abs(rms(f_mine) / rms(f_theirs) - 1) < 0.10
    # the same force in the pelvis frame has the same magnitude
    pelvis = right[[f"hip_contact_pelvis_{a}_n" for a in "xyz"]].to_numpy()
    np.testing.assert_allclose(np.linalg.norm(pelvis, axis=1), f_mine, rtol=1e-9)


def test_each_muscle_keeps_the_curves_its_file_states():
    """The analysis uses the model's own muscle curves: gait2392's Thelen2003Muscle parameters
    (KshapeActive 0.5, wider than the default 0.45, Af, Flen, ...) come from the .osim."""
    need_walk()
    xml = {m.get("name"): m for m in ET.parse(WALK / MODEL).getroot().iter("Thelen2003Muscle")}
    model = biomech.Model.from_osim(WALK / MODEL, scope="full")
    assert len(model.core.muscles) == 92
    for mu in model.core.muscles:
        e = xml[mu.name]
        assert mu.hill.active_shape == float(e.findtext("KshapeActive"))
        assert mu.hill.fv_shape == float(e.findtext("Af"))
        assert mu.hill.fv_max_lengthening == float(e.findtext("Flen"))
        assert mu.hill.max_contraction_velocity == float(e.findtext("max_contraction_velocity"))
    assert {mu.hill.active_shape for mu in model.core.muscles} == {0.5}


def test_without_force_velocity_gluteus_medius_reads_lower(ours):
    """Force-velocity matters on this trial: without it the muscles look stronger while they
    shorten, and the gluteus medius activations fall: the gap seen before force-velocity was modelled."""
    o = setup_values()
    o["force_velocity"] = False
    slow = biomech.analyze(WALK / MODEL, WALK / "subject01_walk1_Kinematics.sto", WALK / "foot_floor_loads.xml",
                           progress=False, **o)
    for m in ("glut_med1_r", "glut_med2_r", "glut_med1_l"):
        assert slow.loc[m[-1]][f"activation:{m}"].mean() < 0.97 * ours.loc[m[-1]][f"activation:{m}"].mean()


def test_hip_model_lacks_the_feet_and_says_so():
    """The exercises' hip import merges the feet: external loads on calcn are refused with the remedy."""
    need_walk()
    hip = biomech.Model.from_osim(WALK / MODEL)  # scope 'hip'
    with pytest.raises(ValueError, match="scope 'full'"):
        biomech.analyze(hip, WALK / "subject01_walk1_Kinematics.sto", WALK / "foot_floor_loads.xml",
                        end_time_s=0.52, progress=False)
    with pytest.warns(UserWarning, match="ankle_angle_r"):
        df = biomech.analyze(hip, WALK / "subject01_walk1_Kinematics.sto", None, end_time_s=0.52, progress=False)
    assert set(df.attrs["unused_columns"]) >= {"ankle_angle_r", "subtalar_angle_l", "mtp_angle_r"}


def test_cli_writes_hdf5(tmp_path):
    need_walk()
    from biomech.cli import main

    out = tmp_path / "trial.h5"
    rc = main(["analyze", "--model", str(WALK / MODEL), "--kinematics", str(WALK / "subject01_walk1_Kinematics.sto"),
               "--external-loads", str(WALK / "foot_floor_loads.xml"), "--end-time-s", "0.6", "--frame-step", "10",
               "--min-activation", "0.01", "--out", str(out)])
    assert rc == 0
    res = biomech.load_results(out)
    table = res.simulations["subject01_walk1_Kinematics"]
    assert set(table["leg"]) == {"r", "l"}
    assert len(table) == 2 * 11
    assert np.all(np.isfinite(table["hip_contact_force_bw"]))


def test_a_written_trial_round_trips_without_shared_data(tmp_path, capsys):
    """A catalogue simulation written as an OpenSim coordinates file analyses back to the same
    hip moments on the leg that carries no external load (the side-lying leg between its rests)."""
    model = biomech.Model.default()
    sim = biomech.simulate(model, "side_lying_hip_abduction").loc["r"]
    posture = sim[[c for c in sim.columns if c.startswith("posture:")]]
    posture.columns = [c.split(":", 1)[1].rsplit("_", 1)[0] for c in posture.columns]
    rotational = model.coordinates["rotational"]
    deg = posture.apply(lambda col: np.rad2deg(col) if rotational[col.name] else col)
    deg.index.name = "time"
    path = biomech.write_storage(tmp_path / "trial.mot", deg, in_degrees=True)
    df = biomech.analyze(model, path, None, start_time_s=0.05, end_time_s=8.45, progress=True)
    assert "analyze" in capsys.readouterr().err  # the tqdm bar
    back = df.loc["r"]
    for col in ("hip_flexion_moment_nm", "hip_adduction_moment_nm", "hip_rotation_moment_nm"):
        assert np.abs(back[col] - sim.loc[back.index, col]).max() < 0.5, col
    assert df.attrs["unused_columns"] == [] and df.attrs["defaulted_coordinates"] == []
    assert list(df.columns[: len(biomech.analysis.HIP_COLUMNS)]) == biomech.analysis.HIP_COLUMNS


def test_cli_error_is_one_line(tmp_path, capsys):
    from biomech.cli import main

    rc = main(["analyze", "--model", str(tmp_path / "missing.osim"), "--kinematics", str(tmp_path / "x.mot")])
    assert rc == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("biomech: error:")
