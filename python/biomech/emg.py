"""Measured EMG: the standard processing chain and the comparison with a model's activation.

    >>> from biomech import emg
    >>> env = emg.process(raw, rate_hz=2000, normalize=mvic_raw)     # fraction of MVIC
    >>> env_frames = emg.resample(env, emg_time, trial_time)
    >>> result = emg.compare(env_frames, activation, trial_time)    # r, RMS, onset/offset timing
    >>> biomech.plot_emg_comparison(trial_time, env_frames, activation, result)

Defaults and their sources (docs/recorded_motion.md):
- band-pass 20-450 Hz: De Luca, Gilmore, Kuznetsov & Roy (2010), "Filtering the surface EMG
  signal: movement artifact and baseline noise contamination", J Biomech 43:1573-1579
  (20 Hz high-pass against movement artefact; 450 Hz low-pass); within SENIAM's advice
  (Hermens et al. 2000, J Electromyogr Kinesiol 10:361-374: high-pass 10-20 Hz, low-pass ~500 Hz);
- full-wave rectification, then a 6 Hz low-pass linear envelope: Winter (2009), "Biomechanics
  and Motor Control of Human Movement", 4th ed., ch. 10 (linear envelope cut-offs 3-10 Hz; 6 Hz in gait);
- Butterworth, zero phase (forward-backward), so the envelope is not delayed;
- normalisation to the peak envelope of an MVIC trial processed the same way, or to the
  trial's own peak: Burden (2010), "How should we normalize electromyograms obtained from
  healthy participants?", J Electromyogr Kinesiol 20:1023-1035;
- onset: threshold at the baseline mean + 3 SD held for 25 ms, Hodges & Bui (1996), "A
  comparison of computer-based methods for the determination of onset of muscle contraction
  using electromyography", Electroencephalogr Clin Neurophysiol 101:511-519 (after Di Fabio 1987).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from .signal import butterworth, filtfilt

__all__ = ["process", "resample", "onsets", "compare", "EmgComparison"]


def _as_2d(x, what: str) -> tuple[np.ndarray, bool]:
    a = np.asarray(x, dtype=float)
    if a.ndim not in (1, 2) or a.shape[0] == 0:
        raise ValueError(f"expected {what} of shape (n,) or (n, m), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"expected finite {what} values")
    return a.reshape(len(a), -1), a.ndim == 1


def _envelope(raw2d: np.ndarray, rate_hz: float, band_hz, envelope_hz: float, order: int) -> np.ndarray:
    low, high = band_hz
    if not high < rate_hz / 2:
        raise ValueError(f"band-pass upper cut-off {high} Hz must be below Nyquist ({rate_hz / 2} Hz at {rate_hz} Hz); "
                         f"give band_hz=(low, high) with high < rate_hz / 2")
    band = filtfilt(raw2d - raw2d.mean(axis=0), butterworth(order, (low, high), rate_hz, kind="bandpass"))
    env = filtfilt(np.abs(band), butterworth(order, envelope_hz, rate_hz))
    return np.clip(env, 0.0, None)  # an amplitude: the zero-phase low-pass can dip below 0 at sharp edges


def process(raw, rate_hz: float, band_hz: Sequence[float] = (20.0, 450.0), envelope_hz: float = 6.0,
            order: int = 4, normalize="peak") -> np.ndarray:
    """Linear envelope of raw EMG: band-pass, full-wave rectification, low-pass, normalisation.

    ``raw`` (n,) or (n, m channels) sampled at ``rate_hz``. The mean is removed, then a
    Butterworth band-pass ``band_hz`` (``order`` is the prototype order: 2 * order poles),
    the absolute value, and a Butterworth low-pass at ``envelope_hz`` of ``order``; both
    filters run forward and backward (zero phase). Negative dips of the envelope are set to 0.

    ``normalize``: ``"peak"`` divides each channel by its own peak envelope (0..1); an
    array (k,) or (k, m) is the raw MVIC trial of the same channels at the same rate,
    processed the same way, whose peak envelope is the reference (fraction of MVIC); a
    number is the MVIC envelope amplitude itself; None leaves the raw units.
    Returns the envelope with ``raw``'s shape.
    """
    x, flat = _as_2d(raw, "raw EMG")
    env = _envelope(x, float(rate_hz), band_hz, envelope_hz, order)
    if isinstance(normalize, str):
        if normalize != "peak":
            raise ValueError(f"expected normalize='peak', an MVIC trial, an MVIC amplitude or None, got {normalize!r}")
        ref = env.max(axis=0)
    elif normalize is None:
        ref = np.ones(env.shape[1])
    else:
        mvic = np.asarray(normalize, dtype=float)
        if mvic.ndim == 0:
            ref = np.full(env.shape[1], float(mvic))
        else:
            m2, _ = _as_2d(mvic, "MVIC trial")
            if m2.shape[1] != x.shape[1]:
                raise ValueError(f"expected an MVIC trial with {x.shape[1]} channels, got {m2.shape[1]}")
            ref = _envelope(m2, float(rate_hz), band_hz, envelope_hz, order).max(axis=0)
    if np.any(ref <= 0):
        raise ValueError("normalisation reference is not positive (a silent channel or MVIC trial)")
    env = env / ref
    return env[:, 0] if flat else env


def resample(envelope, times_from, times_to) -> np.ndarray:
    """The envelope at other times (e.g. the trial's frames), by linear interpolation.

    ``envelope`` (n,) or (n, m) at ``times_from`` (n,) s increasing; ``times_to`` (k,) s
    inside [times_from[0], times_from[-1]] (ValueError otherwise: no extrapolation). The
    envelope is already low-passed (6 Hz by default), so sampling it at the frame rate does
    not alias.
    """
    env, flat = _as_2d(envelope, "envelope")
    tf = np.asarray(times_from, dtype=float)
    tt = np.asarray(times_to, dtype=float)
    if tf.shape != (env.shape[0],):
        raise ValueError(f"expected times_from of shape ({env.shape[0]},), got {tf.shape}")
    if not np.all(np.diff(tf) > 0):
        raise ValueError("expected increasing times_from")
    tol = 1e-9 * max(1.0, abs(tf[-1]))
    if tt.size and (tt.min() < tf[0] - tol or tt.max() > tf[-1] + tol):
        raise ValueError(f"times_to [{tt.min()}, {tt.max()}] s reaches outside the EMG's [{tf[0]}, {tf[-1]}] s")
    out = np.column_stack([np.interp(tt, tf, env[:, j]) for j in range(env.shape[1])])
    return out[:, 0] if flat else out


def onsets(signal, times, threshold: float | None = None, *, baseline: tuple[float, float] | None = None,
           k_sd: float = 3.0, fraction: float = 0.2, min_duration_s: float = 0.025) -> list[tuple[float, float]]:
    """Bursts of activity: [(onset_s, offset_s), ...] where ``signal`` stays above a threshold.

    The threshold is ``threshold`` when given; else, with ``baseline`` = (t0, t1) s, the
    mean + ``k_sd`` SD of the signal in that resting window (Hodges & Bui 1996); else
    min + ``fraction`` (max - min) of the signal (for a model's activation, which has no
    resting baseline). A burst must stay above for ``min_duration_s`` (25 ms, Hodges & Bui);
    drops below shorter than that do not end a burst. Onsets and offsets are the threshold
    crossings, interpolated linearly between samples.
    """
    y = np.asarray(signal, dtype=float)
    t = np.asarray(times, dtype=float)
    if y.ndim != 1 or t.shape != y.shape:
        raise ValueError(f"expected signal and times of the same shape (n,), got {y.shape} and {t.shape}")
    if threshold is None:
        if baseline is not None:
            window = (t >= baseline[0]) & (t <= baseline[1])
            if window.sum() < 2:
                raise ValueError(f"baseline window {baseline} s holds fewer than 2 samples")
            threshold = float(y[window].mean() + k_sd * y[window].std())
        else:
            threshold = float(y.min() + fraction * (y.max() - y.min()))
    above = y > threshold
    edges = np.diff(above.astype(int))
    starts = list(np.flatnonzero(edges == 1) + 1)
    ends = list(np.flatnonzero(edges == -1) + 1)  # first index below
    if above[0]:
        starts.insert(0, 0)
    if above[-1]:
        ends.append(len(y))

    def cross(i: int) -> float:  # time where y crosses the threshold between samples i-1 and i
        if i <= 0 or i >= len(y):
            return float(t[min(max(i, 0), len(y) - 1)])
        y0, y1 = y[i - 1], y[i]
        return float(t[i - 1] + (threshold - y0) / (y1 - y0) * (t[i] - t[i - 1]))

    bursts = [[cross(s), cross(e)] for s, e in zip(starts, ends)]
    merged: list[list[float]] = []
    for b in bursts:  # close short gaps, then drop short bursts
        if merged and b[0] - merged[-1][1] < min_duration_s:
            merged[-1][1] = b[1]
        else:
            merged.append(b)
    return [(on, off) for on, off in merged if off - on >= min_duration_s]


@dataclasses.dataclass
class EmgComparison:
    """Measured envelope against a model's activation on the same frames.

    ``correlation``: Pearson r; ``rms``: root mean square of (envelope - activation), in
    their common unit (fraction of MVIC or of peak); ``emg_bursts`` and
    ``activation_bursts``: [(onset_s, offset_s)] by :func:`onsets`; ``onset_difference_s`` and
    ``offset_difference_s``: EMG minus activation for the first burst of each (positive:
    the muscle switched on later than the model); NaN when either has no burst.
    """

    correlation: float
    rms: float
    emg_bursts: list[tuple[float, float]]
    activation_bursts: list[tuple[float, float]]
    onset_difference_s: float
    offset_difference_s: float


def compare(envelope, activation, times, *, fraction: float = 0.2, min_duration_s: float = 0.025) -> EmgComparison:
    """Compare a normalised EMG envelope with a model's activation of the matching muscle.

    ``envelope``, ``activation``, ``times``: (n,) on the same frames (see :func:`resample`).
    Bursts of both come from :func:`onsets` with the same rule (min + ``fraction`` of the
    range, held ``min_duration_s``), so a timing difference is not a difference of rules.
    """
    e = np.asarray(envelope, dtype=float)
    a = np.asarray(activation, dtype=float)
    t = np.asarray(times, dtype=float)
    if not (e.shape == a.shape == t.shape) or e.ndim != 1:
        raise ValueError(f"expected envelope, activation and times of one shape (n,), got {e.shape}, {a.shape}, {t.shape}")
    if len(e) < 3:
        raise ValueError(f"expected at least 3 frames, got {len(e)}")
    if e.std() == 0 or a.std() == 0:
        r = float("nan")
    else:
        r = float(np.corrcoef(e, a)[0, 1])
    rms = float(np.sqrt(np.mean((e - a) ** 2)))
    eb = onsets(e, t, fraction=fraction, min_duration_s=min_duration_s)
    ab = onsets(a, t, fraction=fraction, min_duration_s=min_duration_s)
    on = eb[0][0] - ab[0][0] if eb and ab else float("nan")
    off = eb[0][1] - ab[0][1] if eb and ab else float("nan")
    return EmgComparison(correlation=r, rms=rms, emg_bursts=eb, activation_bursts=ab,
                         onset_difference_s=float(on), offset_difference_s=float(off))
