"""Whitespace rules: the only ones a born-digital text gets, and spacing fixes for OCR.

>>> from preserve.repair.context import preview
>>> preview(strip_trailing_whitespace, "one \\ntwo\\t\\n")
'one\\ntwo\\n'
>>> preview(collapse_blank_lines, "\\n\\none\\n\\n\\n\\ntwo\\n\\n\\n")
'one\\n\\ntwo\\n'
>>> preview(collapse_spaces, "from the town.  The images")
'from the town. The images'
>>> preview(remove_space_before_punctuation, "Mustafayev ’s crew , too .. .")
'Mustafayev’s crew, too ...'
"""

from __future__ import annotations

import re
from collections import Counter

from preserve.repair.context import RuleContext, RuleOutput
from preserve.repair.edits import Edit

TRAILING = re.compile(r"[^\S\n]+(?=\n|\Z)")
LEADING_BLANKS = re.compile(r"\A\n+(?=[^\n])")
INNER_BLANKS = re.compile(r"(?<=[^\n])\n{3,}(?=[^\n])")
TRAILING_BLANKS = re.compile(r"(?<=[^\n])\n{2,}\Z")
SPACE_RUN = re.compile(r"(?<=\S)[ \t]{2,}(?=\S)")
SPACE_BEFORE_CONTRACTION = re.compile(r"(?<=[^\W\d_]) +(?=['’](?:s|t|d|m|ll|re|ve)(?![\w'’]))")
SPACE_BEFORE_MARK = re.compile(r"(?<=[^\W_]) +(?=[,;:!?](?:\s|\Z))")
SPACE_BEFORE_PERIOD = re.compile(r"(?<=[^\W_]) +(?=\.(?:\s|\Z))")
SPLIT_ELLIPSIS = re.compile(r"(?<=\.\.) (?=\.(?!\.))")
CANDIDATES = re.compile(r" [,;:!?.'’]")
"""Where any of the patterns above can match: a quick pass finds the few places (a space
before a mark; searching from the literal space is quicker than from the marks, or than
a look-behind)."""
RUN_OF_BLANK_LINES = re.compile(r"\n\n\n+")
"""Starting with a literal lets the regular expression engine skip ahead fast."""
FRENCH_SPACING = ("fr",)
"""Languages whose typography puts a space before ``; : ! ?``."""


def strip_trailing_whitespace(text: str, context: RuleContext) -> RuleOutput:
    """Remove spaces and tabs at the ends of lines."""
    # TRAILING, found from the line ends: a pattern for the whitespace itself would be
    # tried at every space, one for the line break after it starts with a literal the
    # engine skips to. The whitespace is then read back from each end found (half of the
    # lines of an OCR page end in a space, nearly always just one).
    ends = list(map(_START_OF, WHITESPACE_THEN_BREAK.finditer(text)))
    if text[-1:].isspace() and text[-1] != "\n":
        ends.append(len(text))
    rule = "strip_trailing_whitespace"
    # Each edit is made for one character of whitespace in one comprehension, then the
    # few ends with more whitespace before them (a character of it two before the end)
    # are read back one by one: quicker than a loop testing each end.
    edits = [
        _TUPLE_NEW(Edit, (rule, end - 1, end, text[end - 1], "", _AT_END, 1.0)) for end in ends
    ]
    for longer in NOT_BREAK_SPACE.finditer("".join([text[end - 2] for end in ends])):
        end = ends[longer.start()]
        start = end - 1
        while start and text[start - 1] != "\n" and text[start - 1].isspace():
            start -= 1
        edits[longer.start()] = _TUPLE_NEW(
            Edit, (rule, start, end, text[start:end], "", _AT_END, 1.0)
        )
    return RuleOutput(edits)


WHITESPACE_THEN_BREAK = re.compile(r"\n(?<=[^\S\n]\n)")
"""A line break after whitespace (the same whitespace as :data:`TRAILING`'s)."""
_START_OF = re.Match.start
NOT_BREAK_SPACE = re.compile(r"[^\S\n]")
"""Whitespace other than a line break (that of :data:`TRAILING`)."""
_TUPLE_NEW = tuple.__new__
"""Makes an :class:`Edit` whose span was checked (taken from the text it names)."""
_AT_END = "whitespace at a line end"


def collapse_blank_lines(text: str, context: RuleContext) -> RuleOutput:
    """Make runs of blank lines one blank line; drop blank lines at the start and end."""
    output = RuleOutput()
    rule = "collapse_blank_lines"
    for match in LEADING_BLANKS.finditer(text):
        output.edit(rule, text, match.start(), match.end(), "", "blank lines at the start")
    # INNER_BLANKS and TRAILING_BLANKS, found from their newlines (quicker than lookbehinds).
    for match in RUN_OF_BLANK_LINES.finditer(text):
        if match.start() > 0 and match.end() < len(text):
            output.edit(rule, text, match.start(), match.end(), "\n\n", "run of blank lines")
    body = text.rstrip("\n")
    if body and len(text) - len(body) >= 2:
        output.edit(rule, text, len(body), len(text), "\n", "blank lines at the end")
    return output


def collapse_spaces(text: str, context: RuleContext) -> RuleOutput:
    """Make runs of spaces inside a line one space (indentation is reflow's business)."""
    output = RuleOutput()
    if "\t" in text:
        runs = [(match.start(), match.end()) for match in SPACE_RUN.finditer(text)]
    else:  # SPACE_RUN, found from its first two spaces by str.find (faster than a pattern)
        runs = []
        find = text.find
        start = find("  ")
        while start >= 0:
            end = start + 2
            while text[end : end + 1] == " ":
                end += 1
            if (
                start > 0
                and end < len(text)
                and not text[start - 1].isspace()
                and not text[end].isspace()
            ):
                runs.append((start, end))
            start = find("  ", end)
    for start, end in runs:
        output.edit("collapse_spaces", text, start, end, " ", "run of spaces")
    return output


def remove_space_before_punctuation(text: str, context: RuleContext) -> RuleOutput:
    """Remove a space OCR put before an apostrophe suffix or punctuation, and inside ``.. .``.

    Languages that space before ``; : ! ?`` (French) keep those spaces, and so does a
    document that itself spaces a mark twice or more, in a third or more of its uses after
    a word: that is
    the print's typography (``Alderman WILLIAMS : That``, common in older print), not an
    OCR slip, and the rule leaves that mark alone with a note. A spaced ``.``, ``!`` or ``?``
    before a small letter ends no sentence: a speck read as a mark, left as read.

    >>> from preserve.repair.context import preview
    >>> preview(remove_space_before_punctuation, "rain ; cold ; dark; ill , wet, fog, sun, sea.")
    'rain ; cold ; dark; ill, wet, fog, sun, sea.'
    """
    output = RuleOutput()
    rule = "remove_space_before_punctuation"
    candidates = list(CANDIDATES.finditer(text))
    spaced_marks = _spaced_by_the_print(text, candidates, output) if len(candidates) >= 2 else ""
    patterns = [
        (SPACE_BEFORE_CONTRACTION, "space before an apostrophe suffix"),
        (SPACE_BEFORE_PERIOD, "space before a full stop"),
        (SPLIT_ELLIPSIS, "space inside an ellipsis"),
    ]
    if not context.config.language.lower().startswith(FRENCH_SPACING):
        patterns.append((SPACE_BEFORE_MARK, "space before punctuation"))
    else:
        patterns.append((re.compile(r"(?<=[^\W_]) +(?=,(?:\s|\Z))"), "space before a comma"))
    taken: set[int] = set()
    for candidate in candidates:
        start = candidate.start()
        while start > 0 and text[start - 1] == " ":
            start -= 1
        window_start = max(0, start - 2)
        window = text[window_start : candidate.end() + 4]
        for pattern, reason in patterns:
            match = pattern.match(window, start - window_start)
            if match is None or start in taken:
                continue
            taken.add(start)
            mark_at = window_start + match.end()
            if text[mark_at] in spaced_marks:
                continue
            if text[mark_at] in ".!?" and text[mark_at + 1 : mark_at + 3].lstrip()[:1].islower():
                continue  # no sentence ends before a small letter: a speck read as a mark
            output.edit(rule, text, start, mark_at, "", reason, 0.9)
    return output


_USES = {
    mark: re.compile(rf"{re.escape(mark)}(?<=[^\W_]{re.escape(mark)})(?=\s|\Z)")
    for mark in ",;:!?."
}
"""Each mark right after a word (a pattern starting with the mark: the engine skips to it)."""


def _spaced_by_the_print(text: str, candidates: list[re.Match[str]], output: RuleOutput) -> str:
    """The marks among ``, ; : ! ? .`` that ``text`` spaces twice or more, in a third or more
    of their uses after a word (a note for each goes to ``output``): once is no convention.
    ``candidates``: the matches of ``CANDIDATES`` in ``text``."""
    marks = ""
    spaced: Counter[str] = Counter()  # uses of each mark after a word and spaces
    for candidate in candidates:
        mark, after = candidate.group()[1], candidate.end()
        if mark not in _USES or not (after == len(text) or text[after].isspace()):
            continue
        before = candidate.start()
        while before > 0 and text[before - 1] == " ":
            before -= 1
        if before and (text[before - 1].isalnum()):
            spaced[mark] += 1
    for mark in sorted(mark for mark, count in spaced.items() if count >= 2):
        uses = spaced[mark] + len(_USES[mark].findall(text))
        if spaced[mark] * 3 >= uses:
            marks += mark
            at = text.find(" " + mark)
            output.note(
                text,
                at,
                at + 2,
                f"the document sets a space before '{mark}' in {spaced[mark]} of its {uses} "
                "uses: the print's spacing, kept",
            )
    return marks
