"""The quicker readings of the document's vocabulary and layout agree with plain ones."""

from __future__ import annotations

import re
import statistics
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.repair.context import _median
from preserve.repair.rules.headings import DROP_CAP_AFTER_BLANK, DROP_CAP_AT
from preserve.repair.vocabulary import Vocabulary

# Letters of every case and script the patterns tell apart, separators, hyphens at line
# ends (fragments), digits and marks.
CHARACTERS = " \n,;.'’-‐¬_3²½\u0301ÉéĀāΣσЯяǅǄİ日Ⅻ\u00a0\t"
WORDS = ["a", "the", "The", "THE", "tHe", "Kessel", "pass", "PASS", "pAss", "Don't", "İstanbul"]
PIECES = st.sampled_from([*CHARACTERS, *WORDS, " ", " ", "\n\n", "-\n", "pass-\nage"])
TEXTS = st.lists(PIECES, max_size=60).map("".join)


def test_lower_is_idempotent() -> None:
    """restore_small_caps reads the lowercase tables with a word it lowered once: lowering it
    again (as Vocabulary.lowercase does) changes nothing."""
    changed = [
        code for code in range(sys.maxunicode + 1) if chr(code).lower().lower() != chr(code).lower()
    ]
    assert changed == []
    assert "ΣΑΣ".lower().lower() == "ΣΑΣ".lower()  # the one letter lowered by its context


@settings(max_examples=500, deadline=None)
@given(TEXTS, st.lists(st.sampled_from(WORDS), max_size=5))
def test_lowercase_tables_as_lowercase(text: str, asked: list[str]) -> None:
    vocabulary = Vocabulary(text)
    written, fragments = vocabulary.lowercase_tables()
    for word in [*asked, *vocabulary._exact, *vocabulary._fragments]:
        lower = word.lower()
        read = written.get(lower, 0) - fragments.get(lower, 0) if lower.islower() else 0
        assert read == vocabulary.lowercase(word), word


@settings(max_examples=500, deadline=None)
@given(st.lists(st.integers(0, 200), min_size=1, max_size=50))
def test_median_as_statistics(lengths: list[int]) -> None:
    ordered = sorted(lengths)
    assert _median(ordered) == int(statistics.median(ordered))


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_total_as_counted(text: str) -> None:
    vocabulary = Vocabulary(text)
    assert vocabulary.total == sum(vocabulary._exact.values()) - len(vocabulary._fragments)


PARAGRAPH_START = re.compile(r"\n(?=\n)")
PARAGRAPHS = st.lists(
    st.sampled_from(["\n", "\n\n", " ", "\t", "S", "s", "urvivors", "A", "É", "3", "-", "'", "’"]),
    max_size=40,
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(PARAGRAPHS)
def test_drop_caps_found_as_read(text: str) -> None:
    """fix_drop_caps finds drop caps with one search: the same as DROP_CAP_AT tried at
    every paragraph start."""
    starts = [0] + [newline.end() + 1 for newline in PARAGRAPH_START.finditer(text)]
    as_read = [
        (match.span(1), match.span(2))
        for match in filter(None, (DROP_CAP_AT.match(text, start) for start in starts))
    ]
    first = DROP_CAP_AT.match(text)
    found = ([first] if first else []) + list(DROP_CAP_AFTER_BLANK.finditer(text))
    assert [(match.span(1), match.span(2)) for match in found] == as_read
