"""The `biomech` command line: --help everywhere, --json that parses, one-line errors.

In-process runs (biomech.cli.main) check every registered subcommand; a few
subprocess runs check the installed console script's real exit status and
that no traceback reaches the user.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import biomech.cli as cli
from test_model_api import TINY_MODEL_YAML


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory):
    p = tmp_path_factory.mktemp("cli") / "tiny.yaml"
    p.write_text(TINY_MODEL_YAML)
    return str(p)


@pytest.fixture(scope="module")
def broken_path(tmp_path_factory):
    p = tmp_path_factory.mktemp("cli") / "broken.yaml"
    p.write_text(TINY_MODEL_YAML.replace("mass_kg: 9.3014", "mass_kg: -9.3014", 1))
    return str(p)


def commands() -> list[str]:
    cli.build_parser()
    return sorted(cli._REGISTRY)


def run_cli(*args, env=None):
    exe = shutil.which("biomech")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "biomech", *args]
    return subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
                          env={**os.environ, **(env or {})})


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for name in commands():
        assert name in out


@pytest.mark.parametrize("name", commands())
def test_every_command_has_help_and_json(name, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([name, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: biomech {name}")
    assert "--json" in out


def test_model_json_parses(tiny_path, capsys):
    assert cli.main(["model", "--model", tiny_path, "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["name"] == "tiny2"
    assert s["total_mass_kg"] == pytest.approx(11.777 + 2 * 9.3014)
    assert [m["name"] for m in s["muscles"]] == ["glut_med1_r", "glut_med1_l"]
    assert s["muscles"][0]["max_isometric_force_n"] == pytest.approx(819)
    assert {b["name"] for b in s["bodies"]} == {"pelvis", "femur_r", "femur_l"}
    assert "hip_flexion_r" in [c["name"] for c in s["coordinates"]]


def test_json_before_the_command_works_too(tiny_path, capsys):
    assert cli.main(["--json", "model", "--model", tiny_path]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "tiny2"


def test_model_text_summary(tiny_path, capsys):
    assert cli.main(["model", "--model", tiny_path]) == 0
    out = capsys.readouterr().out
    assert "model: tiny2" in out and "glut_med1_r" in out and "819.0" in out


def test_moment_arms_json(tiny_path, capsys):
    assert cli.main(["moment-arms", "--model", tiny_path, "--posture-deg", "hip_flexion=90", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["unit"] == "m"
    assert r["posture_deg"] == {"hip_flexion_r": pytest.approx(90), "hip_flexion_l": pytest.approx(90)}
    arms = r["moment_arms_m"]
    assert set(arms) == {"glut_med1_r", "glut_med1_l"}
    # mirror model at a mirrored posture: equal moment arms about the same-side coordinates
    assert arms["glut_med1_r"]["hip_adduction_r"] == pytest.approx(arms["glut_med1_l"]["hip_adduction_l"], abs=1e-12)
    assert all(isinstance(v, float) for row in arms.values() for v in row.values())


def test_moment_arms_text_in_cm(tiny_path, capsys):
    assert cli.main(["moment-arms", "--model", tiny_path, "--muscles", "_r"]) == 0
    out = capsys.readouterr().out
    assert "moment arms (cm)" in out and "glut_med1_r" in out and "glut_med1_l" not in out


@pytest.mark.parametrize("argv, needle", [
    (["moment-arms", "--posture-deg", "hip_flexon_r=90"], "hip_flexon_r"),
    (["moment-arms", "--posture-deg", "hip_flexion_r=abc"], "abc"),
    (["moment-arms", "--posture-deg", "hip_flexion_r=nan"], "finite"),
    (["moment-arms", "--posture-deg", "pelvis_ty=1"], "translation"),
])
def test_bad_posture_is_a_one_line_error(tiny_path, argv, needle, capsys):
    assert cli.main([*argv, "--model", tiny_path]) == 1
    err = capsys.readouterr().err
    assert err.startswith("biomech: error: ") and needle in err
    assert err.count("\n") == 1


def test_usage_error_exit_2(capsys):
    assert cli.main(["model", "--no-such-option"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("biomech: error: ") and err.count("\n") == 1
    assert cli.main(["no-such-command"]) == 2


def test_no_command_prints_help_and_exits_2(capsys):
    assert cli.main([]) == 2
    assert "usage: biomech" in capsys.readouterr().err


def test_missing_file_exit_1_no_traceback(tmp_path):
    r = run_cli("model", "--model", str(tmp_path / "nope.yaml"))
    assert r.returncode == 1
    assert r.stderr.startswith("biomech: error: ") and "nope.yaml" in r.stderr
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1
    assert r.stdout == ""


def test_broken_model_names_file_line_field(broken_path):
    r = run_cli("model", "--model", broken_path)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1
    # FileError message: <file>:<line>: field '<field>': ...
    assert "broken.yaml:" in r.stderr and "mass" in r.stderr


def test_usage_error_from_console_script():
    r = run_cli("moment-arms", "--posture-deg")
    assert r.returncode == 2
    assert r.stderr.startswith("biomech: error: ") and "Traceback" not in r.stderr


def test_debug_env_shows_traceback(tmp_path):
    r = run_cli("model", "--model", str(tmp_path / "nope.yaml"), env={"BIOMECH_DEBUG": "1"})
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_to_jsonable_handles_numpy_pandas_and_nan():
    import numpy as np
    import pandas as pd

    obj = {"a": np.float64(1.5), "b": np.arange(3), "c": float("nan"), "d": pd.Series({"x": 1.0}),
           "e": (np.int64(2),)}
    out = json.loads(json.dumps(cli.to_jsonable(obj), allow_nan=False))
    assert out == {"a": 1.5, "b": [0, 1, 2], "c": None, "d": {"x": 1.0}, "e": [2]}


def test_registering_a_command_is_one_decorator(capsys):
    @cli.command("_test-echo", help="echo 100% of the word (50%% of the time)")
    @cli.argument("--word", default="hi", help="a word, %MVIC-style percent signs are fine (default %(default)s)")
    def _echo(args):
        return {"word": args.word}

    try:
        assert cli.main(["_test-echo", "--word", "yo", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == {"word": "yo"}
        assert cli.main(["_test-echo"]) == 0
        assert capsys.readouterr().out.strip() == "word: hi"
        with pytest.raises(SystemExit):
            cli.main(["_test-echo", "--help"])
        out = capsys.readouterr().out
        assert "100% of the word (50% of" in out and "%MVIC-style" in out and "(default hi)" in out
    finally:
        cli._REGISTRY.pop("_test-echo", None)


def test_module_entry_point_matches_console_script():
    r = subprocess.run([sys.executable, "-m", "biomech", "--version"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("biomech ")
    assert textwrap.dedent(r.stdout).strip().split()[1] == __import__("biomech").__version__
