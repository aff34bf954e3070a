"""C3D files (through ezc3d) and EMG CSV files.

No package on PyPI that this project may install ships a C3D file with force plates and
EMG (ezc3d, pyomeca, kineticstoolkit and c3d wheels were checked), so the test writes one
with ezc3d: known analog channels (an EMG channel among the force-plate channels, moments
in N mm, positions in mm) on two plates, one rotated 90 degrees about the vertical.
"""
from __future__ import annotations

import ezc3d  # a dependency of biomech: its absence fails these tests
import numpy as np
import pytest

import biomech

POINT_RATE, ANALOG_RATE, N_FRAMES = 100.0, 1000.0, 50
N = N_FRAMES * int(ANALOG_RATE / POINT_RATE)
TIME = np.arange(N) / ANALOG_RATE


def _int_parameter(c, group: str, name: str, values, shape):
    p = ezc3d.ezc3d.Parameter(name)
    p.set(ezc3d.ezc3d.VecInt([int(v) for v in values]), [int(s) for s in shape])
    c["parameters"].add_parameter(group, p)


def plate_channels(fz_n: float, phase: float):
    """Fx, Fy, Fz (N) and Mx, My, Mz (N mm) about the plate's transducer origin, plate axes."""
    s = np.sin(2 * np.pi * 2 * TIME + phase)
    fx, fy, fz = 20 * s, -10 + 5 * s, fz_n + 50 * s
    mx, my, mz = 30e3 + 5e3 * s, -60e3 + 4e3 * s, 2e3 * np.ones(N)
    return np.array([fx, fy, fz, mx, my, mz])


def write_trial(path):
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [POINT_RATE]
    c["parameters"]["POINT"]["LABELS"]["value"] = ("RASI", "LASI")
    c["parameters"]["POINT"]["UNITS"]["value"] = ("mm",)
    pts = np.ones((4, 2, N_FRAMES))
    pts[:3, 0, :] = np.array([[100.0], [200.0], [900.0]])
    pts[:3, 1, :] = np.array([[100.0], [-50.0], [905.0]])
    c["data"]["points"] = pts
    emg = np.sin(2 * np.pi * 80 * TIME) * (TIME > 0.2)
    p1, p2 = plate_channels(700.0, 0.0), plate_channels(300.0, 1.0)
    labels = ("Fx1", "Fy1", "Fz1", "Mx1", "My1", "Mz1", "Fx2", "Fy2", "Fz2", "Mx2", "My2", "Mz2", "EMG_gmed_r")
    c["parameters"]["ANALOG"]["LABELS"]["value"] = labels
    c["parameters"]["ANALOG"]["UNITS"]["value"] = ("N",) * 3 + ("Nmm",) * 3 + ("N",) * 3 + ("Nmm",) * 3 + ("V",)
    c["parameters"]["ANALOG"]["RATE"]["value"] = [ANALOG_RATE]
    c["data"]["analogs"] = np.vstack([p1, p2, emg])[None]
    _int_parameter(c, "FORCE_PLATFORM", "USED", [2], [1])
    _int_parameter(c, "FORCE_PLATFORM", "TYPE", [2, 2], [2])
    _int_parameter(c, "FORCE_PLATFORM", "ZERO", [1, 0], [2])
    _int_parameter(c, "FORCE_PLATFORM", "CHANNEL", range(1, 13), [6, 2])
    # plate 1: axes along the lab's, 500 x 500 mm from the origin; plate 2: rotated +90 deg
    # about z (plate x = lab y), centred at (1000, 250) mm. Corners 1-4 in the plate's
    # (+x+y), (-x+y), (-x-y), (+x-y) quadrants (C3D manual).
    c1 = np.array([[500, 500, 0], [0, 500, 0], [0, 0, 0], [500, 0, 0]], float).T
    c2 = np.array([[750, 500, 0], [750, 0, 0], [1250, 0, 0], [1250, 500, 0]], float).T
    c.add_parameter("FORCE_PLATFORM", "CORNERS", np.stack([c1, c2], axis=2))
    c.add_parameter("FORCE_PLATFORM", "ORIGIN", np.array([[0.0, 0.0, -40.0], [0.0, 0.0, -40.0]]).T)
    c.add_parameter("FORCE_PLATFORM", "CAL_MATRIX", np.zeros((6, 6, 2)))
    c.write(str(path))
    return emg, p1, p2


@pytest.fixture
def trial(tmp_path):
    path = tmp_path / "trial.c3d"
    emg, p1, p2 = write_trial(path)
    return biomech.read_c3d(path), emg, p1, p2


def test_c3d_rates_analogs_and_markers(trial):
    rec, emg, _, _ = trial
    assert (rec.point_rate_hz, rec.analog_rate_hz) == (POINT_RATE, ANALOG_RATE)
    assert list(rec.analogs.columns)[0] == "time" and "EMG_gmed_r" in rec.analogs
    np.testing.assert_allclose(rec.analogs["time"], TIME, atol=1e-12)
    np.testing.assert_allclose(rec.analog("EMG_gmed_r"), emg, atol=1e-6)  # stored as float32
    assert rec.analog_units["EMG_gmed_r"] == "V" and rec.analog_units["Mx1"] == "Nmm"
    np.testing.assert_allclose(rec.markers["RASI"][0], [0.1, 0.2, 0.9])  # mm -> m
    assert rec.markers["LASI"].shape == (N_FRAMES, 3) and len(rec.marker_time) == N_FRAMES
    with pytest.raises(KeyError, match="EMG_gmed_r"):
        rec.analog("EMG_tfl")


def test_c3d_force_plates_in_the_lab_frame(trial):
    rec, _, p1, p2 = trial
    assert len(rec.force_plates) == 2
    a, b = rec.force_plates
    assert a.units == {"force": "N", "moment": "Nmm", "position": "mm"}
    np.testing.assert_allclose(a.centre_m, [0.25, 0.25, 0.0])
    np.testing.assert_allclose(b.centre_m, [1.0, 0.25, 0.0])
    # plate 1's axes are the lab's; plate 2's x is the lab's y and its y the lab's -x
    np.testing.assert_allclose(a.force_n, p1[:3].T, rtol=1e-6)
    np.testing.assert_allclose(b.force_n, np.column_stack([-p2[1], p2[0], p2[2]]), rtol=1e-6, atol=1e-4)
    for plate in (a, b):
        f, m, cop = plate.force_n, plate.moment_nm, plate.cop_m
        assert np.abs(cop[:, 2]).max() < 1e-9  # on the surface
        # equilibrium: moved to the centre of pressure, only the free (vertical) moment remains
        m_cop = m + np.cross(plate.centre_m - cop, f)
        np.testing.assert_allclose(m_cop[:, :2], 0.0, atol=1e-6)
        np.testing.assert_allclose(m_cop[:, 2], plate.free_moment_nm[:, 2], atol=1e-6)
    # plate 1 (no rotation): centre of pressure from the transducer moments and its 40 mm depth
    h = 0.040
    fx, fy, fz = p1[:3]
    mx, my = p1[3] * 1e-3, p1[4] * 1e-3
    np.testing.assert_allclose(a.cop_m[:, 0] - 0.25, (-my - h * fx) / fz, atol=1e-6)
    np.testing.assert_allclose(a.cop_m[:, 1] - 0.25, (mx - h * fy) / fz, atol=1e-6)
    np.testing.assert_allclose(a.free_moment_nm[:, 2], 2.0 - (a.cop_m[:, 0] - 0.25) * fy + (a.cop_m[:, 1] - 0.25) * fx,
                               atol=1e-5)


def test_c3d_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        biomech.read_c3d(tmp_path / "absent.c3d")
    bad = tmp_path / "bad.c3d"
    bad.write_bytes(b"not a c3d file at all" * 10)
    with pytest.raises(biomech.FileError) as e:
        biomech.read_c3d(bad)
    assert e.value.file == str(bad) and e.value.field == "c3d"


# ---- EMG CSV


def test_emg_csv_with_and_without_time(tmp_path):
    p = tmp_path / "emg.csv"
    p.write_text("Time,gmed_r,tfl_r\n0.000,0.1,0.2\n0.001,0.3,0.4\n0.002,-0.1,0.0\n")
    df = biomech.read_emg_csv(p)
    assert list(df.columns) == ["time", "gmed_r", "tfl_r"]
    assert df.attrs["rate_hz"] == pytest.approx(1000.0)
    np.testing.assert_array_equal(df["gmed_r"], [0.1, 0.3, -0.1])
    q = tmp_path / "emg2.csv"
    q.write_text("gmed_r;tfl_r\n1;2\n3;4\n5;6\n")
    df = biomech.read_emg_csv(q, rate_hz=2000)
    np.testing.assert_allclose(df["time"], [0, 0.0005, 0.001])
    assert df.attrs["rate_hz"] == 2000
    r = tmp_path / "emg3.csv"
    r.write_text("t_s\tgmed_r\n0\t1\n0.5\t2\n")
    assert biomech.read_emg_csv(r, time_column="t_s").attrs["rate_hz"] == 2.0


@pytest.mark.parametrize("text,kw,line,field,match", [
    ("a,b\n1,2\n", {}, 1, "time", "time_column= or rate_hz="),
    ("time,a,a\n0,1,2\n", {}, 1, "a", "duplicate"),
    ("time,a\n0,1\n0.001,1,3\n", {}, 3, "columns", "expected 2 values"),
    ("time,a\n0,1\n0.001,x\n", {}, 3, "a", "number"),
    ("time,a\n0,1\n0.001,1\n0.0005,1\n", {}, 4, "time", "increasing"),
    ("time,a\n0,1\n0.001,1\n0.002,1\n0.004,1\n", {}, 5, "time", "uneven"),
    ("\n\ntime,a\n0,1\n0.001,?\n", {}, 5, "a", "number"),
    ("a,b\n1,2\n", {"time_column": "t"}, 1, "t", "no column"),
])
def test_emg_csv_errors_name_line_and_column(tmp_path, text, kw, line, field, match):
    p = tmp_path / "emg.csv"
    p.write_text(text)
    with pytest.raises(biomech.FileError, match=match) as e:
        biomech.read_emg_csv(p, **kw)
    assert (e.value.file, e.value.line, e.value.field) == (str(p), line, field)


def test_emg_csv_argument_errors(tmp_path):
    p = tmp_path / "emg.csv"
    p.write_text("time,a\n0,1\n0.001,2\n")
    with pytest.raises(ValueError, match="rate_hz"):
        biomech.read_emg_csv(p, rate_hz=1000)
    with pytest.raises(ValueError, match="positive"):
        biomech.read_emg_csv(p, rate_hz=-1)
    with pytest.raises(FileNotFoundError):
        biomech.read_emg_csv(tmp_path / "absent.csv", rate_hz=1000)
