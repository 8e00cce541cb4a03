"""A text's lines held column by column, for rules that look closely at only a few of them.

Layout rules ask about the lines standing alone between blank lines, or the lines next to
a blank line: a few in a page. Building an object for every line costs more than the
rules' own tests, so the table keeps each fact as a plain list (or one byte a line) made
at C speed, and the rules find the few lines that matter with ``bytes.find`` and byte
patterns.

>>> table = LineTable("Title\\n\\n  body text\\nmore")
>>> table.contents, table.filled, table.alone(), table.indents
(['Title', '', 'body text', 'more'], b'\\x01\\x00\\x01\\x01', [0], [0, 0, 2, 0])
>>> table.start(2), table.end(2), table.start(3)
(7, 18, 19)
"""

from __future__ import annotations

import re
from itertools import accumulate
from operator import ne
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the context imports this module's table for its type only
    from preserve.repair.context import RuleContext

ALONE = re.compile(rb"(?<!\x01)\x01(?!\x01)")
"""In :attr:`LineTable.filled`: a line with text between blank lines (or the text's edges)."""
FLAGGED = re.compile(rb"\x01")
"""In a column of one byte a line: a line flagged 1."""


class LineTable:
    """The lines of a text (split at ``\\n`` only), column by column.

    ``contents[i]`` is line ``i`` without the whitespace around it (empty for a blank
    line), ``raws[i]`` the line as written, ``filled[i]`` 1 when it holds text.
    """

    __slots__ = ("_indents", "_lengths", "contents", "filled", "page", "raws")

    def __init__(self, text: str) -> None:
        self.raws = raws = text.split("\n")
        self.contents = contents = list(map(str.strip, raws))
        self.filled = bytes(map(bool, contents))
        """One byte a line, 1 when it holds text, 0 when blank: ``bytes.find`` and byte
        patterns find the lines that matter without a Python loop over all of them."""
        self._lengths: list[int] | None = None  # of the lines before each line, "\n" left out
        self._indents: list[int] | None = None
        self.page: tuple[str | None] | None = None
        """What the layout rules found the page to be (a one-item tuple), once asked: the
        same page with its furniture taken out (:meth:`without`) is the same page."""

    def without(self, removed: list[tuple[int, int]]) -> LineTable:
        """The table of this text with lines ``first..stop - 1`` of each ``(first, stop)``
        taken out (sorted, disjoint spans), made by slicing the columns rather than by
        reading the shorter text again. A span reaching the last line takes the text to
        its end from the line break before ``first``, which leaves an empty last line.

        >>> table = LineTable("a\\n\\nfolio\\n\\nb\\nfoot")
        >>> table.without([(2, 4), (5, 6)]).raws
        ['a', '', 'b', '']
        """
        raws: list[str] = []
        contents: list[str] = []
        filled = bytearray()
        indents = self._indents
        kept_indents: list[int] | None = None if indents is None else []
        position = 0
        # Each run of lines left is copied as a slice of each column (C-level copies).
        for first, stop in [*removed, (len(self.raws), 0)]:
            raws += self.raws[position:first]
            contents += self.contents[position:first]
            filled += self.filled[position:first]
            if kept_indents is not None and indents is not None:
                kept_indents += indents[position:first]
            position = stop
        if removed and removed[-1][1] >= len(self.raws):  # to the text's end: an empty last line
            raws.append("")
            contents.append("")
            filled.append(0)
            if kept_indents is not None:
                kept_indents.append(0)
        table = LineTable.__new__(LineTable)
        table.raws, table.contents, table.filled = raws, contents, bytes(filled)
        table._indents, table._lengths = kept_indents, None
        table.page = self.page
        return table

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


def line_table_for(text: str, context: RuleContext) -> LineTable:
    """The lines of ``text``: the table kept on ``context`` when it is of this text (the
    debris rule leaves the table of its output for the rule after it)."""
    kept = context.line_table
    if kept is not None and kept[0] == text:
        return kept[1]
    return LineTable(text)


def keep_line_table(context: RuleContext, lines: LineTable) -> None:
    """Keep ``lines`` on ``context`` for the next rule, with the text it is the table of."""
    context.line_table = ("\n".join(lines.raws), lines)
