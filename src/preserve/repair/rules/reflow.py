"""Reflow OCR lines into paragraphs: one paragraph per line, one blank line between them.

A blank line inside an open sentence followed by a lowercase word is a column break, not
a paragraph. A new paragraph can start without a blank line: a new interview turn
(``- The…``), or after a short last line that ends a sentence.

>>> from preserve.repair.context import preview
>>> print(preview(reflow_paragraphs, "We flew over the\\ntown twice\\n\\nfive times a day.\\n"
...               "- What did the\\nauthorities do?\\n\\nThe same evening\\n"))
We flew over the town twice five times a day.
<BLANKLINE>
- What did the authorities do?
<BLANKLINE>
The same evening
<BLANKLINE>
"""

from __future__ import annotations

import bisect
import re

from preserve.repair.context import RuleContext, RuleOutput, ends_sentence
from preserve.repair.rules.layout import soup_line

TURN = re.compile(r"[-–—]\s+\S")
"""A line opening a new turn of an interview or dialogue."""
OPENERS = "\"'“‘«„‚([-–—"


def reflow_paragraphs(text: str, context: RuleContext) -> RuleOutput:
    """Join the lines of each paragraph with one space; separate paragraphs by a blank line."""
    output = RuleOutput()
    rule = "reflow_paragraphs"
    short = context.config.short_line_ratio * context.column_width(text)
    room = context.room_width(text)
    joined = context.joined_line_starts
    starts = joined[1] if joined is not None and joined[0] == len(text) else []
    previous: tuple[int, str] | None = None  # (end of content, content) of the last line
    previous_ends = False  # does the last line end a sentence?
    blanks = 0
    block_lines = 0  # lines in the block the previous line belongs to
    next_start = 0
    for line in text.split("\n"):
        line_start = next_start
        next_start += len(line) + 1
        content = line.strip()
        if not content:
            blanks += 1
            continue
        begin = line_start + line.find(content[0])  # past the indentation
        first = content[0]
        if previous is None:
            if begin > line_start:
                output.edit(rule, text, line_start, begin, "", "indentation of a paragraph")
        elif (
            not blanks
            and first not in "-–—"
            and not (previous_ends and (first.isupper() or first in OPENERS))
        ):
            # Most lines: what _decide would say, without its work.
            end = previous[0]
            if text[end:begin] != " ":
                output.edit(rule, text, end, begin, " ", "lines of one paragraph")
        else:
            end, before = previous
            # A line the hyphen rule made by joining two is measured from where its last
            # part began: that is the line the typesetter set.
            at = bisect.bisect_right(starts, end) - 1
            last_part = before
            if at >= 0 and end - starts[at] < len(before):
                last_part = before[len(before) - (end - starts[at]) :]
            paragraph, reason, confidence = _decide(
                before, content, blanks > 0, short, block_lines, room, last_part
            )
            wanted = "\n\n" if paragraph else " "
            if text[end:begin] != wanted:
                output.edit(rule, text, end, begin, wanted, reason, confidence)
            if paragraph and confidence < 0.7:
                output.note(text, end, begin, reason)
        previous = (line_start + len(line.rstrip()), content)
        previous_ends = ends_sentence(content)
        block_lines = 1 if blanks or block_lines == 0 else block_lines + 1
        blanks = 0
    return output


def _decide(
    before: str,
    after: str,
    blank: bool,
    short: float,
    block_lines: int = 1,
    room: float = 0,
    last_part: str | None = None,
) -> tuple[bool, str, float]:
    """Is there a paragraph break between line ``before`` and line ``after``?"""
    first = after[0]
    if first in "-–—" and TURN.match(after):
        return True, "a new turn of the interview starts a paragraph", 0.9
    if not blank:
        if ends_sentence(before) and (first.isupper() or first in OPENERS):
            length = len(last_part if last_part is not None else before)
            if length < short:
                return True, "a short last line ends the sentence: new paragraph", 0.8
            if room and length + 1 + len(after.split()[0]) < room:
                return (
                    True,
                    (
                        "the sentence ends with room left on the line for the next "
                        "word: the wrapping did not break it, a paragraph ends"
                    ),
                    0.75,
                )
        return False, "lines of one paragraph", 1.0
    if soup_line(after) != soup_line(before):
        return True, "small caps (a deck) on one side only: its own paragraph", 0.8
    if first.islower() and not ends_sentence(before):
        return False, "column break inside a sentence (next line goes on in lowercase)", 0.9
    if before.endswith((",", ";")) and not first.isdigit():
        return False, "column break after a comma", 0.8
    if (
        block_lines >= 3
        and (before[-1].isalpha() or before[-1] == ",")
        and before.split()[-1].islower()
        and (first.isupper() or first.isdigit())
    ):
        return False, "column break: a paragraph of running text cannot end mid-sentence", 0.7
    if not ends_sentence(before) and not before.endswith(":"):
        return (
            True,
            (
                "sentence open before a blank line but the next line starts with "
                f"{first!r}: kept as a paragraph break"
            ),
            0.5,
        )
    return True, "paragraph break", 1.0
