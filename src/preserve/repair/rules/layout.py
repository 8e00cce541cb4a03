"""Layout rules: take page furniture out of the body, move blocks that cut a sentence.

Evidence is layout only, never particular words: a folio is a short line of a number and
a web address standing alone; a running head is a lone short indented line at the top of
a page or a short line repeated as its own block; a caption or credit is a short line
without final punctuation standing between the two halves of a sentence that a column
break cut; a pull quote or a deck is a block set apart (indented, or wider than the
column) in the middle of a sentence, and is moved to the next paragraph boundary.

>>> from preserve.repair.context import preview
>>> page = ("and then they\\nturned around to go\\n\\nSmith Archive\\n\\n12 www.example.org\\n\\n"
...         "back to the town. It\\nwas late. They left.\\n")
>>> print(preview(remove_layout_debris, page))
and then they
turned around to go
<BLANKLINE>
back to the town. It
was late. They left.
<BLANKLINE>
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from itertools import compress, pairwise

from preserve.repair.config import RepairConfig
from preserve.repair.context import (
    CLOSERS,
    OPENING_QUOTES,
    SENTENCE_MARKS,
    WORD,
    Found,
    RuleContext,
    RuleOutput,
    ends_sentence,
)
from preserve.repair.edits import Edit
from preserve.repair.rules.lines import LineTable

ADDRESS = r"(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}(?:/\S*)?"
SECTION = r"[^\W\d_][\w &'’.-]{0,30}"
FOLIO = re.compile(
    rf"(?:\d{{1,4}}\s+{ADDRESS}|{ADDRESS}\s+\d{{1,4}}|[-–—]?\s*\d{{1,3}}\s*[-–—]?"
    rf"|\d{{1,4}}\s*[|•·]\s*{SECTION}|{SECTION}\s*[|•·]\s*\d{{1,4}})",
    re.IGNORECASE,
)
"""A page number with the publication's address, or a lone page number (up to 999: a lone
four-digit number may be a year)."""
FOLIO_SECTION = re.compile(
    rf"(?:\d{{1,4}}\s*[|•·]\s*({SECTION})|({SECTION})\s*[|•·]\s*\d{{1,4}})", re.IGNORECASE
)
JUMP_LINE = re.compile(r"[^\W\d_][^.!?]{4,60}?\s\d{1,3}\s*[»›>]?")
"""A short line that sends the reader to another page: it ends with the page number."""
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
DIGIT = re.compile(r"\d")
SENTENCE_INSIDE = re.compile(r"[.!?] +[^\W\d_]")
MAX_BLOCK_LINES = 14
MAX_CAPTION_BLOCKS = 3
"""Caption, credit and section name may stand one after another between two columns."""
MAX_CAPTION_LINES = 3
"""Lines in one caption block (a longer block is body text or a deck)."""
MAX_OVER_LINES = 3
"""Lines of a caption set right over the line that takes up a cut sentence (short lines:
the caption's own narrow wrapping)."""
MAX_PARAGRAPH_LINES = 400
"""How far a moved block looks for the end of its paragraph before it stays where it is."""


def _removal(lines: LineTable, index: int, last: int, gone: set[int]) -> tuple[int, int]:
    """Lines ``first..stop - 1`` that take out lines ``index..last`` with the blank lines
    after them (``stop`` is the number of lines when they go to the end of the text, from
    after the last line left)."""
    contents = lines.contents
    following = last + 1
    while following < len(contents) and (not contents[following] or following in gone):
        following += 1
    if following < len(contents):
        return index, following
    previous = index - 1
    while previous >= 0 and (not contents[previous] or previous in gone):
        previous -= 1
    return previous + 1, following


def _next_to_folio(contents: list[str], index: int, found: dict[int, tuple[int, str, str]]) -> bool:
    """Is the nearest line above or below (across blank lines) a folio?"""
    for step in (-1, 1):
        cursor = index + step
        while 0 <= cursor < len(contents) and not contents[cursor]:
            cursor += step
        if cursor in found and found[cursor][1] == "folio":
            return True
    return False


PAGE_FURNITURE = ("folio", "running-head", "running-foot", "jump-line")
CAPTION_MIN_WORDS = 5
"""A caption beside page furniture is a sentence in sentence case of at least this many
words; a subheading is shorter, or capitalizes every word."""


def _captions_beside_furniture(
    lines: LineTable,
    gone: set[int],
    found: dict[int, tuple[int, str, str]],
    config: RepairConfig,
    full: int,
) -> Iterator[tuple[int, int]]:
    """Blocks of up to :data:`MAX_CAPTION_LINES` lines standing alone between blank lines,
    next (across blank lines) to a folio or running head already found: captions set at a
    page edge between two paragraphs. ``(first, last)`` for each.

    Each reads as a caption, not as a subheading or the body: it opens with a capital,
    has no final punctuation and no sentence inside, holds five to
    :attr:`~RepairConfig.max_debris_words` words, is in sentence case (some word of four
    letters or more in lowercase: a heading in title case capitalizes them all), and does
    not end on a short word in lowercase (``of``, ``the``: a sentence left open). The text
    before it ends a sentence and the text after it does not go on in lowercase. Its last
    line had room for the first word after it, or runs past a full line (``full``, the
    length of a full body line): a body line the wrapping broke would have neither, and
    a document too short to tell a full line (``full`` 0) gets no such caption.
    """
    if not full:
        return
    contents, filled = lines.contents, lines.filled
    furniture = {
        line
        for first, (last, kind, _reason) in found.items()
        if kind in PAGE_FURNITURE
        for line in range(first, last + 1)
    }
    if not furniture:
        return
    count = len(contents)
    for line in sorted(furniture):
        for step in (-1, 1):
            # the nearest block across blank (or gone) lines, on this side
            cursor = line + step
            while 0 <= cursor < count and (not filled[cursor] or cursor in gone):
                if cursor in furniture:
                    break
                cursor += step
            if not 0 <= cursor < count or cursor in gone or not filled[cursor]:
                continue
            first = last = cursor
            while first > 0 and filled[first - 1] and first - 1 not in gone:
                first -= 1
            while last + 1 < count and filled[last + 1] and last + 1 not in gone:
                last += 1
            if last - first + 1 > MAX_CAPTION_LINES:
                continue
            block = contents[first : last + 1]
            joined = " ".join(block)
            words = WORD.findall(joined)
            if (
                len(words) < CAPTION_MIN_WORDS
                or not _is_caption_block(block, config)
                or not joined[0].isupper()
                or not any(len(word) >= 4 and word.islower() for word in words)
                # a short word in lowercase last ('year of'): a sentence left open
                or (words[-1].islower() and len(words[-1]) <= 3 and joined.endswith(words[-1]))
            ):
                continue
            # Between two paragraphs: the text before ends a sentence, the text after does
            # not go on in lowercase (else the block is a piece of the body's column).
            before = _text_line(contents, filled, gone, first - 1, -1)
            after = _text_line(contents, filled, gone, last + 1, 1)
            if (before is not None and not ends_sentence(before)) or (
                after is not None and after[0].islower()
            ):
                continue
            if after is not None:
                room = len(block[-1]) + 1 + len(after.split(maxsplit=1)[0])
                if room > full and len(block[-1]) <= full:
                    continue  # a full line, broken by the wrapping: the body's
            # (the caller adds the block to gone before this goes on: it is not found
            # again from the furniture on its other side)
            yield first, last


def _text_line(
    contents: list[str], filled: bytes, gone: set[int], index: int, step: int
) -> str | None:
    """The nearest line with text from ``index`` on, in direction ``step``, that is not
    gone (debris found already); None at the text's edge."""
    while 0 <= index < len(contents):
        if filled[index] and index not in gone:
            return contents[index]
        index += step
    return None


def _title_follows(contents: list[str], index: int, column: int, config: RepairConfig) -> bool:
    """Is the next block a title: one to three short lines, then body text?"""
    cursor = index + 1
    while cursor < len(contents) and not contents[cursor]:
        cursor += 1
    title = []
    while cursor < len(contents) and contents[cursor]:
        title.append(contents[cursor])
        cursor += 1
    if not 1 <= len(title) <= 3 or cursor >= len(contents):
        return False
    words = sum(_words(line) for line in title)
    return (
        words <= 12
        and all(len(line) <= column * config.wide_line_ratio for line in title)
        and not any(ends_sentence(line) for line in title)
    )


def _words(content: str) -> int:
    return len(content.split())


def remove_layout_debris(text: str, context: RuleContext) -> RuleOutput:
    """Take folios, running heads and captions out of the body; list them as debris."""
    output = RuleOutput()
    config = context.config
    column = context.column_width(text)
    lines = _line_table(text, context)
    contents = lines.contents
    found: dict[int, tuple[int, str, str]] = {}  # first line -> (last line, kind, reason)
    gone: set[int] = set()
    owned: dict[int, list[int]] = {}  # caption -> its own lines (other debris may sit inside)

    # Only a line standing alone is taken out here, and its neighbours are blank already:
    # taking it out never leaves another line standing alone, so one list serves throughout.
    alone = lines.alone()
    for index in alone:
        content = contents[index]
        if not DIGIT.search(content):
            continue  # folios and jump lines all hold a page number
        if FOLIO.fullmatch(content):
            found[index] = (index, "folio", "page number or web address standing alone")
            gone.add(index)
        elif 3 <= _words(content) <= 6 and content[0].isupper() and JUMP_LINE.fullmatch(content):
            found[index] = (
                index,
                "jump-line",
                "short line ending in a page number, standing alone",
            )
            gone.add(index)

    alone_counts = Counter(contents[index] for index in alone)  # once: a book has thousands
    # Section names printed in the folios ("112 | HERITAGE") name the running heads.
    sections = {
        (match.group(1) or match.group(2)).strip().casefold()
        for index in found
        if (match := FOLIO_SECTION.fullmatch(contents[index])) is not None
    }
    first: int | None = lines.filled.find(1)
    while first in gone:
        first = lines.filled.find(1, first + 1)
    if first == -1:
        first = None
    for index in alone:
        if index in gone:
            continue
        content = contents[index]
        short = _words(content) <= config.max_running_head_words
        if not short or ends_sentence(content) or content[-1] in ",;:-":
            continue
        if alone_counts[content] >= 2:
            found[index] = (
                index,
                "running-head",
                "short line repeated on its own (page furniture)",
            )
            gone.add(index)
        elif content.casefold() in sections:
            found[index] = (index, "running-head", "the section name the folios print")
            gone.add(index)
        elif (
            content[0].isupper() and _words(content) <= 2 and _next_to_folio(contents, index, found)
        ):
            found[index] = (index, "running-head", "short line beside a folio at a page edge")
            gone.add(index)
        elif index == first and (
            lines.indents[index] > 0
            or (_words(content) == 1 and _title_follows(contents, index, column, config))
        ):
            found[index] = (
                index,
                "running-head",
                "lone short line at the top of the page, before the title",
            )
            gone.add(index)
        elif content[0] == "©" and _words(content) <= config.max_debris_words:
            found[index] = (index, "credit", "copyright line standing alone")
            gone.add(index)

    acted_until = -1
    for cut in find_interruptions(lines, gone, column, config, longest_block=MAX_CAPTION_LINES):
        first_f, last_f, _continuation, blank_after = cut
        if first_f <= acted_until:
            continue
        body = [i for i in range(first_f, last_f + 1) if contents[i] and i not in gone]
        if _is_caption(lines, body, blank_after, column, config):
            wide = any(len(contents[i]) > config.wide_line_ratio * column for i in body)
            kind = (
                "caption" if wide or _words(" ".join(contents[i] for i in body)) > 5 else "credit"
            )
            found[first_f] = (
                last_f,
                kind,
                "short unpunctuated block between two halves of a sentence cut by a column break",
            )
            owned[first_f] = body
            acted_until = last_f
            gone.update(range(first_f, last_f + 1))

    for first_c, last_c, reason in _captions_over_continuations(lines, gone, column, context, text):
        found[first_c] = (last_c, "caption", reason)
        gone.update(range(first_c, last_c + 1))

    for first_c, last_c in _captions_beside_furniture(
        lines, gone, found, config, context.full_width(text)
    ):
        found[first_c] = (
            last_c,
            "caption",
            "a caption's sentence, unpunctuated, standing alone beside a folio or running head",
        )
        gone.update(range(first_c, last_c + 1))

    start, indents, raws = lines.start, lines.indents, lines.raws
    spans: list[list[int]] = []  # first line, stop line (as _removal), debris in it
    for index in sorted(found):
        last, kind, reason = found[index]
        first_line, stop = _removal(lines, index, last, gone)
        # (compared as lines: the span of a run starts at its first line, which holds text
        # or lies before one that does, so it starts before the text's end)
        if spans and first_line < spans[-1][1]:  # adjacent debris blocks go out in one edit
            spans[-1][1] = max(stop, spans[-1][1])
            spans[-1].append(index)
        else:
            spans.append([first_line, stop, index])
        # Most debris is one line (a folio, a running head): its text and span are read
        # straight from the table, without a join.
        if index not in owned and last == index:
            content, first_of, last_of = contents[index], index, index
        else:
            mine = owned.get(index, range(index, last + 1))
            content = "\n".join(contents[i] for i in mine if contents[i])
            first_of, last_of = mine[0], mine[-1]
        output.debris.append(
            Found(
                kind,
                content,
                start(first_of) + indents[first_of],
                start(last_of) + len(raws[last_of]),
                reason,
            )
        )
    count = len(lines)
    for first_line, stop, *indexes in spans:
        if len(indexes) == 1:
            _, kind, reason = found[indexes[0]]
            why = f"{kind}: {reason}"
        else:
            kinds = " and ".join(found[i][1] for i in indexes)
            reasons = "; ".join(found[i][2] for i in indexes)
            why = f"{kinds}: {reasons}"
        end = start(stop) if stop < count else len(text)
        output.edit("remove_layout_debris", text, start(first_line), end, "", why, 0.8)
    _keep_line_table(
        context, lines.without([(span[0], span[1]) for span in spans]) if spans else lines
    )
    return output


def _line_table(text: str, context: RuleContext) -> LineTable:
    """The lines of ``text``: the table kept on ``context`` when it is of this text."""
    kept = context.line_table
    if kept is not None and kept[0] == text:
        return kept[1]
    return LineTable(text)


def _keep_line_table(context: RuleContext, lines: LineTable) -> None:
    context.line_table = ("\n".join(lines.raws), lines)


BLOCK_OPENING = re.compile(rb"(?<=\x00)\x01(?=\x01)")
"""In :attr:`LineTable.filled`: the first line of a block of two lines or more."""
WIDER_THAN_FULL = 1.15
"""A line this much longer than a full body line was not set in the body column."""


def _captions_over_continuations(
    lines: LineTable, gone: set[int], column: int, context: RuleContext, text: str
) -> Iterator[tuple[int, int, str]]:
    """Captions set at the top of a column, right above the line taking up a sentence:
    ``(first, last, reason)`` for each.

    A sentence is open before a blank line (a column break: the line before ends with a
    word in lowercase or a comma); the next block opens with a capital, and a line under
    it goes on in lowercase (or, under a one-line caption longer than any body line, with
    a capital: a name). The lines above that one (up to :data:`MAX_OVER_LINES`, with
    no final punctuation) are a caption when two things show it: its layout (a one-line
    caption longer than any body line, or, where lines are wrapped as soon as the next
    word does not fit, room left on its last line for the next line's first word), and
    its case (it opens with a word the dictionary knows in lowercase, so not a name going
    on with the sentence).
    """
    contents = lines.contents
    config = context.config
    full = context.full_width(text)
    if not full:
        return
    tight = context.room_width(text) >= full
    check = context.lexicon.check
    wider = WIDER_THAN_FULL * full
    widest: float | None = None  # measured when a line longer than a full one asks
    filled = lines.filled
    count = len(contents)
    # Every paragraph's first line is looked at: the tests are ordered to turn a paragraph of
    # body text away soonest (most paragraphs open after a closed sentence; a full line has
    # no room left).
    for match in BLOCK_OPENING.finditer(filled):
        index = match.start()
        caption = contents[index]
        if not caption[0].isupper() or index in gone:
            continue
        opened = _text_line(contents, filled, gone, index - 1, -1)
        if opened is None:
            continue
        last_word = opened.rsplit(maxsplit=1)[-1]
        if not (opened[-1] == "," or (last_word.isalpha() and last_word.islower())):
            continue  # no sentence left open above the column break (a word or a comma)
        found = None
        for last in range(index, min(index + MAX_OVER_LINES, count - 1)):
            going_on = contents[last + 1]
            if not filled[last + 1] or last + 1 in gone:
                break
            above = contents[last]
            # Under a one-line caption longer than any body line, the sentence may go on
            # with a name ('says the conductor, / caption / Irena Novak, who'): its width
            # alone shows it is no line of the column.
            if not going_on[0].islower() and not (
                last == index and going_on[0].isupper() and len(above) > full
            ):
                continue  # a line of the caption (a name, a year): look under it
            if last == index and len(above) > full:
                if widest is None:
                    widest = wider
                    if tight:
                        # Wrapped as soon as the next word did not fit: no body line
                        # runs past the column, but for the spaces OCR adds
                        # ('h elicopter', 'afford .').
                        widest = min(wider, _widest_body_line(lines) + MAX_ADDED_SPACES)
                if len(above) > widest and len(" ".join(above.split())) > widest:
                    found = (last, "longer than any body line")
                    break
                if not going_on[0].islower():
                    continue
            # (a word is one letter or more: a line with no room for one is not split)
            if tight and len(above) + 2 <= full:
                next_word = going_on.split(maxsplit=1)[0]
                if len(above) + 1 + len(next_word) <= full:
                    found = (last, f"room left on its last line for '{next_word}'")
                    break
        if found is None:
            continue
        last, layout = found
        # A caption wrapped narrower than the column leaves room on every line: a line
        # under it that goes on in lowercase with room left too is the caption's, not
        # the body's (a body line is full unless it ends a paragraph).
        while tight and last + 2 < min(index + MAX_OVER_LINES + 1, count):
            line, under = contents[last + 1], contents[last + 2]
            if (
                not filled[last + 2]
                or last + 2 in gone
                or not under[0].islower()
                or ends_sentence(line)
                or len(line) + 1 + len(under.split(maxsplit=1)[0]) > full
            ):
                break
            last += 1
        joined = " ".join(contents[index : last + 1])
        if holds_soup(joined) or (
            ends_sentence(joined)
            or joined[-1] in ",;:-"
            or _words(joined) > config.max_debris_words
            or SENTENCE_INSIDE.search(joined)
            or lines.indents[last + 1] >= config.indent_columns
        ):
            continue
        opening = caption.split(maxsplit=1)[0].strip("\"'“‘«„‚([")
        if len(opening) < 2 or not opening.isalpha() or not check(opening.lower()):
            continue
        yield (
            index,
            last,
            (
                f"{'lines' if last > index else 'line'} over the one that takes up a sentence "
                f"cut by a column break: {layout}, and '{opening}' would not be capitalized "
                "going on with the sentence"
            ),
        )


CREDIT_WORDS = 5
"""Words a credit line holds at most (``Photo by Noor Tanaka/Meridian Images``)."""


def _credit_like(line: str) -> bool:
    """Does this line read as a credit: a few words, each capitalized (names) or short
    (``by``, ``of``), or the copyright sign?

    >>> _credit_like("Photo by Ana Varga/Atlas Pictures"), _credit_like("Mayor of the island")
    (True, False)
    """
    words = line.split()
    return len(words) <= CREDIT_WORDS and all(
        word[0].isupper() or word[0] == "©" or (word.isalpha() and len(word) <= 3) for word in words
    )


MAX_ADDED_SPACES = 2
"""Spaces OCR adds to a body line (a letter split off, a space before punctuation) that a
line longer than the column may owe its length to."""


def _widest_body_line(lines: LineTable) -> float:
    """How long a body line gets, runs of spaces counted as one: the 98th percentile of the
    lines followed by a line going on in lowercase (inside a paragraph, surely body text;
    the few captions over a continuation are among them, hence not the longest). Infinite
    when fewer than 20 such lines tell."""
    contents = lines.contents
    lengths = sorted(
        len(line) if "  " not in line else len(" ".join(line.split()))
        for line, following in pairwise(contents)
        if line and following[:1].islower()
    )
    if len(lengths) < 20:
        return float("inf")
    return lengths[int(len(lengths) * 0.98)]


def _is_caption(
    lines: LineTable, body: list[int], blank_after: bool, column: int, config: RepairConfig
) -> bool:
    """Are lines ``body`` short furniture (captions, credits, a section name), block by block?"""
    contents = lines.contents
    blocks: list[list[str]] = []
    previous = -2
    for index in body:
        if index == previous + 1:  # right after the line before: the same block
            blocks[-1].append(contents[index])
        else:
            blocks.append([contents[index]])
        previous = index
    if not blocks or len(blocks) > MAX_CAPTION_BLOCKS:
        return False
    if not all(_is_caption_block(block, config) for block in blocks):
        return False
    wide = any(len(contents[index]) > config.wide_line_ratio * column for index in body)
    indented = all(lines.indents[index] >= config.indent_columns for index in body)
    return wide or indented or blank_after or len(blocks) > 1


def _is_caption_block(block: list[str], config: RepairConfig) -> bool:
    if len(block) > MAX_CAPTION_LINES:
        return False
    joined = " ".join(block)
    words = _words(joined)
    if len(block) > 1 and _credit_like(block[-1]):
        words -= _words(block[-1])  # a caption and the credit under it: each short
    if words > config.max_debris_words or ends_sentence(joined):
        return False
    bracketed = joined[0] in "([" and joined[-1] in ")]"
    if not bracketed and (
        joined[0] in OPENING_QUOTES
        or not (joined[0].isupper() or joined[0].isdigit() or joined[0] == "©")
    ):
        return False
    # Ending on a comma or dash, or a sentence ending inside: body text, not a caption.
    return joined[-1] not in ",;:-" and not SENTENCE_INSIDE.search(joined)


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
                or (maybe_soup(content) is not None and _mostly_soup(content))
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
                                and _is_caption_block([content], config)
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


def _not_lowercase_letters() -> str:
    """A character class of the letters that are not lowercase (capitals, titlecase and
    uncased letters), every character outside the BMP included to keep the class short."""
    ranges: list[list[int]] = []
    for code in range(0x10000):
        char = chr(code)
        if char.isalnum() and not char.isdecimal() and not char.islower():
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    ranges.append([0x10000, 0x10FFFF])
    return "".join(
        re.escape(chr(first)) + ("-" + re.escape(chr(last)) if last > first else "")
        for first, last in ranges
    )


MAYBE_SOUP = re.compile(rf"[{_not_lowercase_letters()}](?:(?<=[^\W\d_].)|(?<=['’].))")
"""A letter that is not lowercase inside a word: no word is case soup without one (a quick
look, so that most lines of body text are never split into words)."""


def holds_soup(content: str) -> bool:
    """Does this line hold at least one word of three letters or more in case soup?"""
    if not MAYBE_SOUP.search(content):
        return False  # most lines: answered before the import statement's cost
    from preserve.repair.rules.headings import is_case_soup

    return any(is_case_soup(word) for word in WORD.findall(content) if len(word) > 2)


def _paragraph_goes_on(ending: str, going_on: str, full: int) -> bool:
    """After the sentence-final line ``ending``, does its paragraph go on past the block
    (a quotation or a deck), at the body line ``going_on``?

    Yes when the body line after the block starts a sentence that would not have fitted
    on ``ending``. (A body line in capitals is found after a block only when the block
    holds a set-apart line.)
    """
    opens = going_on[0].isupper() or (going_on[0] in OPENING_QUOTES and going_on[1:2].isupper())
    return opens and len(ending) + 1 + len(going_on.split(maxsplit=1)[0]) > full


def soup_line(content: str) -> bool:
    """Is this line mostly small caps read as case soup (part of a deck)?"""
    if not MAYBE_SOUP.search(content):
        return False  # most lines: answered before the import statement's cost
    return _mostly_soup(content)


@lru_cache(maxsize=4096)
def _mostly_soup(content: str) -> bool:
    """Are half the words of this line case soup? Kept for each line: the lines of a deck
    are looked at again and again (by both layout rules, and by reflow)."""
    from preserve.repair.rules.headings import is_case_soup

    words = [word for word in WORD.findall(content) if len(word) > 1]
    return bool(words) and sum(map(is_case_soup, words)) * 2 >= len(words)


def move_interrupting_blocks(text: str, context: RuleContext) -> RuleOutput:
    """Move a pull quote or deck set in the middle of a sentence to the next paragraph break."""
    output = RuleOutput()
    config = context.config
    column = context.column_width(text)
    lines = _line_table(text, context)
    contents = lines.contents
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
