"""What every rule is given (configuration, dictionary, the document's own evidence) and returns.

A rule is a pure function ``rule(text, context) -> RuleOutput``: it never changes ``text``,
it proposes disjoint edits over it, notes the places it chose to leave alone, and names
any layout debris it takes out. :func:`preview` applies one rule, for examples and tests.
The document's own words are counted in :mod:`preserve.repair.vocabulary`.
"""

from __future__ import annotations

import bisect
import itertools
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from preserve.repair.config import RepairConfig
from preserve.repair.edits import Edit, Step
from preserve.repair.lexicon import Lexicon, lexicon_for
from preserve.repair.vocabulary import HYPHEN_MARKS, Vocabulary

if TYPE_CHECKING:  # the rules package (its registry) imports this module: not at run time
    from preserve.repair.rules.lines import LineTable

SENTENCE_MARKS = ".!?…"
CLOSERS = "\"'”’)]»"
"""What may close a sentence after its final mark (:func:`ends_sentence`)."""
OPENING_QUOTES = "\"'“‘«„‚"


_TUPLE_NEW = tuple.__new__
"""How :meth:`RuleOutput.edit` makes an :class:`Edit` whose span it has checked."""


@dataclass(frozen=True)
class Debris:
    """Layout debris taken out of the body and kept as metadata of the derived text."""

    kind: str
    """``folio`` | ``running-head`` | ``running-foot`` | ``jump-line`` | ``caption`` |
    ``credit``."""
    text: str
    start: int
    end: int
    """Span in the original text; in the rule's own input where a rule returns it (the
    engine maps it back through the steps before)."""
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "reason": self.reason,
        }


@dataclass
class RuleOutput:
    """Edits proposed by one rule, places left alone on purpose, debris found."""

    edits: list[Edit] = field(default_factory=list)
    notes: list[tuple[int, int, str, str]] = field(default_factory=list)
    debris: list[Debris] = field(default_factory=list)

    def edit(
        self,
        rule: str,
        text: str,
        start: int,
        end: int,
        after: str,
        reason: str,
        confidence: float = 1.0,
    ) -> None:
        if not 0 <= start <= end <= len(text):
            Edit(rule, start, end, "", after, reason, confidence)  # raises, saying why
        self.edits.append(
            _TUPLE_NEW(Edit, (rule, start, end, text[start:end], after, reason, confidence))
        )

    def note(self, text: str, start: int, end: int, reason: str) -> None:
        self.notes.append((start, end, text[start:end], reason))


class RuleContext:
    """Configuration, dictionary and layout facts shared by the rules of one repair."""

    def __init__(self, config: RepairConfig, lexicon: Lexicon | None = None) -> None:
        self.config = config
        self.lexicon = lexicon or lexicon_for(config)
        self._vocabulary: tuple[str, Vocabulary] | None = None
        self._column: int | None = None
        self._full = 0
        self._room = 0.0
        self.joined_line_starts: tuple[int, list[int]] | None = None
        """Set by the hyphen rule: (length of its output, where each joined line began)."""
        self.line_table: tuple[str, LineTable] | None = None
        """Set by the debris rule: the text it made and that text's line table, for the
        block mover that runs next (cutting the removed lines out of a table is quicker
        than reading the text again)."""

    def vocabulary(self, text: str) -> Vocabulary:
        """The document's vocabulary, measured on the first text asked about.

        Rules before reflow change few words, so one count serves them all.
        """
        if self._vocabulary is None:
            self._vocabulary = (text, Vocabulary.of(text))
        return self._vocabulary[1]

    def vocabulary_text(self, text: str) -> str:
        """The text :meth:`vocabulary` was measured on (``text``, if it is the first)."""
        if self._vocabulary is None:
            self.vocabulary(text)
        assert self._vocabulary is not None
        return self._vocabulary[0]

    def column_width(self, text: str) -> int:
        """The typical body line length: the median of non-blank line lengths.

        Measured once, on the first text asked about (the OCR as read, wrapped in its
        columns), since later rules join lines.
        """
        if self._column is None:
            lines = list(map(str.strip, text.split("\n")))
            lengths = sorted(map(len, filter(None, lines)))
            self._column = max(_median(lengths), 1) if lengths else 60
            widest = self.config.wide_line_ratio * self._column
            body = lengths[: bisect.bisect_right(lengths, widest)]
            self._full = body[int(len(body) * 0.9)] if len(body) >= 10 else 0
            self._room = _room_for_next_word(lines, self._full)
        return self._column

    def full_width(self, text: str) -> int:
        """How long a full body line is (90th percentile; 0 when too few lines to tell).

        A line that ends a sentence with room left for the next line's first word was not
        broken by the wrapping: a paragraph ends there.
        """
        self.column_width(text)
        return self._full

    def room_width(self, text: str) -> float:
        """A sentence-final line whose length, plus a space and the next line's first word,
        stays under this was not broken by the wrapping: a paragraph ends there (0: unknown).

        ``ROOM_SHARE`` of a full line, to allow for proportional type; a full line plus one
        when the document shows that its lines were wrapped as soon as the next word did
        not fit (see :func:`_room_for_next_word`).
        """
        self.column_width(text)
        return self._room

    def knows(self, word: str, vocabulary: Vocabulary | None = None) -> bool:
        """Is ``word`` in the dictionary or standing whole in the document?"""
        return self.lexicon.check(word) or (vocabulary is not None and vocabulary.count(word) > 0)


def _median(ordered: list[int]) -> int:
    """``int(statistics.median(ordered))`` for lengths already in order (it sorts again).

    >>> _median([1, 2, 9]), _median([1, 2, 5, 9]), _median([4, 7])
    (2, 3, 5)
    """
    half = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[half]
    return (ordered[half - 1] + ordered[half]) // 2  # int() of a mean >= 0 rounds down


ROOM_SHARE = 0.8
"""A sentence-final line this far short of a full line (with the next word) ends a paragraph."""
MIN_WRAPPED_PAIRS = 20
"""Lines going on in lowercase a document needs before its wrapping is trusted to be tight."""
TIGHT_SHARE = 0.9
"""Share of them that must show the next word did not fit (the rest: lines beside furniture
or moved blocks, letters split by OCR). Proportional type shows far fewer (~70%)."""


def _room_for_next_word(lines: list[str], full: int) -> float:
    """How long a sentence-final line plus the next word may be and still end a paragraph.

    Inside a paragraph a line was broken because the next word did not fit: its length,
    a space and the next word's length is over the column width, and so over ``full``
    (a full line). Where nearly every line that goes on in lowercase (surely inside a
    paragraph; not after a hyphen) shows this, the lines were wrapped that way (type of
    even width): then a sentence-final line with room for the next word within a full line
    ends a paragraph. Otherwise (type of varying width) only clear room counts.

    ``lines``: the lines of the text, stripped.

    >>> wrapped = ["one two three", "four five six", "seven eight."] * 10
    >>> _room_for_next_word(wrapped, 13)
    13
    >>> _room_for_next_word(["one", "four five six", "seven eight."] * 4 + wrapped[12:], 13)
    10.4
    """
    room = ROOM_SHARE * full
    if not full:
        return 0.0
    needs, wrapped = _wrapped_lines(lines, full)
    if needs >= MIN_WRAPPED_PAIRS and wrapped >= TIGHT_SHARE * needs:
        return max(room, full)
    return room


def _wrapped_lines(lines: list[str], full: int) -> tuple[int, int]:
    """Lines that go on in lowercase (not after a hyphen), and how many of them, with a
    space and the next line's first word, are over ``full``.

    >>> _wrapped_lines(["one two", "three four", "Five", "six-", "seven"], 9)
    (2, 1)
    """
    needs = fits = 0
    limit = full - 1
    # Only the lines before one that starts with a small letter are looked at in Python,
    # picked out by map and compress in C (line index + 1 is the one that follows).
    starts_small = map(str.islower, map(_FIRST_CHARACTER, itertools.islice(lines, 1, None)))
    for index in itertools.compress(itertools.count(), starts_small):
        line = lines[index]
        # not in HYPHEN_MARKS: is not empty and does not end with a hyphen ("" is in any str)
        if line[-1:] not in HYPHEN_MARKS:
            needs += 1
            # len(line) + 1 + len(next word) <= full: the next word had room. A line of
            # full - 1 or more has room for none: no need to split out the next one
            # (many lines are that long).
            size = len(line)
            if size < limit and len(lines[index + 1].split(None, 1)[0]) <= limit - size:
                fits += 1
    return needs, needs - fits


_FIRST_CHARACTER = operator.itemgetter(slice(None, 1))
"""The first character of a string, or "" (for ``str.islower``: False)."""


def ends_sentence(line: str) -> bool:
    """Does ``line`` end with sentence-final punctuation (possibly inside quotes)?

    >>> ends_sentence("were killed."), ends_sentence("below!”"), ends_sentence("near the")
    (True, True, False)
    """
    stripped = line.rstrip().rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in SENTENCE_MARKS


def lines_of(text: str) -> list[tuple[int, str]]:
    """Each line of ``text`` (split at ``\\n`` only) with the offset where it starts.

    >>> lines_of("ab\\n\\ncd")
    [(0, 'ab'), (3, ''), (4, 'cd')]
    """
    result = []
    position = 0
    for line in text.split("\n"):
        result.append((position, line))
        position += len(line) + 1
    return result


def preview(
    rule: Callable[[str, RuleContext], RuleOutput], text: str, config: RepairConfig | None = None
) -> str:
    """Apply one rule to ``text`` and return the result (for examples and tests)."""
    context = RuleContext(config or RepairConfig())
    output = rule(text, context)
    return Step(rule.__name__, tuple(sorted(output.edits, key=lambda e: (e.start, e.end)))).apply(
        text
    )
