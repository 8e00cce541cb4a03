"""What every rule is given (configuration, dictionary, the document's own evidence) and returns.

A rule is a pure function ``rule(text, context) -> RuleOutput``: it never changes ``text``,
it proposes disjoint edits over it, notes the places it chose to leave alone, and names
any layout debris it takes out. :func:`preview` applies one rule, for examples and tests.

>>> vocabulary = Vocabulary.of("The ship sailed. A ship-\\nyard was near the Ship Inn.")
>>> vocabulary.count("ship"), vocabulary.count("yard")
(2, 0)
>>> vocabulary.capitalized("ship"), vocabulary.capitalized("inn")
(1, 1)
"""

from __future__ import annotations

import bisect
import itertools
import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from preserve.repair.config import RepairConfig
from preserve.repair.edits import Edit, Step, new_edit
from preserve.repair.lexicon import Lexicon, get_lexicon

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
"""A word: letters, with inner apostrophes (``haven’t``)."""
MID_SENTENCE_WORD = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁΑ-Ω](?<=[\w,;][ \n].)[^\W\d_]*(?:['’][^\W\d_]+)*")
"""A capitalized word after a word or a comma: not the start of a sentence (a name)."""
INNER_HYPHEN = re.compile(r"-(?<=[^\W\d_]-)(?=[^\W\d_])")
COMPOUND = re.compile(r"(?<![\w-])[^\W\d_]+(?:-[^\W\d_]+)+(?![\w-])")
LINE_END_BREAK = re.compile(r"[-‐¬][ \t]*\n\n?[ \t]*([^\W\d_]+)")
LETTERS_BEFORE = re.compile(r"[^\W\d_]+\Z")
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]»]*$")
SENTENCE_MARKS = ".!?…"
CLOSERS = "\"'”’)]»"
"""What may close a sentence after its final mark (``SENTENCE_END`` spelled for str methods)."""
OPENING_QUOTES = "\"'“‘«„‚"


_TUPLE_NEW = tuple.__new__
"""How :meth:`RuleOutput.edit` makes an :class:`Edit` whose span it has checked."""
_new_edit = new_edit
"""For rules that build an :class:`Edit` whose ``before`` they sliced from the text."""


@dataclass(frozen=True)
class Found:
    """Layout debris a rule took out, with its span in that rule's input."""

    kind: str
    text: str
    start: int
    end: int
    reason: str


@dataclass
class RuleOutput:
    """Edits proposed by one rule, places left alone on purpose, debris found."""

    edits: list[Edit] = field(default_factory=list)
    notes: list[tuple[int, int, str, str]] = field(default_factory=list)
    debris: list[Found] = field(default_factory=list)

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


class Vocabulary:
    """The words a document uses whole: strong evidence about its own names and spellings.

    Fragments at line-end hyphens are left out, since whether they are words is the
    question being asked about them.
    """

    def __init__(
        self,
        lower: Counter[str],
        capitals: Counter[str],
        compounds: Counter[str],
        singles: Counter[str],
        small: Counter[str] | None = None,
    ) -> None:
        self._lower = lower
        self.total = sum(lower.values())
        """Words in the document (enough of them make 'never alone' meaningful)."""
        self._small = small if small is not None else Counter()
        self._capitals = capitals
        self._compounds = compounds
        self._singles = singles

    @classmethod
    def of(cls, text: str, skip: list[tuple[int, int]] | None = None) -> Vocabulary:
        """Count the words of ``text`` (outside the ``skip`` spans)."""
        if skip:
            pieces, position = [], 0
            for start, end in sorted(skip):
                pieces.append(text[position:start])
                position = max(position, end)
            pieces.append(text[position:])
            text = "\n\n".join(pieces)
        # Counted once as written (in C), then each distinct word is looked at once.
        exact = Counter(WORD.findall(text))
        fragments = line_end_fragments(text)
        folded: dict[str, int] = {}
        for word, times in exact.items():
            key = word.lower()
            folded[key] = folded.get(key, 0) + times
        # fragments at line-end hyphens are what is in question: they do not count
        lower = Counter(folded)
        lower.subtract(map(str.lower, fragments))
        singles = Counter({word: times for word, times in exact.items() if len(word) == 1})
        small = Counter({word: times for word, times in exact.items() if word.islower()})
        small.subtract(word for word in fragments if word.islower())
        capitals = Counter(
            word.lower() for word in MID_SENTENCE_WORD.findall(text) if word.istitle()
        )
        compounds = Counter(word.lower() for word in _compounds(text))
        return cls(lower, capitals, compounds, singles, small)

    def count(self, word: str) -> int:
        """Times ``word`` (any case) stands whole in the document."""
        return self._lower[word.lower()]

    def capitalized(self, word: str) -> int:
        """Times ``word`` is capitalized where a sentence does not start (a name).

        Only ``Title`` case counts: case soup (``ArMenIAn``) is no evidence.
        """
        return self._capitals[word.lower()]

    def lowercase(self, word: str) -> int:
        """Times ``word`` is written without capitals."""
        return self._small[word.lower()]

    def compound(self, word: str) -> int:
        """Times the hyphenated ``word`` stands whole on one line."""
        return self._compounds[word.lower()]

    def single(self, letter: str) -> int:
        """Times the one-letter word ``letter`` (exact case) stands alone."""
        return self._singles[letter]


def line_end_fragments(text: str) -> list[str]:
    """The word parts on either side of each line-end hyphen.

    >>> line_end_fragments("a massa-\\ncre and 300-\\n400")
    ['massa', 'cre']
    """
    fragments = []
    for match in LINE_END_BREAK.finditer(text):
        # LETTERS_BEFORE, looked for from the hyphen back (a search would try every start)
        end = match.start()
        start, limit = end, max(0, end - 60)
        while start > limit and _is_letter(text[start - 1]):
            start -= 1
        if start < end:
            fragments += [text[start:end], match.group(1)]
    return fragments


def _is_letter(char: str) -> bool:
    """``[^\\W\\d_]`` for one character: a word character that is not a digit or ``_``."""
    return char.isalnum() and not char.isdecimal()


def _compounds(text: str) -> list[str]:
    """Hyphenated words standing whole on a line (found from their hyphens: fast)."""
    found: dict[int, str] = {}
    for hyphen in INNER_HYPHEN.finditer(text):
        position = hyphen.start()
        window = max(0, position - 60)
        for match in COMPOUND.finditer(text, window, min(len(text), position + 60)):
            if match.start() <= position < match.end() and match.start() > window:
                found[match.start()] = match.group()
    return list(found.values())


class RuleContext:
    """Configuration, dictionary and layout facts shared by the rules of one repair."""

    def __init__(self, config: RepairConfig, lexicon: Lexicon | None = None) -> None:
        self.config = config
        self.lexicon = lexicon or get_lexicon(config.language)
        self._vocabulary: tuple[str, Vocabulary] | None = None
        self._column: int | None = None
        self._full = 0
        self._room = 0.0
        self.joined_line_starts: tuple[int, list[int]] | None = None
        """Set by the hyphen rule: (length of its output, where each joined line began)."""

    def vocabulary(self, text: str) -> Vocabulary:
        """The document's vocabulary, measured on the first text asked about.

        Rules before reflow change few words, so one count serves them all.
        """
        if self._vocabulary is None:
            self._vocabulary = (text, Vocabulary.of(text))
        return self._vocabulary[1]

    def column_width(self, text: str) -> int:
        """The typical body line length: the median of non-blank line lengths.

        Measured once, on the first text asked about (the OCR as read, wrapped in its
        columns), since later rules join lines.
        """
        if self._column is None:
            lines = [line.strip() for line in text.split("\n")]
            lengths = sorted(len(line) for line in lines if line)
            self._column = max(int(statistics.median(lengths)), 1) if lengths else 60
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
    needs = [
        len(line) + 1 + len(following.split(maxsplit=1)[0])
        for line, following in itertools.pairwise(lines)
        if line and following and following[0].islower() and line[-1] not in "-‐¬"
    ]
    if len(needs) >= MIN_WRAPPED_PAIRS and sum(need > full for need in needs) >= TIGHT_SHARE * len(
        needs
    ):
        return max(room, full)
    return room


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
