"""biomech.validate: the scorecard's arithmetic (Spearman, leave one study out, counts within
mean +- SD, contact-force errors) on hand-made numbers and on the shipped data set. These tests
check the sums, never the model's agreement with the studies."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import biomech
from shared import shared_path
from biomech.validate import MIN_EXERCISES_FOR_RHO, Validation, score_contact_force, score_emg, spearman


@pytest.mark.parametrize("seed", range(5))
def test_spearman_matches_scipy_with_ties(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 5, size=9).astype(float)  # ties on purpose
    b = rng.normal(size=9)
    assert spearman(a, b) == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-12)
    assert spearman(a, a) == pytest.approx(1.0)
    assert spearman(a, -a) == pytest.approx(-1.0)


def test_spearman_undefined_cases():
    assert math.isnan(spearman([1, 2], [2, 1]))           # fewer than 3 pairs
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))     # a constant sequence has no ranks
    with pytest.raises(ValueError, match="one length"):
        spearman([1, 2, 3], [1, 2])


def _emg_rows():
    # study A: four exercises, e1 published twice (two variants, averaged to 30); study B: three
    # exercises with no SD; study C: one exercise, n not reported.
    rows = [("A", "e1", "r", 20.0, 5.0, 10, 25.0), ("A", "e1", "r", 40.0, 5.0, 10, 25.0),
            ("A", "e2", "r", 50.0, 10.0, 12, 55.0), ("A", "e3", "r", 60.0, 1.0, 10, 40.0),
            ("A", "e4", "l", 10.0, 3.0, 10, 12.0),
            ("B", "e1", "r", 35.0, math.nan, 8, 25.0), ("B", "e2", "r", 45.0, math.nan, 8, 55.0),
            ("B", "e3", "r", 80.0, math.nan, 8, 40.0),
            ("C", "e5", "r", 70.0, 20.0, math.nan, 90.0)]
    return pd.DataFrame(rows, columns=["study_id", "exercise_id", "leg", "mean_percent_mvic", "sd", "n",
                                       "model_mean_percent_mvic"])


def test_score_emg_per_study_and_within_sd():
    emg, by_study, _ = score_emg(_emg_rows())
    # |model - mean| <= SD, row by row: A: 5 <= 5 yes, 15 > 5 no, 5 <= 10 yes, 20 > 1 no, 2 <= 3 yes;
    # B: no SD (never within); C: 20 <= 20 yes
    assert emg["within_sd"].tolist() == [True, False, True, False, True, False, False, False, True]
    s = by_study.set_index("study_id")
    assert s.loc["A", "n_exercises"] == 4 and s.loc["A", "n_values"] == 5 and s.loc["A", "n_distinct_exercises"] == 4
    assert (s.loc["A", "within_sd"], s.loc["A", "n_with_sd"]) == (3, 5)
    assert (s.loc["B", "within_sd"], s.loc["B", "n_with_sd"]) == (0, 0)
    assert s.loc["A", "n_participants"] == 12 and s.loc["B", "n_participants"] == 8
    assert s.loc["C", "n_participants"] is None or math.isnan(s.loc["C", "n_participants"])
    # A's variants of e1 are averaged (30) before ranking
    rho_a = stats.spearmanr([30.0, 50.0, 60.0, 10.0], [25.0, 55.0, 40.0, 12.0]).statistic
    assert s.loc["A", "rho"] == pytest.approx(rho_a)
    assert s.loc["B", "rho"] == pytest.approx(stats.spearmanr([35.0, 45.0, 80.0], [25.0, 55.0, 40.0]).statistic)
    assert s.loc["C", "n_exercises"] == 1 < MIN_EXERCISES_FOR_RHO and math.isnan(s.loc["C", "rho"])


def test_score_emg_leave_one_study_out():
    _, _, loso = score_emg(_emg_rows())
    l = loso.set_index("left_out")
    # without A: e1 35 (B), e2 45, e3 80, e5 70 (C) against the model's 25, 55, 40, 90
    assert l.loc["A", "n_exercises"] == 4
    assert l.loc["A", "rho"] == pytest.approx(
        stats.spearmanr([35.0, 45.0, 80.0, 70.0], [25.0, 55.0, 40.0, 90.0]).statistic)
    # without C: per exercise and leg the mean of A (variants averaged first) and B
    measured = [(30 + 35) / 2, (50 + 45) / 2, (60 + 80) / 2, 10.0]
    assert l.loc["C", "n_exercises"] == 4
    assert l.loc["C", "rho"] == pytest.approx(stats.spearmanr(measured, [25.0, 55.0, 40.0, 12.0]).statistic)


def test_score_emg_keeps_legs_apart():
    rows = _emg_rows()
    rows.loc[rows["exercise_id"] == "e4", "exercise_id"] = "e1"  # e1 on the left leg: a different value
    _, by_study, _ = score_emg(rows)
    assert by_study.set_index("study_id").loc["A", "n_exercises"] == 4
    assert by_study.set_index("study_id").loc["A", "n_distinct_exercises"] == 3


def test_score_contact_force_errors_and_spread():
    nan = math.nan
    cf = pd.DataFrame({"model_bw": [3.0, 2.5, 2.0, 3.0, 2.0],
                       "measured_mean": [2.6, nan, nan, 2.5, 2.6], "measured_sd": [0.3, nan, nan, nan, 0.3],
                       "measured_min": [2.2, 2.1, nan, nan, nan], "measured_max": [3.3, 2.8, 2.4, nan, nan]})
    out = score_contact_force(cf)
    # reference: the mean, else the middle of the range, else the bound
    assert out["reference_bw"].tolist() == pytest.approx([2.6, 2.45, 2.4, 2.5, 2.6])
    assert out["error_bw"].tolist() == pytest.approx([0.4, 0.05, -0.4, 0.5, -0.6])
    # within the range (row 0 uses the range 2.2-3.3, not mean +- SD), the range, below the bound,
    # a single value without spread (NA), outside mean +- SD
    w = out["within"].tolist()
    assert w[0] is True and w[1] is True and w[2] is True and w[4] is False
    assert pd.isna(w[3])


def _hand_made_validation():
    emg, by_study, loso = score_emg(_emg_rows())
    cf = score_contact_force(pd.DataFrame({
        "study_id": ["K"], "task": ["stance"], "exercise_id": ["single_leg_stance"], "match": ["exact"],
        "model_bw": [3.0], "measured_mean": [2.5], "measured_sd": [math.nan], "measured_min": [math.nan],
        "measured_max": [math.nan]}))
    strength = pd.DataFrame(columns=["study_id", "direction", "test", "sex", "model", "measured", "sd", "within_sd"])
    moments = pd.DataFrame(columns=["study_id", "task", "exercise_id", "model", "measured", "unit"])
    emg["side"] = emg["leg"]
    emg["published_name"] = "published task"
    emg["model_peak_percent_mvic"] = emg["model_mean_percent_mvic"] + 5
    return Validation({"emg": emg, "emg_by_study": by_study, "leave_one_study_out": loso, "strength": strength,
                       "contact_force": cf, "moments": moments, "studies": pd.DataFrame()}, "hand-made", {})


def test_scorecard_names_data_gaps():
    text = _hand_made_validation().scorecard()
    assert "C" in text and f"no rank (1 exercise-leg, needs {MIN_EXERCISES_FOR_RHO})" in text
    assert "n not reported" in text
    assert "no SD reported for its 3 values" in text          # study B
    assert "3/5 model values within mean +- SD" in text        # study A
    assert "error +0.50 BW, no spread published" in text


def test_plot_writes_one_picture_per_study(tmp_path):
    files = _hand_made_validation().plot(tmp_path)
    assert sorted(f.name for f in files) == ["emg_A.png", "emg_B.png", "emg_C.png", "hip_contact_force.png"]
    assert all(f.stat().st_size > 1000 for f in files)


@pytest.fixture(scope="module")
def shipped():
    return biomech.validate()


def test_shipped_scorecard_arithmetic(shipped):
    """On the shipped data: each study's rho is scipy's on the values the table holds, and the
    within-SD counts are the rows' own."""
    per = (shipped.emg.groupby(["study_id", "exercise_id", "leg"])
           .agg(measured=("mean_percent_mvic", "mean"), model=("model_mean_percent_mvic", "first")).reset_index())
    for _, r in shipped.emg_by_study.iterrows():
        rows = per[per["study_id"] == r["study_id"]]
        assert r["n_exercises"] == len(rows)
        if len(rows) >= MIN_EXERCISES_FOR_RHO:
            assert r["rho"] == pytest.approx(stats.spearmanr(rows["measured"], rows["model"]).statistic)
        values = shipped.emg[shipped.emg["study_id"] == r["study_id"]]
        within = ((values["model_mean_percent_mvic"] - values["mean_percent_mvic"]).abs() <= values["sd"]).sum()
        assert r["within_sd"] == within
    # every compared value has a model leg and a model estimate
    assert shipped.emg["leg"].isin(["r", "l"]).all()
    assert shipped.emg["model_mean_percent_mvic"].notna().all()
    cf = shipped.contact_force
    assert np.allclose(cf["error_bw"], cf["model_bw"] - cf["reference_bw"])


def test_shipped_plots(shipped, tmp_path):
    files = shipped.plot(tmp_path)
    studies = set(shipped.emg["study_id"])
    assert {f.name for f in files} == {f"emg_{s}.png" for s in studies} | {"hip_contact_force.png", "strength.png"}


def test_score_emg_leaves_out_values_without_a_model_estimate():
    rows = _emg_rows()
    rows.loc[len(rows)] = ["A", "e6", "l", 30.0, 5.0, 10, math.nan]  # a leg the model does not analyse
    emg, by_study, loso = score_emg(rows)
    a = by_study.set_index("study_id").loc["A"]
    assert (a["n_exercises"], a["n_values"], a["n_without_model"], a["n_with_sd"]) == (4, 6, 1, 6)
    assert a["rho"] == pytest.approx(score_emg(_emg_rows())[1].set_index("study_id").loc["A", "rho"])
    assert not emg["within_sd"].iloc[-1]


def test_cli_validate_writes_one_plot_per_study(tmp_path, capsys):
    import biomech.cli as cli

    cli.main(["validate", "--plot", str(tmp_path)])
    out = capsys.readouterr().out
    assert "Leave one study out" in out and "In vivo hip contact force (BW)" in out
    names = {p.name for p in tmp_path.iterdir()}
    emg = set(biomech.load_validation_data()["gmed_emg"].query("exercise_id == exercise_id "
                                                              "and muscle == 'gluteus_medius' "
                                                              "and match != 'none'")["study_id"])
    assert names == {f"emg_{s}.png" for s in emg} | {"hip_contact_force.png", "strength.png"}


def test_cli_validate_takes_a_model_file(tmp_path, capsys):
    """`biomech validate --model FILE` validates that file as written (its own forces, no subject
    scaling): a copy of the shipped file with the gluteus medius at half force is weaker than
    the unmodified file, and the scorecard's figures are that model's."""
    import json

    import yaml

    import biomech.cli as cli
    from biomech._paths import data_path
    from biomech.model import DEFAULT_MODEL_FILE

    doc = yaml.safe_load(data_path(DEFAULT_MODEL_FILE).read_text())
    doc["name"] = "weak_gmed"
    for m in doc["muscles"]:
        if m["group"] == "gluteus_medius":
            m["max_isometric_force_n"] *= 0.5
    path = tmp_path / "weak_gmed.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))

    assert cli.main(["validate", "--model", str(path)]) == 0
    assert "Validation of model 'weak_gmed'" in capsys.readouterr().out
    assert cli.main(["--json", "validate", "--model", str(path)]) == 0
    v = json.loads(capsys.readouterr().out)
    weak, intact = biomech.Model.load(path), biomech.Model.load(data_path(DEFAULT_MODEL_FILE))
    peak = biomech.strength_curve(weak).attrs["peak_torque_nm_per_kg"]
    isometric = [r["model"] for r in v["strength"] if r["test"] == "isometric"]
    assert isometric and all(x == pytest.approx(peak) for x in isometric)
    assert peak < biomech.strength_curve(intact).attrs["peak_torque_nm_per_kg"]
    stance = biomech.compare(weak, ["single_leg_stance"])["peak_hip_contact_force_bw"].max()
    rows = [r for r in v["contact_force"] if r["exercise_id"] == "single_leg_stance"]
    assert rows and all(r["model_bw"] == pytest.approx(stance) for r in rows)


def test_cli_validate_osim_without_landmarks_is_one_line(capsys):
    """An imported .osim has no landmarks, which the catalogue exercises need: one line that says
    so, exit status 1."""
    import biomech.cli as cli

    osim = shared_path("reference_models", "Rajagopal2016.osim")
    if osim is None or not osim.exists():
        pytest.skip("needs the shared reference models ($BIOMECH_SHARED or ../shared)")
    assert cli.main(["validate", "--model", str(osim)]) == 1
    err = capsys.readouterr().err
    assert "has no landmarks" in err and "docs/model_file.md" in err and err.count("\n") == 1
