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
import operator
import re
from itertools import repeat

from preserve.repair.context import (
    CLOSERS,
    SENTENCE_MARKS,
    RuleContext,
    RuleOutput,
    ends_sentence,
)
from preserve.repair.edits import Edit
from preserve.repair.rules.layout import soup_line

TURN = re.compile(r"[-–—]\s+\S")
"""A line opening a new turn of an interview or dialogue."""
OPENERS = "\"'“‘«„‚([-–—"


DASHES = "-–—"


_SIMPLE_FIRST = "".join(
    re.escape(char)
    for char in map(chr, range(0x21, 0x7F))
    if not char.isupper() and char not in OPENERS
)
"""ASCII characters a line can start with that are neither a capital, nor a dash, nor an
opening mark (a small class: a line starting with anything else is looked at closely)."""
SIMPLE_BREAK = re.compile(rf"\n(?<=\S\n)(?=[{_SIMPLE_FIRST}])")
"""A line break between two lines of text where the next line starts in lowercase, with a
digit or with closing punctuation: inside a paragraph whatever the line before says. Most
gaps are these; they are joined without looking further."""
OTHER_BREAK = re.compile(rf"\n(?:(?<!\S\n)|(?![{_SIMPLE_FIRST}]))\s*(?=\S)")
"""Every other line break, with the whitespace up to the next non-blank line's first
character. With the whitespace before it back to the line's last character, it is the
*gap* :func:`_decide` rules on: a space inside a paragraph, a blank line between two.
(Both are found from the newline, a literal the engine skips to quickly.)"""


def reflow_paragraphs(text: str, context: RuleContext) -> RuleOutput:
    """Join the lines of each paragraph with one space; separate paragraphs by a blank line."""
    output = RuleOutput()
    rule = "reflow_paragraphs"
    short = context.config.short_line_ratio * context.column_width(text)
    room = context.room_width(text)
    joined = context.joined_line_starts
    starts = joined[1] if joined is not None and joined[0] == len(text) else []
    first_content = len(text) - len(text.lstrip())
    if first_content < len(text):
        line_start = text.rfind("\n", 0, first_content) + 1
        if first_content > line_start:
            output.edit(rule, text, line_start, first_content, "", "indentation of a paragraph")
    # Most gaps join two lines of a paragraph: found by one search and joined as they are,
    # their edits made by C-level maps (a hundred a page; a comprehension costs twice this).
    simple = list(map(_START_OF, SIMPLE_BREAK.finditer(text)))
    edits = list(
        map(
            _TUPLE_NEW,
            repeat(Edit),
            zip(
                repeat(rule),
                simple,
                map(_NEXT, simple),
                repeat("\n"),
                repeat(" "),
                repeat(_SAME),
                repeat(1.0),
            ),
        )
    )
    block = first_content  # where the block of lines the gap ends began
    for found in OTHER_BREAK.finditer(text):
        end, begin = found.span()
        while end and text[end - 1].isspace():
            end -= 1
        if not end:
            continue  # blank lines before the first line
        gap = text[end:begin]
        first = text[begin]
        blanks = gap.count("\n") - 1
        if (
            not blanks
            and first not in DASHES
            and not ((first.isupper() or first in OPENERS) and _ends_sentence_at(text, end))
        ):
            # What _decide would say, without its work.
            if gap != " ":
                edits.append(_TUPLE_NEW(Edit, (rule, end, begin, gap, " ", _SAME, 1.0)))
            continue
        if blanks == 1 and gap == "\n\n" and _ends_sentence_at(text, end):
            # After a finished sentence _decide finds a paragraph break (a new turn, a
            # deck, or a plain one), never doubtfully enough for a note; and the gap is
            # already one blank line. Half of the blank lines are these.
            block = begin
            continue
        line_start = text.rfind("\n", 0, end) + 1
        before = text[line_start:end].lstrip()
        line_end = text.find("\n", begin)
        content = text[begin : line_end if line_end >= 0 else len(text)].rstrip()
        # A line the hyphen rule made by joining two is measured from where its last
        # part began: that is the line the typesetter set.
        at = bisect.bisect_right(starts, end) - 1
        last_part = before
        if at >= 0 and end - starts[at] < len(before):
            last_part = before[len(before) - (end - starts[at]) :]
        block_lines = text.count("\n", block, end) + 1 if blanks else 1  # read only then
        paragraph, reason, confidence = _decide(
            before, content, blanks > 0, short, block_lines, room, last_part
        )
        wanted = "\n\n" if paragraph else " "
        if gap != wanted:
            edits.append(_TUPLE_NEW(Edit, (rule, end, begin, gap, wanted, reason, confidence)))
        if paragraph and confidence < 0.7:
            output.note(text, end, begin, reason)
        if blanks:
            block = begin
    edits.sort(key=_START_OF_EDIT)
    output.edits += edits
    return output


_START_OF = re.Match.start
_NEXT = (1).__add__
_START_OF_EDIT = operator.itemgetter(1)
_SAME = "lines of one paragraph"
_TUPLE_NEW = tuple.__new__


def _ends_sentence_at(text: str, end: int) -> bool:
    """:func:`ends_sentence` of the line whose content ends at ``end`` (read backwards)."""
    index = end - 1
    while index >= 0 and text[index] in CLOSERS:
        index -= 1
    return index >= 0 and text[index] in SENTENCE_MARKS


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
    going_on = first.islower()
    if first in "-–—":
        turn = TURN.match(after)
        # A turn opens a sentence. A dash of punctuation (en or em, not the hyphen that
        # also marks items of lists) going on in lowercase after a word or a comma is
        # the sentence's own (``again⏎— to open, to close``), set at the start of a line
        # by the wrapping; after a colon or another dashed line it is an item of a list.
        going_on = (
            turn is not None
            and first != "-"
            and after[turn.end() - 1].islower()
            and (before[-1].isalnum() or before[-1] == ",")
            and before[0] not in DASHES
        )
        if turn and not going_on:
            return True, "a new turn of the interview starts a paragraph", 0.9

    if not blank:
        if ends_sentence(before) and (first.isupper() or first in OPENERS):
            if soup_line(before) != soup_line(after):
                # A deck's last line, then the body with no blank line between (or the
                # other way round): the setting changes, so does the paragraph.
                return True, "small caps (a deck) on one side only: its own paragraph", 0.8
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
    if going_on and not ends_sentence(before):
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
