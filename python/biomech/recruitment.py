"""Muscle recruitment by static optimisation (see docs/recruitment.md).

    minimise    sum_i a_i^p + w_r sum_j (m_j / m_ref)^2
    subject to  R diag(F) a + m = tau,   0 <= a <= 1

``solve_recruitment`` solves one frame, ``solve_recruitment_batch`` many frames in
C++ with the GIL released. (The tests and the benchmark check them against scipy's
SLSQP on the same problem: tests/python/recruitment_oracle.py.)
"""
from __future__ import annotations

from . import _core

RecruitmentOptions = _core.RecruitmentOptions
RecruitmentResult = _core.RecruitmentResult
solve_recruitment = _core.solve_recruitment
solve_recruitment_batch = _core.solve_recruitment_batch

__all__ = [
    "RecruitmentOptions",
    "RecruitmentResult",
    "solve_recruitment",
    "solve_recruitment_batch",
]
