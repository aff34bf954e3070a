"""biomech.Model from Python: postures, tables and their labels, errors, and the
physics the tables must obey (tendon excursion, mirror symmetry).

Most tests use a tiny two-hip model written inline (numbers from gait2392:
Delp et al. 1990, via the OpenSim model file); the default model has its own
tests at the end.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import biomech
from biomech import _core

TINY_MODEL_YAML = """\
# tiny two-hip test model
name: tiny2
source: "inline test model (gait2392 numbers: Delp et al. 1990)"
license: CC BY 3.0
reference_subject: {name: generic, mass_kg: 75.16, height_m: 1.8, sex: male}
coordinates:
  - {name: pelvis_tilt, range_deg: [-90, 90]}
  - {name: pelvis_ty, range_m: [-1, 2], default_m: 0.95}
  - {name: hip_flexion_r, range_deg: [-30, 120]}
  - {name: hip_adduction_r, range_deg: [-50, 30]}
  - {name: hip_rotation_r, range_deg: [-40, 40]}
  - {name: hip_flexion_l, range_deg: [-30, 120]}
  - {name: hip_adduction_l, range_deg: [-50, 30]}
  - {name: hip_rotation_l, range_deg: [-40, 40]}
bodies:
  - {name: pelvis, mass_kg: 11.777, com_m: [-0.0707, 0, 0], inertia_kg_m2: [0.1028, 0.0871, 0.0579, 0, 0, 0]}
  - {name: femur_r, mass_kg: 9.3014, com_m: [0, -0.17, 0], inertia_kg_m2: [0.1339, 0.0351, 0.1412, 0, 0, 0]}
  - {name: femur_l, mass_kg: 9.3014, com_m: [0, -0.17, 0], inertia_kg_m2: [0.1339, 0.0351, 0.1412, 0, 0, 0]}
joints:
  - name: ground_pelvis
    parent: ground
    child: pelvis
    rotations:
      - {axis: [0, 0, 1], coordinate: pelvis_tilt}
    translations:
      - {axis: [0, 1, 0], coordinate: pelvis_ty}
  - name: hip_r
    parent: pelvis
    child: femur_r
    parent_offset: {location_m: [-0.0707, -0.0661, 0.0835]}
    rotations:
      - {axis: [0, 0, 1], coordinate: hip_flexion_r}
      - {axis: [1, 0, 0], coordinate: hip_adduction_r}
      - {axis: [0, 1, 0], coordinate: hip_rotation_r}
  - name: hip_l
    parent: pelvis
    child: femur_l
    parent_offset: {location_m: [-0.0707, -0.0661, -0.0835]}
    rotations:
      - {axis: [0, 0, 1], coordinate: hip_flexion_l}
      - {axis: [-1, 0, 0], coordinate: hip_adduction_l}
      - {axis: [0, -1, 0], coordinate: hip_rotation_l}
landmarks:
  - {name: asis_r, body: pelvis, location_m: [0.0, 0.0, 0.128], source: test value}
  - {name: asis_l, body: pelvis, location_m: [0.0, 0.0, -0.128], source: test value}
muscles:
  - name: glut_med1_r
    group: gluteus_medius
    segment: anterior
    max_isometric_force_n: 819
    optimal_fiber_length_m: 0.0535
    tendon_slack_length_m: 0.078
    pennation_angle_deg: 8
    path:
      - {body: pelvis, location_m: [-0.0408, 0.0304, 0.1209]}
      - {body: femur_r, location_m: [-0.0218, -0.0117, 0.0555]}
  - name: glut_med1_l
    group: gluteus_medius
    segment: anterior
    max_isometric_force_n: 819
    optimal_fiber_length_m: 0.0535
    tendon_slack_length_m: 0.078
    pennation_angle_deg: 8
    path:
      - {body: pelvis, location_m: [-0.0408, 0.0304, -0.1209]}
      - {body: femur_l, location_m: [-0.0218, -0.0117, -0.0555]}
"""

HIP = ["hip_flexion", "hip_adduction", "hip_rotation"]


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("model") / "tiny.yaml"
    p.write_text(TINY_MODEL_YAML)
    return p


@pytest.fixture(scope="module")
def tiny(tiny_file):
    return biomech.Model.load(tiny_file)


def random_postures(model, n, seed):
    rng = np.random.default_rng(seed)
    c = model.coordinates
    return rng.uniform(c["range_min"].to_numpy(), c["range_max"].to_numpy(), size=(n, model.nq))


# ---- description


def test_names_and_counts(tiny):
    assert tiny.name == "tiny2"
    assert tiny.muscle_names == ["glut_med1_r", "glut_med1_l"]
    assert tiny.coordinate_names == ["pelvis_tilt", "pelvis_ty"] + [f"{h}_{s}" for s in "rl" for h in HIP]
    assert tiny.nq == 8
    # muscles cross only the hips
    assert sorted(tiny.moment_arm_coordinate_names) == sorted(f"{h}_{s}" for s in "rl" for h in HIP)
    assert tiny.total_mass == pytest.approx(11.777 + 2 * 9.3014)
    assert "gait2392" in tiny.source


def test_parameter_tables_carry_units_in_labels(tiny):
    mus = tiny.muscles
    assert list(mus.index) == tiny.muscle_names
    assert mus.loc["glut_med1_r", "max_isometric_force_n"] == pytest.approx(819)
    assert mus.loc["glut_med1_l", "pennation_angle_rad"] == pytest.approx(math.radians(8))
    assert mus.loc["glut_med1_r", "segment"] == "anterior" and mus.loc["glut_med1_r", "side"] == "r"
    bodies = tiny.bodies
    assert bodies.loc["femur_r", "parent"] == "pelvis" and bodies.loc["pelvis", "parent"] == "ground"
    assert bodies["mass_kg"].sum() == pytest.approx(tiny.total_mass)
    coords = tiny.coordinates
    assert coords.loc["pelvis_ty", "default"] == pytest.approx(0.95) and not coords.loc["pelvis_ty", "rotational"]
    assert coords.loc["hip_flexion_r", "range_max"] == pytest.approx(math.radians(120))


def test_landmarks_mirror(tiny):
    pos = tiny.landmark_positions()
    assert list(pos.columns) == ["x_m", "y_m", "z_m"]
    r, l = pos.loc["asis_r"].to_numpy(), pos.loc["asis_l"].to_numpy()
    np.testing.assert_allclose(r * [1, 1, -1], l, atol=1e-15)
    assert r[1] == pytest.approx(0.95)  # pelvis_ty default lifts the pelvis


# ---- postures


def test_posture_none_is_the_default(tiny):
    q = tiny.posture()
    assert q.shape == (tiny.nq,)
    assert q[tiny.coordinate_names.index("pelvis_ty")] == pytest.approx(0.95)


def test_posture_dict_sets_named_coordinates_only(tiny):
    q = tiny.posture({"hip_flexion_r": 0.5})
    expected = tiny.posture()
    expected[tiny.coordinate_names.index("hip_flexion_r")] = 0.5
    np.testing.assert_array_equal(q, expected)


def test_name_without_side_sets_both_sides(tiny):
    d = tiny.posture_dict(tiny.posture({"hip_adduction": -0.2}))
    assert d["hip_adduction_r"] == d["hip_adduction_l"] == -0.2


def test_dict_of_arrays_gives_many_postures(tiny):
    q = tiny.posture({"hip_flexion_r": [0.0, 0.5, 1.0], "pelvis_tilt": 0.1})
    assert q.shape == (3, tiny.nq)
    np.testing.assert_array_equal(q[:, tiny.coordinate_names.index("hip_flexion_r")], [0.0, 0.5, 1.0])
    assert np.all(q[:, 0] == 0.1)
    df = pd.DataFrame({"hip_flexion_r": [0.0, 0.5, 1.0], "pelvis_tilt": [0.1] * 3})
    np.testing.assert_array_equal(tiny.posture(df), q)


def test_posture_deg(tiny):
    p = biomech.posture_deg(hip_flexion_r=90, hip_rotation_r=-30)
    assert p == {"hip_flexion_r": pytest.approx(math.pi / 2), "hip_rotation_r": pytest.approx(-math.pi / 6)}
    with_model = biomech.posture_deg(tiny, hip_flexion=45)
    assert with_model == {"hip_flexion_r": pytest.approx(math.pi / 4), "hip_flexion_l": pytest.approx(math.pi / 4)}
    assert biomech.posture_deg(tiny, {"hip_flexion_r": 10}) == {"hip_flexion_r": pytest.approx(math.radians(10))}


@pytest.mark.parametrize("bad", [
    {"hip_flexon_r": 0.1},            # misspelt
    {"knee_angle_r": 0.1},            # not in this model
    {"hip_flexion_r": float("nan")},
    {"hip_flexion_r": float("inf")},
    {"hip_flexion_r": [0.1, np.nan]},
    {"hip_flexion_r": [0.1, 0.2], "hip_rotation_r": [0.1, 0.2, 0.3]},  # ragged
    {"hip_flexion_r": [[0.1]]},
])
def test_bad_posture_dict_is_value_error(tiny, bad):
    with pytest.raises(ValueError):
        tiny.posture(bad)
    with pytest.raises(ValueError):
        tiny.moment_arms(bad)


def test_unknown_name_error_suggests_the_right_one(tiny):
    with pytest.raises(ValueError, match="hip_flexion_r"):
        tiny.posture({"hip_flexon_r": 0.1})


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((2, 3)), np.zeros((2, 2, 8)), np.full(8, np.nan)])
def test_bad_posture_array_is_value_error(tiny, bad):
    with pytest.raises(ValueError):
        tiny.moment_arms(bad)


def test_posture_deg_errors(tiny):
    with pytest.raises(ValueError, match="finite"):
        biomech.posture_deg(hip_flexion_r=float("nan"))
    with pytest.raises(ValueError, match="knee_angle_r"):
        biomech.posture_deg(tiny, knee_angle_r=10)
    with pytest.raises(ValueError, match="translation"):
        biomech.posture_deg(tiny, pelvis_ty=1)


# ---- tables


def test_moment_arm_table_shape_and_labels(tiny):
    t = tiny.moment_arms(biomech.posture_deg(tiny, hip_flexion_r=30))
    assert isinstance(t, pd.DataFrame)
    assert list(t.index) == tiny.muscle_names and t.index.name == "muscle"
    assert list(t.columns) == tiny.moment_arm_coordinate_names and t.columns.name == "coordinate"
    # a muscle has no moment arm about the other leg's coordinates
    assert np.all(t.loc["glut_med1_r", [f"{h}_l" for h in HIP]] == 0)
    # metres: a hip moment arm is centimetres, not metres or millimetres
    assert 0.005 < abs(t.loc["glut_med1_r", "hip_adduction_r"]) < 0.2


def test_moment_arms_for_chosen_coordinates(tiny):
    t = tiny.moment_arms(None, coordinates=["hip_adduction_r", "pelvis_tilt"])
    assert list(t.columns) == ["hip_adduction_r", "pelvis_tilt"]
    t2 = tiny.moment_arms(None, coordinates="hip_flexion")  # both sides
    assert list(t2.columns) == ["hip_flexion_r", "hip_flexion_l"]


def test_moment_arms_in_any_coordinate_order_are_the_same_numbers(tiny):
    # columns asked for out of order or twice come from the same computation as in order
    q = random_postures(tiny, 7, seed=3)
    names = tiny.coordinate_names
    _, in_order = tiny.moment_arms_array(q, coordinates=names)
    picked = [names[-1], names[0], names[-1], names[len(names) // 2]]
    lengths, arms = tiny.moment_arms_array(q, coordinates=picked)
    np.testing.assert_array_equal(arms, in_order[:, :, [names.index(c) for c in picked]])
    np.testing.assert_array_equal(lengths, tiny.muscle_lengths(q).to_numpy())
    assert np.abs(arms).max() > 0.0


def test_batch_tables_equal_single_postures(tiny):
    q = random_postures(tiny, 5, seed=1)
    batch = tiny.moment_arms(q)
    assert batch.index.names == ["posture", "muscle"] and batch.shape == (5 * 2, len(tiny.moment_arm_coordinate_names))
    lengths = tiny.muscle_lengths(q)
    assert lengths.shape == (5, 2) and list(lengths.columns) == tiny.muscle_names
    for i in range(5):
        pd.testing.assert_frame_equal(batch.loc[i], tiny.moment_arms(q[i]), check_exact=True)
        single = tiny.muscle_lengths(q[i])
        assert isinstance(single, pd.Series) and single.name == "length_m"
        np.testing.assert_array_equal(lengths.loc[i].to_numpy(), single.to_numpy())


def test_moment_arms_are_minus_the_length_derivative(tiny):
    # tendon excursion, r = -dL/dq, against a central difference of the lengths
    h = 1e-6
    q = random_postures(tiny, 50, seed=2)
    _, arms = tiny.moment_arms_array(q, coordinates=tiny.coordinate_names)
    for k in range(tiny.nq):
        dq = np.zeros(tiny.nq)
        dq[k] = h
        fd = -(tiny.muscle_lengths(q + dq).to_numpy() - tiny.muscle_lengths(q - dq).to_numpy()) / (2 * h)
        np.testing.assert_allclose(arms[:, :, k], fd, atol=1e-8)


def test_left_and_right_mirror(tiny):
    q = random_postures(tiny, 20, seed=3)
    names = tiny.coordinate_names
    mirrored = q.copy()
    for h in HIP:
        mirrored[:, names.index(f"{h}_l")] = q[:, names.index(f"{h}_r")]
    lengths = tiny.muscle_lengths(mirrored)
    np.testing.assert_allclose(lengths["glut_med1_l"], lengths["glut_med1_r"], rtol=0, atol=1e-14)
    arms = tiny.moment_arms(mirrored)
    for h in HIP:
        np.testing.assert_allclose(arms.xs("glut_med1_l", level="muscle")[f"{h}_l"],
                                   arms.xs("glut_med1_r", level="muscle")[f"{h}_r"], atol=1e-14)


def test_gluteus_medius_abducts(tiny):
    # the anterior gluteus medius is an abductor at neutral (DESIGN.md): negative adduction moment arm
    t = tiny.moment_arms()
    assert t.loc["glut_med1_r", "hip_adduction_r"] < 0 and t.loc["glut_med1_l", "hip_adduction_l"] < 0


# ---- the low-level API


def test_data_of_another_model_is_refused(tiny, tmp_path):
    one_sided = TINY_MODEL_YAML.split("  - name: glut_med1_l")[0]
    p = tmp_path / "one.yaml"
    p.write_text(one_sided)
    other = biomech.Model.load(p)
    with pytest.raises(ValueError, match="Data made for this model"):
        _core.compute_muscle_paths(tiny.core, _core.Data(other.core), tiny.posture())


def test_core_batch_output_layout(tiny):
    data = _core.Data(tiny.core)
    q = random_postures(tiny, 4, seed=4)
    lengths, arms = _core.compute_muscle_paths_batch(tiny.core, data, q)
    assert lengths.shape == (4, 2) and arms.shape == (4, 2, len(tiny.core.moment_arm_coords))
    _core.compute_muscle_paths(tiny.core, data, q[2])
    np.testing.assert_array_equal(data.muscle_length, lengths[2])
    np.testing.assert_array_equal(data.moment_arm[:, tiny.core.moment_arm_coords], arms[2])
    with pytest.raises(ValueError):
        _core.compute_muscle_paths_batch(tiny.core, data, np.zeros((3, 2)))
    with pytest.raises(ValueError):
        _core.forward_kinematics(tiny.core, data, np.zeros(3))
    with pytest.raises(ValueError):
        _core.landmark_position(tiny.core, data, "no_such_landmark")


# ---- loading errors and subjects


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        biomech.Model.load(tmp_path / "absent.yaml")


def test_bad_file_is_file_error_with_location(tmp_path):
    p = tmp_path / "neg.yaml"
    p.write_text(TINY_MODEL_YAML.replace("mass_kg: 9.3014", "mass_kg: -9.3014", 1))
    with pytest.raises(biomech.FileError) as e:
        biomech.Model.load(p)
    assert isinstance(e.value, ValueError)
    assert e.value.file.endswith("neg.yaml")
    assert e.value.line == TINY_MODEL_YAML.splitlines().index(
        next(line for line in TINY_MODEL_YAML.splitlines() if "mass_kg: 9.3014" in line)) + 1
    assert "mass" in e.value.field


def test_subject():
    s = biomech.Subject(sex="female", anteversion_deg=20)
    assert (s.sex, s.mass_kg, s.height_m) == ("female", 60.0, 1.63)  # the female default subject (subject.cpp)
    assert s.anteversion_deg == pytest.approx(20) and s.pelvis_width_m is None
    full = s.with_defaults()
    assert full.pelvis_width_m is not None and full.anteversion_deg == s.anteversion_deg
    import pickle

    assert pickle.loads(pickle.dumps(s)).to_dict() == s.to_dict()
    with pytest.raises(ValueError, match=r"mass_kg in \[20, 300\] kg, got -1"):
        biomech.Subject(mass_kg=-1)
    with pytest.raises(ValueError, match="sex one of 'male', 'female'"):
        biomech.Subject(sex="x")
    with pytest.raises(ValueError, match="unknown option 'anteversion' \\(did you mean 'anteversion_deg'"):
        biomech.Subject(anteversion=0.1)


def test_model_constructor_refuses_other_types():
    with pytest.raises(TypeError):
        biomech.Model("gait2392.yaml")


# ---- the default model


@pytest.fixture(scope="module")
def default():
    return biomech.Model.default()


def test_default_model_tables(default):
    t = default.moment_arms(biomech.posture_deg(default, hip_flexion=90))
    for side in "rl":
        for h in HIP:
            assert f"{h}_{side}" in t.columns
        for m in ("glut_med1", "glut_med2", "glut_med3", "glut_min1", "tfl", "peri"):  # gait2392 spells piriformis "peri"
            assert f"{m}_{side}" in t.index
    assert t.shape == (default.core.n_muscles, len(default.moment_arm_coordinate_names))
    assert np.all(np.isfinite(t.to_numpy()))


def test_default_model_scaled_to_a_subject(default):
    female = biomech.Model.default(biomech.Subject(sex="female"))
    assert female.subject.sex == "female" and female.subject.mass_kg == 60.0
    assert female.muscle_names == default.muscle_names
    # smaller subject, shorter muscles at the same posture
    assert female.muscle_lengths().sum() < default.muscle_lengths().sum()
