"""``preserve repair`` end to end: files in a temporary folder, real dictionary, exit codes."""

from __future__ import annotations

import codecs
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import preserve.cli  # noqa: F401 - registers the commands
from preserve.cli.app import app
from preserve.identification import detect_encoding
from preserve_testdata import BORN_DIGITAL, MAGAZINE_OCR, RAW

runner = CliRunner()


@pytest.fixture
def magazine(tmp_path: Path) -> Path:
    target = tmp_path / "magazine.txt"
    shutil.copyfile(RAW / MAGAZINE_OCR, target)
    return target


def test_repair_writes_text_and_edits_then_undo_rebuilds_the_original(
    magazine: Path, tmp_path: Path
) -> None:
    original = magazine.read_bytes()
    out, edits, back = tmp_path / "clean.txt", tmp_path / "edits.json", tmp_path / "back.txt"
    result = runner.invoke(app, ["repair", str(magazine), "-o", str(out), "--edits", str(edits)])
    assert result.exit_code == 0, result.output
    assert magazine.read_bytes() == original
    assert "Survivors of the assault" in out.read_text(encoding="utf-8")
    record = json.loads(edits.read_text(encoding="utf-8"))
    assert record["kind"] == "ocr" and record["log"]["format"] == "preserve-edit-log/1"
    assert record["summary"]["join_line_end_hyphens"] > 10
    assert {item["kind"] for item in record["debris"]} >= {"folio", "caption"}
    assert "reflow_paragraphs" in result.stderr and "ocr" in result.stderr
    assert not list(tmp_path.glob(".*.part"))

    result = runner.invoke(
        app, ["repair", "--undo", str(out), "--edits", str(edits), "-o", str(back)]
    )
    assert result.exit_code == 0, result.output
    assert back.read_bytes() == original


def test_repair_to_stdout_and_json(magazine: Path) -> None:
    result = runner.invoke(app, ["repair", str(magazine)])
    assert result.exit_code == 0
    assert result.stdout.startswith("Survivors of the assault")
    result = runner.invoke(app, ["repair", str(magazine), "--json"])
    report = json.loads(result.stdout)
    assert report["kind"] == "ocr" and report["edits"] == sum(report["summary"].values())
    assert report["text"].startswith("Survivors")


def test_born_digital_gets_whitespace_only(tmp_path: Path) -> None:
    source = tmp_path / "web.txt"
    shutil.copyfile(RAW / BORN_DIGITAL, source)
    result = runner.invoke(app, ["repair", str(source), "--json"])
    report = json.loads(result.stdout)
    assert report["kind"] == "born-digital"
    assert set(report["summary"]) <= {"strip_trailing_whitespace", "collapse_blank_lines"}


def test_german_dictionary_end_to_end(tmp_path: Path) -> None:
    text = (
        "Die Überlebenden des Angriffs auf die\nStadt mussten ihre Häu-\nser verlassen und "
        "hofften, die\nnahe Stadt zu erreichen. Der Jour-\nnalist filmte die Straße.\n"
    )
    source = tmp_path / "zeitung.txt"
    source.write_text(text, encoding="utf-8")
    edits = tmp_path / "edits.json"
    result = runner.invoke(app, ["repair", str(source), "--lang", "de_DE", "--edits", str(edits)])
    assert result.exit_code == 0, result.output
    assert "ihre Häuser verlassen" in result.stdout and "Der Journalist filmte" in result.stdout
    record = json.loads(edits.read_text(encoding="utf-8"))
    assert record["config"]["language"] == "de_DE"
    assert record["software"]["enchant-dictionary"].startswith("de_DE")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        (b"caf\xe9 noir\n", "not UTF-8"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_1(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(app, ["repair", str(path)])
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["--undo", "x.txt"],
        ["a.txt", "--undo", "b.txt", "--edits", "e.json"],
        ["a.txt", "--lang", "xx_YY"],
        ["a.txt", "--lang", "en US;"],
        ["a.txt", "--no-such-option"],
    ],
)
def test_bad_options_exit_2(arguments: list[str], in_tmp_dir: Path) -> None:
    (in_tmp_dir / "a.txt").write_text("text\n", encoding="utf-8")
    result = runner.invoke(app, ["repair", *arguments])
    assert result.exit_code == 2, result.output


def test_missing_dictionary_names_the_package(magazine: Path) -> None:
    result = runner.invoke(app, ["repair", str(magazine), "--lang", "fr_FR"])
    assert result.exit_code == 2
    assert "hunspell-fr-fr" in result.stderr


def test_undo_refuses_a_changed_text(magazine: Path, tmp_path: Path) -> None:
    out, edits = tmp_path / "clean.txt", tmp_path / "edits.json"
    runner.invoke(app, ["repair", str(magazine), "-o", str(out), "--edits", str(edits)])
    out.write_text("something else entirely\n", encoding="utf-8")
    result = runner.invoke(app, ["repair", "--undo", str(out), "--edits", str(edits)])
    assert result.exit_code == 1
    assert "repaired text" in result.stderr


def test_undo_refuses_a_file_that_is_not_an_edit_log(magazine: Path, tmp_path: Path) -> None:
    edits = tmp_path / "edits.json"
    edits.write_text("[1, 2]", encoding="utf-8")
    result = runner.invoke(app, ["repair", "--undo", str(magazine), "--edits", str(edits)])
    assert result.exit_code == 1


def _listing(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


@pytest.mark.parametrize(
    "outputs",
    [
        ["-o", "{input}", "--edits", "{input}"],  # the example: the original was lost
        ["-o", "{input}"],
        ["--edits", "{input}"],
        ["--review", "{input}"],
        ["-o", "{link}"],  # a symbolic link to the input
        ["--edits", "{hard}"],  # a hard link to the input
        ["-o", "clean.txt", "--edits", "clean.txt"],  # two outputs, one file
        ["-o", "clean.txt", "--review", "sub/../clean.txt"],  # the same, spelled otherwise
    ],
)
def test_no_output_may_name_the_input_or_another_output(
    magazine: Path, tmp_path: Path, outputs: list[str]
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.txt").symlink_to(magazine)
    (tmp_path / "hard.txt").hardlink_to(magazine)
    names = {"input": magazine, "link": tmp_path / "link.txt", "hard": tmp_path / "hard.txt"}
    arguments = [
        str(names[item[1:-1]])
        if item.startswith("{")
        else str(tmp_path / item)
        if not item.startswith("-")
        else item
        for item in outputs
    ]
    before = _listing(tmp_path)
    result = runner.invoke(app, ["repair", str(magazine), *arguments])
    assert result.exit_code == 2, result.output
    assert _listing(tmp_path) == before  # nothing written, nothing overwritten
    assert "same file" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("target", ["repaired", "edits", "link"])
def test_undo_may_not_write_over_what_it_reads(magazine: Path, tmp_path: Path, target: str) -> None:
    out, edits = tmp_path / "clean.txt", tmp_path / "edits.json"
    runner.invoke(app, ["repair", str(magazine), "-o", str(out), "--edits", str(edits)])
    (tmp_path / "link").symlink_to(edits)
    paths = {"repaired": out, "edits": edits, "link": tmp_path / "link"}
    before = _listing(tmp_path)
    result = runner.invoke(
        app, ["repair", "--undo", str(out), "--edits", str(edits), "-o", str(paths[target])]
    )
    assert result.exit_code == 2, result.output
    assert _listing(tmp_path) == before
    assert "same file" in result.stderr


def test_an_output_that_is_a_folder_stops_the_run_before_anything_is_written(
    magazine: Path, tmp_path: Path
) -> None:
    (tmp_path / "review").mkdir()
    out, edits = tmp_path / "clean.txt", tmp_path / "edits.json"
    result = runner.invoke(
        app,
        [
            "repair",
            str(magazine),
            "-o",
            str(out),
            "--edits",
            str(edits),
            "--review",
            str(tmp_path / "review"),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "is a folder" in result.stderr and "Traceback" not in result.output
    assert not out.exists() and not edits.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["magazine.txt", "review"]


@pytest.mark.parametrize("option", ["-o", "--edits", "--review"])
def test_a_missing_output_folder_is_a_usage_error(
    magazine: Path, tmp_path: Path, option: str
) -> None:
    result = runner.invoke(app, ["repair", str(magazine), option, str(tmp_path / "no" / "x")])
    assert result.exit_code == 2, result.output
    assert "does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["magazine.txt"]


def test_a_folder_given_as_file_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["repair", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "is a folder" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_text_with_a_byte_order_mark_is_decoded_as_ingest_does_and_undone_exactly(
    magazine: Path, tmp_path: Path, encoding: str
) -> None:
    source = tmp_path / "wide.txt"
    text = magazine.read_text(encoding="utf-8")
    data = text.encode(encoding)
    if encoding == "utf-16-be":  # Python writes no mark for an explicit byte order
        data = codecs.BOM_UTF16_BE + data
    source.write_bytes(data)
    out, edits, back = tmp_path / "clean.txt", tmp_path / "edits.json", tmp_path / "back.txt"
    result = runner.invoke(app, ["repair", str(source), "-o", str(out), "--edits", str(edits)])
    assert result.exit_code == 0, result.output
    expected = runner.invoke(app, ["repair", str(magazine)]).stdout
    assert out.read_text(encoding="utf-8") == expected  # the same repair as the UTF-8 text
    record = json.loads(edits.read_text(encoding="utf-8"))
    assert record["source"]["encoding"] == detect_encoding(data)[0]

    result = runner.invoke(
        app, ["repair", "--undo", str(out), "--edits", str(edits), "-o", str(back)]
    )
    assert result.exit_code == 0, result.output
    assert back.read_bytes() == data
