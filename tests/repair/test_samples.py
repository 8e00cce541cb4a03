"""The two samples: the magazine OCR is repaired as issue #3 lists; the web article is kept."""

from __future__ import annotations

import re

import pytest

from preserve.repair import RepairConfig, repair, undo
from preserve.repair.rules import BORN_DIGITAL_RULES


@pytest.fixture(scope="module")
def magazine(request: pytest.FixtureRequest):
    from preserve_testdata import MAGAZINE_OCR, RAW

    text = (RAW / MAGAZINE_OCR).read_text(encoding="utf-8")
    return text, repair(text)


def test_magazine_is_ocr_and_undoes_exactly(magazine) -> None:
    text, result = magazine
    assert result.kind == "ocr"
    assert undo(result.text, result.log) == text
    assert undo(result.text, result.to_dict()) == text


def test_magazine_output_is_one_paragraph_per_line(magazine) -> None:
    _, result = magazine
    assert result.text.endswith("\n") and not result.text.endswith("\n\n")
    for block in result.text.rstrip("\n").split("\n\n"):
        assert block and "\n" not in block
        assert block == block.strip() and "  " not in block


def test_magazine_artifacts_are_repaired(magazine) -> None:
    _, result = magazine
    out = result.text
    assert not re.search(r"[^\W\d_]-\n", out), "a line-end hyphen is left"
    for joined in (
        "massacre",
        "fugitives",
        "elderly",
        "altitude",
        "intense",
        "Khankendi",
        "Khjali",
        "Survivors",
        "helicopter. But",
        " TV journalist",
        "Mustafayev’s",
        "too ...",
        "from the town. The images",
        "show randomly scattered",
    ):
        assert joined in out, joined
    for kept in (
        "grief-stricken",
        "300-400",
        "three- or four-year-old",
        "machine-gun",
        "Nagorno-Karabakh",
        "“safe passage”",
        "It blows a part of it away",  # "a part" is two words here, never "apart"
        "a few kilometers",
        "if I stay, the helicopter",
    ):
        assert kept in out, kept
    for gone in ("S urvivors", "h elicopter", "T V", "www.", "Artist Asgar", " ’s", ".. ."):
        assert gone not in out, gone
    assert "In the early hours of 26 February 1992, Armenian armed forces" in out
    assert "Azerbaijani town of Khojali." in out
    assert (
        "\n\n“This was a bloodbath. I haven’t seen anything more horrifying in my life”\n\n" in out
    )
    assert "\n\n- What did the authorities do?\n\n" in out
    assert "intense fire.\n\n- The Armenian side claims that Armenian troops" in out


def test_magazine_debris_is_kept_with_original_spans(magazine) -> None:
    text, result = magazine
    kinds = {item.kind: item.text for item in result.debris}
    assert kinds["running-head"] == "Karabakh"
    assert kinds["folio"] == "16 www.irs-az.com"
    assert kinds["credit"] == "Artist Asgar Mammadov"
    assert kinds["caption"] == "One of the first witnesses of Armenian atrocities in Khojali"
    for item in result.debris:
        assert text[item.start : item.end] == item.text
    assert result.summary()["remove_layout_debris"] >= 3


def test_magazine_repair_is_idempotent(magazine) -> None:
    _, result = magazine
    again = repair(result.text)
    assert again.text == result.text and again.log.edits == []


def test_born_digital_only_gets_whitespace(born_digital_text: str) -> None:
    result = repair(born_digital_text)
    assert result.kind == "born-digital"
    assert set(result.summary()) <= set(BORN_DIGITAL_RULES)
    expected = re.sub(r"[ \t]+(?=\n|\Z)", "", born_digital_text)
    expected = re.sub(r"\n{3,}", "\n\n", expected)
    assert result.text == expected
    assert undo(result.text, result.log) == born_digital_text
    assert repair(result.text).log.edits == []


def test_to_dict_records_config_software_and_summary(magazine) -> None:
    _, result = magazine
    record = result.to_dict()
    assert record["kind"] == "ocr" and record["reason"]
    assert RepairConfig.from_mapping(record["config"]) == result.config
    assert record["software"]["ftfy"] and record["software"]["pyenchant"]
    assert record["software"]["enchant-dictionary"].startswith("en_US (hunspell")
    assert record["summary"] == result.summary()
    assert record["log"]["format"] == "preserve-edit-log/1"
    assert {"kind", "text", "start", "end", "reason"} <= set(record["debris"][0])


def test_a_long_magazine_text_repairs_and_undoes_exactly() -> None:
    """Forty pages in one text. Speed is measured by benchmarks/repair_bench.py, not here
    (no timed unit tests on a shared machine)."""
    from preserve_testdata import MAGAZINE_OCR, RAW

    text = (RAW / MAGAZINE_OCR).read_text(encoding="utf-8")
    big = "\n\n".join([text] * 40)
    result = repair(big)
    assert result.kind == "ocr"
    assert undo(result.text, result.log) == big
