"""The encoding gate's one-search form picks the lines its line-by-line form picks, and
its per-clue mojibake tests agree with ftfy's whole test."""

from __future__ import annotations

from ftfy.badness import is_bad
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.repair.config import RepairConfig
from preserve.repair.rules.encoding import MOJIBAKE_CLUES, _gate, _mojibake_test, ftfy_config

SETTINGS = ftfy_config(RepairConfig())
PIECES = [
    *["Ã©", "â€™", "â€œ", "Ã¼", "Ã¤", "Ã", "Â ", "Ð¿Ñ€", "ÐšÐ¸", "ï¬", "Ãƒ", "â€", "âˆ", "Ø§Ù"],
    *["café", "Straße über", "“quoted”", "it’s", " — ", "ﬁne", "\x85", "\x07", "½", "©", "»"],
    *["×²", "œ ", "√±", "≈°", "вЂ", "‚Äù", "à²", "ǅ", "Ａ", "&amp;", "word", " ", "\n", "\n\n"],
    *["e\u0301", "€", "£", "µ", "¢", "™", "”s", "é”s", "Ã”", "│®", "ﬁ™"],
]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=40).map("".join)
CLUES = sorted(MOJIBAKE_CLUES[0]) if MOJIBAKE_CLUES else []


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_lines_to_look_at_are_the_lines_would_look_picks(text: str) -> None:
    gate = _gate(SETTINGS)
    expected = []
    start = 0
    for line in text.split("\n"):
        if gate.would_look(line):
            expected.append((start, start + len(line)))
        start += len(line) + 1
    assert list(gate.lines_to_look_at(text)) == expected


@settings(max_examples=500, deadline=None)
@given(TEXT.map(lambda text: text.replace("\n", " ")))
def test_per_clue_tests_agree_with_is_bad(line: str) -> None:
    gate = _gate(SETTINGS)
    clues = [at for at, char in enumerate(line) if char in MOJIBAKE_CLUES[0]]  # type: ignore[index]
    if not clues or gate.fixed.search(line):
        return
    assert gate._mojibake(line, 0, len(line), clues) == is_bad(line)


def test_every_clue_has_its_own_test() -> None:
    for clue in CLUES:
        test, width = _mojibake_test(clue)
        assert 1 <= width <= MOJIBAKE_CLUES[1]  # type: ignore[index]
        assert test.pattern is None  # compiled from the chosen alternatives, not the whole test


def test_a_line_starting_with_mojibake_of_a_space_is_looked_at() -> None:
    """ftfy's test has one alternative anchored at the start of what it reads (``^Â ``):
    the windows are read in the line alone, so it holds for every line, not the first."""
    text = "clean\nÂ line"
    assert list(_gate(SETTINGS).lines_to_look_at(text)) == [(6, 12)]
