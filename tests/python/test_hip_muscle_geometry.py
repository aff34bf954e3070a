"""tools/hip_muscle_geometry.py: the gluteus medius sagittal-arm variants and the line-of-action
geometry that docs/validation.md ("Measured sagittal geometry of the gluteus medius and minimus")
reports."""
from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import yaml

import biomech
from biomech._paths import data_path
from biomech.model import DEFAULT_MODEL_FILE

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("hip_muscle_geometry", REPO / "tools" / "hip_muscle_geometry.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def doc():
    with open(data_path(DEFAULT_MODEL_FILE), encoding="utf-8") as f:
        return yaml.safe_load(f)


def test_variant_reaches_the_target_arms_and_moves_only_the_medius_insertions(tool, doc, tmp_path):
    targets = tool.GMED_FLEXION_ARMS_BOTH_CM
    out = tool.sagittal_variant(copy.deepcopy(doc), targets, "test")
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(out, sort_keys=False))
    model = biomech.Model.load(path)
    arms = model.moment_arms(biomech.posture_deg(model))
    for before, after in zip(doc["muscles"], out["muscles"]):
        if before["group"] != "gluteus_medius":
            assert after == before
            continue
        side = before["side"]
        # the model's own moment arm, not the tool's geometry, reaches the target
        assert 100 * arms.loc[before["name"], f"hip_flexion_{side}"] == pytest.approx(targets[before["segment"]], abs=1e-3)
        moved = np.subtract(after["path"][-1]["location_m"], before["path"][-1]["location_m"])
        assert moved[0] > 0 and moved[1] == 0 and moved[2] == 0  # forward along the femur's x axis only
        assert after["path"][:-1] == before["path"][:-1]


def test_a_line_at_the_through_centre_inclination_has_no_flexion_arm(tool, doc):
    model = biomech.Model.load(data_path(DEFAULT_MODEL_FILE))
    arms = model.moment_arms(biomech.posture_deg(model))
    centre = tool.hip_centre(doc, "r")
    lines = tool.line_inclinations(doc)
    for m in doc["muscles"]:
        if m["side"] != "r" or m["group"] not in tool.ABDUCTORS:
            continue
        sagittal, _, through = lines[(m["group"], m["segment"])]
        insertion = np.asarray(m["path"][-1]["location_m"])
        t = np.radians(through)
        upper = insertion + [np.sin(t), np.cos(t), 0.0]
        assert tool._flexion_arm_cm(upper, insertion) == pytest.approx(0.0, abs=1e-9)
        # a line inclined less than that passes behind the centre: it extends, as the model says
        model_arm = 100 * arms.loc[m["name"], "hip_flexion_r"]
        assert (sagittal < through) == (model_arm < 0)
        assert tool._flexion_arm_cm(np.asarray(m["path"][0]["location_m"]) - centre, insertion) == pytest.approx(
            model_arm, abs=1e-6)
