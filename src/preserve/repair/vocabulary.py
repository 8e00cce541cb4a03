"""The words a document uses whole: strong evidence about its own names and spellings.

A rule asks the document's :class:`Vocabulary` (``context.vocabulary(text)``) whether a
word stands whole in it, how often, capitalized where no sentence starts (a name), in
lowercase, or as a hyphenated compound.

>>> vocabulary = Vocabulary.of("The ship sailed. A ship-\\nyard was near the Ship Inn.")
>>> vocabulary.count("ship"), vocabulary.count("yard")
(2, 0)
>>> vocabulary.capitalized("ship"), vocabulary.capitalized("inn")
(1, 1)
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections import Counter
from collections.abc import Collection

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
"""A word: letters, with inner apostrophes (``haven’t``)."""
MID_SENTENCE_WORD = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁΑ-Ω](?<=[\w,;][ \n].)[^\W\d_]*(?:['’][^\W\d_]+)*")
"""A capitalized word after a word or a comma: not the start of a sentence (a name)."""
INNER_HYPHEN = re.compile(r"-(?<=[^\W\d_]-)(?=[^\W\d_])")
COMPOUND = re.compile(r"(?<![\w-])[^\W\d_]+(?:-[^\W\d_]+)+(?![\w-])")
LINE_END_BREAK_ASCII = re.compile(r"-[ \t]*\n\n?[ \t]*([^\W\d_]+)")
"""A line-end hyphen and the letters after it, for a text with no other hyphen than ``-``
(see :func:`line_end_break`)."""
HYPHEN_MARKS = "-‐¬⸗\u00ad"
"""What OCR writes for a hyphen at a line end: ``-``, the Unicode hyphen, ``¬`` (ABBYY
FineReader), ``⸗`` (Fraktur OCR's double hyphen) and the soft hyphen. ``=`` is one too, in
a document that uses it so (see :func:`line_end_hyphens`)."""
EQUALS_BREAK = re.compile(r"=(?<=[^\W\d_]=)[ \t]*\n[ \t]*(?=[^\W\d_])")
"""``Zei=⏎tung``: ``=`` between letters at a line end (Fraktur OCR's double hyphen)."""
MIN_EQUALS_BREAKS = 2
"""Lines a document must end with ``=`` inside a word going on in lowercase (more than
half of its ``=``) before its ``=`` is read as a line-end hyphen."""


class Vocabulary:
    """The words a document uses whole: strong evidence about its own names and spellings.

    Fragments at line-end hyphens are left out, since whether they are words is the
    question being asked about them.

    The words are counted once, as written; the tables drawn from them (case folded,
    names, compounds) are made when a rule first asks, since a page asks about few words.
    Look-ups use ``dict.get``: a Counter's missing key costs a call in Python.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._exact = _count_words(text)
        self._fragments = line_end_fragments(text)
        self._folded: dict[str, int] | None = None
        self._fragment_counts: Counter[str] | None = None
        self._names: Names | None = None
        self._compounds: Counter[str] | None = None

    @functools.cached_property
    def total(self) -> int:
        """Words in the document (enough of them make 'never alone' meaningful).

        Counted when first asked: few pages ask (a lone letter that might be a word).
        """
        return sum(self._exact.values()) - len(self._fragments)

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
        return cls(text)

    def count(self, word: str) -> int:
        """Times ``word`` (any case) stands whole in the document."""
        key = word.lower()
        if self._folded is None:
            self._folded = self._fold()
        return self._exact.get(key, 0) + self._folded.get(key, 0)

    def _fold(self) -> dict[str, int]:
        """What case folding adds to the counts of words written in lowercase: the words
        written otherwise, less the fragments at line-end hyphens (they do not count)."""
        exact = self._exact
        folded: dict[str, int] = {}
        # Only the few words that folding may change are looked at in Python: str.lower
        # changes only capital and title-case letters, so a word str.islower accepts (none
        # of those, in C and making no string) stays as it is; of the others, a word with
        # no cased letter at all stays too.
        for written in itertools.filterfalse(str.islower, exact):
            key = written.lower()
            if key != written:
                folded[key] = folded.get(key, 0) + exact[written]
        for fragment in self._fragments:
            key = fragment.lower()
            folded[key] = folded.get(key, 0) - 1
        return folded

    def capitalized(self, word: str) -> int:
        """Times ``word`` is capitalized where a sentence does not start (a name).

        Only ``Title`` case counts: case soup (``ArMenIAn``) is no evidence, nor is a
        line in title case (a headline capitalizes every word).
        """
        if self._names is None:
            self._names = Names(self._text)
        return self._names.count(word.lower())

    def capitalized_words(self) -> Collection[str]:
        """The words (lowercase) the document writes capitalized somewhere no sentence
        starts, prose or not: for any other word :meth:`capitalized` and
        :meth:`capitalized_pair` (as ``second``) are 0, no need to ask."""
        if self._names is None:
            self._names = Names(self._text)
        return self._names.words()

    def capitalized_pair(self, first: str, second: str) -> int:
        """Times ``first second`` stand together, both capitalized, where no sentence
        starts, in prose (a name of two words: ``the Kessel Pass``)."""
        if self._names is None:
            self._names = Names(self._text)
        return self._names.pairs(first.lower(), second.lower())

    def lowercase(self, word: str) -> int:
        """Times ``word`` is written without capitals."""
        key = word.lower()
        if not key.islower():
            return 0
        if self._fragment_counts is None:
            self._fragment_counts = Counter(self._fragments)
        return self._exact.get(key, 0) - self._fragment_counts.get(key, 0)

    def lowercase_tables(self) -> tuple[dict[str, int], dict[str, int]]:
        """What :meth:`lowercase` reads: times each word is written, as written, and times
        it is a fragment at a line-end hyphen.

        For a loop over many words: for a ``word`` that ``str.islower`` accepts (so
        ``word.lower() == word``), ``written.get(word, 0) - fragments.get(word, 0)`` is
        ``lowercase(word)`` without a call (restore_small_caps asks for every word of a
        small-caps line, twice).
        """
        if self._fragment_counts is None:
            self._fragment_counts = Counter(self._fragments)
        return self._exact, self._fragment_counts

    def compound(self, word: str) -> int:
        """Times the hyphenated ``word`` stands whole on one line."""
        if self._compounds is None:
            self._compounds = Counter(word.lower() for word in _compounds(self._text))
        return self._compounds.get(word.lower(), 0)

    def single(self, letter: str) -> int:
        """Times the one-letter word ``letter`` (exact case) stands alone."""
        return self._exact.get(letter, 0) if len(letter) == 1 else 0


_SEPARATORS = bytes(
    byte if chr(byte) == "'" or chr(byte).isalpha() or byte >= 128 else ord(" ")
    for byte in range(256)
)
"""UTF-8 bytes with every ASCII character that can be no part of a ``WORD`` made a space.
(Bytes of other characters are left: no byte of a multi-byte character is below 128.)"""


def _count_words(text: str) -> Counter[str]:
    """``Counter(WORD.findall(text))`` in under half the time (a match per word was most of it).

    Splitting at whitespace and ASCII punctuation (in C) leaves mostly tokens of letters
    alone, each one whole ``WORD`` (its neighbours are neither letters nor apostrophes);
    only the few others (an apostrophe, a dash or quote outside ASCII) go through ``WORD``.

    >>> sorted(_count_words("Don’t  stop: 'twas 3rd— “Stop”").items())
    [('Don’t', 1), ('Stop', 1), ('rd', 1), ('stop', 1), ('twas', 1)]
    """
    # surrogatepass: a lone surrogate (from undecodable input) survives the round trip
    spaced = text.encode("utf-8", "surrogatepass").translate(_SEPARATORS)
    counts = Counter(spaced.decode("utf-8", "surrogatepass").split())
    others = list(itertools.filterfalse(str.isalpha, counts))
    for token in others:
        times = counts.pop(token)
        for word in WORD.findall(token):
            counts[word] += times
    return counts


class Names:
    """Words capitalized where no sentence starts, on lines of prose (see
    :meth:`Vocabulary.capitalized`), and the pairs of such words standing together.

    A line is prose when at most half its words start with a capital: a headline
    (``Harbour Town and Its Ships``) is no evidence about its words. (A short column line
    holding little but a name, ``neighbours Keldorf United``, is no evidence either: a
    missed name costs less than a headline's words taken for names.)

    The capitalized words are found once; whether their lines are prose, and the words
    before them, only for the few words a rule asks about (most words are never asked).

    >>> names = Names("a visit to Paris, then on to\\nthe Kessel Pass and on to Paris")
    >>> names.count("paris"), names.count("pass"), names.pairs("kessel", "pass")
    (2, 1, 1)
    >>> Names("Harbour Town and Its Ships\\n\\nthe ships came").count("ships")
    0
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: dict[str, list[int]] = {}  # lowercase -> where it stands capitalized
        for match in MID_SENTENCE_WORD.finditer(text):
            word = match.group()
            if word.istitle():
                self._starts.setdefault(word.lower(), []).append(match.start())
        self._prose: dict[int, bool] = {}  # line start -> is the line prose?
        self._reverse = ""  # text backwards, made for the first word before a name
        # What was worked out for a word asked about, kept: a book asks about the same
        # names thousands of times, and reading all their places each time made the cost
        # grow with the square of the length.
        self._counts: dict[str, int] = {}  # lowercase -> times capitalized in prose
        self._firsts: dict[str, dict[str, int]] = {}  # second -> first -> times as a pair

    def words(self) -> Collection[str]:
        """Each lowercase word that stands capitalized, in prose or not."""
        return self._starts.keys()

    def count(self, lower: str) -> int:
        """Times the lowercase word ``lower`` stands capitalized in prose."""
        found = self._counts.get(lower)
        if found is None:
            starts = self._starts.get(lower)
            if starts is None:
                return 0
            found = self._counts[lower] = sum(map(self._in_prose, starts))
        return found

    def pairs(self, first: str, second: str) -> int:
        """Times the lowercase words ``first second`` stand together so, both capitalized.

        The capitalized words before ``second`` are counted once, at the first question
        about it: every place of ``second`` is read once whatever is asked later.
        """
        firsts = self._firsts.get(second)
        if firsts is None:
            starts = self._starts.get(second)
            if starts is None:
                return 0
            firsts = self._firsts[second] = {}
            for start in starts:
                if self._in_prose(start):
                    before = self._word_before(start)
                    if before.istitle():
                        key = before.lower()
                        firsts[key] = firsts.get(key, 0) + 1
        return firsts.get(first, 0)

    def _in_prose(self, start: int) -> bool:
        """Is the line holding ``start`` prose?"""
        text = self._text
        line = text.rfind("\n", 0, start) + 1
        is_prose = self._prose.get(line)
        if is_prose is None:
            end = text.find("\n", start)
            words = text[line : end if end >= 0 else len(text)].split()
            # the words starting with a capital, counted in C
            capitals = sum(map(str.isupper, map(_FIRST, words)))
            is_prose = self._prose[line] = capitals * 2 <= len(words)
        return is_prose

    def _word_before(self, start: int) -> str:
        """The letters just before the space or line break at ``start - 1`` (a name's
        start: ``MID_SENTENCE_WORD`` saw it), within 40 characters; else ``""``.

        Matched on the reversed text from its last letter: one anchored match, where a
        search back (``([^\\W\\d_]+)[ \\n]\\Z``) tried every start.
        """
        char = self._text[start - 2]
        if not char.isalnum() or char.isdecimal():  # not a letter ([^\W\d_])
            return ""
        if not self._reverse:
            self._reverse = self._text[::-1]
        size = len(self._text)
        before = LETTERS.match(self._reverse, size - start + 1, size - max(0, start - 40))
        return before.group()[::-1] if before is not None else ""


_FIRST = operator.itemgetter(0)
LETTERS = re.compile(r"[^\W\d_]+")
"""A run of letters."""


def line_end_fragments(text: str) -> list[str]:
    """The word parts on either side of each line-end hyphen.

    >>> line_end_fragments("a massa-\\ncre and 300-\\n400")
    ['massa', 'cre']
    """
    fragments = []
    for match in line_end_break(line_end_hyphens(text)).finditer(text):
        # the letters before the hyphen, looked for from it back (a search would try
        # every start)
        end = match.start()
        start, limit = end, max(0, end - 60)
        while start > limit:
            char = text[start - 1]
            if not char.isalnum() or char.isdecimal():  # not a letter ([^\W\d_])
                break
            start -= 1
        if start < end:
            fragments += [text[start:end], match.group(1)]
    return fragments


def line_end_hyphens(text: str) -> str:
    """The characters that mark a word broken at a line end in ``text``: ``-``, the other
    :data:`HYPHEN_MARKS` it holds, and ``=`` where the document's own counts show it is
    used so: at least :data:`MIN_EQUALS_BREAKS` lines end in ``=`` inside a word going on
    in lowercase, and those are more than half of its ``=``.

    >>> line_end_hyphens("a massa-\\ncre"), line_end_hyphens("die Zei¬\\ntung")
    ('-', '-¬')
    >>> line_end_hyphens("Zei=\\ntung und Stra=\\nße")
    '-='
    >>> line_end_hyphens("x=\\ny and a=\\nb, c=d, e=f")
    '-'
    """
    marks = "-" + "".join(mark for mark in HYPHEN_MARKS[1:] if mark in text)
    if "=" in text:
        breaks = sum(1 for match in EQUALS_BREAK.finditer(text) if text[match.end()].islower())
        if breaks >= MIN_EQUALS_BREAKS and 2 * breaks > text.count("="):
            marks += "="
    return marks


@functools.lru_cache(maxsize=32)
def line_end_break(marks: str) -> re.Pattern[str]:
    """``LINE_END_BREAK_ASCII`` for the line-end hyphens ``marks`` (see
    :func:`line_end_hyphens`)."""
    if marks == "-":
        return LINE_END_BREAK_ASCII
    return re.compile(f"[{re.escape(marks)}]" + r"[ \t]*\n\n?[ \t]*([^\W\d_]+)")


def _compounds(text: str) -> list[str]:
    """Hyphenated words standing whole on a line (found from their hyphens: fast).

    What ``COMPOUND`` finds, searched for within 60 characters of each inner hyphen,
    starting after the window's start: a compound can only start where its run of letters
    and hyphens does, so only that place is tried.

    >>> _compounds("a grief-stricken, well-to-do man; 3-d and x--y")
    ['grief-stricken', 'well-to-do']
    >>> _compounds("machine-gun fire")
    ['machine-gun']
    """
    found: dict[int, str] = {}
    for hyphen in INNER_HYPHEN.finditer(text):
        position = hyphen.start()
        window = max(0, position - 60)
        start = position
        while start > window:
            char = text[start - 1]
            if char != "-" and (not char.isalnum() or char.isdecimal()):  # nor [^\W\d_]
                break
            start -= 1
        if start == window and window > 0:
            continue  # the run begins at or before the window's start: not searched there
        match = COMPOUND.match(text, start, min(len(text), position + 60))
        if match is not None and position < match.end():
            found[start] = match.group()
    return list(found.values())
