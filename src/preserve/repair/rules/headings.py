"""Heading rules: a drop cap split from its word, small caps read as case soup.

>>> from preserve.repair.context import preview
>>> preview(fix_drop_caps, "S urvivors of the assault fled.\\n\\nA mass of people came.")
'Survivors of the assault fled.\\n\\nA mass of people came.'
>>> preview(fix_drop_caps, "E very autumn the birds fly.\\n\\nK ELDORF — It rained.")
'E very autumn the birds fly.\\n\\nKELDORF — It rained.'
>>> preview(restore_small_caps, "In THe eArly HourS of 26 februAry, ArMed forCeS CAPTured THe Town")
'In the early hours of 26 February, armed forces captured the town'
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from functools import lru_cache

from preserve.repair.config import RepairConfig
from preserve.repair.context import RuleContext, RuleOutput
from preserve.repair.edits import new_edit
from preserve.repair.vocabulary import WORD, Vocabulary

DROP_CAP = re.compile(r"(?:\A|(?<=\n\n))[ \t]*([^\W\d_]) ([^\W\d_]+)(?![\w'’-])")
SENTENCE_START = re.compile(r"(?:\A|\n|[.!?…][\"'”’)]*\s+)[\"'“‘(]*\Z")
SOUP_HINT = re.compile(r"[A-ZÀ-Þ](?:(?<=[a-zß-öø-ÿ].)|(?<=[A-ZÀ-ÖØ-Þ].)[a-zß-ÿ])")
"""A quick look for mixed case (a capital after a small letter, ``THe``); checked properly later.
Searched for as ``CODED_SOUP_HINT``."""
DROP_CAP_AT = re.compile(r"[ \t]*([^\W\d_]) ([^\W\d_]+)(?![\w'’-])")
"""``DROP_CAP`` tried only where a paragraph starts."""
DROP_CAP_AFTER_BLANK = re.compile(rf"\n(?=\n{DROP_CAP_AT.pattern})")
"""``DROP_CAP_AT`` at each paragraph start after a blank line, all found by one search from
the line breaks (a literal: the engine skips ahead), the drop cap read in a look-ahead; a
match at each start in Python cost twice as much (most paragraphs have no drop cap)."""
SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+[\"'”’)]*)?")
"""A sentence within one line (paragraph)."""


LONG_ENOUGH = 200
"""Words a document needs before a letter that never stands alone in it counts as no word."""


def fix_drop_caps(text: str, context: RuleContext) -> RuleOutput:
    """Join a paragraph's first capital to the rest of its word (``S urvivors``).

    Only when the joined word is known (dictionary or document) and the rest is not.
    """
    output = RuleOutput()
    vocabulary = context.vocabulary(text)
    first = DROP_CAP_AT.match(text)
    for match in itertools.chain([first] if first else [], DROP_CAP_AFTER_BLANK.finditer(text)):
        letter, rest = match.group(1), match.group(2)
        if not letter.isupper() or not (rest.islower() or (rest.isupper() and len(rest) > 1)):
            continue
        joined = letter + rest
        alone_elsewhere = vocabulary.single(letter) > 1 or vocabulary.single(letter.lower()) > 0
        if context.lexicon.check(rest) or vocabulary.count(rest) > 1:
            seen = vocabulary.count(joined) > 0
            known = seen or (vocabulary.total >= LONG_ENOUGH and context.lexicon.check(joined))
            if alone_elsewhere or not known:
                continue  # "A mass", "I saw": the letter may be a word of its own
            reason = f"'{letter}' never stands alone elsewhere and '{joined}' is a known word"
        elif rest.isupper():
            reason = "a capital split from the capitals of its word"
        elif context.knows(joined, vocabulary):
            reason = f"drop cap split from its word: '{joined}' is a known word"
        else:
            output.note(
                text,
                match.start(1),
                match.end(2),
                f"'{joined}' is not a known word: drop cap left as read",
            )
            continue
        output.edit("fix_drop_caps", text, match.end(1), match.start(2), "", reason, 0.85)
    return output


def is_case_soup(word: str) -> bool:
    """Mixed case no writer uses: a capital after a small letter, or a small first letter.

    >>> [is_case_soup(w) for w in ("THe", "eArly", "HourS", "Town", "NATO", "iPhone")]
    [True, True, True, False, False, True]
    """
    if word.isupper() or word.islower() or len(word) < 2:
        return False
    if word[0].islower():
        return True
    rest = word[1:]
    return not rest.islower()


def _soup_spans(
    text: str, config: RepairConfig, stood_down: list[tuple[int, int, str]] | None = None
) -> list[tuple[int, int]]:
    """The sentences (within a line) read from small caps as case soup.

    Uniform capitals are the print (a newspaper headline), and a word of them misread
    (``rJtOSPECT``, ``ltfGHT``) is OCR noise, not small caps: a sentence is small caps
    only when its words in mixed case are at least half as many as those in capitals, and
    no letter is read in both cases (:func:`_letters_in_both_cases`). Sentences left so are
    added to ``stood_down`` with the reason, when given.

    >>> _soup_spans("THE ltfGHT WAY. In THe eArly HourS of THe dAy.", RepairConfig())
    [(15, 46)]
    """
    spans = []
    for start, end in _lines_with_soup(text):
        for sentence in SENTENCE.finditer(text, start, end):
            words = [word for word in WORD.findall(sentence.group()) if len(word) > 1]
            # is_case_soup for words of two letters or more, without a call per word: neither
            # all capitals nor all small, and not Title case (all small after the first)
            soup = sum(
                1 for word in words if not (word.isupper() or word.islower() or word[1:].islower())
            )
            capitals = sum(map(str.isupper, words))
            # A short line of capitals and soup only ("A SHORT STORy") is small caps too.
            if not (
                (
                    soup >= max(config.small_caps_min_words, 1)  # no soup, no small caps
                    and soup / len(words) >= config.small_caps_min_share
                )
                or (soup >= 1 and len(words) >= 2 and soup + capitals == len(words))
            ):
                continue
            if soup < 2:
                # One word in mixed case is no pattern: 'BALFOUR v BALFOUIt', 'TUESDAY, MAHCn'
                reason = (
                    "one word in mixed case among capitals: OCR noise in a heading, not "
                    "small caps; case left as read"
                )
            elif 2 * soup < capitals:
                reason = (
                    f"{capitals} word(s) in capitals, {soup} in mixed case: capitals are "
                    "the print (a headline), not small caps; case left as read"
                )
            elif (both := _letters_in_both_cases(words)) is not None:
                reason = (
                    f"letters read in both cases inside words ({both}): OCR noise in "
                    "capitals, not small caps, whose letters an engine reads one way; "
                    "case left as read"
                )
            else:
                spans.append(sentence.span())
                continue
            if stood_down is not None:
                stood_down.append((*sentence.span(), reason))
    return spans


def _letters_in_both_cases(words: list[str]) -> str | None:
    """The letters that stand both as capitals and as small letters inside the words of
    ``words`` in capitals or mixed case (not as their first letter, which may be a real
    capital), when more than one in twenty of
    the inner letters is such a one; else None.

    An engine reading small caps reads each letter by its shape, the same way each time
    (``THe eArly HourS``: ``h`` is always ``H``, ``e`` always ``e``); misread capitals
    (``AltBITHATOU'S AWATiD``) put a letter in both cases.

    >>> _letters_in_both_cases(["THe", "eArly", "HourS"]) is None
    True
    >>> _letters_in_both_cases(["AltBITHATOU", "AWATiD"])
    'i, t'
    """
    # Words in lowercase or Title case: the engine read them as small letters; both are
    # what small caps read right look like, and say nothing of how a letter was read.
    inner = "".join(word[1:] for word in words if not (word.islower() or word[1:].islower()))
    present = set(inner)
    both = [char for char in present if char.islower() and char.upper() in present]
    if not both:
        return None  # most small caps: each letter read one way
    letters = sum(map(str.isalpha, inner))
    # each letter in both cases counts its occurrences in its rarer case
    minority = sum(min(inner.count(char), inner.count(char.upper())) for char in both)
    if minority * 20 <= letters:
        return None
    return ", ".join(sorted(both))


def _whole_lines(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """The lines of ``text`` holding the ``spans`` (each once, in order)."""
    lines: list[str] = []
    last_start = -1
    for start, end in spans:
        line_start = text.rfind("\n", 0, start) + 1
        if line_start == last_start:
            continue
        line_end = text.find("\n", end)
        lines.append(text[line_start : line_end if line_end >= 0 else len(text)])
        last_start = line_start
    return lines


def restore_small_caps(text: str, context: RuleContext) -> RuleOutput:
    """Rewrite a paragraph read from small caps (case soup) in normal case.

    Names keep a capital when the document writes them so elsewhere, or when the
    dictionary knows only the capitalized form; unknown words in such a line are names.
    The document's evidence comes from its ``Title`` and lowercase words only.
    """
    output = RuleOutput()
    config = context.config
    stood_down: list[tuple[int, int, str]] = []
    spans = _soup_spans(text, config, stood_down)
    for start, end, reason in stood_down:
        output.note(text, start, end, reason)
    if not spans:
        return output
    # The document's evidence, less what the small-caps lines themselves say: both counted
    # on the text the vocabulary was measured on, whole lines, so that each word is read
    # in the same context twice (a sentence cut out alone opens a paragraph: 'He Told'
    # after '2003.' counted as a name of two words in the document and not in the cut).
    vocabulary = context.vocabulary(text)
    source = context.vocabulary_text(text)
    mine = spans if source == text else _soup_spans(source, config)
    inside = Vocabulary.of("\n".join(_whole_lines(source, mine)))
    check = context.lexicon.check
    edits = output.edits
    # Words the document never capitalizes mid-sentence need no count of their capitals,
    # nor a look for a name of two words ending with them (most words of a page).
    named = vocabulary.capitalized_words()
    # Vocabulary.lowercase, read as dict look-ups (two calls a word were much of the time)
    written, fragments = (table.get for table in vocabulary.lowercase_tables())
    written_inside, fragments_inside = (table.get for table in inside.lowercase_tables())
    for start, end in spans:
        decided: list[tuple[int, int, str, str, str]] = []  # start, end, word, fixed, reason
        names_at = []  # where in decided a word the document capitalizes stands
        for match in WORD.finditer(text, start, end):
            word = match.group()
            lower = word.lower()
            # (the title case form, lower[:1].upper() + lower[1:], is made only where used:
            # most words are written in lowercase)
            if (
                word.isupper()
                and len(word) > 1
                and check(word)
                and not (check(lower) or check(lower[:1].upper() + lower[1:]))
            ):
                continue  # an abbreviation the dictionary knows in capitals
            position = match.start()
            is_named = lower in named
            if is_named:
                names_at.append(len(decided))
            # SENTENCE_START, answered at once for the usual "word word" (neither an
            # opening quote, a line start nor a sentence mark before the word)
            if not (
                position >= 2 and text[position - 1] == " " and text[position - 2].isalnum()
            ) and SENTENCE_START.search(text[max(0, position - 8) : position]):
                fixed, reason = lower[:1].upper() + lower[1:], "starts a sentence"
            else:
                # Counted on differently broken lines, the two can disagree: never below 0.
                # (A count of capitals is never below 0: with none in the document, none
                # is left whatever the small-caps lines hold, and they need no look.)
                capitals = vocabulary.capitalized(lower) if is_named else 0
                if capitals:
                    capitals -= inside.capitalized(lower)
                    if capitals < 0:
                        capitals = 0
                # lower.lower() is lower: str.lower changes no letter it made
                lowers = (
                    (written(lower, 0) - fragments(lower, 0))
                    - (written_inside(lower, 0) - fragments_inside(lower, 0))
                    if lower.islower()
                    else 0
                )
                if lowers < 0:
                    lowers = 0
                if capitals > lowers:
                    fixed, reason = (
                        lower[:1].upper() + lower[1:],
                        "the document writes it with a capital",
                    )
                elif lowers > capitals:
                    fixed, reason = lower, "the document writes it in lowercase"
                elif check(lower):
                    fixed, reason = lower, "a dictionary word"
                elif check(title := lower[:1].upper() + lower[1:]):
                    fixed, reason = title, "the dictionary knows it only with a capital"
                else:
                    fixed, reason = title, "unknown word in a small-caps line: taken as a name"
            decided.append((position, match.end(), word, fixed, reason))
        if names_at:
            _names_of_two_words(decided, names_at, text, vocabulary, inside)
        for position, word_end, word, fixed, reason in decided:
            if fixed != word:
                # output.edit without its span check: the span is a match in text
                edits.append(
                    new_edit(
                        "restore_small_caps",
                        position,
                        word_end,
                        word,
                        fixed,
                        _REASONS.get(reason) or f"small caps read as case soup: {reason}",
                        0.7,
                    )
                )
    return output


def _names_of_two_words(
    decided: list[tuple[int, int, str, str, str]],
    names_at: list[int],
    text: str,
    vocabulary: Vocabulary,
    inside: Vocabulary,
) -> None:
    """Two neighbouring words the document writes as a name of two capitalized words in
    prose (``the Kessel Pass``) both keep their capitals, whatever each word's own
    evidence says (``the pass`` elsewhere). Changes ``decided`` in place. ``inside``: the
    small-caps lines' own words, which are no evidence.

    ``names_at``: where in ``decided`` stand the words the document capitalizes
    mid-sentence (:meth:`~preserve.repair.vocabulary.Vocabulary.capitalized_words`), in
    order; only these can end such a name."""
    for index in names_at:
        if index == 0:
            continue
        first, second = decided[index - 1], decided[index]
        if second[0] != first[1] + 1 or text[first[1]] != " ":
            continue
        if vocabulary.capitalized_pair(first[2], second[2]) <= inside.capitalized_pair(
            first[2], second[2]
        ):
            continue  # none in prose but in the small-caps lines themselves
        titles = [word[:1].upper() + word[1:].lower() for word in (first[2], second[2])]
        reason = f"the document writes '{' '.join(titles)}' with capitals"
        decided[index - 1] = (*first[:3], titles[0], reason)
        decided[index] = (*second[:3], titles[1], reason)


_REASONS = {
    reason: f"small caps read as case soup: {reason}"
    for reason in (
        "starts a sentence",
        "the document writes it with a capital",
        "the document writes it in lowercase",
        "a dictionary word",
        "the dictionary knows it only with a capital",
        "unknown word in a small-caps line: taken as a name",
    )
}
"""Each reason an edit gives, spelled out once."""


def _case_code(char: str) -> str:
    """The class of a Latin-1 character that ``SOUP_HINT`` tells apart."""
    if re.match("[A-ZÀ-ÖØ-Þ]", char):
        return "U"
    if re.match("[a-zß-öø-ÿ]", char):
        return "L"
    return {"×": "X", "÷": "D", "\n": "\n"}.get(char, ".")


CASE_CODES = _CASE_CODES = "".join(_case_code(chr(byte)) for byte in range(256)).encode("ascii")
"""Latin-1 characters as the classes ``SOUP_HINT`` tells apart: ``U`` a capital, ``X`` the
sign ``×`` (in its range ``À-Þ``), ``L`` a small letter, ``D`` the sign ``÷``; lines kept."""
CODED_SOUP_HINT = re.compile(rb"U(?:(?<=LU)|(?<=UU)[LD])")
CODED_SOUP_HINT_X = re.compile(rb"X(?:(?<=LX)|(?<=UX)[LD])")
"""``SOUP_HINT`` in those codes, in two patterns that each start with a literal: the
search skips ahead to the next capital in C instead of testing a class at every place."""


def _lines_with_soup(text: str) -> Iterator[tuple[int, int]]:
    """Start and end of each line holding a hint of case soup (``SOUP_HINT``), in order.

    Found in ``text`` coded one byte a character (Latin-1, anything else a ``?`` that no
    class of ``SOUP_HINT`` holds), one search per such line.
    """
    coded = text.encode("latin-1", "replace").translate(_CASE_CODES)
    starts = set()
    hints = (CODED_SOUP_HINT, CODED_SOUP_HINT_X) if b"X" in coded else (CODED_SOUP_HINT,)
    for hint in hints:
        position = 0
        while (found := hint.search(coded, position)) is not None:
            starts.add(coded.rfind(b"\n", 0, found.start()) + 1)
            end = coded.find(b"\n", found.start())
            if end < 0:
                break
            position = end + 1
    for start in sorted(starts):
        end = text.find("\n", start)
        yield start, end if end >= 0 else len(text)


# Case soup in a line, for the layout rules and reflow (a deck set in small caps).


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
        return False  # most lines: answered without being split into words
    return any(is_case_soup(word) for word in WORD.findall(content) if len(word) > 2)


def soup_line(content: str) -> bool:
    """Is this line mostly small caps read as case soup (part of a deck)?"""
    if not MAYBE_SOUP.search(content):
        return False  # most lines: answered without being split into words
    return mostly_soup(content)


@lru_cache(maxsize=4096)
def mostly_soup(content: str) -> bool:
    """Are half the words of this line case soup? Kept for each line: the lines of a deck
    are looked at again and again (by both layout rules, and by reflow)."""
    words = [word for word in WORD.findall(content) if len(word) > 1]
    return bool(words) and sum(map(is_case_soup, words)) * 2 >= len(words)
