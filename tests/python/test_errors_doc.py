"""docs/errors.md lists the bounds the code enforces: its bounds section is the one
tools/errors_doc.py generates from the field tables and the loaders' limits."""
from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_errors_doc_bounds_match_the_code():
    spec = importlib.util.spec_from_file_location("errors_doc", REPO / "tools" / "errors_doc.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    expected = mod.bounds_markdown()
    doc = (REPO / "docs" / "errors.md").read_text()
    assert expected in doc, "docs/errors.md is out of date: run python tools/errors_doc.py --write"
    assert "| `partial_weight_n` | N | 0.001 | 100000 |" in expected  # a field table's bound made it in
    assert "`motion.sample_rate_hz` | Hz | 0.001 | 1000 |" in expected
