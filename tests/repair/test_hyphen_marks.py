"""Line-end hyphen marks of other OCR engines, ftfy beside them, suspended hyphens (issue 9).

``¬`` (ABBYY FineReader), ``⸗`` (Fraktur OCR), ``=`` where the document uses it so, the soft
hyphen: all are judged by the rules of ``-``. ftfy must never read a character before ``¬``
or a soft hyphen as the first bytes of a UTF-8 sequence (``größ¬`` → ``grö߬``).
"""

from __future__ import annotations

import ftfy
import pytest

from preserve.repair import repair, undo
from preserve.repair.config import RepairConfig
from preserve.repair.context import preview
from preserve.repair.lexicon import CONJUNCTIONS
from preserve.repair.rules.encoding import LINE_END_MARKS, fix_encoding, remove_soft_hyphens
from preserve.repair.rules.hyphenation import join_line_end_hyphens

GERMAN = RepairConfig(language="de_DE")


def _latin_characters() -> list[str]:
    """Every printable Latin-1 and cp1252 character beyond ASCII."""
    latin1 = [chr(code) for code in range(0xA0, 0x100)]
    cp1252 = []
    for byte in range(0x80, 0xA0):
        try:
            cp1252.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            continue
    return latin1 + cp1252


def _mistaken_beside(mark: str) -> list[str]:
    """The characters (and pairs) before ``mark`` at a line end that ftfy changes with the
    mark and would not change without it: it takes the mark for a byte of theirs."""
    singles = _latin_characters()
    lead = [chr(code) for code in range(0xE0, 0xF0)]  # a three-byte UTF-8 sequence's start
    candidates = singles + [first + second for first in lead for second in singles]
    return [
        before
        for before in candidates
        if ftfy.fix_text(f"Wor{before}{mark}") != f"Wor{before}{mark}"
        and ftfy.fix_text(f"Wor{before}") == f"Wor{before}"
    ]


MISTAKEN = {mark: _mistaken_beside(mark) for mark in LINE_END_MARKS}


def test_the_generated_characters_hold_the_reported_one() -> None:
    assert "ß" in MISTAKEN["¬"]
    assert len(MISTAKEN["¬"]) >= 20  # ÂÃÄ…ß, cp1252 quotes: measured 30 singles with ftfy 6.3
    assert MISTAKEN["\u00ad"]


@pytest.mark.parametrize("mark", LINE_END_MARKS)
def test_fix_encoding_keeps_a_line_end_hyphen_mark(mark: str) -> None:
    changed = [
        before
        for before in MISTAKEN[mark]
        if preview(fix_encoding, f"Wor{before}{mark}\nter und mehr\n")
        != f"Wor{before}{mark}\nter und mehr\n"
    ]
    assert changed == []


def test_gross_broken_with_not_sign_is_joined_in_german() -> None:
    text = (
        "Die Zeitung von gestern war größ¬\nter als je zuvor, und wir haben\n"
        "das alles gelesen und dann die\nSeiten gefaltet und weggelegt.\n"
    )
    result = repair(text, GERMAN)
    assert "größter als" in result.text
    assert undo(result.text, result.log) == text


def test_real_mojibake_before_a_line_end_mark_is_still_fixed() -> None:
    assert preview(fix_encoding, "the cafÃ© and the re¬\nst") == "the café and the re¬\nst"


@pytest.mark.parametrize("mark", ["-", "‐", "¬", "⸗", "\u00ad"])
def test_every_mark_joins_a_word_and_keeps_a_compound(mark: str) -> None:
    text = f"a massa{mark}\ncre and machine{mark}\ngun points"
    output = preview(join_line_end_hyphens, preview(remove_soft_hyphens, text))
    assert output == "a massacre and machine-gun points"


def test_soft_hyphen_alone_still_joins_without_the_hyphen_rule() -> None:
    config = RepairConfig(rules=("remove_soft_hyphens",))
    assert preview(remove_soft_hyphens, "machine\u00ad\ngun", config) == "machinegun"


def test_equals_sign_is_a_hyphen_only_where_the_document_uses_it_so() -> None:
    fraktur = "die Häu=\nser waren alt und die Fen=\nster klein"
    assert (
        preview(join_line_end_hyphens, fraktur, GERMAN)
        == "die Häuser waren alt und die Fenster klein"
    )
    once = "where x=\ny holds"
    assert preview(join_line_end_hyphens, once) == once
    formulas = "let a=\nb and c=\nd, with e=f, g=h, i=j"
    assert preview(join_line_end_hyphens, formulas) == formulas


@pytest.mark.parametrize(
    ("text", "config", "expected"),
    [
        ("der Ein-\nund Ausgang", GERMAN, "der Ein- und Ausgang"),
        ("der Ein¬\nund Ausgang", GERMAN, "der Ein- und Ausgang"),
        ("of two⸗\nand three-storey houses", RepairConfig(), "of two- and three-storey houses"),
        ("mit Vor-\noder Nachteilen", GERMAN, "mit Vor- oder Nachteilen"),
        ("both pre-\nand postwar years", RepairConfig(), "both pre- and postwar years"),
        ("the before-\nand-after photographs", RepairConfig(), "the before-and-after photographs"),
    ],
)
def test_a_hyphen_before_a_conjunction_keeps_its_space(
    text: str, config: RepairConfig, expected: str
) -> None:
    result = repair(
        text + " came later than\nthe others did in the\nold days, as they said.\n", config
    )
    assert result.text.startswith(expected)


def test_conjunctions_are_data_by_language() -> None:
    assert {"en", "de"} <= set(CONJUNCTIONS)
    assert all(words and all(word.islower() for word in words) for words in CONJUNCTIONS.values())


def test_fraktur_hyphens_count_as_typesetting_when_classifying() -> None:
    """Lines wider than a narrow column: only hyphenation tells typesetting from a text
    wrapped by a program."""
    from preserve.repair.classify import classify_text

    lines = [
        "die alten Häuser der Stadt am Fluss waren grau und wa⸗",
        "ren lange verlassen, und die Fenster der kleinen Stu⸗",
        "ben blieben dunkel am Abend, wenn der Nebel vom Was⸗",
        "ser aufstieg und die Gassen der Altstadt füllte, bis",
    ] * 3
    text = "\n".join(lines) + "\n"
    assert classify_text(text, RepairConfig())[0] == "ocr"


def test_a_soft_hyphen_at_a_line_end_before_no_letter_is_still_removed() -> None:
    """Only a soft hyphen before letters is left for the hyphen rule: any other would stay
    in the text, and a second repair would remove it (not idempotent)."""
    assert preview(remove_soft_hyphens, "page\u00ad\n12 of it") == "page12 of it"
    assert preview(remove_soft_hyphens, "the el\u00ad\n\nderly") == "the el\u00ad\n\nderly"
