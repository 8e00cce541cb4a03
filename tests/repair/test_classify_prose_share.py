"""The prose share counted from the NOT_PROSE characters is the one a search per line gives."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.repair.classify import NOT_PROSE, NOT_PROSE_CHARS, _prose_share

PIECES = st.sampled_from(
    [
        " ",
        "  ",
        "\n",
        "\n\n",
        "\t",
        "\r",
        "\xa0",
        "word",
        "Word",
        "a",
        "é",
        ".",
        "7",
        *NOT_PROSE_CHARS,
    ]
)
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=2)), max_size=80).map("".join)


def _prose_share_per_line(text: str) -> float:
    contents = [line for line in map(str.strip, text.split("\n")) if line]
    if not contents:
        return 0.0
    prose = sum(1 for line in contents if line.count(" ") >= 2 and not NOT_PROSE.search(line))
    return prose / len(contents)


@settings(max_examples=1000, deadline=None)
@given(TEXT)
def test_prose_share_counts_what_a_search_per_line_counts(text: str) -> None:
    assert _prose_share(text) == _prose_share_per_line(text)
    contents = [line for line in map(str.strip, text.split("\n")) if line]
    assert _prose_share(text, contents) == _prose_share_per_line(text)


def test_not_prose_chars_are_what_the_pattern_was() -> None:
    before = re.compile(r"[={}<>\[\]_#|\\`~^@]")
    for char in map(chr, range(0x800)):
        assert bool(before.match(char)) == bool(NOT_PROSE.match(char)) == (char in NOT_PROSE_CHARS)
