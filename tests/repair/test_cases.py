"""Repair cases kept as data (ftfy's test-cases idea): one parametrised test runs them all.

``negative.json`` holds texts that must come out unchanged; ``known-failures.json`` holds
cases the engine still gets wrong, asserted to still fail so the list stays honest.
"""

from __future__ import annotations

import json

import pytest

from preserve.repair import repair, undo
from preserve_testdata import TEST_DATA

CASES = TEST_DATA / "repair-cases"


def load(kind: str) -> list:
    params = []
    for path in sorted(CASES.glob("*.json")):
        if (path.stem == "negative") != (kind == "negative") or (path.stem == "known-failures") != (
            kind == "known-failures"
        ):
            continue
        for case in json.loads(path.read_text(encoding="utf-8")):
            params.append(pytest.param(case, id=f"{path.stem}: {case['label']}"))
    return params


@pytest.mark.parametrize("case", load("repairs"))
def test_repair_case(case: dict) -> None:
    result = repair(case["input"])
    assert result.text == case["expected"], case["comment"]
    assert undo(result.text, result.log) == case["input"]


@pytest.mark.parametrize("case", load("negative"))
def test_negative_case_is_left_alone(case: dict) -> None:
    result = repair(case["input"])
    assert result.text == case["input"], case["comment"]
    assert result.log.edits == []


@pytest.mark.parametrize("case", load("known-failures"))
def test_known_failure_still_fails(case: dict) -> None:
    """When one of these starts passing, move it to a repair case file."""
    assert repair(case["input"]).text != case["expected"], case["comment"]


def test_every_case_file_is_well_formed() -> None:
    files = sorted(CASES.glob("*.json"))
    assert {path.stem for path in files} >= {"negative", "known-failures"}
    for path in files:
        for case in json.loads(path.read_text(encoding="utf-8")):
            assert set(case) == {"label", "input", "expected", "comment"}, path.name
