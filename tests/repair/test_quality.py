"""The OCR quality score for triage (issue 9): measures of a text before and after repair."""

from __future__ import annotations

import pytest

from preserve.repair import RepairConfig, repair
from preserve.repair.quality import MAX_TOKENS, assess, measure, quality_of
from preserve_testdata import MAGAZINE_OCR, RAW

CLEAN = "The ship sailed from the harbour at dawn, and the crew sang as it went.\n"


def test_a_clean_text_scores_high_and_garbage_scores_low() -> None:
    check = {"the", "ship", "sailed", "from", "harbour", "at", "dawn", "and", "crew"}.__contains__
    clean = measure(CLEAN, check)
    noisy = measure("Tbe shlp sai1ed frorn tbe harbour ,, at dawn;; wrnth crw\n", check)
    assert clean.garbage == 0.0 and noisy.garbage > 0.3
    assert noisy.known is not None and clean.known is not None and noisy.known < clean.known


@pytest.mark.parametrize(
    ("token", "garbage"),
    [
        ("1st", False),
        ("1840s", False),
        ("10am", False),
        ("A4", False),
        ("BBC", False),
        ("Mr.", False),
        ("etc.,", False),
        ("so...", False),
        ("well-known", False),
        ("“Why?”", False),
        ("—", False),
        ("sh1p", True),
        ("I0l", True),
        ("wrnth", True),
        (",,", True),
        ("end;;", True),
    ],
)
def test_garbage_tokens(token: str, garbage: bool) -> None:
    assert (measure(token).garbage == 1.0) is garbage


def test_line_end_hyphens_are_counted_per_line_and_gone_after_repair() -> None:
    text = (RAW / MAGAZINE_OCR).read_text(encoding="utf-8")
    quality = quality_of(repair(text))
    assert quality.language == "en_US"
    assert quality.before.hyphens > 0.05 and quality.after.hyphens == 0.0
    assert quality.after.known is not None and quality.before.known is not None
    assert quality.after.known > quality.before.known
    record = quality.to_dict()
    assert set(record) == {"score", "language", "before", "after"}
    assert 0 < record["score"] < 1


def test_without_a_dictionary_known_is_none_and_the_score_counts_garbage() -> None:
    quality = assess("a b ,, c", "a b ,, c", None, None)
    assert quality.before.known is None and quality.score == 0.75


def test_a_named_language_is_used_when_there_was_no_choice() -> None:
    result = repair(CLEAN, RepairConfig(language="en_GB"))
    assert quality_of(result).language == "en_GB"
    assert quality_of(result).before.known == 1.0


def test_a_long_text_is_sampled() -> None:
    quality = measure("word " * (3 * MAX_TOKENS))
    assert quality.tokens == MAX_TOKENS
