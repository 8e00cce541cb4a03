"""Tell OCR from born-digital text by its layout alone.

OCR of printed columns comes as short lines, most of them followed directly by another
line of the same paragraph. Born-digital text keeps a paragraph on one long line. The
measure ignores trailing whitespace and how many blank lines separate blocks, so a
whitespace-normalised text is classified as its original was, and a repaired OCR text
(one paragraph per line) reads as born-digital: repairing it again changes nothing.

>>> columns = ("The very next day the world saw\\nvideo footage made at the scene\\n"
...            "by a TV journalist who then\\nflew over the town again.\\n")
>>> classify_text(columns)[0]
'ocr'
>>> classify_text("One paragraph on one line.\\n\\nAnother one.\\n")[0]
'born-digital'
"""

from __future__ import annotations

import itertools
import re
import statistics
from typing import Literal

from preserve.repair.config import RepairConfig

Kind = Literal["ocr", "born-digital"]
HYPHENS = "-‐¬⸗\u00ad"
"""Line-end hyphens: ASCII, Unicode hyphen, ``¬`` (ABBYY FineReader), ``⸗`` (Fraktur OCR),
the soft hyphen (``vocabulary.HYPHEN_MARKS``)."""


NOT_PROSE_CHARS = "={}<>[]_#|\\`~^@"
"""Characters that print rarely sets in running text, and code, markup and data use often."""
NOT_PROSE = re.compile(f"[{re.escape(NOT_PROSE_CHARS)}]")
"""The same, as a pattern."""


def _prose_share(text: str, contents: list[str] | None = None) -> float:
    """Share of the non-blank lines that read as prose: three words or more, and none of
    :data:`NOT_PROSE`. OCR of print scores about 0.9 on a page (more than 0.6 in a few
    lines around debris); source code, configuration files and word lists 0.6 or less.

    ``contents``: the non-blank lines of ``text``, stripped, if already at hand.

    >>> _prose_share("the cat sat on the mat\\nx = 1\\n\\nwords\\n")
    0.3333333333333333
    """
    if contents is None:
        contents = [line for line in map(str.strip, text.split("\n")) if line]
    if not contents:
        return 0.0
    # Lines of three words or more (two spaces or more) counted by a C-level map, less
    # those of them holding a NOT_PROSE character, found from those characters: a search
    # per line was most of the time, and most texts hold few of them.
    prose = sum(map((2).__le__, map(str.count, contents, itertools.repeat(" "))))
    for line in _lines_holding(text, NOT_PROSE_CHARS):
        if line.strip().count(" ") >= 2:
            prose -= 1
    return prose / len(contents)


def _lines_holding(text: str, chars: str) -> list[str]:
    """The lines of ``text`` (split at ``\\n``) holding any of ``chars``, each once.

    >>> _lines_holding("a=b\\nc\\n{d}=e\\n", "={}")
    ['a=b', '{d}=e']
    """
    find = text.find
    ends: dict[int, int] = {}  # start -> end of each line found
    for char in chars:
        at = find(char)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            end = find("\n", at)
            if end < 0:
                end = len(text)
            ends[start] = end
            at = find(char, end)
    return [text[start : ends[start]] for start in sorted(ends)]


def classify_text(text: str, config: RepairConfig | None = None) -> tuple[Kind, str]:
    """Return ``("ocr" | "born-digital", reason)``.

    OCR needs all of: most lines run on from the line before, lines of column width, most
    lines reading as prose (see :data:`NOT_PROSE`), and positive evidence that a typesetter
    broke prose across lines: words hyphenated at line ends, or (in narrow columns) lines
    that mostly go on in lowercase. Hard-wrapped e-mail, verse, lists, code and tables lack
    that evidence and are left alone.

    >>> code = "def f(x):\\n    y = x + 1\\n    return y\\n" * 5
    >>> classify_text(code)[0]
    'born-digital'
    """
    config = config or RepairConfig()
    contents: list[str] = []  # the non-blank lines, stripped
    wrapped = hyphenated = lowercase = 0
    previous = ""
    for line in text.split("\n"):
        content = line.strip()
        if content:
            contents.append(content)
            if previous:
                wrapped += 1
                if content[0].islower():
                    lowercase += 1
                    if previous[-1] in HYPHENS and previous[-2:-1].isalpha():
                        hyphenated += 1
        previous = content
    lengths = list(map(len, contents))
    count = len(lengths)
    if count < config.min_ocr_lines:
        return "born-digital", f"only {count} non-blank line(s): too little to call it OCR"
    share = wrapped / count
    median = statistics.median(lengths)
    facts = (
        f"{count} lines, median length {median:g}, {share:.0%} run on from the line before, "
        f"{hyphenated} hyphenated at the end, {lowercase} going on in lowercase"
    )
    if share < config.ocr_wrapped_ratio or median > config.ocr_max_median_line:
        return "born-digital", f"not wrapped in columns: {facts}"
    prose = _prose_share(text, contents)
    facts += f", {prose:.0%} reading as prose"
    if prose < config.ocr_min_prose_share:
        return "born-digital", f"lines that do not read as prose (code, lists, data): {facts}"
    typeset = hyphenated >= 3 and hyphenated / count >= config.ocr_min_hyphenated_share
    narrow = median <= config.ocr_narrow_column and lowercase / max(wrapped, 1) >= 0.5
    if not (typeset or narrow):
        return "born-digital", f"wrapped lines but not prose broken by a typesetter: {facts}"
    return "ocr", f"column-set text: {facts}"
