"""Move blocks that cut a sentence (pull quotes, decks) to the next paragraph break.

A pull quote or a deck is a block set apart (indented, wider than the column, or in small
capitals read as case soup) in the middle of a sentence: the sentence is open at the end
of a line, a blank line follows, then lines the body does not continue in, then a body
line taking the sentence up in lowercase (the reflow joins the halves later).
:func:`find_interruptions` finds such cuts (the debris rule asks it too, for captions
between the halves of a sentence); :func:`move_interrupting_blocks` moves what it finds.

>>> from preserve.repair.context import preview
>>> page = ("The river rose through the\\nnight and by dawn the\\n\\n"
...         "        “We lost everything.”\\n\\n"
...         "whole lower town was under\\nwater. Nobody slept.\\n\\nNext day it fell.\\n")
>>> print(preview(move_interrupting_blocks, page))
The river rose through the
night and by dawn the
<BLANKLINE>
whole lower town was under
water. Nobody slept.
<BLANKLINE>
“We lost everything.”
<BLANKLINE>
Next day it fell.
<BLANKLINE>
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from itertools import compress

from preserve.repair.config import RepairConfig
from preserve.repair.context import (
    CLOSERS,
    OPENING_QUOTES,
    SENTENCE_MARKS,
    RuleContext,
    RuleOutput,
    ends_sentence,
)
from preserve.repair.edits import Edit
from preserve.repair.rules.furniture import is_caption_block, newspaper_page
from preserve.repair.rules.headings import MAYBE_SOUP, holds_soup, mostly_soup, soup_line
from preserve.repair.rules.lines import LineTable, line_table_for

CLOSING_QUOTES = "\"'”’»"


TURN_OPENS = re.compile(r"[-–—]\s+\S")
"""A line opening a new turn of an interview or dialogue (when no lowercase follows the
dash: see :func:`_opens_turn`)."""


NARRATED = re.compile(r"[”\"»][,.;:!?]?\s+[^\W\d_]")
"""A quotation closed inside a line and the sentence going on after it (``," said Dr``):
narration in the body, never a pull quote (which is the quoted words alone)."""


QUOTE_ENDS = frozenset(
    [mark + quote for mark in SENTENCE_MARKS for quote in CLOSING_QUOTES]
    + [quote + mark for mark in SENTENCE_MARKS for quote in CLOSING_QUOTES]
)
"""The last two characters of a line that closes a quoted sentence: ``price."`` or
``book.”`` (a set: looking up a line's last two characters costs far less than a search)."""


FINAL_MARKS = frozenset(SENTENCE_MARKS)
"""Each sentence-final mark on its own: the empty string is not one of them."""


MAX_BLOCK_LINES = 14


MAX_PARAGRAPH_LINES = 400
"""How far a moved block looks for the end of its paragraph before it stays where it is."""


def _set_apart(lines: LineTable, index: int, column: int, config: RepairConfig) -> bool:
    """Is line ``index`` set apart from the body column (indented or wider)?"""
    return (
        lines.indents[index] >= config.indent_columns
        or len(lines.contents[index]) > config.wide_line_ratio * column
    )


def find_interruptions(
    lines: LineTable,
    gone: set[int],
    column: int,
    config: RepairConfig,
    full: int = 0,
    longest_block: int | None = None,
) -> Iterator[tuple[int, int, int, bool]]:
    """Yield ``(first, last, continuation, set_off)`` for blocks cutting a sentence.

    ``set_off``: a blank line or an indented continuation line separates the block from the
    text that goes on after it.

    A sentence is open at the end of a line, a blank line follows, then lines the body does
    not continue in, then a line of body width starting in lowercase that takes the
    sentence up again.

    With ``full`` (the length of a full line, given only when the document is known to be
    wrapped as soon as the next word did not fit), a quotation set between two sentences
    is yielded too when the line before it had no room for the word after it: the wrapping
    broke that line, so the paragraph goes on past the quotation.

    Lines in ``gone`` count as blank, and the caller may add to ``gone`` (never take from
    it) between two cuts. With ``longest_block``, cuts holding a block of
    more lines than that (before the continuation) are left out, unlooked-at: a caller
    that can act only on short blocks saves reading on through long ones.
    """
    table = lines
    contents = table.contents
    indents = table.indents
    count = len(contents)
    # The body's indentation: the most common among lines with text. Most lines have
    # none, and a strict majority needs no count of the others.
    unindented = indents.count(0) - table.raws.count("")
    if unindented * 2 > table.filled.count(1):
        body_indent = 0
    else:
        counted = Counter(compress(indents, table.filled))
        body_indent = counted.most_common(1)[0][0] if counted else 0
    indent_columns = config.indent_columns
    wide = config.wide_line_ratio * column
    maybe_soup = MAYBE_SOUP.search  # soup_line's quick test, without a call for each line
    longest = count if longest_block is None else longest_block
    seen_gone: set[int] = set()
    filled = bytearray(table.filled)  # the lines still in the body: with text, not gone
    find = filled.find
    final_marks = FINAL_MARKS
    index = 0
    while True:
        # gone only grows: a new size is a change, and only the new lines are marked (a
        # comparison of the sets, or a new copy of the lines, at every cut made the cost
        # grow with the square of the length)
        if len(gone) != len(seen_gone):
            for taken in gone - seen_gone:
                if 0 <= taken < count:
                    filled[taken] = 0
            seen_gone = set(gone)
        # Only a line with text followed by a blank (or gone) line can be cut after.
        index = find(b"\x01\x00", index)
        if index < 0:
            return
        # ends_sentence written out (a content has no whitespace around it to strip): this
        # test runs for every paragraph's end
        ending = contents[index].rstrip(CLOSERS)[-1:] in final_marks
        if ending and not full:
            index += 1
            continue
        first = find(1, index + 1)
        if first < 0:
            index += 1
            continue
        opening = contents[first]
        # Only a quotation, or a deck set wider than the column or in small caps, can
        # stand inside the paragraph of a sentence-final line
        opens_block = opening[0] in OPENING_QUOTES
        if ending and not opens_block:
            opens_block = len(opening) > wide or soup_line(opening)
            if not opens_block:
                index += 1
                continue
        if opening[0].islower() and not (indents[first] >= indent_columns or len(opening) > wide):
            index += 1  # the body goes on after the blank line: no block cuts it
            continue
        seen = 0
        continuation = None
        cursor = block_top = first
        block_apart = False  # does the current block so far hold a set-apart line?
        block_quote = False  # did the current block open with a quotation mark?
        quote_open = False  # ... and is that quotation still open?
        while cursor < count and seen <= MAX_BLOCK_LINES:
            if not filled[cursor]:
                block_apart = False
                cursor += 1
                continue
            content = contents[cursor]
            indent = indents[cursor]
            apart = (
                indent >= indent_columns
                or len(content) > wide
                or (maybe_soup(content) is not None and mostly_soup(content))
            )
            # At the top of a block the sentence goes on in lowercase; inside a block,
            # the first line of body width after set-apart lines (a wide caption, an
            # indented quote) takes it up, whatever its case, unless it is case soup
            # (a line not set apart is not). A line indented a little past the body, in
            # lowercase, is how text extraction leaves the line after page furniture.
            # (The three cases below are one test, written out by where the line stands:
            # most lines looked at are plain lines of a block, tested the quickest.)
            if not filled[cursor - 1]:  # the top of a block (the first is one)
                block_top = cursor
                block_quote = content[0] in OPENING_QUOTES
                quote_open = block_quote
                if cursor > first and not apart and not quote_open and content[0].islower():
                    continuation = cursor
                    break
            elif not (block_apart or block_quote):  # inside a block of plain lines so far
                if not apart and indent > body_indent and content[0].islower():
                    continuation = cursor
                    break
            else:  # inside a block holding a set-apart line, or opened by a quotation
                previous_line = contents[cursor - 1]
                if quote_open:
                    quote_open = (
                        previous_line[-1] not in CLOSING_QUOTES
                        and previous_line[-2:] not in QUOTE_ENDS
                    )
                # A whole quoted sentence of two lines or more, closed on the line before.
                quote_closed = (
                    block_quote and cursor - 1 > first and previous_line[-2:] in QUOTE_ENDS
                )
                if not quote_open and not block_quote and content[0] in OPENING_QUOTES:
                    # A quotation opening under a deck or caption: its lines are the
                    # quotation's, up to its close, not the body taking up the sentence.
                    # (Under a quotation that has closed, one opening is the body's.)
                    quote_open = block_quote = True
                if not apart and not quote_open:
                    lower = content[0].islower()
                    if (
                        (lower and indent > body_indent)
                        or (
                            block_apart
                            and content[0] not in OPENING_QUOTES
                            # the last line of a deck: fewer words in case soup, but
                            # some, or only capitals ('CUP.': small caps read as capitals)
                            and not (
                                soup_line(previous_line)
                                and (
                                    holds_soup(content)
                                    or content.upper() == content != content.lower()
                                )
                            )
                            # a credit under a caption: a line in capitals ending the
                            # block, with the sentence taken up in lowercase after it
                            and not (
                                (content[0].isupper() or content[0] == "©")
                                and _lowercase_after_blank(contents, filled, cursor)
                                and is_caption_block([content], config)
                            )
                        )
                        or (
                            quote_closed
                            # after a pull quote set apart, the body may go on with a
                            # quotation of its own; after one at body width, it is the
                            # body's dialogue going on
                            and (lower or (block_apart and content[0] in OPENING_QUOTES))
                        )
                    ):
                        continuation = cursor
                        break
            if content[-1] == "-" and not apart:
                break  # a hyphenated body line: this is body text, not an inserted block
            if block_quote and NARRATED.search(content):
                break  # a quotation closed and narrated on ('," said Dr'): body text
            if cursor - block_top >= longest:
                break  # a block longer than the caller wants: no cut to yield
            block_apart = block_apart or apart
            seen += 1
            cursor += 1
        if continuation is None or (
            ending and not _paragraph_goes_on(contents[index], contents[continuation], full)
        ):
            index += 1
            continue
        last = continuation - 1
        while not filled[last]:
            last -= 1
        blank_after = last + 1 < continuation or indents[continuation] > body_indent
        yield first, last, continuation, blank_after
        index += 1  # the caller skips cuts inside one it acted on


def _lowercase_after_blank(contents: list[str], filled: bytearray, index: int) -> bool:
    """Is line ``index`` the last of its block, and does the next line with text (after
    one or more blank or gone lines) start in lowercase?"""
    following = index + 1
    if following >= len(contents) or filled[following]:
        return False
    following = filled.find(1, following)
    return following >= 0 and contents[following][:1].islower()


def _paragraph_goes_on(ending: str, going_on: str, full: int) -> bool:
    """After the sentence-final line ``ending``, does its paragraph go on past the block
    (a quotation or a deck), at the body line ``going_on``?

    Yes when the body line after the block starts a sentence that would not have fitted
    on ``ending``. (A body line in capitals is found after a block only when the block
    holds a set-apart line.)
    """
    opens = going_on[0].isupper() or (going_on[0] in OPENING_QUOTES and going_on[1:2].isupper())
    return opens and len(ending) + 1 + len(going_on.split(maxsplit=1)[0]) > full


def move_interrupting_blocks(text: str, context: RuleContext) -> RuleOutput:
    """Move a pull quote or deck set in the middle of a sentence to the next paragraph break.

    Nothing moves on a page with a table, a contents list or a masthead
    (:func:`newspaper_page`): blocks there are cells, entries and headlines.
    """
    output = RuleOutput()
    config = context.config
    column = context.column_width(text)
    lines = line_table_for(text, context)
    contents = lines.contents
    newspaper = newspaper_page(lines)
    if newspaper:
        output.note(text, 0, 0, f"a page with {newspaper}: nothing is moved")
        return output
    inserts: dict[int, list[str]] = {}
    acted_until = -1
    full = context.full_width(text)
    tight = full if context.room_width(text) >= full else 0
    for first, last, continuation, _blank in find_interruptions(
        lines, set(), column, config, tight
    ):
        if first <= acted_until:
            continue
        body = [i for i in range(first, last + 1) if contents[i]]
        apart = [i for i in body if _set_apart(lines, i, column, config) or soup_line(contents[i])]
        opening = contents[body[0]]
        quoted = opening[0] in OPENING_QUOTES
        whole_quote = quoted and len(body) >= 2 and contents[body[-1]][-2:] in QUOTE_ENDS
        if whole_quote:
            apart = apart or body  # a whole quoted sentence set mid-sentence: a pull quote
        elif apart and contents[body[-1]][-2:] in QUOTE_ENDS:
            # A deck or caption, then a whole quotation under it: the quotation's lines are
            # the pull quote's, not body text.
            opens = next((k for k, i in enumerate(body) if contents[i][0] in OPENING_QUOTES), 0)
            if opens and len(body) - opens >= 2:
                apart = sorted(set(apart) | set(body[opens:]))
        if not apart or not (
            quoted or _set_apart(lines, body[0], column, config) or soup_line(opening)
        ):
            output.note(
                text,
                lines.start(first),
                lines.end(last),
                "block between two halves of a sentence is not set apart: left in place",
            )
            continue
        if len(apart) * 3 < len(body):
            output.note(
                text,
                lines.start(first),
                lines.end(last),
                "block in the middle of a sentence is mostly body-like: left in place",
            )
            continue
        target = _next_paragraph_start(
            contents,
            continuation,
            config.short_line_ratio * column,
            context.room_width(text),
        )
        if target is None and continuation + MAX_PARAGRAPH_LINES < len(lines):
            output.note(
                text,
                lines.start(first),
                lines.end(last),
                "no paragraph end near the block set mid-sentence: left in place",
            )
            continue
        moved = _as_paragraphs(lines, body, column, config)
        start = lines.start(first)
        before = first - 1
        while before >= 0 and not contents[before]:
            before -= 1
        if before >= 0 and ends_sentence(contents[before]):
            # Set between two sentences of one paragraph: the blank lines around it go too,
            # so the paragraph reads on.
            start = lines.end(before) + 1
        if any(start < position < lines.start(continuation) for position in inserts):
            output.note(
                text,
                lines.start(first),
                lines.end(last),
                "a block moved earlier would land inside this one: left in place",
            )
            continue
        output.edit(
            "move_interrupting_blocks",
            text,
            start,
            lines.start(continuation),
            "",
            "pull quote or deck set in the middle of a sentence: moved to the next paragraph break",
            0.8,
        )
        acted_until = continuation
        position = lines.start(target) if target is not None else len(text)
        inserts.setdefault(position, []).append(moved)
    for position, blocks in inserts.items():
        joined = "\n\n".join(blocks)
        if position >= len(text):
            after = "\n\n" + joined + "\n"
        elif position >= 2 and text[position - 2] != "\n":
            # The paragraph before ends without a blank line (a new turn, a short last
            # line): one goes in, so the block is not read as that paragraph's last line.
            after = "\n" + joined + "\n\n"
        else:
            after = joined + "\n\n"
        output.edits.append(
            _insert(position, after, "the block moved here from the middle of the sentence before")
        )
    return output


def _insert(position: int, after: str, reason: str) -> Edit:
    return Edit("move_interrupting_blocks", position, position, "", after, reason, 0.8)


def _next_paragraph_start(
    contents: list[str], continuation: int, short: float = 0, room: float = 0
) -> int | None:
    """Index of the first line of the next paragraph after line ``continuation``.

    ``contents``: the lines' contents (:attr:`LineTable.contents`).
    """
    index = continuation
    limit = min(len(contents), continuation + MAX_PARAGRAPH_LINES)
    while index + 1 < limit:
        index += 1
        content = contents[index]
        if content:
            above = contents[index - 1]
            if (
                index > continuation + 1
                and above
                and content[0] in "-–—"
                and _opens_turn(content)
                and ends_sentence(above)
            ):
                return index  # a new turn of an interview (reflow starts a paragraph)
            if (
                index > continuation + 1
                and above
                # first: the cheapest test, and most lines fail it; a paragraph may open
                # with a quotation mark, as reflow reads it
                and (content[0].isupper() or content[0] in OPENING_QUOTES)
                and ends_sentence(above)
                and (len(above) < short or len(above) + 1 + len(content.split()[0]) < room)
            ):
                return index  # a short last line ends the paragraph (as reflow will see it)
            continue
        previous = index - 1
        following = index + 1
        while following < len(contents) and not contents[following]:
            following += 1
        if following >= len(contents):
            return None
        if ends_sentence(contents[previous]) and not contents[following][0].islower():
            return following
    return None


def _opens_turn(content: str) -> bool:
    """Does this line open a new turn of an interview: a dash, a space, then no lowercase
    (a dash going on in lowercase is the sentence's own)?

    >>> _opens_turn("— What is the hardest part?"), _opens_turn("— to open, to close")
    (True, False)
    """
    found = TURN_OPENS.match(content)
    return found is not None and not content[found.end() - 1].islower()


def _as_paragraphs(lines: LineTable, body: list[int], column: int, config: RepairConfig) -> str:
    """The moved lines ``body`` as paragraphs: one line each, split where their setting changes."""
    contents, indents = lines.contents, lines.indents
    widest = config.wide_line_ratio * column
    groups: list[list[str]] = []
    previous: int | None = None
    for index in body:
        content = contents[index]
        wide = len(content) > widest
        indented = indents[index] >= config.indent_columns
        new = previous is None
        if previous is not None:
            above = contents[previous]
            previous_wide = len(above) > widest
            previous_indented = indents[previous] >= config.indent_columns
            if (wide and previous_indented) or (indented and previous_wide):
                new = True
            if above[-1] in CLOSING_QUOTES and content[0].isupper():
                new = True
            if content[0] in OPENING_QUOTES and not previous_indented:
                new = True  # a quotation opens after a deck or caption
            if index > previous + 1:  # a blank line between
                new = True
        if new:
            groups.append([])
        groups[-1].append(content)
        previous = index
    return "\n\n".join(" ".join(group) for group in groups)
