"""strip_trailing_whitespace, its edits made in one comprehension, makes the edits the
plain loop over the line ends made (whitespace of every kind, runs of it, at the edges)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.repair.config import RepairConfig
from preserve.repair.context import RuleContext
from preserve.repair.edits import Edit
from preserve.repair.rules.whitespace import WHITESPACE_THEN_BREAK, strip_trailing_whitespace

PIECES = st.sampled_from(
    [
        " ",
        "  ",
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
        "’",
        "é",
        "7",
    ]
)
TEXT = st.lists(PIECES, max_size=40).map("".join)


class _Context(RuleContext):
    def __init__(self) -> None:
        self.config = RepairConfig()


def _strip_one_by_one(text: str) -> list[Edit]:
    """The loop the rule had: each line end found, its whitespace read back from it."""
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
def test_strip_makes_the_edits_of_the_loop(text: str) -> None:
    assert strip_trailing_whitespace(text, _Context()).edits == _strip_one_by_one(text)
