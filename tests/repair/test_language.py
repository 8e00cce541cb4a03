"""``language = "auto"``: the dictionary is chosen per text, recorded, or none (issue 9).

Real dictionaries: bootstrap installs en_US, en_GB and de_DE. A test that needs a language
to be missing skips where a dictionary of it is installed.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

import preserve.cli  # noqa: F401 - registers the commands
from preserve.cli.app import app
from preserve.repair import RepairConfig, repair, undo
from preserve.repair.lexicon import (
    MIN_LANGUAGE_SHARE,
    choose_language,
    get_lexicon,
    installed_languages,
    sample_words,
)

GERMAN_OCR = (
    "Die Zeitung von gestern war größ¬\n"
    "ter als je zuvor, und wir haben\n"
    "das alles gelesen. Der Ein-\n"
    "und Ausgang des Hauses lag an\n"
    "der Straße, wo die Kinder spiel¬\n"
    "ten und die Mütter warteten. Die\n"
    "Häuser waren alt und grau, die\n"
    "Fenster klein und die Türen schwer.\n"
)
GERMAN_REPAIRED = (
    "Die Zeitung von gestern war größter als je zuvor, und wir haben das alles gelesen. "
    "Der Ein- und Ausgang des Hauses lag an der Straße, wo die Kinder spielten und die "
    "Mütter warteten. Die Häuser waren alt und grau, die Fenster klein und die Türen "
    "schwer.\n"
)
FRENCH_OCR = (
    "Le conseil municipal a dÃ©cidÃ© hier soir de fer-\n"
    "mer la vieille gare du port,  malgrÃ© les protes-   \n"
    "tations des habitants qui craignent que le quar-\n"
    "tier ne perde son dernier lien avec la ville . Les\n"
    "travaux commenceront au printemps et dureront deux\n"
    "ans selon le maire, qui a promis une nouvelle sal-\n"
    "le pour les associations et un jardin public sur\n"
    "les anciennes voies du port de la ville basse.\n"
)
ENGLISH = "The paper of yesterday lay on the table beside the lamp and the letters."


def test_german_is_chosen_and_repaired_end_to_end() -> None:
    result = repair(GERMAN_OCR)
    assert result.text == GERMAN_REPAIRED
    assert undo(result.text, result.log) == GERMAN_OCR
    record = result.to_dict()
    assert record["config"]["language"] == "auto"
    assert record["language"]["chosen"] == "de_DE"
    assert record["language"]["scores"]["de_DE"] > record["language"]["scores"]["en_US"]
    assert record["software"]["enchant-dictionary"].startswith("de_DE")
    assert any(
        note["reason"].startswith("language chosen: de_DE") for note in record["log"]["notes"]
    )


def test_english_is_chosen_as_en_us_on_a_tie_with_en_gb() -> None:
    choice = choose_language(ENGLISH, ("de_DE", "en_GB", "en_US"))
    assert choice.language == "en_US"
    assert choice.scores["en_US"] == choice.scores["en_GB"] == 1.0


def test_a_language_without_a_dictionary_chooses_none() -> None:
    choice = choose_language(FRENCH_OCR, ("de_DE", "en_GB", "en_US"))
    assert choice.language is None
    assert max(choice.scores.values()) < MIN_LANGUAGE_SHARE
    assert "only encoding and whitespace" in choice.describe()


def test_french_without_a_french_dictionary_changes_only_encoding_and_whitespace() -> None:
    if any(tag.lower().startswith("fr") for tag in installed_languages()):
        pytest.skip("a French dictionary is installed here")
    result = repair(FRENCH_OCR)
    assert result.kind == "ocr"
    assert result.language["chosen"] is None
    assert set(result.summary()) <= {"fix_encoding", "strip_trailing_whitespace"}
    assert result.text == FRENCH_OCR.replace("Ã©", "é").replace("   \n", "\n")
    assert undo(result.text, result.log) == FRENCH_OCR


def test_a_named_language_is_not_chosen_again() -> None:
    result = repair(GERMAN_OCR, RepairConfig(language="en_US"))
    assert result.language == {}
    assert "language" not in result.to_dict()


def test_a_long_text_is_sampled_in_windows() -> None:
    book = ("word " * 1000 + "\n") * 200  # 1 MB
    words = sample_words(book)
    assert len(words) == 150 and set(words) == {"word"}


def test_dictionaries_are_opened_once_and_shared_by_threads() -> None:
    assert get_lexicon("de_DE") is get_lexicon("de_DE")
    found: list[str | None] = []

    def choose() -> None:
        for _ in range(20):
            found.append(choose_language(GERMAN_OCR).language)

    threads = [threading.Thread(target=choose) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == ["de_DE"] * 40


def test_cli_repairs_with_auto_by_default_and_records_the_choice(tmp_path: Path) -> None:
    source, edits = tmp_path / "zeitung.txt", tmp_path / "edits.json"
    source.write_text(GERMAN_OCR, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["repair", str(source), "--edits", str(edits)])
    assert result.exit_code == 0, result.output
    assert result.stdout == GERMAN_REPAIRED
    assert json.loads(edits.read_text(encoding="utf-8"))["language"]["chosen"] == "de_DE"
    result = runner.invoke(app, ["repair", str(source), "--lang", "auto", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["text"] == GERMAN_REPAIRED
