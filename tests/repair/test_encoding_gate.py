"""fix_encoding calls ftfy only on lines ftfy could change: the gate must never skip one."""

from __future__ import annotations

import unicodedata

import ftfy
from ftfy.badness import is_bad
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.repair.config import RepairConfig
from preserve.repair.context import RuleContext, preview
from preserve.repair.rules.encoding import MOJIBAKE_CLUES, _gate, fix_encoding, ftfy_config

SETTINGS = ftfy_config(RepairConfig())
MOJIBAKE = ["Ã©", "â€™", "â€œ", "Ã¼", "Ã¤", "Ã", "Â ", "Ð¿Ñ€", "ÐšÐ¸", "ï¬", "Ãƒ", "â€"]
PIECES = [
    *MOJIBAKE,
    "café",
    "Straße über",
    "“quoted”",
    "it’s",
    " — ",
    "ﬁne",
    "\x85",
    "\x07",
    "\ufeff",
    "½",
    "©",
    "»",
    "ǅ",
    "Ａ",
    "&amp;",
    "\x1b[1m",
    "word",
    " ",
    "e\u0301",
    "Ĳ",
    "€",
    "£",
    "µ",
    "¢",
]
LINE = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=12).map("".join)


def test_the_mojibake_test_was_read() -> None:
    """With the pinned ftfy, the clue characters are known: most lines are never tested."""
    assert MOJIBAKE_CLUES is not None
    clues, longest = MOJIBAKE_CLUES
    assert "é" in clues and "’" not in clues and "a" not in clues
    assert 2 <= longest < 100


@settings(max_examples=400, deadline=None)
@given(LINE.filter(lambda line: "\n" not in line))
def test_gate_never_skips_a_line_ftfy_would_change(line: str) -> None:
    gate = _gate(SETTINGS)
    if not unicodedata.is_normalized("NFC", line):
        return  # such texts are sent to ftfy line by line without the gate
    if not gate.would_look(line):
        assert ftfy.fix_text(line, SETTINGS) == line
        assert not is_bad(line)


def test_gate_agrees_with_is_bad_on_every_line_of_mojibake() -> None:
    gate = _gate(SETTINGS)
    for line in MOJIBAKE + [f"x {m} y" for m in MOJIBAKE]:
        if is_bad(line):
            assert gate.would_look(line), line


def test_lines_without_clues_are_left_to_themselves() -> None:
    """Prose with curly quotes and dashes is not ftfy's business; mojibake next to it is."""
    text = "it’s “quoted” — fine\nthe cafÃ© is open\n"
    assert preview(fix_encoding, text) == "it’s “quoted” — fine\nthe café is open\n"
    output = fix_encoding(text, RuleContext(RepairConfig()))
    assert [edit.start for edit in output.edits] == [text.index("Ã")]
