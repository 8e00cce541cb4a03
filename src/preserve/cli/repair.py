"""``preserve repair``: repair one OCR text with a full edit log, or undo a repair exactly."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from preserve.cli.app import (
    EXIT_FAILED,
    EXIT_OK,
    ConfigOption,
    JsonOption,
    app,
    emit_json,
    error_console,
    fail,
    user_errors,
)
from preserve.config import load_config
from preserve.errors import ConfigError, PreserveError, RepairError
from preserve.repair import RepairConfig, repair, undo
from preserve.repair.config import AUTO
from preserve.repair.lexicon import lexicon_for


@app.command("repair")
def repair_command(
    file: Annotated[
        Path | None, typer.Argument(help="The UTF-8 text to repair (left untouched).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the text here instead of stdout.")
    ] = None,
    edits: Annotated[
        Path | None,
        typer.Option("--edits", help="Edit log (JSON): written by a repair, read by --undo."),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Dictionary language, e.g. en_US or de_DE, or auto (the default): the "
            "installed dictionary that knows most of the text's words, recorded in the edits.",
        ),
    ] = None,
    undo_file: Annotated[
        Path | None,
        typer.Option("--undo", help="A repaired text to turn back into its exact original."),
    ] = None,
    review: Annotated[
        Path | None,
        typer.Option("--review", help="Also write the review page (self-contained HTML) here."),
    ] = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Repair FILE (OCR cleanup; born-digital text gets whitespace fixes only), or --undo one."""
    if undo_file is not None:
        if file is not None:
            fail("Give either FILE to repair or --undo CLEANED, not both.")
        if edits is None:
            fail("--undo needs --edits EDITS.json, the edit log written by the repair.")
        _undo(undo_file, edits, out, json_output)
        return
    if file is None:
        fail("Give the text FILE to repair (or --undo CLEANED --edits EDITS.json).")
    with user_errors():
        settings = _settings(config, lang)
        if settings.language != AUTO:
            lexicon_for(settings)  # a missing dictionary is a usage error, said up front
    with user_errors():
        raw, text = _read_text(file)
        result = repair(text, settings)
        record = result.to_dict()
        record["source"] = {
            "path": str(file),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "bytes": len(raw),
        }
        if edits is not None:
            _write_atomically(
                edits, (json.dumps(record, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
            )
        if out is not None:
            _write_atomically(out, result.text.encode("utf-8"))
        if review is not None:
            from preserve.repair.review import render_result

            page = render_result(result, title=file.name, source_name=str(file))
            _write_atomically(review, page.encode("utf-8"))
    summary = result.summary()
    if json_output:
        report: dict[str, Any] = {
            "file": str(file),
            "kind": result.kind,
            "reason": result.classification_reason,
            "language": result.language or {"setting": result.config.language},
            "edits": sum(summary.values()),
            "summary": summary,
            "debris": [item.to_dict() for item in result.debris],
            "out": str(out) if out else None,
            "edits_file": str(edits) if edits else None,
            "review": str(review) if review else None,
        }
        if out is None:
            report["text"] = result.text
        emit_json(report)
    elif out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(result.text.encode("utf-8"))
        sys.stdout.buffer.flush()
    per_rule = ", ".join(f"{count} {rule}" for rule, count in summary.items()) or "no edits"
    error_console.print(
        escape(
            f"repaired {file} as {result.kind}: {per_rule}; {len(result.debris)} debris kept aside"
        ),
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(EXIT_OK)


def _settings(config: Path | None, lang: str | None) -> RepairConfig:
    settings = load_config(config).repair
    if lang is not None:
        if not lang.replace("_", "").replace("-", "").isalnum():
            raise ConfigError(f"--lang {lang!r} is not a dictionary tag: use one like en_US.")
        settings = replace(settings, language=lang)
    return settings


def _read_text(path: Path) -> tuple[bytes, str]:
    """The file's bytes and its text; PreserveError (exit 1) with what to do otherwise."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PreserveError(f"{path} does not exist: give the path of a text file.") from None
    except IsADirectoryError:
        raise PreserveError(f"{path} is a folder: give the path of one text file.") from None
    except OSError as error:
        raise PreserveError(f"{path} cannot be read ({error.strerror}): check it.") from None
    if b"\x00" in raw:
        raise PreserveError(f"{path} is binary, not text: repair only works on UTF-8 text.")
    try:
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PreserveError(
            f"{path} is not UTF-8 (byte {error.start}): convert it to UTF-8 first "
            "(preserve ingest records its detected encoding)."
        ) from None


def _write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target, then rename, so no half-written file is ever seen."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise PreserveError(f"Folder {folder} does not exist: create it or choose another path.")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _undo(cleaned: Path, edits: Path, out: Path | None, json_output: bool) -> None:
    with user_errors():
        _, text = _read_text(cleaned)
        try:
            record = json.loads(edits.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PreserveError(
                f"{edits} does not exist: give the edits file of the repair."
            ) from None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise RepairError(
                f"{edits} is not a JSON edit log: give the one preserve repair wrote."
            ) from None
        if not isinstance(record, dict):
            raise RepairError(f"{edits} is not an edit log: give the one preserve repair wrote.")
        original = undo(text, record)
        data = original.encode("utf-8")
        expected = (
            record.get("source", {}).get("sha256")
            if isinstance(record.get("source"), dict)
            else None
        )
        if expected and hashlib.sha256(data).hexdigest() != expected:
            raise RepairError(
                "The rebuilt text does not match the original's checksum: the repaired text "
                "was changed after the repair; give the exact file it wrote."
            )
        if out is not None:
            _write_atomically(out, data)
    if json_output:
        emit_json(
            {
                "undone": str(cleaned),
                "edits_file": str(edits),
                "out": str(out) if out else None,
                "sha256": hashlib.sha256(data).hexdigest(),
                **({} if out else {"text": original}),
            }
        )
    elif out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    error_console.print(f"rebuilt the original of {cleaned} ({len(data)} bytes)", highlight=False)
    raise typer.Exit(EXIT_OK if data is not None else EXIT_FAILED)
