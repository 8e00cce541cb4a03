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

import re
from collections.abc import Iterator

from preserve.repair.context import WORD, RuleContext, RuleOutput, Vocabulary, _new_edit

DROP_CAP = re.compile(r"(?:\A|(?<=\n\n))[ \t]*([^\W\d_]) ([^\W\d_]+)(?![\w'’-])")
SENTENCE_START = re.compile(r"(?:\A|\n|[.!?…][\"'”’)]*\s+)[\"'“‘(]*\Z")
SOUP_HINT = re.compile(r"[A-ZÀ-Þ](?:(?<=[a-zß-öø-ÿ].)|(?<=[A-ZÀ-ÖØ-Þ].)[a-zß-ÿ])")
"""A quick look for mixed case (a capital after a small letter, ``THe``); checked properly later.
It starts at the capital, the rarer letter, so the search skips ahead fast."""
PARAGRAPH_START = re.compile(r"\n(?=\n)")
DROP_CAP_AT = re.compile(r"[ \t]*([^\W\d_]) ([^\W\d_]+)(?![\w'’-])")
"""``DROP_CAP`` tried only where a paragraph starts."""
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
    starts = [0] + [newline.end() + 1 for newline in PARAGRAPH_START.finditer(text)]
    matches = (DROP_CAP_AT.match(text, start) for start in starts)
    for match in filter(None, matches):
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


def restore_small_caps(text: str, context: RuleContext) -> RuleOutput:
    """Rewrite a paragraph read from small caps (case soup) in normal case.

    Names keep a capital when the document writes them so elsewhere, or when the
    dictionary knows only the capitalized form; unknown words in such a line are names.
    The document's evidence comes from its ``Title`` and lowercase words only.
    """
    output = RuleOutput()
    config = context.config
    spans = []
    for start, end in _lines_with_soup(text):
        for sentence in SENTENCE.finditer(text, start, end):
            words = [word for word in WORD.findall(sentence.group()) if len(word) > 1]
            soup = sum(map(is_case_soup, words))
            capitals = sum(map(str.isupper, words))
            # A short line of capitals and soup only ("A SHORT STORy") is small caps too.
            if (
                soup >= config.small_caps_min_words
                and soup / len(words) >= config.small_caps_min_share
            ) or (soup >= 1 and len(words) >= 2 and soup + capitals == len(words)):
                spans.append(sentence.span())
    if not spans:
        return output
    # The document's evidence, less what the small-caps sentences themselves say.
    vocabulary = context.vocabulary(text)
    inside = Vocabulary.of("\n\n".join(text[start:end] for start, end in spans))
    # A word's case depends on the word alone, except at the start of a sentence:
    # worked out once per distinct word.
    cases: dict[str, _Case] = {}
    edits = output.edits
    for start, end in spans:
        for match in WORD.finditer(text, start, end):
            word = match.group()
            case = cases.get(word)
            if case is None:
                case = cases[word] = _Case(word, vocabulary, inside, context)
            position = match.start()
            if case.kept:
                continue  # an abbreviation the dictionary knows in capitals
            if _starts_sentence(text[max(0, position - 8) : position]):
                fixed, reason = case.title, _STARTS_SENTENCE
            else:
                fixed, reason = case.by_evidence()
            if fixed != word:
                # output.edit without its span check: the span is a match in text
                edits.append(
                    _new_edit("restore_small_caps", position, match.end(), word, fixed, reason, 0.7)
                )
    return output


def _lines_with_soup(text: str) -> Iterator[tuple[int, int]]:
    """Start and end of each line holding a hint of case soup.

    One search per such line: the rest of a line is skipped once it has shown a hint.
    """
    position = 0
    while (hint := SOUP_HINT.search(text, position)) is not None:
        start = text.rfind("\n", 0, hint.start()) + 1
        end = text.find("\n", hint.start())
        if end < 0:
            yield start, len(text)
            return
        yield start, end
        position = end + 1


def _starts_sentence(before: str) -> bool:
    """``SENTENCE_START.search(before)``, answered at once for the usual ``word ``."""
    if before[-1:] == " " and before[-2:-1].isalnum():
        return False  # neither an opening quote, a line start nor a sentence mark
    return SENTENCE_START.search(before) is not None


_REASON = "small caps read as case soup: "
_STARTS_SENTENCE = _REASON + "starts a sentence"


class _Case:
    """How one word read from small caps is written, with why."""

    def __init__(
        self, word: str, vocabulary: Vocabulary, inside: Vocabulary, context: RuleContext
    ) -> None:
        lower = word.lower()
        self.word = word
        self.lower = lower
        self.title = lower[:1].upper() + lower[1:]
        self.vocabulary = vocabulary
        self.inside = inside
        self.lexicon = lexicon = context.lexicon
        self.kept = (
            word.isupper()
            and len(word) > 1
            and lexicon.check(word)
            and not (lexicon.check(lower) or lexicon.check(self.title))
        )
        self._evidence: tuple[str, str] | None = None

    def by_evidence(self) -> tuple[str, str]:
        """The case the document or the dictionary gives the word (looked up once)."""
        if self._evidence is None:
            self._evidence = self._weigh()
        return self._evidence

    def _weigh(self) -> tuple[str, str]:
        lower, title, vocabulary, inside = self.lower, self.title, self.vocabulary, self.inside
        capitals = vocabulary.capitalized(lower) - inside.capitalized(lower)
        lowers = vocabulary.lowercase(lower) - inside.lowercase(lower)
        if capitals > lowers:
            return title, _REASON + "the document writes it with a capital"
        if lowers > capitals:
            return lower, _REASON + "the document writes it in lowercase"
        if self.lexicon.check(lower):
            return lower, _REASON + "a dictionary word"
        if self.lexicon.check(title):
            return title, _REASON + "the dictionary knows it only with a capital"
        return title, _REASON + "unknown word in a small-caps line: taken as a name"
