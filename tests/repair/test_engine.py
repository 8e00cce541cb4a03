"""The engine's contract: configuration, dictionaries, classification, failure handling."""

from __future__ import annotations

import textwrap
from dataclasses import replace

import pytest

from preserve.errors import ConfigError, RepairError
from preserve.repair import OCR_RULES, RepairConfig, engine, repair, undo
from preserve.repair.classify import classify_text
from preserve.repair.lexicon import Lexicon, apt_package
from preserve.repair.rules import RULES

COLUMN = (
    "Armenian gangs perpetrated a massa-\ncre against defenseless civilians. The fu-\n"
    "gitives ran along a corridor adjacent to\nthe district but were met with fire.\n"
)
PROSE = (
    "The keepers of the lighthouse on the northern cape kept a log for ninety years, "
    "and every entry in it was written by hand: the weather at dawn and at dusk, the "
    "ships that passed and the state of the lamp. When the light was automated the log "
    "went to the county archive, where a volunteer is now reading it page by page and "
    "typing it out, so that historians of the climate can use the old observations "
    "beside the new ones. She says the keepers wrote very little about themselves, but "
    "that their lives show through the gaps in the record all the same, in a week of "
    "entries in another hand or a storm that was described at more length than usual."
)


def test_config_round_trips_and_refuses_what_it_does_not_know() -> None:
    config = RepairConfig(language="de_DE", rules=("fix_encoding", "reflow_paragraphs"))
    assert RepairConfig.from_mapping(config.to_dict()) == config
    for bad in (
        {"langauge": "en_US"},
        {"rules": ["no_such_rule"]},
        {"rules": "reflow"},
        {"short_line_ratio": "x"},
        {"uncurl_quotes": 1},
        {"normalization": "NFX"},
        {"min_ocr_lines": -1},
        {"language": "en US; rm"},
        {"variants": "en_GB"},
        {"variants": ["en GB; rm"]},
    ):
        with pytest.raises(ConfigError):
            RepairConfig.from_mapping(bad)


def test_rules_run_in_pipeline_order_and_only_those_chosen() -> None:
    only = RepairConfig(rules=("reflow_paragraphs",))
    result = repair(COLUMN, only)
    assert set(result.summary()) <= {
        "reflow_paragraphs",
        "strip_trailing_whitespace",
        "collapse_blank_lines",
    }
    assert "massa- cre" in result.text
    assert tuple(rule.name for rule in RULES) == OCR_RULES


def test_rules_run_in_pipeline_order_whatever_order_the_configuration_names_them() -> None:
    named = ("collapse_spaces", "reflow_paragraphs", "join_line_end_hyphens")
    text = COLUMN.replace("the ", "the  ")
    steps = [step.rule for step in repair(text, RepairConfig(rules=named)).log.steps]
    assert steps == [name for name in OCR_RULES if name in steps[:3]] + steps[3:]
    assert steps[:3] == ["join_line_end_hyphens", "reflow_paragraphs", "collapse_spaces"]


def test_missing_dictionary_is_a_config_error_naming_the_package() -> None:
    with pytest.raises(ConfigError, match="hunspell-xx-yy"):
        Lexicon("xx_YY")
    assert apt_package("pt_BR") == "hunspell-pt-br"


BRITISH = (
    "The keepers of the light kept a\n"
    "log for ninety years, and every\n"
    "entry in it was written by hand:\n"
    "the weather at dawn, the ships\n"
    "that passed the cape and the\n"
    "state of the sea at dusk.\n\n"
    "THe ColoUr of THe HArboUr wATer CHAnged wITH THe SeASonS And THe TIdeS.\n\n"
    "When the light was automated the\n"
    "log went to the county archive,\n"
    "where a volunteer is now reading\n"
    "it page by page and typing it out.\n"
)


def test_british_spellings_are_words_through_the_en_gb_variant() -> None:
    """en_US alone does not know 'harbour' or 'colour', and the document has them only in
    small caps: they would keep their capitals as if they were names. The en_GB
    dictionary, consulted beside it, knows them."""
    result = repair(BRITISH)
    assert "The colour of the harbour water changed with the seasons" in result.text
    assert result.software["enchant-dictionary-variants"].startswith("en_GB (hunspell")
    american_only = repair(BRITISH, RepairConfig(variants=()))
    assert "The colour of the harbour" not in american_only.text
    assert "enchant-dictionary-variants" not in american_only.software
    # Only varieties of the repair language are consulted: German gets no English.
    assert RepairConfig(language="de_DE").dictionary_variants() == ()


def test_a_missing_variant_dictionary_is_a_config_error_naming_the_package() -> None:
    with pytest.raises(ConfigError, match="hunspell-en-zz"):
        Lexicon("en_US", ("en_ZZ",))


def test_repair_without_a_dictionary_does_not_raise_and_only_fixes_whitespace() -> None:
    result = repair(COLUMN + "  \n\n\n", RepairConfig(language="xx_YY"))
    assert result.kind == "born-digital"
    assert "dictionary" in result.classification_reason
    assert set(result.summary()) <= {"strip_trailing_whitespace", "collapse_blank_lines"}
    assert any("no dictionary" in note["reason"] for note in result.log.notes)
    assert undo(result.text, result.log) == COLUMN + "  \n\n\n"


def test_a_failing_rule_is_skipped_and_noted(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text, context):
        raise ValueError("boom")

    monkeypatch.setattr(
        engine,
        "RULES",
        tuple(
            replace(rule, function=broken) if rule.name == "join_line_end_hyphens" else rule
            for rule in RULES
        ),
    )
    result = repair(COLUMN)
    assert result.kind == "ocr"
    assert any("rule failed" in note["reason"] for note in result.log.notes)
    assert undo(result.text, result.log) == COLUMN


def test_undo_refuses_a_log_that_does_not_fit() -> None:
    result = repair(COLUMN)
    with pytest.raises(RepairError):
        undo(result.text.replace(" ", "_"), result.log)
    with pytest.raises(RepairError):
        undo(result.text, {"format": "something else"})
    with pytest.raises(RepairError):
        undo(result.text, {"log": "not a log"})


def test_german_ocr_uses_the_german_dictionary() -> None:
    text = (
        "Die Überlebenden des Angriffs auf die\nStadt mussten ihre Häu-\nser verlassen und "
        "hofften, die\nnahe Stadt zu erreichen. Der Jour-\nnalist filmte die Stra-\nße vom "
        "Hubschrau-\nber aus.\n"
    )
    result = repair(text, RepairConfig(language="de_DE"))
    assert result.kind == "ocr"
    assert "Häuser" in result.text and "Journalist" in result.text
    assert "Straße" in result.text and "Hubschrauber" in result.text
    assert result.software["enchant-dictionary"].startswith("de_DE (hunspell")
    assert undo(result.text, result.log) == text


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "born-digital"),
        ("one line", "born-digital"),
        (COLUMN, "ocr"),
        ("Para one is long and on its own line.\n\nPara two as well.\n" * 5, "born-digital"),
        (textwrap.fill(PROSE, 46), "ocr"),  # a column set ragged right: no hyphens
        (textwrap.fill(PROSE, 72, break_on_hyphens=False), "born-digital"),  # e-mail
    ],
)
def test_classification(text: str, kind: str) -> None:
    assert classify_text(text)[0] == kind


def test_edits_carry_rule_span_before_after_reason_and_confidence() -> None:
    result = repair(COLUMN)
    for edit in result.log.edits:
        assert edit.rule in OCR_RULES and edit.reason
        assert 0 < edit.confidence <= 1
        assert edit.end - edit.start == len(edit.before)


def test_repair_never_raises_even_outside_a_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> dict:
        raise RuntimeError("no versions")

    monkeypatch.setattr(engine, "software_versions", broken)
    result = repair(COLUMN)
    assert result.text == COLUMN and result.log.edits == []
    assert "changed nothing" in result.log.notes[0]["reason"]


def test_small_caps_threshold_of_zero_words_is_taken_as_one() -> None:
    """``small_caps_min_words = 0`` is a valid setting: a sentence without soup stays as it is
    (it once divided by zero and the rule was skipped)."""
    from preserve.repair.config import RepairConfig
    from preserve.repair.context import RuleContext
    from preserve.repair.rules.headings import restore_small_caps

    config = RepairConfig(small_caps_min_words=0)
    text = "A b. In THe eArly HourS of the day, ArMed forCeS came.\n"
    output = restore_small_caps(text, RuleContext(config))
    assert [edit.after for edit in output.edits][:3] == ["the", "early", "hours"]
