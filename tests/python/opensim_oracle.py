"""The opensim package as a test oracle (installed by the test extra where it has wheels)."""
from __future__ import annotations

import pytest


def import_opensim():
    """The opensim module, or skip the test; OpenSim's log goes to the console only."""
    opensim = pytest.importorskip("opensim")
    opensim.Logger.removeFileSink()  # else the first message writes opensim.log into the working directory
    return opensim
