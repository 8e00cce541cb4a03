"""The line table agrees with a plain reading of a text's lines, line by line."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.repair.config import RepairConfig
from preserve.repair.rules.furniture import MAX_CAPTION_LINES
from preserve.repair.rules.interruptions import find_interruptions
from preserve.repair.rules.lines import LineTable

LINES = [
    "",
    "",
    "",
    "",
    "",
    "",
    "  ",
    "\t",
    "the river ran on and",
    "and then they went",
    "went on in lowercase",
    "Photo Jane Doe",
    "were killed.",
    "It was late.",
    "Smith Archive",
    "12 www.example.org",
    "    an indented quote line",
    "\u201cAll of them are counting on",
    "those who do.\u201d",
    "ClOSIng brAnCH lIbrArIeS wOUld SAve THe COUnCIl A lITTle MOney THIS yeAr",
    "TOwn fAr MOre In THe yeArS TO COMe.",
    " towns in the region have done",
    "a word hyph-",
    "Illustration: Tomasz Delacroix",
    "A much wider line than the usual column width of the body text appears here",
    "\u3000\x0cwhite\rspace\u2028 ",
]
LINE = st.sampled_from(LINES)
TEXTS = st.lists(st.one_of(LINE, LINE, LINE, st.text(max_size=12)), min_size=20, max_size=80).map(
    "\n".join
)
"""Mostly lines of OCR'd pages (body, blank, captions, decks, quotes), some of any text."""


class Line:
    """One line read the plain way: where it starts and ends, its text, its text without
    the whitespace around it, its indentation."""

    def __init__(self, start: int, raw: str) -> None:
        self.start, self.raw, self.end = start, raw, start + len(raw)
        self.content = raw.strip()
        self.indent = raw.find(self.content[0]) if self.content else len(raw)
        self.blank = not self.content


def parse_lines(text: str) -> list[Line]:
    lines, position = [], 0
    for raw in text.split("\n"):
        lines.append(Line(position, raw))
        position += len(raw) + 1
    return lines


@given(st.text())
def test_columns_agree_with_lines(text: str) -> None:
    table = LineTable(text)
    lines = parse_lines(text)
    assert len(table) == len(lines)
    assert table.contents == [line.content for line in lines]
    assert table.indents == [line.indent for line in lines]
    assert list(table.filled) == [not line.blank for line in lines]
    assert [table.start(i) for i in range(len(lines))] == [line.start for line in lines]
    assert [table.end(i) for i in range(len(lines))] == [line.end for line in lines]
    assert table.alone() == [
        i
        for i, line in enumerate(lines)
        if not line.blank
        and (i == 0 or lines[i - 1].blank)
        and (i + 1 == len(lines) or lines[i + 1].blank)
    ]


@settings(max_examples=300)
@given(TEXTS, st.sets(st.integers(0, 80), max_size=4), st.sampled_from([8, 20, 40]))
def test_longest_block_leaves_out_only_longer_blocks(
    text: str, gone: set[int], column: int
) -> None:
    config = RepairConfig()
    table = LineTable(text)
    every = list(find_interruptions(table, set(gone), column, config))
    short = list(find_interruptions(table, set(gone), column, config, 0, MAX_CAPTION_LINES))

    def longest(first: int, last: int) -> int:
        run = most = 0
        for index in range(first, last + 1):
            run = run + 1 if table.contents[index] and index not in gone else 0
            most = max(most, run)
        return most

    assert short == [cut for cut in every if longest(cut[0], cut[1]) <= MAX_CAPTION_LINES]


def test_a_quotation_narrated_on_is_body_text_not_a_pull_quote() -> None:
    """After a sentence, a quotation closed inside its line and narrated on ('," said Dr')
    belongs to the body: only the deck under it cuts the sentence."""
    text = "\n".join(
        [
            "the town paid for it again when",
            "the water rose, and no dam was ever built.",
            "",
            '"The plans were on the table',
            'for fifteen years," said Dr',
            "",
            "THree DAyS of rAIn SenT THe rIver olM over ITS bAnKS.",
            "Jonas Weil, a hydrologist at the",
            "university, who has studied it.",
        ]
    )
    cuts = list(find_interruptions(LineTable(text), set(), 30, RepairConfig(), 30))
    assert cuts == [(6, 6, 7, False)]
