"""OpenSim storage files and external loads: reading, writing, line-accurate errors.

Small files are written in tmp_path; the OpenSim walking tutorial's files (kinematics .sto
version 1 in degrees, ground reactions .mot in the older header layout, foot_floor_loads.xml)
are read from the shared reference data and skipped with a reason when it is absent. When
the opensim package is importable, read_storage is checked against opensim.Storage and
opensim.TimeSeriesTable on those files and on what write_storage writes.
"""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

import biomech
from opensim_oracle import import_opensim
from shared import shared_path


def walk_file(name: str):
    path = shared_path("reference_data", "opensim_walk", name)
    if path is None:
        pytest.skip("shared reference data (BIOMECH_SHARED) not on this machine")
    return path


V1 = """\
Coordinates
version=1
nRows=3
nColumns=4
inDegrees=yes
endheader

time\thip_flexion_r\tpelvis_tx\tknee_angle_r
0.00\t10.0\t0.5\t-20
0.01\t11.0\t0.6\t-21
0.02\t12.0\t0.7\t-22
"""


def write(tmp_path, text: str, name: str = "trial.sto"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_read_version1_in_degrees(tmp_path):
    s = biomech.read_storage(write(tmp_path, V1))
    assert (s.name, s.version, s.in_degrees) == ("Coordinates", 1, True)
    assert s.column_names == ["hip_flexion_r", "pelvis_tx", "knee_angle_r"]
    np.testing.assert_array_equal(s.time, [0.0, 0.01, 0.02])
    r = s.in_radians()
    assert not r.in_degrees and s.in_degrees
    np.testing.assert_allclose(r.data["hip_flexion_r"], np.deg2rad([10, 11, 12]))
    np.testing.assert_array_equal(r.data["pelvis_tx"], [0.5, 0.6, 0.7])  # a translation stays in metres
    # the rule from names or from an explicit list
    assert s.angle_columns() == ["hip_flexion_r", "knee_angle_r"]
    assert s.angle_columns(rotational=["knee_angle_r"]) == ["knee_angle_r"]
    assert r.in_radians() is r


def test_angle_columns_from_a_model(tmp_path):
    model = biomech.Model.default()
    s = biomech.read_storage(write(tmp_path, V1))
    rotational = set(model.coordinates.index[model.coordinates["rotational"]])
    assert s.angle_columns(model=model) == [c for c in s.column_names if c in rotational]
    assert "hip_flexion_r" in s.angle_columns(model=model)


def test_read_opensim4_and_older_headers(tmp_path):
    v4 = """\
    trial
    inDegrees=no
    DataType=double
    version=3
    OpenSimVersion=4.5
    endheader
    time q1 q2
    0 1 2
    0.5 3 4
    """
    s = biomech.read_storage(write(tmp_path, v4))
    assert (s.name, s.version, s.in_degrees) == ("trial", 3, False)
    assert s.header["OpenSimVersion"] == "4.5"
    old = "name grf.mot\ndatacolumns 3\ndatarows 2\nrange 0 1\nendheader\ntime\tfx\tfy\n0 1 2\n1 3 4\n"
    s = biomech.read_storage(write(tmp_path, old, "grf.mot"))
    assert (s.name, s.version, s.in_degrees) == ("grf.mot", None, True)  # a SIMM .mot: degrees, as OpenSim
    assert not biomech.read_storage(write(tmp_path, old, "grf.sto")).in_degrees
    said = old.replace("range 0 1", "Angles are in radians.")
    assert not biomech.read_storage(write(tmp_path, said, "said.mot")).in_degrees
    assert s.header["range"] == "0 1"
    np.testing.assert_array_equal(s.data["fy"], [2, 4])


@pytest.mark.parametrize("version", [1, 3])
def test_write_then_read_round_trip(tmp_path, version):
    df = pd.DataFrame({"time": np.linspace(0, 1, 7), "hip_flexion_r": np.sin(np.arange(7.0)) * 40,
                       "pelvis_ty": np.full(7, 0.93)})
    p = biomech.write_storage(tmp_path / "out.sto", df, name="written", in_degrees=True, version=version)
    s = biomech.read_storage(p)
    assert (s.name, s.version, s.in_degrees) == ("written", version, True)
    pd.testing.assert_frame_equal(s.data, df)  # 17 significant digits: exact


@pytest.mark.parametrize("text,line,field,match", [
    ("version=1\ninDegrees=yes\ntime a\n0 1\n", 4, "endheader", "endheader"),  # the first row of numbers
    ("x\ninDegrees=maybe\nendheader\ntime a\n0 1\n", 2, "inDegrees", "yes or no"),
    ("x\nversion=one\nendheader\ntime a\n0 1\n", 2, "version", "integer"),
    ("x\nDataType=Vec3\nendheader\ntime a\n0 1\n", 2, "DataType", "double"),
    ("x\nendheader\ntime\ta\ta\n0 1 2\n", 3, "a", "duplicate"),
    ("x\nendheader\nt\ta\n0 1\n", 3, "t", "'time'"),
    ("x\nendheader\ntime\ta\tb\n0 1 2\n0.1 1\n", 5, "columns", "expected 3 values"),
    ("x\nendheader\ntime\ta\tb\n0 1 2\n0.1 1 abc\n", 5, "b", "number"),
    ("x\nendheader\ntime\ta\n0 1\n0.2 1\n0.1 1\n", 6, "time", "increasing"),
    ("x\nendheader\ntime\ta\n0 1\n0 1\n", 5, "time", "increasing"),
    ("x\nversion=1\nnRows=3\nnColumns=2\nendheader\ntime\ta\n0 1\n1 2\n", 3, "nRows", "3 rows"),
    ("x\nversion=1\nnRows=2\nnColumns=3\nendheader\ntime\ta\n0 1\n1 2\n", 4, "nColumns", "the file has 2"),
    ("name g\ndatacolumns 2\ndatarows 5\nendheader\ntime\ta\n0 1\n", 3, "datarows", "5 rows"),
    ("x\nendheader\n\n", 2, "labels", "labels"),
])
def test_read_errors_name_file_line_and_column(tmp_path, text, line, field, match):
    p = write(tmp_path, text)
    with pytest.raises(biomech.FileError, match=match) as e:
        biomech.read_storage(p)
    assert (e.value.file, e.value.line, e.value.field) == (str(p), line, field)
    assert isinstance(e.value, ValueError)
    assert f"{p}:{line}:" in str(e.value)


def test_missing_file_and_bad_write(tmp_path):
    with pytest.raises(FileNotFoundError):
        biomech.read_storage(tmp_path / "absent.sto")
    with pytest.raises(ValueError, match="time"):
        biomech.write_storage(tmp_path / "x.sto", pd.DataFrame({"a": [1.0]}))
    with pytest.raises(ValueError, match="blanks"):
        biomech.write_storage(tmp_path / "x.sto", pd.DataFrame({"time": [0.0], "a b": [1.0]}))
    with pytest.raises(ValueError, match="version"):
        biomech.write_storage(tmp_path / "x.sto", pd.DataFrame({"time": [0.0]}), version=4)


def test_walking_trial_kinematics():
    s = biomech.read_storage(walk_file("subject01_walk1_Kinematics.sto"))
    assert (s.name, s.version, s.in_degrees) == ("Coordinates", 1, True)
    assert len(s.column_names) == 23 and len(s.time) == 1500
    assert s.time[0] == 0.5 and abs(s.time[-1] - 1.999) < 1e-12
    assert "pelvis_tx" not in s.angle_columns() and "hip_flexion_r" in s.angle_columns()
    r = s.in_radians()
    assert abs(r.data["hip_flexion_r"][0] - np.deg2rad(18.96364647)) < 1e-12
    assert r.data["pelvis_ty"][0] == s.data["pelvis_ty"][0] == 1.03332762


def test_walking_trial_ground_reactions():
    s = biomech.read_storage(walk_file("subject01_walk1_grf.mot"))
    assert s.version is None and s.name == "subject01_walk1_grf.mot" and s.in_degrees
    assert len(s.column_names) == 18 and len(s.time) == 9009
    assert s.data["right_foot_force_vy"][0] == 745.46611415


def test_walking_trial_external_loads():
    xml = walk_file("foot_floor_loads.xml")
    loads = biomech.read_external_loads(xml)
    assert loads.data_file == xml.parent / "subject01_walk1_grf.mot"
    assert [f.name for f in loads.forces] == ["right_foot", "left_foot"]
    right, left = loads["right_foot"], loads["left_foot"]
    assert (right.applied_to_body, left.applied_to_body) == ("calcn_r", "calcn_l")
    assert right.force_expressed_in_body == right.point_expressed_in_body == "ground"
    assert right.force_columns == ["right_foot_force_vx", "right_foot_force_vy", "right_foot_force_vz"]
    assert right.point_columns == ["right_foot_force_px", "right_foot_force_py", "right_foot_force_pz"]
    assert right.force.shape == right.point.shape == (9009, 3)
    np.testing.assert_array_equal(right.force[0], [101.51197668, 745.46611415, -47.44870554])
    # The tutorial's file gives the right foot the left foot's torque identifier; it is read as written.
    assert right.torque_identifier == "left_foot_torque_"
    assert right.torque_columns == ["left_foot_torque_x", "left_foot_torque_y", "left_foot_torque_z"]
    np.testing.assert_array_equal(right.torque, left.torque)
    assert loads.shared_columns() == {c: ["right_foot", "left_foot"] for c in left.torque_columns}
    # body weight order of magnitude in mid-stance (subject 72.6 kg): vertical force of both feet
    total = right.force[:, 1] + left.force[:, 1]
    assert 500 < np.median(total) < 1000


EXTERNAL_LOADS = """\
<?xml version="1.0" encoding="UTF-8" ?>
<OpenSimDocument Version="40000">
  <ExternalLoads name="loads">
    <objects>
      <ExternalForce name="plate1">
        <applied_to_body>calcn_r</applied_to_body>
        <force_expressed_in_body>ground</force_expressed_in_body>
        <force_identifier>{force}</force_identifier>
        <point_identifier>{point}</point_identifier>
        <torque_identifier>{torque}</torque_identifier>
      </ExternalForce>
    </objects>
    <datafile>{datafile}</datafile>
  </ExternalLoads>
</OpenSimDocument>
"""

PLATE_MOT = "plate\nversion=1\nnRows=2\nnColumns=10\ninDegrees=no\nendheader\n" + \
    "time\tf_vx\tf_vy\tf_vz\tf_px\tf_py\tf_pz\tm_x\tm_y\tm_z\n" + \
    "0\t1\t700\t3\t0.1\t0\t0.2\t0\t5\t0\n0.01\t2\t710\t4\t0.11\t0\t0.21\t0\t6\t0\n"


def loads_files(tmp_path, **kw):
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "plate.mot").write_text(PLATE_MOT)
    fields = {"force": "f_v", "point": "f_p", "torque": "m_", "datafile": "data/plate.mot"} | kw
    xml = tmp_path / "loads.xml"
    xml.write_text(EXTERNAL_LOADS.format(**fields))
    return xml


def test_external_loads_resolution_and_defaults(tmp_path):
    loads = biomech.read_external_loads(loads_files(tmp_path))
    f = loads["plate1"]
    assert f.point_expressed_in_body == "ground"  # absent: ground, as OpenSim
    np.testing.assert_array_equal(f.force, [[1, 700, 3], [2, 710, 4]])
    np.testing.assert_array_equal(f.point, [[0.1, 0, 0.2], [0.11, 0, 0.21]])
    np.testing.assert_array_equal(f.torque[:, 1], [5, 6])
    assert f.line == 5 and loads.shared_columns() == {}
    # an empty torque identifier: no torque, not an error
    f = biomech.read_external_loads(loads_files(tmp_path, torque=""))["plate1"]
    assert f.torque is None and f.torque_columns == []
    # data_file= overrides <datafile>
    other = tmp_path / "elsewhere.mot"
    other.write_text(PLATE_MOT.replace("700", "800"))
    assert biomech.read_external_loads(loads_files(tmp_path), data_file=other)["plate1"].force[0, 1] == 800
    with pytest.raises(KeyError):
        loads["plate2"]


@pytest.mark.parametrize("kw,line,field,match", [
    ({"torque": "r_foot_torque_"}, 10, "torque_identifier", "matches 0 columns"),
    ({"force": "f_"}, 8, "force_identifier", "matches 6 columns"),
    ({"force": "", "torque": ""}, 5, "force_identifier", "neither"),
    ({"force": ""}, 5, "point_identifier", "point without a force"),
])
def test_external_loads_errors_name_the_xml_line(tmp_path, kw, line, field, match):
    xml = loads_files(tmp_path, **kw)
    with pytest.raises(biomech.FileError, match=match) as e:
        biomech.read_external_loads(xml)
    assert (e.value.file, e.value.line, e.value.field) == (str(xml), line, field)


def test_external_loads_missing_files_and_bad_xml(tmp_path):
    with pytest.raises(FileNotFoundError):
        biomech.read_external_loads(tmp_path / "absent.xml")
    with pytest.raises(FileNotFoundError, match="nowhere.mot"):
        biomech.read_external_loads(loads_files(tmp_path, datafile="nowhere.mot"))
    bad = tmp_path / "bad.xml"
    bad.write_text("<ExternalLoads>\n<objects>\n</ExternalLoads>\n")
    with pytest.raises(biomech.FileError) as e:
        biomech.read_external_loads(bad)
    assert e.value.line == 3


# ---- OpenSim as the oracle


def _opensim_columns(opensim, path):
    table = opensim.TimeSeriesTable(str(path))
    labels = list(table.getColumnLabels())
    time = np.array(table.getIndependentColumn())
    values = table.getMatrix().to_numpy()
    return time, labels, values


@pytest.mark.parametrize("name", ["subject01_walk1_Kinematics.sto", "subject01_walk1_grf.mot"])
def test_read_storage_agrees_with_opensim(name):
    opensim = import_opensim()
    path = walk_file(name)
    s = biomech.read_storage(path)
    time, labels, values = _opensim_columns(opensim, path)
    assert labels == s.column_names
    np.testing.assert_array_equal(s.time, time)
    np.testing.assert_array_equal(s.data[labels].to_numpy(), values)
    sto = opensim.Storage(str(path))
    assert sto.isInDegrees() == s.in_degrees and sto.getSize() == len(s.time)


@pytest.mark.parametrize("version", [1, 3])
def test_opensim_reads_what_write_storage_writes(tmp_path, version):
    opensim = import_opensim()
    df = pd.DataFrame({"time": np.linspace(0, 0.1, 11), "hip_flexion_r": np.linspace(0, 30, 11),
                       "pelvis_ty": np.linspace(0.9, 1.0, 11)})
    p = biomech.write_storage(tmp_path / "w.sto", df, in_degrees=True, version=version)
    time, labels, values = _opensim_columns(opensim, p)
    assert labels == ["hip_flexion_r", "pelvis_ty"]
    np.testing.assert_array_equal(time, df["time"])
    np.testing.assert_array_equal(values, df[labels].to_numpy())
    sto = opensim.Storage(str(p))
    assert sto.isInDegrees() and sto.getSize() == 11
