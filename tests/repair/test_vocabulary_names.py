"""The document vocabulary's quicker forms agree with plain readings of what they count."""

from __future__ import annotations

import itertools
import re
from collections import Counter

from hypothesis import example, given, settings
from hypothesis import strategies as st

from preserve.repair.context import _wrapped_lines
from preserve.repair.vocabulary import MID_SENTENCE_WORD, WORD, Names, Vocabulary

PREVIOUS_WORD = re.compile(r"([^\W\d_]+)[ \n]\Z")

# Letters of every case and script the patterns tell apart, the separators they look at,
# digits (decimal and not), marks, and long words (past the 40-character window).
CHARACTERS = " \n,;.'’-‐¬_3²½\u0301ÉéĀāΣσЯяǅǄİ日Ⅻ\u00a0\t"
WORDS = ["a", "the", "Kessel", "Pass", "PASS", "pAss", "O'Brien", "Don't", "I", "A"]
PIECES = st.sampled_from(
    [*CHARACTERS, *WORDS, " ", " ", "\n\n", "-\n", "x" * 45, "Long" + "w" * 40, "zzQ" + "q" * 38]
)
TEXTS = st.lists(PIECES, max_size=60).map("".join)


def names_as_read(text: str) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """:class:`Names` as first written: every word and pair counted, with a search for
    the word before each name."""
    names: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    prose: dict[int, bool] = {}
    for match in MID_SENTENCE_WORD.finditer(text):
        word = match.group()
        if not word.istitle():
            continue
        start = match.start()
        line = text.rfind("\n", 0, start) + 1
        is_prose = prose.get(line)
        if is_prose is None:
            end = text.find("\n", start)
            words = text[line : end if end >= 0 else len(text)].split()
            capitals = sum(1 for token in words if token[0].isupper())
            is_prose = prose[line] = capitals * 2 <= len(words)
        if not is_prose:
            continue
        lower = word.lower()
        names[lower] += 1
        before = PREVIOUS_WORD.search(text, max(0, start - 40), start)
        if before is not None and before.group(1).istitle():
            pairs[(before.group(1).lower(), lower)] += 1
    return names, pairs


@settings(max_examples=1000, deadline=None)
@given(TEXTS)
@example("the zzQ" + "q" * 38 + " Kessel pass")  # the word before, cut by the window
def test_names_and_pairs_as_read(text: str) -> None:
    names = Names(text)
    expected_names, expected_pairs = names_as_read(text)
    words = {word.lower() for word in WORD.findall(text)} | set(expected_names)
    for word in words:
        assert names.count(word) == expected_names[word], word
    for first, second in {*itertools.product(words, repeat=2), *expected_pairs}:
        assert names.pairs(first, second) == expected_pairs[(first, second)], (first, second)
    # words() holds every word with a count or ending a pair (restore_small_caps asks no other)
    assert set(expected_names) | {second for _first, second in expected_pairs} <= set(names.words())


def test_lower_changes_only_capital_and_title_case_letters() -> None:
    """What Vocabulary._fold relies on to skip the words ``str.islower`` accepts."""
    changed = [
        code
        for code in range(0x110000)
        if chr(code).lower() != chr(code) and not (chr(code).isupper() or chr(code).istitle())
    ]
    assert changed == []


def fold_as_read(vocabulary: Vocabulary) -> dict[str, int]:
    """Vocabulary._fold as first written: every word lowered."""
    exact = vocabulary._exact
    folded: dict[str, int] = {}
    for written in exact:
        key = written.lower()
        if key != written:
            folded[key] = folded.get(key, 0) + exact[written]
    for fragment in vocabulary._fragments:
        key = fragment.lower()
        folded[key] = folded.get(key, 0) - 1
    return folded


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_fold_as_read(text: str) -> None:
    vocabulary = Vocabulary(text)
    assert vocabulary._fold() == fold_as_read(vocabulary)


def wrapped_lines_as_read(lines: list[str], full: int) -> tuple[int, int]:
    """_wrapped_lines as first written: every next word split out."""
    needs = [
        len(line) + 1 + len(following.split(None, 1)[0])
        for line, following in itertools.pairwise(lines)
        if following[:1].islower() and line[-1:] not in "-‐¬"
    ]
    return len(needs), sum(map(full.__lt__, needs))


LINES = st.lists(
    st.lists(st.sampled_from(["a", "one", "three", "Seven", "x-", "¬", "\t", "\u00a0"]), max_size=8)
    .map(" ".join)
    .map(str.strip),
    min_size=0,
    max_size=40,
)


@settings(max_examples=500, deadline=None)
@given(LINES, st.integers(0, 30))
def test_wrapped_lines_as_read(lines: list[str], full: int) -> None:
    assert _wrapped_lines(lines, full) == wrapped_lines_as_read(lines, full)
