"""Invariants over arbitrary and OCR-like text: exact undo, idempotence, never raising."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preserve.repair import repair, undo

WORDS = [
    "the",
    "town",
    "massa",
    "cre",
    "helicopter",
    "h",
    "elicopter",
    "T",
    "V",
    "a",
    "I",
    "Survivors",
    "S",
    "urvivors",
    "machine",
    "gun",
    "el",
    "derly",
    "Khan",
    "kendi",
    "THe",
    "eArly",
    "HourS",
    "www.example.org",
    "16",
    "300",
    "400",
    "’s",
    ".. .",
    "-",
    "“Look",
    "below!”",
    "were",
    "killed.",
    "Journalist",
    "said,",
    "fire.",
    "cafÃ©",
    "ﬁne",
    "soft\u00adware",
    "e\u0301",
]

word = st.sampled_from(WORDS)
line = st.one_of(
    st.lists(word, min_size=1, max_size=7).map(" ".join),
    st.lists(word, min_size=1, max_size=5).map(lambda ws: " ".join(ws) + "-"),
    st.lists(word, min_size=1, max_size=3).map(lambda ws: "      " + " ".join(ws)),
    st.lists(word, min_size=12, max_size=20).map(" ".join),
    st.sampled_from(["", "", " ", "- The same evening", "16 www.example.org", "12", "\t"]),
)
ocr_like = st.lists(line, min_size=0, max_size=40).map("\n".join)
anything = st.text(max_size=400)
lines_of_anything = st.lists(st.text(max_size=30), max_size=30).map("\n".join)

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


KINDS: dict[str, int] = {}


def check(text: str) -> None:
    result = repair(text)
    failed = [note for note in result.log.notes if "rule failed" in note["reason"]]
    assert not failed, failed
    assert undo(result.text, result.log) == text
    record = json.loads(json.dumps(result.to_dict()))
    assert undo(result.text, record) == text
    KINDS[result.kind] = KINDS.get(result.kind, 0) + 1
    again = repair(result.text)
    assert again.text == result.text, (result.kind, again.kind, again.summary())


@SETTINGS
@given(anything)
def test_invariants_on_arbitrary_text(text: str) -> None:
    check(text)


@SETTINGS
@given(lines_of_anything)
def test_invariants_on_arbitrary_lines(text: str) -> None:
    check(text)


@SETTINGS
@given(ocr_like)
def test_invariants_on_ocr_like_text(text: str) -> None:
    check(text)


@settings(max_examples=40, deadline=None)
@given(ocr_like, st.sampled_from(["de_DE", "en_US"]))
def test_invariants_in_another_language(text: str, language: str) -> None:
    from preserve.repair import RepairConfig

    result = repair(text, RepairConfig(language=language))
    assert undo(result.text, result.log) == text
    assert repair(result.text, RepairConfig(language=language)).text == result.text


def test_ocr_like_text_is_mostly_classified_ocr() -> None:
    """The OCR-like strategy really exercises the OCR rules."""
    from hypothesis import find

    sample = find(ocr_like, lambda text: repair(text).kind == "ocr")
    assert repair(sample).kind == "ocr"
