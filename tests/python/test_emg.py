"""EMG processing and comparison with a model's activation, on signals made here with known envelopes.

Raw EMG is modelled as a white-noise carrier (1 kHz sampling) whose amplitude is the true
envelope, plus a small resting noise: the rectified, low-passed signal is then proportional to
the envelope, so the processed envelope must recover its shape and its onset.
"""
from __future__ import annotations

import numpy as np
import pytest

import biomech
from biomech import emg

RATE = 1000.0


def half_sine_burst(t, onset, duration):
    inside = (t >= onset) & (t <= onset + duration)
    return np.where(inside, np.sin(np.pi * (t - onset) / duration), 0.0)


def raw_emg(envelope, seed, rest=0.01):
    rng = np.random.default_rng(seed)
    return envelope * rng.standard_normal(len(envelope)) + rest * rng.standard_normal(len(envelope))


def test_processed_envelope_recovers_a_half_sine_burst_and_its_onset():
    t = np.arange(0, 2.5, 1 / RATE)
    true = half_sine_burst(t, 1.0, 0.6)
    env = emg.process(raw_emg(true, seed=12), RATE)
    assert env.shape == t.shape and env.max() == pytest.approx(1.0) and env.min() >= 0.0
    r = np.corrcoef(env, true)[0, 1]
    assert r > 0.95, r
    # the same rule (20 % of the range) on the processed and on the true envelope: the
    # carrier's random fluctuations move the crossing (over 40 noise seeds: 6 ms on average,
    # 15 ms at most for onsets and 19 ms for offsets)
    (on, off), = emg.onsets(env, t)
    (true_on, true_off), = emg.onsets(true, t)
    assert true_on == pytest.approx(1.0 + 0.6 / np.pi * np.arcsin(0.2), abs=1e-3)
    assert abs(on - true_on) < 0.015, on - true_on
    assert abs(off - true_off) < 0.02, off - true_off


def test_onset_from_a_resting_baseline():
    # threshold = mean + 3 SD of the rest window (Hodges & Bui 1996): here 0.1 + 3 * 0.02 (500 samples)
    t = np.arange(0, 1.0, 0.001)
    y = 0.1 + 0.02 * np.where(np.arange(len(t)) % 2 == 0, 1.0, -1.0)  # mean 0.1, SD 0.02
    y[(t > 0.6) & (t < 0.601)] = 0.5   # a 1 ms spike is not a burst
    ramp = (t >= 0.7)
    y[ramp] = 0.1 + (t[ramp] - 0.7) * 2.0   # crosses 0.16 at 0.73 s
    (on, off), = emg.onsets(y, t, baseline=(0.0, 0.4995))
    assert on == pytest.approx(0.73, abs=1e-6) and off == pytest.approx(t[-1])
    (on, _), = emg.onsets(y, t, baseline=(0.0, 0.4995), k_sd=5)  # 0.2: 0.75 s
    assert on == pytest.approx(0.75, abs=1e-6)


def test_normalisation_to_an_mvic_trial_and_to_a_number():
    t = np.arange(0, 2.0, 1 / RATE)
    raw = raw_emg(0.5 * half_sine_burst(t, 0.5, 1.0), seed=3)
    mvic_raw = raw_emg(np.ones(3000), seed=4)  # a steady maximal contraction of amplitude 1
    unscaled = emg.process(raw, RATE, normalize=None)
    mvic_peak = emg.process(mvic_raw, RATE, normalize=None).max()
    np.testing.assert_allclose(emg.process(raw, RATE, normalize=mvic_raw), unscaled / mvic_peak, rtol=1e-12)
    # half the MVIC amplitude; the MVIC envelope's peak sits above its mean (its fluctuations)
    assert 0.35 < unscaled.max() / mvic_peak < 0.55
    np.testing.assert_allclose(emg.process(raw, RATE, normalize=2.0), unscaled / 2.0)
    np.testing.assert_allclose(emg.process(raw, RATE), unscaled / unscaled.max())
    # two channels at once, each to its own peak
    both = emg.process(np.column_stack([raw, 3 * raw]), RATE)
    np.testing.assert_allclose(both[:, 0], both[:, 1], atol=1e-12)


def test_process_rejects_bad_arguments():
    raw = np.random.default_rng(1).standard_normal(2000)
    with pytest.raises(ValueError, match="Nyquist"):
        emg.process(raw, 800.0)
    with pytest.raises(ValueError, match="normalize"):
        emg.process(raw, RATE, normalize="max")
    with pytest.raises(ValueError, match="not positive"):
        emg.process(np.zeros(2000), RATE)
    with pytest.raises(ValueError, match="channels"):
        emg.process(np.column_stack([raw, raw]), RATE, normalize=raw)


def test_resample_is_exact_on_a_linear_signal():
    tf = np.linspace(0.0, 2.0, 2001)
    tt = np.linspace(0.013, 1.987, 120)
    np.testing.assert_allclose(emg.resample(3 * tf - 1, tf, tt), 3 * tt - 1, atol=1e-12)
    two = emg.resample(np.column_stack([tf, -tf]), tf, tt)
    np.testing.assert_allclose(two, np.column_stack([tt, -tt]), atol=1e-12)
    with pytest.raises(ValueError, match="outside"):
        emg.resample(tf, tf, [2.5])


def test_onsets_threshold_duration_and_gaps():
    t = np.arange(1000) * 0.001
    y = np.zeros_like(t)
    y[200:500] = 1.0
    y[505:600] = 1.0   # a 5 ms drop: not an offset
    y[800:810] = 1.0   # a 10 ms spike: not a burst
    bursts = emg.onsets(y, t, threshold=0.5)
    assert len(bursts) == 1
    np.testing.assert_allclose(bursts[0], (0.1995, 0.5995), atol=1e-9)  # crossings halfway between samples
    np.testing.assert_allclose(emg.onsets(y, t, threshold=0.5, min_duration_s=0.004),
                               [(0.1995, 0.4995), (0.5045, 0.5995), (0.7995, 0.8095)], atol=1e-9)


def test_compare_identical_and_shifted():
    t = np.arange(0, 3.0, 0.01)  # trial frames at 100 Hz
    a = half_sine_burst(t, 1.0, 0.8) ** 2
    same = emg.compare(a, a, t)
    assert same.correlation == pytest.approx(1.0) and same.rms == 0.0
    assert same.onset_difference_s == 0.0 and same.offset_difference_s == 0.0
    shifted = emg.compare(half_sine_burst(t, 1.05, 0.8) ** 2, a, t)  # EMG 50 ms late
    assert shifted.onset_difference_s == pytest.approx(0.05, abs=1e-9)
    assert shifted.offset_difference_s == pytest.approx(0.05, abs=1e-9)
    assert 0 < shifted.correlation < 1 and shifted.rms > 0
    flat = emg.compare(np.zeros_like(t), a, t)
    assert np.isnan(flat.correlation) and np.isnan(flat.onset_difference_s)


def test_emg_against_activation_end_to_end(tmp_path):
    # a recorded burst 30 ms later than the model's activation, processed, resampled to frames
    t = np.arange(0, 2.5, 1 / RATE)
    frames = np.arange(0.1, 2.4, 0.01)
    activation = half_sine_burst(frames, 0.8, 1.0)
    env = emg.resample(emg.process(raw_emg(half_sine_burst(t, 0.83, 1.0), seed=5), RATE), t, frames)
    c = emg.compare(env, activation, frames)
    assert c.correlation > 0.95
    assert c.onset_difference_s == pytest.approx(0.03, abs=0.02)
    fig = biomech.plot_emg_comparison(frames, env, activation, c, muscle="gluteus medius", path=tmp_path / "emg.png")
    assert (tmp_path / "emg.png").stat().st_size > 1000
    assert "r = " in fig.axes[0].get_title()
