"""Filters of the signal domain against scipy.signal (the oracle) and OpenSim's own filter.

- Butterworth designs and zero-phase filtering agree with scipy.signal.butter(output='sos')
  and sosfiltfilt to 1e-10.
- lowpass_like_opensim agrees with opensim.Storage.pad(n/2) + lowpassIIR (when the opensim
  package is importable) on uniform and on jittered times, and on the walking trial's kinematics.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

import biomech
from opensim_oracle import import_opensim
from shared import shared_path

RNG = np.random.default_rng(4)


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5, 8])
@pytest.mark.parametrize("kind,cutoff", [("lowpass", 6.0), ("highpass", 20.0), ("bandpass", (20.0, 450.0))])
def test_butterworth_and_filtfilt_match_scipy(order, kind, cutoff):
    rate = 1000.0
    ours = biomech.butterworth(order, cutoff, rate, kind=kind)
    ref = scipy.signal.butter(order, cutoff, btype=kind, fs=rate, output="sos")
    assert ours.shape == ref.shape
    w = np.linspace(0.0, 499.0, 300)
    _, h_ref = scipy.signal.sosfreqz(ref, worN=w, fs=rate)
    h = np.array([biomech._core.frequency_response(ours, f, rate) for f in w])
    np.testing.assert_allclose(np.abs(h), np.abs(h_ref), atol=1e-10)
    x = RNG.standard_normal((2000, 3)).cumsum(axis=0)
    np.testing.assert_allclose(biomech.filtfilt(x, ours), scipy.signal.sosfiltfilt(ref, x, axis=0), atol=1e-8 * np.abs(x).max())
    assert biomech._core.default_padlen(ours) == 3 * (2 * len(ref) + 1 - min((ref[:, 2] == 0).sum(), (ref[:, 5] == 0).sum()))


def test_filtfilt_padlen_and_errors():
    sos = biomech.butterworth(4, 10.0, 200.0)
    x = RNG.standard_normal(300)
    np.testing.assert_allclose(biomech.filtfilt(x, sos, padlen=50), scipy.signal.sosfiltfilt(sos, x, padlen=50), atol=1e-10)
    with pytest.raises(ValueError, match="padding"):
        biomech.filtfilt(x[:15], sos)  # the default padding is 15 samples
    with pytest.raises(ValueError, match="cut-off"):
        biomech.butterworth(4, 100.0, 200.0)
    with pytest.raises(ValueError, match="kind"):
        biomech.butterworth(4, 10.0, 200.0, kind="notch")


def _opensim_filtered(opensim, time, values, cutoff):
    sto = opensim.Storage()
    labels = opensim.ArrayStr()
    labels.append("time")
    for j in range(values.shape[1]):
        labels.append(f"c{j}")
    sto.setColumnLabels(labels)
    for t, row in zip(time, values):
        v = opensim.Vector(values.shape[1], 0.0)
        for j, x in enumerate(row):
            v.set(j, float(x))
        sto.append(float(t), v)
    sto.pad(sto.getSize() // 2)
    sto.lowpassIIR(cutoff)
    # every row, read row by row (Storage.getDataColumn(name, ...) starts at time 0)
    t_out, v_out = [], []
    for i in range(sto.getSize()):
        row = sto.getStateVector(i)
        t_out.append(row.getTime())
        v_out.append([row.getData().get(j) for j in range(values.shape[1])])
    t_out, v_out = np.array(t_out), np.array(v_out)
    first = np.flatnonzero(t_out <= time[0] + 1e-9)[-1]  # the rows that cover the input's time range
    last = np.flatnonzero(t_out >= time[-1] - 1e-9)[0]
    return t_out[first:last + 1], v_out[first:last + 1]


@pytest.mark.parametrize("jitter", [0.0, 1e-6])
def test_lowpass_like_opensim_matches_opensim(jitter):
    opensim = import_opensim()
    n, rate = 151, 100.0
    time = np.arange(n) / rate
    if jitter:  # times as a file with rounded values gives them: OpenSim resamples
        time = time + jitter * RNG.uniform(-1, 1, n)
    values = np.column_stack([np.sin(2 * np.pi * 1.5 * time), RNG.standard_normal(n).cumsum()])
    t_ref, v_ref = _opensim_filtered(opensim, time, values, 6.0)
    t, v = biomech.lowpass_like_opensim(time, values, 6.0)
    assert t.shape == t_ref.shape
    np.testing.assert_allclose(t, t_ref, atol=1e-12)
    np.testing.assert_allclose(v, v_ref, atol=1e-9 * np.abs(values).max())


def test_lowpass_like_opensim_on_the_walking_trial():
    opensim = import_opensim()
    path = shared_path("reference_data", "opensim_walk", "subject01_walk1_Kinematics.sto")
    if path is None:
        pytest.skip("shared reference data (BIOMECH_SHARED) not on this machine")
    kin = biomech.read_storage(path)
    cols = ["hip_flexion_r", "hip_adduction_r", "knee_angle_r", "pelvis_ty"]
    ours = kin.lowpass_like_opensim(6.0)
    t_ref, v_ref = _opensim_filtered(opensim, kin.time, kin.data[cols].to_numpy(), 6.0)
    np.testing.assert_allclose(ours.time, t_ref, atol=1e-12)
    np.testing.assert_allclose(ours.data[cols].to_numpy(), v_ref, atol=1e-8)
    # filtering changes the knee angle by less than a degree on this smooth trial
    knee = np.interp(kin.time, ours.time, ours.data["knee_angle_r"].to_numpy())
    assert np.abs(knee - kin.data["knee_angle_r"].to_numpy()).max() < 1.0
