"""The encoding gate reads ftfy's private mojibake test with CPython's private regex parser.

``repair/rules/encoding.py`` splits :data:`ftfy.badness.BADNESS_RE` into its alternatives
with ``re._parser`` (and recompiles a few with ``re._compiler``) to test only a window
around each clue. No public API gives the alternatives of a compiled pattern, so both are
pinned: ftfy 6.3 (pyproject.toml, constraints.txt) and CPython 3.11 to 3.13. If either
changes what the gate relies on, the gate falls back, without a word at run time, to
ftfy's whole test on every line with a non-ASCII character: still exact, several times
slower. These tests fail first, and say what moved and what to look at.
"""

from __future__ import annotations

import re
import sys

import ftfy
from ftfy.badness import BADNESS_RE, is_bad

from preserve.repair.rules.encoding import _CLUE_CLASSES, MOJIBAKE_CLUES, _mojibake_test

WHERE = (
    f"(ftfy {ftfy.__version__}, Python {sys.version.split()[0]}): look at _clue_classes and "
    "_mojibake_test in src/preserve/repair/rules/encoding.py against the new ftfy.badness "
    "and re._parser / re._compiler, then move the pins"
)


def test_ftfy_and_python_are_the_pinned_ones() -> None:
    assert ftfy.__version__.startswith("6.3."), f"ftfy is no longer 6.3 {WHERE}"
    assert (3, 11) <= sys.version_info[:2] <= (3, 13), f"Python is not 3.11-3.13 {WHERE}"
    import re._compiler
    import re._constants
    import re._parser

    for module, name in [
        (re._parser, "parse"),
        (re._parser, "SubPattern"),
        (re._constants, "BRANCH"),
        (re._constants, "IN"),
        (re._compiler, "compile"),
    ]:
        assert hasattr(module, name), f"{module.__name__}.{name} is gone {WHERE}"


def test_the_mojibake_test_is_read_one_clue_class_per_alternative() -> None:
    assert _CLUE_CLASSES is not None and MOJIBAKE_CLUES is not None, (
        f"ftfy's BADNESS_RE could no longer be read into alternatives {WHERE}"
    )
    # Counted again from the pattern's public text, where ftfy writes one alternative a line.
    alternatives = BADNESS_RE.pattern.strip().split("\n    |\n")
    assert len(_CLUE_CLASSES[0]) == len(alternatives), f"alternatives miscounted {WHERE}"
    for (_branch, chars), text in zip(_CLUE_CLASSES[0], alternatives, strict=True):
        assert chars and not any(char.isascii() for char in chars), text
        alone = re.compile(text, BADNESS_RE.flags)
        # the clue class is one the alternative needs: it matches nothing without it
        for clue in sorted(chars)[:3]:
            found = _mojibake_test(clue)[0]
            assert found.pattern is None, f"the alternatives could not be recompiled {WHERE}"
            sample = _a_match(alone, clue)
            if sample is not None:
                assert is_bad(sample) and found.search(sample), (sample, text)
    assert 1 <= MOJIBAKE_CLUES[1] < 100, f"the test's longest match is unbounded {WHERE}"


def _a_match(pattern: re.Pattern[str], clue: str) -> str | None:
    """A short text holding ``clue`` that ``pattern`` matches, tried from a few neighbours."""
    for before in ("a", "Ã", "â", " ", "", "é"):
        for after in ("", "a", "©", "€", "¦", "1", "‚"):
            text = before + clue + after
            if pattern.search(text):
                return text
    return None
