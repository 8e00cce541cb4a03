"""The OCR quality score for triage (issue 9): measures of a text before and after repair."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.repair import RepairConfig, repair
from preserve.repair.quality import (
    AROUND,
    HYPHEN_BREAK,
    MAX_TOKENS,
    TextQuality,
    _mixed,
    _punctuation_run,
    _share,
    _without_vowel,
    assess,
    measure,
    quality_of,
)
from preserve.repair.vocabulary import HYPHEN_MARKS, line_end_hyphens
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


def _one_token_at_a_time(text: str, check: Callable[[str], bool] | None) -> TextQuality:
    """The measures read plainly: each token judged where it stands, each hyphen break found
    by HYPHEN_BREAK itself, each line looked at."""
    pieces = text.split()
    if len(pieces) > MAX_TOKENS:
        step = len(pieces) / MAX_TOKENS
        pieces = [pieces[int(index * step)] for index in range(MAX_TOKENS)]
    words = known = garbage = 0
    for piece in pieces:
        core = piece.strip(AROUND)
        if core.isalpha():
            if len(core) > 1:
                words += 1
                is_known = check is not None and check(core)
                known += is_known
                if not is_known and _without_vowel(core):
                    garbage += 1
                    continue
            if _punctuation_run(piece):
                garbage += 1
        elif _mixed(core) or _punctuation_run(piece):
            garbage += 1
    breaks = 0
    if any(mark in text for mark in HYPHEN_MARKS) or "=" in text:
        breaks = len(HYPHEN_BREAK["=" in line_end_hyphens(text)].findall(text))
    lines = sum(1 for line in text.split("\n") if not line.isspace() and line)
    return TextQuality(
        tokens=len(pieces),
        words=words,
        known=None if check is None else _share(known, words),
        garbage=_share(garbage, len(pieces)),
        hyphens=_share(breaks, lines),
    )


TOKENS = st.sampled_from(
    ["the", "ship", "sh1p", "xqzt", "BBC", "Mr", "1st", "A4", "10", ",,", "so...", "etc.,",
     "dawn;;", "“Why?”", "-", "a", "é", "frorn", "Zei=", "Zei¬", "mas-", "cre", "I0l", "--",
     "b-", "x="]
)  # fmt: skip
SEPARATORS = st.sampled_from([" ", "\n", " \n", "\n\n", "\t", " \x0c\n", "\u2028"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(TOKENS, SEPARATORS), max_size=40), st.booleans())
def test_measures_are_those_of_one_token_at_a_time(
    tokens: list[tuple[str, str]], with_dictionary: bool
) -> None:
    """Each distinct token judged once, verdicts shared between the two texts, breaks found
    from the hyphen on: the same measures as the plain reading."""
    text = "".join(token + separator for token, separator in tokens)
    check = {"the", "ship", "dawn", "cre", "Why"}.__contains__ if with_dictionary else None
    assert measure(text, check) == _one_token_at_a_time(text, check)
    repaired = text.replace("-\n", "").replace("sh1p", "ship")
    quality = assess(text, repaired, check, "en" if with_dictionary else None)
    assert quality.before == _one_token_at_a_time(text, check)
    assert quality.after == _one_token_at_a_time(repaired, check)


@pytest.mark.parametrize(
    "text",
    [
        "a mas-\nb-\ncre\n",  # the second break shares its letter with the first: not counted
        "Zei=\ntung und Stra=\nße, Ge=\nbiet, a=\nb=\nc\n",
        "1-\nx, -\ny, a-  \n\t b, a\u00ad\nb\n\n\x0c\n",
    ],
)
def test_chained_and_odd_breaks_count_as_one_token_at_a_time(text: str) -> None:
    assert measure(text) == _one_token_at_a_time(text, None)
