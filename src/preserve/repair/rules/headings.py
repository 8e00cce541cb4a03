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

from preserve.repair.context import WORD, RuleContext, RuleOutput, Vocabulary

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
    hints = {text.rfind("\n", 0, m.start()) for m in SOUP_HINT.finditer(text)}
    lines = [(start + 1, text.find("\n", start + 1)) for start in sorted(hints)]
    sentences = (
        sentence
        for start, end in lines
        for sentence in SENTENCE.finditer(text, start, end if end >= 0 else len(text))
    )
    for sentence in sentences:
        words = [m for m in WORD.finditer(sentence.group()) if len(m.group()) > 1]
        soup = sum(1 for m in words if is_case_soup(m.group()))
        capitals = sum(1 for m in words if m.group().isupper())
        # A short line of capitals and soup only ("A SHORT STORy") is small caps too.
        if (
            soup >= config.small_caps_min_words and soup / len(words) >= config.small_caps_min_share
        ) or (soup >= 1 and len(words) >= 2 and soup + capitals == len(words)):
            spans.append((sentence.start(), sentence.end()))
    if not spans:
        return output
    # The document's evidence, less what the small-caps sentences themselves say.
    vocabulary = context.vocabulary(text)
    inside = Vocabulary.of("\n\n".join(text[start:end] for start, end in spans))
    for start, end in spans:
        for match in WORD.finditer(text, start, end):
            word = match.group()
            fixed, reason = _normal_case(
                word, text[max(0, match.start() - 8) : match.start()], vocabulary, inside, context
            )
            if fixed != word:
                output.edit(
                    "restore_small_caps",
                    text,
                    match.start(),
                    match.end(),
                    fixed,
                    f"small caps read as case soup: {reason}",
                    0.7,
                )
    return output


def _normal_case(
    word: str, before: str, vocabulary: Vocabulary, inside: Vocabulary, context: RuleContext
) -> tuple[str, str]:
    lower = word.lower()
    title = lower[:1].upper() + lower[1:]
    lexicon = context.lexicon
    if (
        word.isupper()
        and len(word) > 1
        and lexicon.check(word)
        and not (lexicon.check(lower) or lexicon.check(title))
    ):
        return word, "an abbreviation the dictionary knows in capitals"
    if SENTENCE_START.search(before):
        return title, "starts a sentence"
    capitals = vocabulary.capitalized(lower) - inside.capitalized(lower)
    lowers = vocabulary.lowercase(lower) - inside.lowercase(lower)
    if capitals > lowers:
        return title, "the document writes it with a capital"
    if lowers > capitals:
        return lower, "the document writes it in lowercase"
    if lexicon.check(lower):
        return lower, "a dictionary word"
    if lexicon.check(title):
        return title, "the dictionary knows it only with a capital"
    return title, "unknown word in a small-caps line: taken as a name"
