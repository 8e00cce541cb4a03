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
from collections.abc import Callable, Iterator
from functools import partial
from itertools import accumulate, repeat

from preserve.repair.context import (
    CLOSERS,
    SENTENCE_MARKS,
    RuleContext,
    RuleOutput,
    ends_sentence,
)
from preserve.repair.edits import Edit
from preserve.repair.rules.furniture import capitals_line, table_lines
from preserve.repair.rules.headings import CASE_CODES, MAYBE_SOUP, soup_line
from preserve.repair.rules.interruptions import TURN_OPENS

OPENERS = "\"'“‘«„‚([-–—"


DASHES = "-–—"


_SIMPLE_FIRST = "".join(
    re.escape(char)
    for char in map(chr, range(0x21, 0x7F))
    if not char.isupper() and char not in OPENERS
)
"""ASCII characters a line can start with that are neither a capital, nor a dash, nor an
opening mark (a small class: a line starting with anything else is looked at closely)."""
_PLAIN_LAST = "".join(map(re.escape, SENTENCE_MARKS + CLOSERS))
"""What a line that surely leaves its sentence open cannot end with (besides whitespace)."""
_MARK = f"[{re.escape(SENTENCE_MARKS)}]"
_CLOSER = f"[{re.escape(CLOSERS)}]"
_DASH = re.escape(DASHES)
_AFTER_SENTENCE_END = (
    f"(?:(?<={_MARK}\\n)|(?<={_MARK}{_CLOSER}\\n)|(?<={_MARK}{_CLOSER}{_CLOSER}\\n))"
)
"""Just after the line break of a line ending a sentence (closed by up to two closers: a
look-behind has a fixed width; a line with more is looked at in Python)."""
SIMPLE_BREAK = re.compile(
    rf"\n(?:(?<=\S\n)(?=[{_SIMPLE_FIRST}])|(?<=[^\s{_PLAIN_LAST}]\n)(?=[^\s{_DASH}]))"
)
"""A line break between two lines of text where the next line starts in lowercase, with a
digit or with closing punctuation, or where the line before ends with neither a sentence
mark nor a closer (its sentence goes on) and the next line does not start with a dash:
inside a paragraph whatever else the lines say. Most gaps are these; they are joined
without looking further."""
OTHER_BREAK = re.compile(
    rf"\n(?:(?<![\S\n]\n)|(?<=\S\n)(?![{_SIMPLE_FIRST}])(?!(?<=[^\s{_PLAIN_LAST}]\n)[^\s{_DASH}])"
    rf"(?!{_AFTER_SENTENCE_END}\n(?=\S)))\s*(?=\S)"
)
"""Every other line break, with the whitespace up to the next non-blank line's first
character, but for one blank line after a sentence's end (a paragraph break, already as
reflow leaves it: half of the blank lines are these). With the whitespace before it back
to the line's last character, it is the *gap* :func:`_decide` rules on: a space inside a
paragraph, a blank line between two. A gap is found from its first line break only (a
line break after another is inside a gap: the one left out above is not found from its
second). (Both patterns start from the newline, a literal the engine skips to quickly.)"""


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
    headings = dict.fromkeys(heading_breaks(text), _HEADING)
    for at in _short_lines_before_capitals(text, starts, room):
        headings.setdefault(at, _SHORT_HEADING)
    if headings:
        edits_at_headings = [
            _TUPLE_NEW(Edit, (rule, at, at + 1, "\n", "\n\n", headings[at], 0.8))
            for at in simple
            if at in headings
        ]
        simple = [at for at in simple if at not in headings]
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
    if headings:
        edits += edits_at_headings
    for found in OTHER_BREAK.finditer(text):
        end, begin = found.span()
        while end and text[end - 1].isspace():
            end -= 1
        if not end:
            continue  # blank lines before the first line
        gap = text[end:begin]
        if end in headings:
            if gap != "\n\n":
                edits.append(_TUPLE_NEW(Edit, (rule, end, begin, gap, "\n\n", headings[end], 0.8)))
            continue
        first = text[begin]
        blank = gap.count("\n") > 1
        if not blank and first not in DASHES:
            # What _decide would say, without its work (a gap holding a line break is
            # never the one space wanted inside a paragraph, nor a blank line).
            if not ((first.isupper() or first in OPENERS) and _ends_sentence_at(text, end)):
                edits.append(_TUPLE_NEW(Edit, (rule, end, begin, gap, " ", _SAME, 1.0)))
                continue
            # A sentence ends at the line end and the next line may start one: a
            # paragraph ends if the setting changes (small caps on one side only), if
            # the line is short, or if it had room for the next word.
            line_start = text.rfind("\n", 0, end) + 1
            length = _typeset_length(text, line_start, end, starts)
            line_end = text.find("\n", begin)
            if line_end < 0:
                line_end = len(text)
            if MAYBE_SOUP.search(text, line_start, line_end) is not None and soup_line(
                text[line_start:end].strip()
            ) != soup_line(text[begin:line_end].strip()):
                reason, confidence = _DECK, 0.8
            elif length < short:
                reason, confidence = _SHORT, 0.8
            elif room and length + 1 + _first_word_length(text, begin) < room:
                reason, confidence = _ROOM, 0.75
            elif _new_speaker(text[end - 2 : end], text[begin : begin + 2]):
                reason, confidence = _SPEAKER, 0.7
            else:
                edits.append(_TUPLE_NEW(Edit, (rule, end, begin, gap, " ", _SAME, 1.0)))
                continue
            edits.append(_TUPLE_NEW(Edit, (rule, end, begin, gap, "\n\n", reason, confidence)))
            continue
        ended = _ends_sentence_at(text, end)
        if blank and gap == "\n\n" and ended:
            # After a finished sentence _decide finds a paragraph break (a new turn, a
            # deck, or a plain one), never doubtfully enough for a note; and the gap is
            # already one blank line. (OTHER_BREAK leaves out most of these.)
            continue
        line_start = text.rfind("\n", 0, end) + 1
        line_end = text.find("\n", begin)
        if line_end < 0:
            line_end = len(text)
        if (
            blank
            and not ended
            and first.islower()
            and MAYBE_SOUP.search(text, line_start, line_end) is None
        ):
            # A column break inside a sentence, as _decide finds it, without its work:
            # neither line can be small caps, since one search of the two finds no
            # letter inside a word that is not lowercase. Most blank lines left are these.
            edits.append(_TUPLE_NEW(Edit, (rule, end, begin, gap, " ", _COLUMN_BREAK, 0.9)))
            continue
        before = text[line_start:end].lstrip()
        content = text[begin:line_end].rstrip()
        last_part = before[len(before) - _typeset_length(text, line_start, end, starts) :]
        paragraph, reason, confidence = _decide(
            before, content, blank, short, partial(_block_lines, text, end), room, last_part
        )
        wanted = "\n\n" if paragraph else " "
        if gap != wanted:
            edits.append(_TUPLE_NEW(Edit, (rule, end, begin, gap, wanted, reason, confidence)))
        if paragraph and confidence < 0.7:
            output.note(text, end, begin, reason)
    edits.sort(key=_START_OF_EDIT)
    output.edits += edits
    return output


def heading_breaks(text: str) -> set[int]:
    """Where a line set in capitals (a headline, a case title, a dateline on its own) meets
    a line that is not, and around each row of a table or entry of a contents list
    (:func:`~preserve.repair.rules.furniture.table_lines`): the ends of the lines before
    those gaps.

    Capitals are the print's own setting of a heading; where the setting changes, so does
    the paragraph, as for a deck in small caps. Lines in capitals one after another are one
    heading.

    >>> text = "the pests.\\n14 KILLED, 30 HURT IN\\nFRENCH TRAIN WRECKF\\nPAR1S, June 2. - Four"
    >>> sorted(heading_breaks(text))
    [10, 52]
    """
    capitals: list[tuple[int, int]] = []  # (start, end) of each line in capitals
    for start, end in _lines_with_two_capitals(text):
        if capitals_line(text[start:end]):
            capitals.append((start, start + len(text[start:end].rstrip())))
    breaks: set[int] = set()
    ends = {end for _, end in capitals}
    starts = {start for start, _ in capitals}
    for start, end in capitals:
        previous = _previous_content_end(text, start)
        if previous is not None and previous not in ends:
            breaks.add(previous)
        following = _next_content_start(text, end)
        if following is not None and following not in starts:
            breaks.add(end)
    # Rows of a table and entries of a contents list: each its own line (paragraph).
    lines = text.split("\n")
    found = table_lines(list(map(str.strip, lines)))
    if found:
        line_starts = list(accumulate((len(line) + 1 for line in lines), initial=0))
        for index, _kind in found:
            start = line_starts[index]
            end = start + len(lines[index].rstrip())
            previous = _previous_content_end(text, start)
            if previous is not None:
                breaks.add(previous)
            if _next_content_start(text, end) is not None:
                breaks.add(end)
    return breaks


def _lines_with_two_capitals(text: str) -> Iterator[tuple[int, int]]:
    """Start and end of each line holding two capitals in a row (or, in a text mostly
    outside Latin-1, a capital inside a word): where a line in capitals may be.

    Found in ``text`` coded one byte a character (``U`` a Latin-1 capital), by a search for
    a literal the engine skips to: a pattern of letter classes is tried at every place.
    """
    coded = text.encode("latin-1", "replace").translate(CASE_CODES)
    if coded.count(b"?") * 10 > len(coded):  # Greek, Cyrillic...: look at the letters
        position = 0
        while (found := MAYBE_SOUP.search(text, position)) is not None:
            start = text.rfind("\n", 0, found.start()) + 1
            end = text.find("\n", found.start())
            end = len(text) if end < 0 else end
            yield start, end
            position = end + 1
        return
    position = 0
    while (at := coded.find(b"UU", position)) >= 0:
        start = coded.rfind(b"\n", 0, at) + 1
        end = coded.find(b"\n", at)
        end = len(text) if end < 0 else end
        yield start, end
        position = end + 1


def _short_lines_before_capitals(text: str, starts: list[int], room: float) -> list[int]:
    """Where a heading, byline or title in mixed case (``By Amina Okafor``, ``Ferry Service to
    Resume``) meets the text around it: lines in title case (:func:`_title_case`) that end no
    sentence, had room for the next line's first word, and are followed by a line opening
    with a capital. Body lines are wrapped as soon as the next word does not fit, so a line
    with room left was ended on purpose; one that ends a sentence is a paragraph's last line,
    which the rule decides elsewhere. Returned: the end of the last line of each run of such
    lines (one heading, as for lines in capitals), and the end of the line before the run
    when that line ends a sentence. ``room`` 0 (the document does not show how its lines
    were wrapped): none. Latin capitals only.

    >>> text = "By Amina Okafor\\nThe ferry will run again from the\\nold pier in May.\\n"
    >>> _short_lines_before_capitals(text, [], 36.0)
    [15]
    """
    if not room:
        return []
    coded = text.encode("latin-1", "replace").translate(CASE_CODES)
    ends: list[tuple[int, int]] = []  # (line start, line end) of each heading line
    position = 0
    while (at := coded.find(b"\nU", position)) >= 0:
        position = at + 1
        last = text[at - 1] if at else "\n"
        if last.isspace() or last in _NOT_A_HEADING_END:
            continue
        line_start = text.rfind("\n", 0, at) + 1
        length = _typeset_length(text, line_start, at, starts)
        content = text[line_start:at]
        if (
            length + 1 + _first_word_length(text, at + 1) < room
            and _title_case(content)
            and not capitals_line(content)  # (heading_breaks decides: type sizes vary)
        ):
            ends.append((line_start, at))
    found = []
    for index, (line_start, at) in enumerate(ends):
        if not (index and ends[index - 1][1] + 1 == line_start):  # the first line of a run
            previous = _previous_content_end(text, line_start)
            if previous is not None and _ends_sentence_at(text, previous):
                found.append(previous)  # after a finished sentence: it stands apart there too
        if not (index + 1 < len(ends) and ends[index + 1][0] == at + 1):  # the run's last
            found.append(at)
    return found


def _title_case(content: str) -> bool:
    """Do two in three of the line's words, and its last, open with a capital or a digit, as
    a heading, byline or title does (``By Amina Okafor``, ``Ferry Service to Resume``)? A body
    line breaks mid-sentence at small words (``the application of Mr Sheahan his``).

    >>> _title_case("Ferry Service to Resume"), _title_case("Our present quotations are")
    (True, False)
    """
    words = [word.lstrip("\"'“‘(£$") for word in content.split()]
    words = [word for word in words if word]
    if not words or not (words[-1][0].isupper() or words[-1][0].isdigit()):
        return False
    opening = sum(1 for word in words if word[0].isupper() or word[0].isdigit())
    return opening * 3 >= len(words) * 2


_NOT_A_HEADING_END = SENTENCE_MARKS + CLOSERS + ",;:-–—‐¬=("
"""A line ending in one of these ends a sentence, or goes on (a clause, a broken word)."""


def _previous_content_end(text: str, start: int) -> int | None:
    """The end of the last non-blank line's content before the line starting at ``start``."""
    index = start - 1
    while index >= 0 and text[index].isspace():
        index -= 1
    return index + 1 if index >= 0 else None


def _next_content_start(text: str, end: int) -> int | None:
    """The start of the next non-blank line's content after ``end`` (None at the text's end)."""
    index = end
    while index < len(text) and text[index].isspace():
        index += 1
    return index if index < len(text) else None


_START_OF = re.Match.start
_NEXT = (1).__add__
_START_OF_EDIT = operator.itemgetter(1)
_SAME = "lines of one paragraph"
_SHORT = "a short last line ends the sentence: new paragraph"
_ROOM = (
    "the sentence ends with room left on the line for the next "
    "word: the wrapping did not break it, a paragraph ends"
)
_COLUMN_BREAK = "column break inside a sentence (next line goes on in lowercase)"
_HEADING = "a heading set in capitals meets text that is not: its own paragraph"
_SHORT_HEADING = (
    "a line that ends no sentence, with room left for the next word, before a capital: "
    "a heading, byline or title, its own paragraph"
)
_DECK = "small caps (a deck) on one side only: its own paragraph"
_SPEAKER = (
    "a quoted sentence closes at the line end and another opens the next line: "
    "a new speaker, a new paragraph"
)
CLOSING_QUOTES = '"”»'
OPENING_QUOTES = '"“«„'
"""Double quotation marks only (unlike the layout rules' sets): a single one also ends a
possessive (``the keepers’``) or starts an elision (``’tis``), and is no sign of speech."""


def _new_speaker(before: str, after: str) -> bool:
    """Does line ``before`` close a quoted sentence (``ruin it?”``) and line ``after`` open
    another (``“Then``)? In print, each speaker's words start a paragraph; one speaker's
    next quotation follows an attribution (``he said.``). (The lines' last and first two
    characters are enough.)

    >>> _new_speaker("What if I ruin it?”", "“Then you will"), _new_speaker("he said.", "“Then")
    (True, False)
    """
    return (
        len(before) >= 2
        and before[-1] in CLOSING_QUOTES
        and before[-2] in SENTENCE_MARKS
        and after[:1] in OPENING_QUOTES
        and after[1:2].isupper()
    )


_TUPLE_NEW = tuple.__new__


def _ends_sentence_at(text: str, end: int) -> bool:
    """:func:`ends_sentence` of the line whose content ends at ``end`` (read backwards)."""
    index = end - 1
    while index >= 0 and text[index] in CLOSERS:
        index -= 1
    return index >= 0 and text[index] in SENTENCE_MARKS


def _typeset_length(text: str, line_start: int, end: int, starts: list[int]) -> int:
    """The length of the line from ``line_start`` to ``end`` (its content's end) as set.

    A line the hyphen rule made by joining two (``starts``: where each joined line began)
    is measured from where its last part began: that is the line the typesetter set.
    """
    length = len(text[line_start:end].lstrip())
    at = bisect.bisect_right(starts, end) - 1
    if at >= 0 and end - starts[at] < length:
        return end - starts[at]
    return length


def _first_word_length(text: str, begin: int) -> int:
    """The length of the word starting at ``begin`` (up to whitespace or the text's end)."""
    line_end = text.find("\n", begin)
    return len(text[begin : line_end if line_end >= 0 else len(text)].split(None, 1)[0])


def _block_lines(text: str, end: int) -> int:
    """How many lines the block (of lines between blank lines) has, up to the line whose
    content ends at ``end``: counted back from it, when a rule asks (seldom)."""
    count = 1
    line_start = text.rfind("\n", 0, end) + 1
    while line_start:
        previous = text.rfind("\n", 0, line_start - 1) + 1
        if text[previous : line_start - 1].isspace() or previous == line_start - 1:
            break  # a blank line
        count += 1
        line_start = previous
    return count


def _decide(
    before: str,
    after: str,
    blank: bool,
    short: float,
    block_lines: Callable[[], int],
    room: float = 0,
    last_part: str | None = None,
) -> tuple[bool, str, float]:
    """Is there a paragraph break between line ``before`` and line ``after``?

    ``block_lines``: how many lines the block ending with ``before`` has (asked only after
    a blank line, and seldom then).
    """
    first = after[0]
    going_on = first.islower()
    if first in "-–—":
        turn = TURN_OPENS.match(after)
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
                return True, _DECK, 0.8
            length = len(last_part if last_part is not None else before)
            if length < short:
                return True, _SHORT, 0.8
            if room and length + 1 + len(after.split()[0]) < room:
                return True, _ROOM, 0.75
            if _new_speaker(before, after):
                return True, _SPEAKER, 0.7
        return False, "lines of one paragraph", 1.0
    if soup_line(after) != soup_line(before):
        return True, _DECK, 0.8
    if going_on and not ends_sentence(before):
        return False, _COLUMN_BREAK, 0.9
    if before.endswith((",", ";")) and not first.isdigit():
        return False, "column break after a comma", 0.8
    if (
        (before[-1].isalpha() or before[-1] == ",")
        and before.split()[-1].islower()
        and (first.isupper() or first.isdigit())
        and block_lines() >= 3
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
