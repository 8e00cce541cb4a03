"""Take page furniture out of the body: folios, running heads, jump lines, captions and credits.

Evidence is layout only, never particular words: a folio is a short line of a number and
a web address standing alone; a running head is a lone short indented line at the top of
a page or a short line repeated as its own block; a caption or credit is a short line
without final punctuation standing between the two halves of a sentence that a column
break cut. What is taken out is kept as debris, the derived text's metadata.

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
from itertools import pairwise

from preserve.repair.config import RepairConfig
from preserve.repair.context import Debris, RuleContext, RuleOutput, ends_sentence
from preserve.repair.rules.furniture import (
    FOLIO,
    MAX_CAPTION_LINES,
    SECTION,
    SENTENCE_INSIDE,
    count_words,
    is_caption_block,
    newspaper_page,
)
from preserve.repair.rules.headings import holds_soup
from preserve.repair.rules.interruptions import find_interruptions
from preserve.repair.rules.lines import LineTable, keep_line_table, line_table_for
from preserve.repair.vocabulary import WORD

FOLIO_SECTION = re.compile(
    rf"(?:\d{{1,4}}\s*[|•·]\s*({SECTION})|({SECTION})\s*[|•·]\s*\d{{1,4}})", re.IGNORECASE
)


JUMP_LINE = re.compile(r"[^\W\d_][^.!?]{4,60}?\s\d{1,3}\s*[»›>]?")
"""A short line that sends the reader to another page: it ends with the page number."""


DIGIT = re.compile(r"\d")


MAX_CAPTION_BLOCKS = 3
"""Caption, credit and section name may stand one after another between two columns."""


MAX_OVER_LINES = 3
"""Lines of a caption set right over the line that takes up a cut sentence (short lines:
the caption's own narrow wrapping)."""


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
                or not is_caption_block(block, config)
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
    words = sum(count_words(line) for line in title)
    return (
        words <= 12
        and all(len(line) <= column * config.wide_line_ratio for line in title)
        and not any(ends_sentence(line) for line in title)
    )


def _certain_folio(contents: list[str], index: int) -> bool:
    """On a page with tables, is this lone line certainly a folio: a page number with the
    publication's address, section or dashes, or a lone number as the page's first or last
    line (elsewhere a lone number may be a table's cell)?"""
    content = contents[index]
    if not content.strip("-–— ").isdigit() or content.strip("-–— ") != content:
        return True  # '12 www.example.org', '— 17 —', '112 | HERITAGE'
    filled = [i for i, line in enumerate(contents) if line]
    return index in (filled[0], filled[-1])


def remove_layout_debris(text: str, context: RuleContext) -> RuleOutput:
    """Take folios, running heads and captions out of the body; list them as debris.

    On a page with a table, a contents list or a masthead (:func:`newspaper_page`), only
    certain furniture goes: folios, running heads that repeat or that the folios name.
    """
    output = RuleOutput()
    config = context.config
    column = context.column_width(text)
    lines = line_table_for(text, context)
    contents = lines.contents
    newspaper = newspaper_page(lines)
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
            if newspaper and not _certain_folio(contents, index):
                output.note(
                    text,
                    lines.start(index),
                    lines.end(index),
                    f"a lone number on a page with {newspaper}: may be a cell, left in place",
                )
                continue
            found[index] = (index, "folio", "page number or web address standing alone")
            gone.add(index)
        elif newspaper:
            continue  # a line ending in a page number is a contents entry as likely
        elif (
            3 <= count_words(content) <= 6 and content[0].isupper() and JUMP_LINE.fullmatch(content)
        ):
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
        short = count_words(content) <= config.max_running_head_words
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
        elif newspaper:
            continue  # a lone short line there is a headline, a title, a masthead as likely
        elif (
            content[0].isupper()
            and count_words(content) <= 2
            and _next_to_folio(contents, index, found)
        ):
            found[index] = (index, "running-head", "short line beside a folio at a page edge")
            gone.add(index)
        elif index == first and (
            lines.indents[index] > 0
            or (count_words(content) == 1 and _title_follows(contents, index, column, config))
        ):
            found[index] = (
                index,
                "running-head",
                "lone short line at the top of the page, before the title",
            )
            gone.add(index)
        elif content[0] == "©" and count_words(content) <= config.max_debris_words:
            found[index] = (index, "credit", "copyright line standing alone")
            gone.add(index)

    if newspaper:
        output.note(
            text,
            0,
            0,
            f"a page with {newspaper}: only folios and running heads that repeat are taken "
            "out, no caption, credit, jump line or lone line at the top",
        )
        keep_line_table(context, lines)
        return _remove_found(text, context, output, lines, found, gone, {})
    acted_until = -1
    for cut in find_interruptions(lines, gone, column, config, longest_block=MAX_CAPTION_LINES):
        first_f, last_f, _continuation, blank_after = cut
        if first_f <= acted_until:
            continue
        body = [i for i in range(first_f, last_f + 1) if contents[i] and i not in gone]
        if _is_caption(lines, body, blank_after, column, config):
            wide = any(len(contents[i]) > config.wide_line_ratio * column for i in body)
            kind = (
                "caption"
                if wide or count_words(" ".join(contents[i] for i in body)) > 5
                else "credit"
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
    return _remove_found(text, context, output, lines, found, gone, owned)


def _remove_found(
    text: str,
    context: RuleContext,
    output: RuleOutput,
    lines: LineTable,
    found: dict[int, tuple[int, str, str]],
    gone: set[int],
    owned: dict[int, list[int]],
) -> RuleOutput:
    """Take the debris ``found`` out of ``text``: one edit per run of it, each listed."""
    contents = lines.contents
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
            Debris(
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
    keep_line_table(
        context, lines.without([(span[0], span[1]) for span in spans]) if spans else lines
    )
    return output


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
            or count_words(joined) > config.max_debris_words
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
    if not all(is_caption_block(block, config) for block in blocks):
        return False
    wide = any(len(contents[index]) > config.wide_line_ratio * column for index in body)
    indented = all(lines.indents[index] >= config.indent_columns for index in body)
    return wide or indented or blank_after or len(blocks) > 1
