"""The fast reflow rules on every gap between lines exactly as the plain reading does.

The plain reading takes each run of whitespace holding a line break, between two lines
of text, and asks ``_decide`` about it; the rule itself finds most gaps with patterns and
settles them without asking (see ``SIMPLE_BREAK`` and ``OTHER_BREAK``).
"""

from __future__ import annotations

import bisect
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.repair.config import RepairConfig
from preserve.repair.context import RuleContext
from preserve.repair.edits import Edit
from preserve.repair.rules import reflow

WORDS = st.lists(
    st.sampled_from(["word", "go", "The", "ThE", "éclair", "Ébène", "42", "a", "ON"]),
    min_size=1,
    max_size=5,
).map(" ".join)
OPENINGS = st.sampled_from(["", "", "", "“", "(", "- ", "— ", "–", "\t", "  ", "\x0c"])
ENDINGS = st.sampled_from(
    ["", "", "", ".", "!", "…", ".”", '."', "?’)", ".”)»", ".’”)", ",", ";", ":", "-", " "]
)
LINE = st.tuples(OPENINGS, WORDS, ENDINGS).map("".join)
BREAKS = st.sampled_from(["\n", "\n", "\n", "\n\n", "\n\n", " \n", "\n ", "\n \n", "\n\n\n"])
TEXT = st.tuples(
    st.sampled_from(["", "", "\n", "\n\n", "  "]),
    st.lists(st.tuples(LINE, BREAKS).map("".join), max_size=25).map("".join),
    st.sampled_from(["", "word", "The end."]),
).map("".join)
"""Lines of a few words, opening and ending every way the rule tells apart, with line
breaks, blank lines and stray whitespace between them."""
RUN = re.compile(r"\s+")


def plain_reflow(text: str, context: RuleContext, starts: list[int]) -> list[tuple]:
    """Every gap asked about in turn: the edits and notes the rule should make."""
    short = context.config.short_line_ratio * context.column_width(text)
    room = context.room_width(text)
    found: list[tuple] = []
    first_content = len(text) - len(text.lstrip())
    if first_content < len(text):
        line_start = text.rfind("\n", 0, first_content) + 1
        if first_content > line_start:
            found.append(("edit", line_start, first_content, "", "indentation of a paragraph"))
    block = first_content
    headings = dict.fromkeys(reflow.heading_breaks(text), reflow._HEADING)
    for at in reflow._short_lines_before_capitals(text, starts, room):
        headings.setdefault(at, reflow._SHORT_HEADING)
    for run in RUN.finditer(text):
        end, begin = run.span()
        if not end or begin == len(text) or "\n" not in run.group():
            continue
        gap = run.group()
        if end in headings:  # a heading in capitals, a table row: a paragraph of its own
            if gap != "\n\n":
                found.append(("edit", end, begin, "\n\n", headings[end], 0.8))
            if gap.count("\n") > 1:
                block = begin
            continue
        line_start = text.rfind("\n", 0, end) + 1
        before = text[line_start:end].lstrip()
        line_end = text.find("\n", begin)
        content = text[begin : line_end if line_end >= 0 else len(text)].rstrip()
        at = bisect.bisect_right(starts, end) - 1
        last_part = before
        if at >= 0 and end - starts[at] < len(before):
            last_part = before[len(before) - (end - starts[at]) :]
        blank = gap.count("\n") > 1
        lines = text.count("\n", block, end) + 1
        paragraph, reason, confidence = reflow._decide(
            before, content, blank, short, lambda lines=lines: lines, room, last_part
        )
        wanted = "\n\n" if paragraph else " "
        if gap != wanted:
            found.append(("edit", end, begin, wanted, reason, confidence))
        if paragraph and confidence < 0.7:
            found.append(("note", end, begin, reason))
        if blank:
            block = begin
    return found


def rule_reflow(text: str, context: RuleContext) -> list[tuple]:
    output = reflow.reflow_paragraphs(text, context)
    found: list[tuple] = []
    for edit in output.edits:
        assert isinstance(edit, Edit)
        assert edit.before == text[edit.start : edit.end]
        if edit.reason == "indentation of a paragraph":
            found.append(("edit", edit.start, edit.end, edit.after, edit.reason))
        else:
            found.append(("edit", edit.start, edit.end, edit.after, edit.reason, edit.confidence))
    found += [("note", start, end, reason) for start, end, _before, reason in output.notes]
    return found


def _order(item: tuple) -> tuple:
    return (item[1], item[0])


@settings(max_examples=600, deadline=None)
@given(TEXT, st.data(), st.integers(0, 12))
def test_reflow_agrees_with_the_plain_reading(text: str, data: st.DataObject, column: int) -> None:
    context = RuleContext(RepairConfig())
    if column:
        # a column width of the test's choosing (and the widths measured from it)
        context._column = column
        context._full = column + 2 if column > 6 else 0
        context._room = 0.8 * context._full
    # where the hyphen rule joined lines: near line starts, as it leaves them
    near = [match.end() + shift for match in re.finditer("\n", text) for shift in (0, 1, 2, 3)]
    starts = sorted(set(data.draw(st.lists(st.sampled_from(near), max_size=6)))) if near else []
    context.joined_line_starts = (len(text), starts)
    want = sorted(plain_reflow(text, context, starts), key=_order)
    assert sorted(rule_reflow(text, context), key=_order) == want
