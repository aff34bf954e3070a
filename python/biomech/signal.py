"""Digital filters for recorded motion and EMG (the C++ core's signal domain, signal.hpp).

    >>> import biomech
    >>> sos = biomech.butterworth(4, 6.0, rate_hz=100.0)          # (2, 6), scipy's sos layout
    >>> smooth = biomech.filtfilt(noisy, sos)                      # zero phase, -6 dB at 6 Hz
    >>> t, q = biomech.lowpass_like_opensim(time, angles, 6.0)     # as OpenSim's AnalyzeTool

Butterworth designs use the bilinear transform with pre-warped cut-offs; ``filtfilt`` runs
them forward and backward (the gain is squared, the phase zero) after extending both ends
by an odd reflection, with the same arithmetic as ``scipy.signal.sosfiltfilt``.
``lowpass_like_opensim`` is OpenSim's low-pass of coordinates (the tools'
``lowpass_cutoff_frequency_for_coordinates``): see docs/recorded_motion.md.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _core

__all__ = ["butterworth", "filtfilt", "lowpass_like_opensim"]


def butterworth(order: int, cutoff_hz: float | Sequence[float], rate_hz: float, kind: str = "lowpass") -> np.ndarray:
    """Butterworth filter as second-order sections, (n_sections, 6) rows [b0 b1 b2 1 a1 a2].

    ``kind``: ``"lowpass"`` or ``"highpass"`` (``cutoff_hz`` a number) or ``"bandpass"``
    (``cutoff_hz`` = (low, high)). ``order`` is the prototype's: a band-pass has 2 * order
    poles, as ``scipy.signal.butter``. The gain at each cut-off is 1/sqrt(2) (-3 dB) for
    one pass; ValueError for a cut-off outside (0, rate_hz / 2).
    """
    if kind == "lowpass":
        return _core.butterworth_lowpass(int(order), float(cutoff_hz), float(rate_hz))
    if kind == "highpass":
        return _core.butterworth_highpass(int(order), float(cutoff_hz), float(rate_hz))
    if kind == "bandpass":
        low, high = cutoff_hz
        return _core.butterworth_bandpass(int(order), float(low), float(high), float(rate_hz))
    raise ValueError(f"expected kind 'lowpass', 'highpass' or 'bandpass', got {kind!r}")


def filtfilt(x, sos: np.ndarray, padlen: int | None = None) -> np.ndarray:
    """Zero-phase filtering of ``x`` ((n,) or (n, m), along the first axis) by ``sos``.

    Forward then backward, so one Butterworth low-pass has gain 1/2 (-6 dB) at its cut-off.
    Each end is extended by ``padlen`` samples reflected through the end sample (default
    3 (2 n_sections + 1), scipy's); ValueError when the signal is not longer than that.
    """
    a = np.asarray(x, dtype=float)
    if a.ndim not in (1, 2):
        raise ValueError(f"expected a 1-D or 2-D signal, got shape {a.shape}")
    y = _core.filtfilt_columns(np.asarray(sos, dtype=float), a.reshape(len(a), -1), -1 if padlen is None else int(padlen))
    return y.reshape(a.shape)


def lowpass_like_opensim(time, values, cutoff_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """OpenSim's low-pass of coordinates, step for step (opensim-core Storage::pad then lowpassIIR).

    ``time`` (n,) s strictly increasing, ``values`` (n,) or (n, m). The series is padded by n/2
    samples at each end (odd reflection), resampled at its smallest time step through a
    natural quintic spline when the steps are not uniform, and filtered by a third-order
    Butterworth run forward and backward (gain 1/2 at ``cutoff_hz``). Returns the time and
    values of the rows inside [time[0], time[-1]] (the resampled grid when it resampled).
    """
    t = np.asarray(time, dtype=float)
    v = np.asarray(values, dtype=float)
    if v.ndim not in (1, 2):
        raise ValueError(f"expected values of shape (n,) or (n, m), got {v.shape}")
    t_out, v_out = _core.lowpass_like_opensim(t, v.reshape(len(v), -1), float(cutoff_hz))
    return t_out, (v_out[:, 0] if v.ndim == 1 else v_out)
