"""The document vocabulary's quicker forms agree with plain readings of what they count."""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import example, given, settings
from hypothesis import strategies as st

from preserve.repair.context import MID_SENTENCE_WORD, _names

PREVIOUS_WORD = re.compile(r"([^\W\d_]+)[ \n]\Z")

# Letters of every case and script the patterns tell apart, the separators they look at,
# digits (decimal and not), marks, and long words (past the 40-character window).
PIECES = st.sampled_from(
    [
        " ",
        " ",
        " ",
        "\n",
        "\n\n",
        ",",
        ";",
        ".",
        "'",
        "’",
        "-",
        "_",
        "3",
        "²",
        "½",
        "\u0301",
        "a",
        "the",
        "Kessel",
        "Pass",
        "PASS",
        "pAss",
        "O'Brien",
        "Don't",
        "É",
        "é",
        "Ā",
        "ā",
        "Σ",
        "σ",
        "Я",
        "я",
        "ǅ",
        "İ",
        "日",
        "Ⅻ",
        "x" * 45,
        "Long" + "w" * 40,
        "zzQ" + "q" * 38,
        "I",
        "A",
        "\u00a0",
        "\t",
    ]
)
TEXTS = st.lists(PIECES, max_size=60).map("".join)


def names_as_read(text: str) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """:func:`_names` as first written: a search for the word before each name."""
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


@settings(max_examples=3000, deadline=None)
@given(TEXTS)
@example("the zzQ" + "q" * 38 + " Kessel pass")  # the word before, cut by the window
def test_names_and_pairs_as_read(text: str) -> None:
    names, pairs = _names(text)
    expected_names, expected_pairs = names_as_read(text)
    assert names == dict(expected_names)
    assert pairs == dict(expected_pairs)
