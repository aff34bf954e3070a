"""The README's Quick start block and the CI entry point agree.

Acceptance: a fenced block under '## Quick start' with exactly two
command lines; .ci/run runs the second one verbatim.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def quick_start_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"^## Quick start\s*$(.*?)^## ", text, flags=re.M | re.S)
    assert m, "README.md has no '## Quick start' section followed by another section"
    block = re.search(r"^```[a-z]*\n(.*?)^```", m.group(1), flags=re.M | re.S)
    assert block, "the Quick start section has no fenced code block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_has_exactly_two_command_lines():
    lines = quick_start_lines()
    assert len(lines) == 2, f"expected two command lines, got {lines}"
    assert all(not line.lstrip().startswith("#") for line in lines)


def test_first_line_sets_up_and_runs_the_main_job():
    first = quick_start_lines()[0]
    assert first.startswith("./setup.sh"), first
    assert "biomech " in first, "the first line must run the main job through the biomech command"


def test_second_line_runs_the_tests():
    assert "--test" in quick_start_lines()[1]


def test_ci_runs_the_second_line_verbatim():
    second = quick_start_lines()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci_lines = [line.strip() for line in ci.splitlines()]
    assert second.strip() in ci_lines, f".ci/run does not contain the line {second!r}"
    assert ci.startswith("#!/usr/bin/env bash") or ci.startswith("#!/bin/bash")
    assert "set -euo pipefail" in ci
    # the sanitizer job runs too
    assert any(line.startswith("./setup.sh") and "--sanitize" in line for line in ci_lines)


def test_ci_uses_no_stdin_prompts():
    # CI runs without a terminal: setup must not ask questions
    setup = (ROOT / "setup.sh").read_text(encoding="utf-8")
    assert "DEBIAN_FRONTEND=noninteractive" in setup
    assert re.search(r"apt-get install -y", setup)
    assert "read " not in setup


@pytest.mark.parametrize("doc", ["README.md", "docs/README.md", "bench/README.md"])
def test_relative_links_resolve(doc):
    path = ROOT / doc
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # http:, https:, mailto:
        assert (path.parent / target).exists(), f"{doc}: broken link {target}"


def test_readme_python_examples_run(tmp_path, monkeypatch):
    """Every ```python block of the README runs, in order, in one namespace (from a scratch directory)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.M | re.S)
    assert blocks, "the README has no Python example"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    assert (tmp_path / "results.h5").exists()
