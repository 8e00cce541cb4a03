"""Encoding rules: mojibake, control characters, ligatures, normal form (ftfy), soft hyphens.

ftfy is told to keep the author's typography: curly quotes stay curly, full-width
letters stay, ``&amp;`` stays (see :class:`~preserve.repair.config.RepairConfig`).

>>> from preserve.repair.context import preview
>>> preview(fix_encoding, "cafÃ© “quoted” ﬁne\\n")
'café “quoted” fine\\n'
>>> preview(remove_soft_hyphens, "hyphen\\xad\\nation and ma\\xadgic")
'hyphen\\xad\\nation and magic'
>>> from preserve.repair.rules.hyphenation import join_line_end_hyphens
>>> preview(join_line_end_hyphens, "hyphen\\xad\\nation and machine\\xad\\ngun")
'hyphenation and machine-gun'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import ftfy
from ftfy.badness import BADNESS_RE, is_bad
from ftfy.chardata import (
    CONTROL_CHARS,
    DOUBLE_QUOTE_RE,
    LIGATURES,
    SINGLE_QUOTE_RE,
    WIDTH_MAP,
)

from preserve.repair.config import RepairConfig
from preserve.repair.context import RuleContext, RuleOutput

SOFT_HYPHEN = re.compile("\u00ad(?:[ \t]*\n[ \t]*)?")
SOFT_HYPHEN_BREAK = re.compile("\u00ad[ \t]*\n(?:[ \t]*\n)?[ \t]*[^\\W\\d_]")
"""A soft hyphen at a line end before letters: what the hyphen rule judges."""


def ftfy_config(config: RepairConfig) -> ftfy.TextFixerConfig:
    """The ftfy settings a repair uses, derived from the repair configuration."""
    return ftfy.TextFixerConfig(
        unescape_html=config.unescape_html,
        uncurl_quotes=config.uncurl_quotes,
        fix_latin_ligatures=config.fix_latin_ligatures,
        fix_character_width=config.fix_character_width,
        remove_control_chars=config.remove_control_chars,
        fix_line_breaks=False,
        normalization=None if config.normalization == "none" else config.normalization,  # type: ignore[arg-type]
        explain=False,
    )


def fix_encoding(text: str, context: RuleContext) -> RuleOutput:
    """Fix mojibake and friends line by line with ftfy; one edit per changed line.

    ftfy is given only the lines it would change: calling it costs ~30-60 us a line, and
    most lines hold nothing it fixes (see :class:`_Gate`).
    """
    output = RuleOutput()
    config = context.config
    settings = ftfy_config(config)
    gate = _gate(settings)
    if config.normalization != "none" and not unicodedata.is_normalized(
        config.normalization,  # type: ignore[arg-type]
        text,
    ):
        lines: Iterator[tuple[int, int]] = (match.span() for match in re.finditer(r"[^\n]+", text))
    else:
        lines = gate.lines_to_look_at(text)
    for line_start, line_end in lines:
        line = text[line_start:line_end]
        fixed = _fix_line(gate, line)
        if fixed == line:
            continue
        prefix = _common_prefix(line, fixed)
        suffix = _common_suffix(line, fixed, min(len(line), len(fixed)) - prefix)
        start, end = line_start + prefix, line_end - suffix
        output.edit(
            "fix_encoding",
            text,
            start,
            end,
            fixed[prefix : len(fixed) - suffix],
            "encoding repaired by ftfy (mojibake, control characters, ligatures, normal form)",
        )
    return output


LINE_END_MARKS = "¬\u00ad"
"""Line-end hyphens that are bytes of UTF-8 read as Latin-1 (0xAC, 0xAD, both continuation
bytes): ftfy takes ``ß¬`` (0xDF 0xAC) for one character's mojibake (``߬``)."""


def _fix_line(gate: _Gate, line: str) -> str:
    """:meth:`_Gate.fix_line` of ``line``, with a line-end hyphen (``¬``, a soft hyphen)
    and the spaces after it kept out of ftfy's sight: it is a mark of its own, never part
    of a character's bytes (``größ¬`` must not become ``grö߬``, a word never joined).

    >>> gate = _gate(ftfy_config(RepairConfig()))
    >>> _fix_line(gate, "war größ¬"), _fix_line(gate, "the cafÃ© re¬ ")
    ('war größ¬', 'the café re¬ ')
    """
    body = line.rstrip(" \t")
    if body[-1:] not in LINE_END_MARKS or len(body) < 2:
        return gate.fix_line(line)
    return gate.fix_line(body[:-1]) + line[len(body) - 1 :]


def _common_prefix(one: str, other: str) -> int:
    """Length of the longest common prefix of two strings.

    Found by halving, each step one C-level comparison of slices: a comparison character
    by character in Python cost a fifth of the rule's time without ftfy.

    >>> _common_prefix("café au lait", "cafÃ© au lait"), _common_prefix("ab", "ab")
    (3, 2)
    """
    low, high = 0, min(len(one), len(other))  # one[:low] == other[:low]; not beyond high
    while low < high:
        middle = (low + high + 1) // 2
        if one[low:middle] == other[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(one: str, other: str, limit: int) -> int:
    """Length of the longest common suffix of two strings, at most ``limit``.

    >>> _common_suffix("café au lait", "cafÃ© au lait", 9), _common_suffix("ab", "b", 1)
    (8, 1)
    """
    low, high = 0, limit
    one_end, other_end = len(one), len(other)
    while low < high:
        middle = (low + high + 1) // 2
        if one[one_end - middle : one_end - low] == other[other_end - middle : other_end - low]:
            low = middle
        else:
            high = middle - 1
    return low


class _Gate:
    """Which lines ftfy could change, worked out from ftfy's own tables and tests.

    On a line already in normal form, :func:`ftfy.fix_text` changes nothing unless its
    mojibake test (:func:`ftfy.badness.is_bad`, never true of ASCII) says the line looks
    like mojibake, or the line holds a character one of its enabled fixers replaces: C1
    controls, surrogates, terminal escapes, and per configuration ligatures, control
    characters, wide letters, curly quotes, HTML entities. Any other line it returns as
    it is, so it is not called for them.
    """

    def __init__(self, settings: ftfy.TextFixerConfig) -> None:
        self.settings = settings
        self.ligatures = frozenset(map(chr, LIGATURES) if settings.fix_latin_ligatures else ())
        chars = {chr(code) for code in range(0x80, 0xA0)} | {"\x1b"}
        if settings.fix_latin_ligatures:
            chars.update(map(chr, LIGATURES))
        if settings.remove_control_chars:
            chars.update(map(chr, CONTROL_CHARS))
        if settings.fix_character_width:
            chars.update(map(chr, WIDTH_MAP))
        if settings.unescape_html:
            chars.add("&")
        fixed = "".join(re.escape(char) for char in sorted(chars))
        quotes = (
            SINGLE_QUOTE_RE.pattern[1:-1] + DOUBLE_QUOTE_RE.pattern[1:-1]
            if settings.uncurl_quotes
            else ""
        )
        surrogates = "\ud800-\udfff"
        self.fixed = re.compile(f"[{fixed}{quotes}{surrogates}]")
        self.clues: re.Pattern[str] | None = None
        if MOJIBAKE_CLUES is None:  # ftfy's test could not be read: look at non-ASCII lines
            self.candidates = re.compile(f"[^\\x00-\\x7f]|[{fixed}]")
        else:
            clues = "".join(re.escape(char) for char in sorted(MOJIBAKE_CLUES[0]))
            self.clues = re.compile(f"[{clues}]")
            self.candidates = re.compile(f"[{clues}{fixed}{quotes}{surrogates}]")
        self.plain = bytes(byte for byte in range(0x80) if not self.candidates.match(chr(byte)))
        """The ASCII characters (as UTF-8 bytes) that are no candidates: most of a text."""

    def lines_to_look_at(self, text: str) -> Iterator[tuple[int, int]]:
        """Start and end of each line of ``text`` (in normal form) ftfy could change.

        :meth:`would_look` for every line, worked out from where the text's candidates
        stand: they are the line's fixed characters and clues, so they are not looked for
        again line by line.
        """
        suspects, fixed = self._suspects(text)
        line_start = line_end = -1
        clues: list[int] = []
        looked = True  # the line being read is decided
        for at in suspects:
            if at > line_end:  # the first suspect of a line
                if not looked and self._mojibake(text, line_start, line_end, clues):
                    yield line_start, line_end
                line_start = text.rfind("\n", 0, at) + 1
                line_end = text.find("\n", at)
                if line_end < 0:
                    line_end = len(text)
                clues = []
                looked = False
            if looked:
                continue
            if text[at] in fixed:
                looked = True
                yield line_start, line_end
            else:
                clues.append(at)
        if not looked and self._mojibake(text, line_start, line_end, clues):
            yield line_start, line_end

    def _suspects(self, text: str) -> tuple[list[int], set[str]]:
        """Where the characters :attr:`candidates` matches stand in ``text``, in order, and
        which of them are fixed characters.

        Found from the few distinct characters of the text that are not plain ASCII (one
        C-level pass over its UTF-8 bytes drops the plain ones), each looked for by
        ``str.find``: a search of the whole text with the candidates' class, which tries
        every character, took three times as long.
        """
        rare = text.encode("utf-8", "surrogatepass").translate(None, self.plain)
        present = [
            char
            for char in set(rare.decode("utf-8", "surrogatepass"))
            if self.candidates.match(char) is not None
        ]
        suspects: list[int] = []
        find = text.find
        for char in present:
            at = find(char)
            while at >= 0:
                suspects.append(at)
                at = find(char, at + 1)
        suspects.sort()
        return suspects, {char for char in present if self.fixed.match(char) is not None}

    def _mojibake(self, text: str, start: int, end: int, clues: list[int]) -> bool:
        """:func:`is_bad` of ``text[start:end]``, a line whose clues stand at ``clues``."""
        if MOJIBAKE_CLUES is None or len(clues) > MAX_WINDOWS:
            return is_bad(text[start:end])
        # A match of the mojibake test holds a clue of its alternative and is at most that
        # alternative's `width` long: testing the alternatives of each clue in a window
        # around it is exact. The windows are read in the line alone, as is_bad reads it:
        # one alternative is anchored at the start (``^Â ``).
        line = text[start:end]
        for at in clues:
            test, width = _mojibake_test(text[at])
            at -= start
            if test.search(line, max(0, at - width + 1), at + width) is not None:
                return True
        return False

    def would_look(self, line: str) -> bool:
        """Could ftfy change this line (in normal form already)?"""
        return self.fixed.search(line) is not None or self.looks_like_mojibake(line)

    def looks_like_mojibake(self, line: str) -> bool:
        """:func:`is_bad` of ``line``."""
        if self.clues is None or MOJIBAKE_CLUES is None:
            return is_bad(line)
        # A match of the mojibake test holds a clue and is at most `width` long: testing
        # a window around each clue is exact, and ten times quicker than the whole line.
        width = MOJIBAKE_CLUES[1]
        clues = [clue.start() for clue in self.clues.finditer(line)]
        if len(clues) > MAX_WINDOWS:
            return is_bad(line)
        return any(
            BADNESS_RE.search(line, max(0, at - width + 1), at + width) is not None for at in clues
        )

    def fix_line(self, line: str) -> str:
        """``ftfy.fix_text(line, settings)`` of a line (no ``\\n``), in half the time or less
        for the lines OCR holds: mojibake alone, or ligatures alone.

        ftfy fixes a text in rounds (its ``fix_and_explain``) until a round changes
        nothing: a mended line costs it two rounds, the second only to see that the
        first was enough. That is what this gate tells: a line in normal form that
        :meth:`would_look` passes over is one ftfy's round leaves as it is. The first round
        is taken here only where it is one step: on a line with no character a fixer
        replaces, its mojibake fix (``ftfy.fix_encoding``, which ftfy's round calls with
        its default settings, as here); on a line without mojibake whose only such
        characters are ligatures, their unfolding. Any other line goes to ftfy.
        """
        first = self._first_round(line)
        if first is not None and (first == line or not self.would_look(first)):
            return first
        return ftfy.fix_text(line, self.settings)

    def _first_round(self, line: str) -> str | None:
        """What ftfy's first round of fixes makes of ``line``, where it is one step (see
        :meth:`fix_line`); None elsewhere."""
        settings = self.settings
        if len(line) > settings.max_decode_length:
            return None  # ftfy would cut it in pieces
        found = set(self.fixed.findall(line))
        if not found:
            text = ftfy.fix_encoding(line)
        elif found <= self.ligatures and not self.looks_like_mojibake(line):
            text = line.translate(LIGATURES)
        else:
            return None
        if self.fixed.search(text) is not None:
            return None  # a fixer later in the round would change it
        if settings.normalization is None:
            return text
        return unicodedata.normalize(settings.normalization, text)


MAX_WINDOWS = 8
"""More clues than this on a line: test the whole line at once."""


def _mojibake_clues() -> tuple[frozenset[str], int] | None:
    """Characters one of which every match of ftfy's mojibake test holds, and the longest
    match, or None.

    ``is_bad`` is one regular expression, a choice of sequences of character classes with
    no look-arounds (one is anchored at the line start); it costs ~24 us on a line of
    prose. For each alternative, one class of non-ASCII characters it needs (the one
    least likely in clean prose) is taken: a line with none of these characters cannot
    match, and is not tested.
    """
    if _CLUE_CLASSES is None:
        return None
    classes, longest = _CLUE_CLASSES
    clues = frozenset().union(*(chars for _branch, chars in classes))
    return (clues, longest) if longest < 100 else None


def _clue_classes() -> tuple[list[tuple[Any, set[str]]], int] | None:
    """Each alternative of ftfy's mojibake test (parsed) with the class of non-ASCII
    characters it needs that is least likely in clean prose, and the test's longest match;
    None if the test cannot be read so."""
    try:
        from re import _constants as sre  # type: ignore[attr-defined]
        from re import _parser as parser  # type: ignore[attr-defined]

        tree = parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
        if len(tree) != 1 or tree[0][0] is not sre.BRANCH:
            return None
        classes: list[tuple[Any, set[str]]] = []
        for branch in tree[0][1][1]:
            best: tuple[tuple[int, int], set[str]] | None = None
            for op, value in branch:
                chars = _class_chars(sre, op, value)
                if chars is None or any(char.isascii() for char in chars):
                    continue
                cost = (len(chars & _PROSE), len(chars))
                if best is None or cost < best[0]:
                    best = (cost, chars)
            if best is None:
                return None  # an alternative without a needed non-ASCII class: test all
            classes.append((branch, best[1]))
        return classes, tree.getwidth()[1]
    except Exception:  # pragma: no cover - only if ftfy or re change their insides
        return None


@functools.cache
def _mojibake_test(clue: str) -> tuple[re.Pattern[str], int]:
    """The alternatives of ftfy's mojibake test a match holding ``clue`` can come from,
    as one expression, and their longest match.

    Every match of an alternative holds a character of its chosen class (see
    :func:`_clue_classes`), so a line whose clues are all ``”`` can match only by the
    alternatives whose class holds ``”`` (two of 37 with ftfy 6.3), in a window of their
    own longest match: about ten times quicker than the whole test.
    """
    try:
        from re import _compiler as compiler  # type: ignore[attr-defined]
        from re import _constants as sre  # type: ignore[attr-defined]
        from re import _parser as parser  # type: ignore[attr-defined]

        classes = _CLUE_CLASSES[0] if _CLUE_CLASSES is not None else []
        branches = [branch for branch, chars in classes if clue in chars]
        state = branches[0].state
        if len(branches) == 1:
            part = branches[0]
        else:
            part = parser.SubPattern(state, [(sre.BRANCH, (None, branches))])
        return compiler.compile(part, BADNESS_RE.flags), part.getwidth()[1]
    except Exception:  # pragma: no cover - only if re changes its insides
        return BADNESS_RE, _CLUE_CLASSES[1] if _CLUE_CLASSES else 100


_PROSE = set("’‘“”—–…«»©®°•·€£éèàäöüß")
"""Non-ASCII characters common in clean prose: a clue class holding them is a poor one."""


def _class_chars(sre: Any, op: Any, value: Any) -> set[str] | None:
    """The characters one regular expression item matches, if a known, finite set."""
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, _high, inner = value
        if low < 1 or len(inner) != 1:
            return None
        op, value = inner[0]
    if op is sre.LITERAL:
        return {chr(value)}
    if op is not sre.IN:
        return None
    chars: set[str] = set()
    for kind, item in value:
        if kind is sre.LITERAL:
            chars.add(chr(item))
        elif kind is sre.RANGE:
            chars.update(map(chr, range(item[0], item[1] + 1)))
        else:
            return None  # a negated class or a category: not a finite set
    return chars


_CLUE_CLASSES = _clue_classes()
MOJIBAKE_CLUES = _mojibake_clues()


@functools.lru_cache(maxsize=8)
def _gate(settings: ftfy.TextFixerConfig) -> _Gate:
    return _Gate(settings)


def remove_soft_hyphens(text: str, context: RuleContext) -> RuleOutput:
    """Remove soft hyphens; one at a line end joins the word it split, unless the hyphen
    rule runs: OCR engines write a soft hyphen for any line-end hyphen, a compound's own
    too, so it is judged as ``-`` is (``machine\u00ad⏎gun`` keeps a hyphen)."""
    output = RuleOutput()
    leave_line_ends = context.config.runs("join_line_end_hyphens")
    for match in SOFT_HYPHEN.finditer(text):
        if leave_line_ends and SOFT_HYPHEN_BREAK.match(text, match.start()):
            continue
        reason = (
            "soft hyphen at a line end joins its word"
            if "\n" in match.group()
            else ("soft hyphen (invisible break hint)")
        )
        output.edit("remove_soft_hyphens", text, match.start(), match.end(), "", reason)
    return output
