"""The faster whitespace rules find exactly what their plain regular expressions describe."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.repair.config import RepairConfig
from preserve.repair.context import RuleContext
from preserve.repair.edits import Edit, EditLog
from preserve.repair.rules import whitespace
from preserve.repair.rules.whitespace import (
    SPACE_BEFORE_CONTRACTION,
    SPACE_BEFORE_MARK,
    SPACE_BEFORE_PERIOD,
    SPACE_RUN,
    SPLIT_ELLIPSIS,
    TRAILING,
    WHITESPACE_THEN_BREAK,
)

PIECES = st.sampled_from(
    [
        " ",
        "  ",
        "   ",
        "\t",
        "\n",
        "\n\n",
        "\r",
        "\r\n",
        "\u3000",
        "\xa0",
        "\x0c",
        "\x1f",
        "\u2028",
        "word",
        "A",
        "’s",
        ",",
        ";",
        ":",
        "!",
        "?",
        ".",
        "..",
        "'",
        "’",
        "'t",
        "’re",
        "é",
        "7",
        "_",
    ]
)
TEXT = st.lists(PIECES, max_size=40).map("".join)


class _Context(RuleContext):
    def __init__(self, language: str = "en") -> None:
        self.config = RepairConfig(language=language)


def _spans(output: whitespace.RuleOutput) -> list[tuple[int, int, str, str]]:
    return [(edit.start, edit.end, edit.before, edit.after) for edit in output.edits]


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_trailing_whitespace_is_what_the_pattern_finds(text: str) -> None:
    expected = [(m.start(), m.end(), m.group(), "") for m in TRAILING.finditer(text)]
    output = whitespace.strip_trailing_whitespace(text, _Context())
    assert _spans(output) == expected
    log = EditLog()
    log.add_step("strip_trailing_whitespace", output.edits)
    assert log.apply(text) == "\n".join(line.rstrip() for line in text.split("\n"))


def _strip_one_by_one(text: str) -> list[Edit]:
    """The loop the rule had before its edits were made in one comprehension: each line
    end found, its whitespace read back from it."""
    ends = [match.start() for match in WHITESPACE_THEN_BREAK.finditer(text)]
    if text[-1:].isspace() and text[-1] != "\n":
        ends.append(len(text))
    edits = []
    for end in ends:
        start = end - 1
        while start and text[start - 1] != "\n" and text[start - 1].isspace():
            start -= 1
        edits.append(
            Edit(
                "strip_trailing_whitespace",
                start,
                end,
                text[start:end],
                "",
                "whitespace at a line end",
            )
        )
    return edits


@settings(max_examples=1000, deadline=None)
@given(TEXT)
def test_trailing_whitespace_edits_are_the_loops(text: str) -> None:
    assert whitespace.strip_trailing_whitespace(text, _Context()).edits == _strip_one_by_one(text)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_runs_of_spaces_are_what_the_pattern_finds(text: str) -> None:
    expected = [(m.start(), m.end(), m.group(), " ") for m in SPACE_RUN.finditer(text)]
    assert _spans(whitespace.collapse_spaces(text, _Context())) == expected


def _space_before_punctuation(text: str) -> list[int]:
    """Where the rule's patterns match, tried at every position (the slow, plain way)."""
    patterns = [SPACE_BEFORE_CONTRACTION, SPACE_BEFORE_PERIOD, SPLIT_ELLIPSIS, SPACE_BEFORE_MARK]
    found = set()
    for pattern in patterns:
        found.update(match.start() for match in pattern.finditer(text))
    return sorted(found)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_spaces_before_punctuation_are_found_at_every_place(text: str) -> None:
    output = whitespace.remove_space_before_punctuation(text, _Context())
    starts = [edit.start for edit in output.edits]
    # The rule windows each candidate (a space before a mark); every start it takes is one
    # a pattern matches at, and it misses none that a pattern matches at a run's start.
    assert set(starts) <= set(_space_before_punctuation(text))
    runs = [m.start() for m in re.finditer(r"(?<! ) +(?=[,;:!?.'’])", text)]
    assert set(_space_before_punctuation(text)) & set(runs) <= set(starts)
