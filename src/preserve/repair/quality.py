"""How good an OCR text is, for triage: which items to send back for re-OCR.

Three measures, each a share, of the text as received and of the repaired text:

- ``known``: words (letters only, two or more) the dictionary knows; None without one.
- ``garbage``: tokens (between whitespace) that are OCR garbage: letters with no vowel
  (Latin script, unknown to the dictionary, not an abbreviation in capitals), letters
  mixed with digits (not ``1st``, ``1840s``, ``10am``, ``A4``), or a run of punctuation
  (``,.`` ``;;`` ``.:``; not ``...``, ``?!``, ``--``, ``etc.,``).
- ``hyphens``: non-blank lines that end in a line-end hyphen before a word going on on
  the next line (the repair joins them; many left after it are a sign of trouble).

The ``score`` ranks items: ``known × (1 − garbage)`` of the text as received (``1 −
garbage`` without a dictionary), from 0 (worst) to 1. A long text is measured on an even
sample of :data:`MAX_TOKENS` tokens.

>>> words = {"the", "ship", "sailed", "at", "dawn", "harbour"}
>>> quality = assess(
...     "the sh1p sai-\\nled at dawn ,, frorn the harbour\\n",
...     "the sh1p sailed at dawn ,, frorn the harbour\\n",
...     words.__contains__,
...     "en_US",
... )
>>> quality.before.known, quality.before.garbage, quality.before.hyphens
(0.625, 0.2, 0.5)
>>> quality.after.known, quality.after.hyphens, quality.score
(0.8571, 0.0, 0.5)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from preserve.errors import ConfigError
from preserve.repair.config import AUTO
from preserve.repair.lexicon import get_lexicon
from preserve.repair.vocabulary import HYPHEN_MARKS, line_end_hyphens

if TYPE_CHECKING:
    from preserve.repair.engine import RepairResult

MAX_TOKENS = 20_000
"""Tokens measured at most, spread evenly over a long text (a book is sampled)."""
VOWELS = frozenset("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœāēīōūăĕĭŏŭąęįųůűőı")
AROUND = "\"'“”‘’„‚«»‹›()[]{}.,;:!?…—–-¬⸗=*/"
"""Stripped from around a token before its letters are judged."""
PUNCTUATION_RUN = re.compile(r"[.,;:!?*_~^|\\<>-]{2,}")
FINE_RUNS = re.compile(r"\.{2,4}[!?,;:]?|[!?]{1,3}|-{2,3}|\*{2,3}|[.!?)][,;:]|[.!?]-{1,2}")
"""Runs of punctuation print uses: an ellipsis, ``?!``, a dash typed as ``--``, ``etc.,``."""
FINE_MIXED = re.compile(
    r"\d+(?i:st|nd|rd|th|d|s|['’]s|am|pm|a\.m|p\.m|km|kg|cm|mm|ml|m|ft|in|lb|lbs|oz|g|h|x)"
    r"|[A-Z]{1,4}-?\d+[A-Z]?|\d+[A-Z]{1,3}"
)
"""Letters with digits print uses: ordinals, decades, units, codes (``A4``, ``M25``)."""
HYPHEN_BREAK = {
    False: re.compile(r"[^\W\d_][-‐¬⸗\u00ad][ \t]*\n[ \t]*[^\W\d_]"),
    True: re.compile(r"[^\W\d_][-‐¬⸗\u00ad=][ \t]*\n[ \t]*[^\W\d_]"),
}
"""A word broken at a line-end hyphen (``=`` too where the document uses it so)."""
_HYPHEN_AND_AFTER = {
    False: re.compile(r"[-‐¬⸗\u00ad][ \t]*\n[ \t]*[^\W\d_]"),
    True: re.compile(r"[-‐¬⸗\u00ad=][ \t]*\n[ \t]*[^\W\d_]"),
}
""":data:`HYPHEN_BREAK` from the hyphen on: searched for quickly (a letter starts almost
anywhere, a hyphen seldom), the letter before it checked apart (:func:`_hyphen_breaks`)."""
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class TextQuality:
    """The measures of one text (see the module)."""

    tokens: int
    words: int
    known: float | None
    garbage: float
    hyphens: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "known": self.known,
            "garbage": self.garbage,
            "hyphens": self.hyphens,
            "tokens": self.tokens,
            "words": self.words,
        }


@dataclass(frozen=True)
class Quality:
    """The measures of a text as received and repaired, and the dictionary used."""

    before: TextQuality
    after: TextQuality
    language: str | None

    @property
    def score(self) -> float:
        """``known × (1 − garbage)`` as received (``known`` taken as 1 without a
        dictionary): 0 worst, 1 best."""
        known = 1.0 if self.before.known is None else self.before.known
        return round(known * (1 - self.before.garbage), 4)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "language": self.language,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }


def assess(
    original: str, repaired: str, check: Callable[[str], bool] | None, language: str | None
) -> Quality:
    """The quality of ``original`` and of ``repaired``, words looked up with ``check``."""
    verdicts: dict[str, int] = {}  # the two texts share most of their tokens
    return Quality(measure(original, check, verdicts), measure(repaired, check, verdicts), language)


def measure(
    text: str, check: Callable[[str], bool] | None = None, verdicts: dict[str, int] | None = None
) -> TextQuality:
    """The measures of ``text`` (see the module); ``check`` tells a known word.

    ``verdicts`` keeps what each token was found to be (:func:`_judge`) for the next text
    measured with the same ``check``: a text and its repair share most of their tokens.

    >>> measure("The 2nd cat sat on the mat... ahh,; xqzt I0l", None)
    TextQuality(tokens=10, words=8, known=None, garbage=0.3, hyphens=0.0)
    """
    pieces = text.split()
    if len(pieces) > MAX_TOKENS:
        step = len(pieces) / MAX_TOKENS
        pieces = [pieces[int(index * step)] for index in range(MAX_TOKENS)]
    if verdicts is None:
        verdicts = {}
    # Each distinct token is judged once; then the verdicts are counted in C.
    for piece in set(pieces).difference(verdicts):
        verdicts[piece] = _judge(piece, check)
    words = known = garbage = 0
    for verdict, count in Counter(map(verdicts.__getitem__, pieces)).items():
        if verdict & _WORD:
            words += count
        if verdict & _KNOWN:
            known += count
        if verdict & _GARBAGE:
            garbage += count
    return TextQuality(
        tokens=len(pieces),
        words=words,
        known=None if check is None else _share(known, words),
        garbage=_share(garbage, len(pieces)),
        hyphens=_share(_hyphen_breaks(text), _filled_lines(text)),
    )


_WORD, _KNOWN, _GARBAGE = 1, 2, 4


def _judge(piece: str, check: Callable[[str], bool] | None) -> int:
    """What a token is: a word (:data:`_WORD`), known to ``check`` (:data:`_KNOWN`), garbage
    (:data:`_GARBAGE`), as bits.

    >>> _judge("cat,", {"cat"}.__contains__), _judge("xqzt", None), _judge("ahh,;", None)
    (3, 5, 5)
    >>> _judge("I0l", None), _judge("mat...", None), _judge("a,;", None), _judge("the", None)
    (4, 1, 4, 1)
    """
    core = piece.strip(AROUND)
    if core.isalpha():
        verdict = 0
        if len(core) > 1:
            verdict = _WORD
            if check is not None and check(core):
                verdict |= _KNOWN
            elif _without_vowel(core):
                return verdict | _GARBAGE
        # a run of punctuation is two marks or more, all outside the letters
        if len(piece) - len(core) > 1 and _punctuation_run(piece):
            verdict |= _GARBAGE
        return verdict
    return _GARBAGE if _mixed(core) or _punctuation_run(piece) else 0


def _without_vowel(word: str) -> bool:
    """Latin letters with no vowel, not capitals alone (``BBC``), not a short name
    (``Mr``, ``Dr``, ``St``).

    >>> _without_vowel("xqzt"), _without_vowel("BBC"), _without_vowel("Mrs"), _without_vowel("вт")
    (True, False, False, False)
    """
    if word.isupper() or (word.istitle() and len(word) <= 3):
        return False
    lower = word.lower()
    if any(char in VOWELS for char in lower):
        return False
    return all(char < "ɐ" for char in lower)  # Latin script (Latin Extended-B and before)


def _mixed(core: str) -> bool:
    """Letters and digits mixed in one token, not as print uses them (:data:`FINE_MIXED`).

    >>> _mixed("I0l"), _mixed("1840s"), _mixed("A4"), _mixed("10"), _mixed("tbe")
    (True, False, False, False, False)
    """
    has_digit = has_letter = False
    for char in core:
        if char.isdigit():
            has_digit = True
        elif char.isalpha():
            has_letter = True
    return has_digit and has_letter and FINE_MIXED.fullmatch(core) is None


def _punctuation_run(piece: str) -> bool:
    """A run of punctuation that is not one print uses (:data:`FINE_RUNS`).

    >>> _punctuation_run("dawn,,"), _punctuation_run("so...?"), _punctuation_run("etc.,")
    (True, False, False)
    """
    return any(FINE_RUNS.fullmatch(run.group()) is None for run in PUNCTUATION_RUN.finditer(piece))


def _hyphen_breaks(text: str) -> int:
    """How many words :data:`HYPHEN_BREAK` finds broken (its matches do not overlap).

    >>> _hyphen_breaks("a mas-\\ncre, a-\\nb-\\nc, 1-\\nx and -\\ny")
    2
    """
    if not any(mark in text for mark in HYPHEN_MARKS) and "=" not in text:
        return 0
    with_equals = "=" in line_end_hyphens(text)
    # A match of HYPHEN_BREAK begins at the letter before a hyphen matched here; as its
    # own search, count one only where it does not overlap the one counted before.
    letter = _LETTER.match
    count = 0
    end = 0
    for match in _HYPHEN_AND_AFTER[with_equals].finditer(text):
        start = match.start() - 1
        if start >= end and letter(text, start):
            count += 1
            end = match.end()
    return count


def _filled_lines(text: str) -> int:
    """Lines with anything but whitespace on them."""
    lines = text.split("\n")
    return len(lines) - lines.count("") - sum(map(str.isspace, lines))


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def quality_of(result: RepairResult) -> Quality:
    """The quality of a repair's text as received and as repaired, words looked up in the
    dictionary it used (the one ``auto`` chose); none if there was none."""
    language = result.language.get("chosen") if result.language else result.config.language
    check = None
    if language and language != AUTO:
        config = replace(result.config, language=language)
        try:
            check = get_lexicon(language, config.dictionary_variants()).check
        except ConfigError:
            language = None
    return assess(result.original, result.text, check, language)
