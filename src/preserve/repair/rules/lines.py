"""A text's lines held column by column, for rules that look closely at only a few of them.

Layout rules ask about the lines standing alone between blank lines, or the lines next to
a blank line: a few in a page. Building an object for every line costs more than the
rules' own tests, so the table keeps each fact as a plain list (or one byte a line) made
at C speed, and the rules find the few lines that matter with ``bytes.find`` and byte
patterns. A rule that takes out whole lines cuts its table for the next rule
(:meth:`LineTable.without`, :func:`keep_table`, :func:`table_for`).

>>> table = LineTable("Title\\n\\n  body text\\nmore")
>>> table.contents, table.filled, table.alone(), table.indents
(['Title', '', 'body text', 'more'], b'\\x01\\x00\\x01\\x01', [0], [0, 0, 2, 0])
>>> table.start(2), table.end(2), table.start(3)
(7, 18, 19)
"""

from __future__ import annotations

import re
import threading
from itertools import accumulate
from operator import ne

ALONE = re.compile(rb"(?<!\x01)\x01(?!\x01)")
"""In :attr:`LineTable.filled`: a line with text between blank lines (or the text's edges)."""
FLAGGED = re.compile(rb"\x01")
"""In a column of one byte a line: a line flagged 1."""


class LineTable:
    """The lines of a text (split at ``\\n`` only), column by column.

    ``contents[i]`` is line ``i`` without the whitespace around it (empty for a blank
    line), ``raws[i]`` the line as written, ``filled[i]`` 1 when it holds text.
    """

    __slots__ = ("_indents", "_lengths", "contents", "filled", "raws")

    def __init__(self, text: str) -> None:
        self.raws = raws = text.split("\n")
        self.contents = contents = list(map(str.strip, raws))
        self.filled = bytes(map(bool, contents))
        """One byte a line, 1 when it holds text, 0 when blank: ``bytes.find`` and byte
        patterns find the lines that matter without a Python loop over all of them."""
        self._lengths: list[int] | None = None  # of the lines before each line, "\n" left out
        self._indents: list[int] | None = None

    def __len__(self) -> int:
        return len(self.raws)

    @property
    def indents(self) -> list[int]:
        """Each line's indentation: the whitespace before its content (a blank line's: its
        length), worked out on first use (not every rule needs it)."""
        if self._indents is None:
            # Only a line with whitespace around its content can be indented, and most lines
            # have none by now (trailing whitespace is stripped first): those are found by
            # comparing the two columns at C speed, and only they are measured. (The
            # content's first character cannot stand in the indentation before it, so the
            # indentation is what ``lstrip`` takes away.)
            raws = self.raws
            self._indents = indents = [0] * len(raws)
            for match in FLAGGED.finditer(bytes(map(ne, raws, self.contents))):
                raw = raws[match.start()]
                indents[match.start()] = len(raw) - len(raw.lstrip())
        return self._indents

    def start(self, index: int) -> int:
        """Where line ``index`` (0 or more) starts in the text."""
        if self._lengths is None:
            self._lengths = list(accumulate(map(len, self.raws), initial=0))
        return self._lengths[index] + index  # and one "\n" after each line before

    def end(self, index: int) -> int:
        """Where line ``index`` (0 or more) ends in the text, before its ``\\n``."""
        return self.start(index) + len(self.raws[index])

    def alone(self) -> list[int]:
        """Indices of the lines with text that stand alone between blank lines."""
        return [match.start() for match in ALONE.finditer(self.filled)]

    def without(self, text: str, runs: list[tuple[int, int]]) -> tuple[str, LineTable]:
        """``text`` (this table's) with runs of whole lines taken out, and its table, made by
        cutting this table's columns rather than reading the shorter text's lines again.

        ``runs``: ``(first, stop)`` in order, not overlapping, each taking out lines
        ``first`` to ``stop - 1`` with their ``\\n``; a run with ``stop`` the number of
        lines takes out the rest of the text from line ``first``'s start (so the text then
        ends with ``\\n``, or is empty, and its last line is empty).

        >>> text = "a\\n\\nb\\n\\n c\\nd"
        >>> shorter, table = LineTable(text).without(text, [(2, 4), (5, 6)])
        >>> shorter, table.contents == LineTable(shorter).contents, table.indents
        ('a\\n\\n c\\n', True, [0, 0, 1, 0])
        """
        if not runs:
            return text, self  # a table is only read, never changed: it may serve again
        count = len(self.raws)
        pieces: list[str] = []
        position = 0  # the first character not yet copied
        for first, stop in runs:
            pieces.append(text[position : self.start(first)])
            position = self.start(stop) if stop < count else len(text)
        pieces.append(text[position:])
        # Each column copied once, then the runs deleted from the end backwards (each
        # ``del`` a C-level move): fewer steps than gathering the kept slices.
        raws, contents, filled = self.raws[:], self.contents[:], bytearray(self.filled)
        indents = self._indents[:] if self._indents is not None else None
        for first, stop in reversed(runs):
            del raws[first:stop], contents[first:stop], filled[first:stop]
            if indents is not None:
                del indents[first:stop]
        if runs[-1][1] >= count:  # the text now ends with the empty line after "\n"
            raws.append("")
            contents.append("")
            filled.append(0)
            if indents is not None:
                indents.append(0)
        table = LineTable.__new__(LineTable)
        table.raws, table.contents, table.filled = raws, contents, bytes(filled)
        table._lengths = None
        table._indents = indents
        return "".join(pieces), table


_KEPT: dict[tuple[int, str], tuple[str, LineTable]] = {}
"""Tables kept by one rule for the text the next rule gets (see :func:`keep_table`)."""
_KEPT_LOCK = threading.Lock()
MAX_KEPT = 16
"""Tables kept at most: the next rule may be switched off, or fail, and never take its table."""


def _key(text: str) -> tuple[int, str]:
    # A text's length and last characters find its table without hashing the whole text
    # (a page's worth, new for each rule); equality is checked when the table is taken.
    return len(text), text[-48:]


def keep_table(text: str, table: LineTable) -> None:
    """Keep ``text``'s ``table`` for the next rule that asks for it (:func:`table_for`).

    Rules pass each other text only, so the table is found by the text itself: an equal
    text has the same lines. Each kept table is taken once; a lock keeps threads apart.
    """
    with _KEPT_LOCK:
        if len(_KEPT) >= MAX_KEPT:
            del _KEPT[next(iter(_KEPT))]  # the oldest
        _KEPT[_key(text)] = (text, table)


def table_for(text: str) -> LineTable:
    """``text``'s table kept by an earlier rule (taken out), else a new one."""
    key = _key(text)
    with _KEPT_LOCK:
        kept = _KEPT.get(key)
        if kept is not None and kept[0] == text:
            del _KEPT[key]
            return kept[1]
    return LineTable(text)
