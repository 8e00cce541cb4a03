"""Word rules: letters split from their word by a space (``T V``, ``h elicopter``).

Only when the joined word is known (dictionary or the document itself) and the parts
are not: ``a lot`` and ``I saw`` stay as they are.

>>> from preserve.repair.context import preview
>>> preview(join_split_words, "from a h elicopter, a lot, on T V")
'from a helicopter, a lot, on TV'
"""

from __future__ import annotations

import re

from preserve.repair.context import RuleContext, RuleOutput
from preserve.repair.rules.headings import LONG_ENOUGH

MAX_SPLITS_PER_LETTER = 3
"""A letter standing alone more often than this is a word of the language ("a part")."""
SPLIT = re.compile(r" (?<=(?<![\w'’.-])([^\W\d_]) )(?=([^\W\d_]+)(?![\w'’-]))")
"""A lone letter, a space, letters. Found from the space (a literal: the engine skips ahead),
the letter before it in a look-behind."""


def join_split_words(text: str, context: RuleContext) -> RuleOutput:
    """Join a lone letter to the letters after it when that makes a known word."""
    output = RuleOutput()
    vocabulary = context.vocabulary(text)
    lexicon = context.lexicon
    matches = list(SPLIT.finditer(text))
    # Times each letter stands before letters it would join into a known word: those
    # are the splits in question, not evidence that the letter is a word of its own.
    # Counted for a letter only when asked (a letter alone more than MAX_SPLITS_PER_LETTER
    # times is a word whatever its count: most pages never ask).
    splits: dict[str, int] = {}

    def splits_of(letter: str) -> int:
        if letter not in splits:
            splits[letter] = sum(
                1
                for m in matches
                if m.group(1) == letter
                and len(m.group(2)) > 1
                and lexicon.check(m.group(1) + m.group(2))
            )
        return splits[letter]

    for match in matches:
        letter, rest = match.groups()
        joined = letter + rest
        if len(rest) == 1:
            if not (letter.isupper() and rest.isupper() and lexicon.check(joined)):
                continue
            if vocabulary.single(letter) > 1 or vocabulary.single(rest) > 1:
                output.note(
                    text,
                    match.start(1),
                    match.end(2),
                    "these letters stand alone elsewhere too: left apart",
                )
                continue
            reason, confidence = f"letters of '{joined}' split by a space", 0.8
        else:
            if not rest.islower():
                continue
            if lexicon.check(rest) or vocabulary.count(rest) > 1:
                # Both parts are words ("a lot"): join only when this letter never stands
                # alone anywhere else in a document long enough to tell.
                alone = vocabulary.single(letter)  # times the letter stands alone
                swapped = letter.swapcase()
                if (
                    alone > MAX_SPLITS_PER_LETTER
                    or alone > min(splits_of(letter), MAX_SPLITS_PER_LETTER)
                    or vocabulary.single(swapped) > splits_of(swapped)
                    or vocabulary.total < LONG_ENOUGH
                    or not (lexicon.check(joined) or vocabulary.count(joined) > 0)
                ):
                    continue
                output.edit(
                    "join_split_words",
                    text,
                    match.end(1),
                    match.start(2),
                    "",
                    f"'{letter}' never stands alone elsewhere; '{joined}' is a word",
                    0.75,
                )
                continue
            if not context.knows(joined, vocabulary):
                continue
            reason, confidence = f"'{joined}' is a known word and '{rest}' is not", 0.85
        output.edit("join_split_words", text, match.end(1), match.start(2), "", reason, confidence)
    return output
