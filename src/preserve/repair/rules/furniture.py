"""Page furniture as both layout rules see it, by its shape, never its words: a folio, a
caption or credit block, and the evidence that a page is a newspaper's (a table, a contents
list, a masthead) rather than a magazine spread.

:mod:`~preserve.repair.rules.debris` takes furniture out of the body;
:mod:`~preserve.repair.rules.interruptions` moves blocks that cut a sentence, and leaves a
credit under a caption where it stands. On a newspaper page both do less.
"""

from __future__ import annotations

import re
from itertools import islice

from preserve.repair.config import RepairConfig
from preserve.repair.context import OPENING_QUOTES, ends_sentence
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


SENTENCE_INSIDE = re.compile(r"[.!?] +[^\W\d_]")


MAX_CAPTION_LINES = 3
"""Lines in one caption block (a longer block is body text or a deck)."""


def count_words(content: str) -> int:
    return len(content.split())


NUMBER = re.compile(r"\d[\d.,/]*")
"""A number as a table sets it: ``41``, ``3.5``, ``1,204``, ``7/8``."""


LEADERS = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}\Z|…{2,}\s*\d{1,4}\Z")
"""Dots leading to a page number at a line's end: an entry of a table of contents (with
words before them)."""


LETTER = re.compile(r"[^\W\d_]")


def _table_row(content: str) -> bool:
    """Does this line end in two numbers or more, apart (``Dem Stadtschreiber 41 7``,
    ``12 3 4``): a row of a table? Running text rarely sets two numbers in a row, and never
    on line after line.

    >>> _table_row("Dem Stadtschreiber 41 7"), _table_row("in 1912 and 40 men")
    (True, False)
    """
    last = content.rsplit(None, 2)
    return (
        len(last) >= 2
        and NUMBER.fullmatch(last[-1].rstrip(".")) is not None
        and NUMBER.fullmatch(last[-2]) is not None
    )


def _contents_entry(content: str) -> str | None:
    """``leaders`` for words then dots leading to a page number, ``number`` for words then a
    page number apart (``Foreign news 3``), else None."""
    rest, _, last = content.rpartition(" ")
    if not rest or not LETTER.search(rest):
        return None
    if ("...." in content or ". ." in content or "……" in content) and LEADERS.search(content):
        return "leaders"
    return "number" if last.isdigit() and len(last) <= 4 else None


NUMBER_AT = re.compile(r"\d[\d,]*")


TABLE_ROWS = 2
"""Rows of a table a page needs before it is taken as holding one."""


CONTENTS_RUN = 3
"""Lines one after another ending in a number that make a contents list (or a table column)."""


MASTHEAD_LINES = 4
"""The first lines of a page where a masthead stands."""


def newspaper_page(lines: LineTable) -> str | None:
    """Why this page is not a magazine spread, or None: it holds a table, a contents list or
    a masthead. Evidence is the layout of its lines, never their words:

    - rows of a table: lines ending in two numbers or more (:func:`_table_row`), twice or more;
    - a contents list: dot leaders to a page number, or three lines in a row each ending
      in a number (the page number of an entry);
    - a masthead: among the page's first lines, one set in capitals (the paper's name)
      and one holding two numbers or more, a year among them (date, issue, price).

    On such a page, blocks standing between two halves of a sentence are table cells,
    entries or headlines more often than pull quotes and captions: nothing is moved, and
    only what is certainly furniture is taken out.

    >>> newspaper_page(LineTable("Results\\nDem Stadtschreiber 41 7\\nDer Bote 38 9\\n"))
    'a table (2 rows ending in two numbers or more, e.g. Dem Stadtschreiber 41 7)'
    >>> newspaper_page(LineTable("THE EVENING COURIER\\nNo. 4,512. Monday, June 3, 1912.\\n"))
    'a masthead (THE EVENING COURIER / No. 4,512. Monday, June 3, 1912.)'
    >>> newspaper_page(LineTable("It rained on 3 May\\nand the river rose.\\n")) is None
    True
    """
    if lines.page is None:
        lines.page = (_page_evidence(lines),)
    return lines.page[0]


def _page_evidence(lines: LineTable) -> str | None:
    """:func:`newspaper_page`, worked out."""
    contents = lines.contents
    found = table_lines(contents)
    if found:
        index, kind = found[0]
        if kind == "row":
            rows = sum(1 for _, kind in found if kind == "row")
            return f"a table ({rows} rows ending in two numbers or more, e.g. {contents[index]})"
        return f"a contents list (entries ending in a page number, e.g. {contents[index]})"
    top = list(islice(filter(None, contents), MASTHEAD_LINES))
    title = next((content for content in top if capitals_line(content)), None)
    if title is not None:
        for content in top:
            numbers = NUMBER_AT.findall(content)
            if (
                len(numbers) >= 2
                and any(len(number) == 4 for number in numbers)
                and not FOLIO.fullmatch(content)
            ):
                return f"a masthead ({title} / {content})"
    return None


def table_lines(contents: list[str]) -> list[tuple[int, str]]:
    """The lines of a table or a contents list, in order, each with its kind (``row`` or
    ``entry``): lines ending in two numbers or more, two or more one under another, blank
    lines apart (:func:`_table_row`); lines leading dots to a page number (``LEADERS``); and runs of
    :data:`CONTENTS_RUN` lines or more each ending in a number. A folio is none of them.

    >>> table_lines(["Results", "Dem Stadtschreiber 41 7", "Der Bote 38 9", "", "1912"])
    [(1, 'row'), (2, 'row')]
    """
    # The lines ending in a number, found in the text coded one byte a character with every
    # digit a 0, by searches for a literal (C-level), not by a loop over the lines.
    coded = ("\n".join(contents) + "\n").encode("latin-1", "replace").translate(DIGITS_AS_ZERO)
    if coded.count(b"0\n") < 2:
        return []  # a table has two rows, a contents list two entries or more
    filled = bytes(map(bool, contents))
    found: list[tuple[int, str]] = []
    rows: list[int] = []
    entries: list[int] = []
    previous = line = counted_to = 0
    at = coded.find(b"0\n")
    while at >= 0:
        line += coded.count(b"\n", counted_to, at)
        counted_to = at
        at = coded.find(b"0\n", at + 2)
        content = contents[line]
        if filled.find(1, previous + 1, line) >= 0:
            _close_runs(found, rows, entries)  # a line of text between: no run goes on
        previous = line
        if FOLIO.fullmatch(content):
            _close_runs(found, rows, entries)
            continue
        if _table_row(content):
            rows.append(line)
        elif len(rows) < TABLE_ROWS:
            rows.clear()
        entry = _contents_entry(content)
        if entry == "leaders":
            found.append((line, "entry"))
        elif entry:
            entries.append(line)
        else:
            _close_runs(found, rows, entries)
    _close_runs(found, rows, entries)
    return sorted(set(found))


DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def _close_runs(found: list[tuple[int, str]], rows: list[int], entries: list[int]) -> None:
    """Add the runs of rows and entries long enough to be a table or a contents list to
    ``found``; empty both."""
    if len(rows) >= TABLE_ROWS:
        found.extend((index, "row") for index in rows)
    if len(entries) >= CONTENTS_RUN:
        found.extend((index, "entry") for index in entries if index not in rows)
    rows.clear()
    entries.clear()


def capitals_line(content: str) -> bool:
    """Is this line set in capitals: four letters or more, three in four of them capitals,
    in two words or more, or one of six letters or more (``MONDAY.``)? OCR noise inside
    (``LAllK AND OTTIEltS.``) leaves it one.

    >>> [capitals_line(line) for line in ("FRENCH TRAIN WRECKF", "MONDAY.", "By J. R. Smith",
    ...                                   "rOHDB AND AKOTKBU V. LAllK AND OTTIEltS.", "I")]
    [True, True, False, True, False]
    """
    lower = sum(map(str.islower, content))
    if lower * 4 > len(content):
        return False  # most lines: more small letters than a line in capitals can hold
    upper = sum(map(str.isupper, content))
    letters = upper + lower  # letters with a case
    if letters < 4 or upper * 4 < letters * 3:
        return False
    words = [word for word in content.split() if any(map(str.isalpha, word))]
    return len(words) >= 2 or letters >= 6


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


def is_caption_block(block: list[str], config: RepairConfig) -> bool:
    if len(block) > MAX_CAPTION_LINES:
        return False
    joined = " ".join(block)
    words = count_words(joined)
    if len(block) > 1 and _credit_like(block[-1]):
        words -= count_words(block[-1])  # a caption and the credit under it: each short
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
