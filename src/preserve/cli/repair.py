"""``preserve repair``: repair one OCR text with a full edit log, or undo a repair exactly."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    write_aside,
)
from preserve.config import load_config
from preserve.errors import ConfigError, IntakeError, PreserveError, RepairError
from preserve.identification import decode_text, detect_encoding, encode_text

if TYPE_CHECKING:
    from preserve.repair import RepairConfig

# The repair engine (its rules, ftfy, the Hunspell dictionaries) is imported inside the
# functions that repair or undo: every command imports this module to register itself, and
# `preserve validate` should not pay the engine's import time.


@app.command("repair")
def repair_command(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="The text to repair (left untouched): UTF-8, or with a byte-order mark."
        ),
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
        if review is not None:
            fail("--review goes with a repair, not with --undo: leave it out.")
        _check_paths([("the repaired text", undo_file), ("the edit log", edits)], [("-o", out)])
        _undo(undo_file, edits, out, json_output)
        return
    if file is None:
        fail("Give the text FILE to repair (or --undo CLEANED --edits EDITS.json).")
    _check_paths([("the input", file)], [("-o", out), ("--edits", edits), ("--review", review)])
    from preserve.repair import repair
    from preserve.repair.config import AUTO
    from preserve.repair.lexicon import lexicon_for

    with user_errors():
        settings = _settings(config, lang)
        if settings.language != AUTO:
            lexicon_for(settings)  # a missing dictionary is a usage error, said up front
    with user_errors():
        raw, text, encoding = _read_text(file)
        result = repair(text, settings)
        record = result.to_dict()
        record["source"] = {
            "path": str(file),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "bytes": len(raw),
            "encoding": encoding,
        }
        outputs: list[tuple[Path, bytes]] = []
        if edits is not None:
            outputs.append(
                (edits, (json.dumps(record, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
            )
        if out is not None:
            outputs.append((out, result.text.encode("utf-8")))
        if review is not None:
            from preserve.repair.review import render_result

            page = render_result(result, title=file.name, source_name=str(file))
            outputs.append((review, page.encode("utf-8")))
        _write_all(outputs)
    summary = result.summary()
    if json_output:
        report: dict[str, Any] = {
            "file": str(file),
            "encoding": encoding,
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
    """``[repair]`` as loaded, with ``--lang`` checked by the same rules as the file's."""
    from preserve.repair import RepairConfig

    settings = load_config(config).repair
    if lang is None:
        return settings
    try:
        return RepairConfig.from_mapping(settings.to_dict() | {"language": lang})
    except ConfigError:
        raise ConfigError(f"--lang {lang!r} is not a dictionary tag: use one like en_US.") from None


def _check_paths(
    reads: Sequence[tuple[str, Path]], writes: Sequence[tuple[str, Path | None]]
) -> None:
    """Refuse up front (exit 2, nothing written) a folder where a file is wanted, an output
    whose folder is missing, and an output that names an input or another output: the same
    file however it is spelled, through a symbolic or a hard link too."""
    named: dict[tuple[object, ...], str] = {}
    for label, path in reads:
        if path.is_dir():
            fail(f"{path} ({label}) is a folder: give the path of one file.")
        if path.exists():
            named[_identity(path)] = f"{label} {path}"
    for label, target in writes:
        if target is None:
            continue
        if target.is_dir():
            fail(f"{label} {target} is a folder: give a file path, such as {target / 'name'}.")
        folder = target.parent
        if not folder.is_dir():
            fail(f"{label} {target}: folder {folder} does not exist: create it or choose another.")
        identity = _identity(target)
        if identity in named:
            fail(
                f"{label} {target} is the same file as {named[identity]}: "
                "give each output a file of its own, apart from what is read."
            )
        named[identity] = f"{label} {target}"


def _identity(path: Path) -> tuple[object, ...]:
    """What makes two paths one file: device and inode where it exists (links followed),
    else the path it resolves to."""
    try:
        info = path.stat()
    except OSError:
        return ("path", os.path.realpath(path))
    return ("file", info.st_dev, info.st_ino)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; PreserveError (exit 1) with what to do otherwise."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise PreserveError(f"{path} does not exist: give the path of a text file.") from None
    except OSError as error:
        raise PreserveError(f"{path} cannot be read ({error.strerror}): check it.") from None


def _read_text(path: Path) -> tuple[bytes, str, str | None]:
    """The file's bytes, its text and encoding, decoded as ingest decodes it: UTF-8, or
    UTF-16/32 (or UTF-8) with a byte-order mark. A guessed encoding is not repaired."""
    raw = _read_bytes(path)
    encoding, basis = detect_encoding(raw)
    if basis == "binary":
        raise PreserveError(f"{path} is binary, not text: repair only works on text.")
    if encoding is not None and basis.startswith("charset-normalizer"):
        raise PreserveError(
            f"{path} is not UTF-8 and has no byte-order mark (it looks like {encoding}): "
            "convert it to UTF-8 first (preserve ingest records its detected encoding)."
        )
    try:
        return raw, decode_text(raw, encoding), encoding
    except IntakeError as error:
        raise PreserveError(f"{path}: {error}.") from None


def _write_all(outputs: Sequence[tuple[Path, bytes]]) -> None:
    """Write the outputs aside, then rename them all (:func:`write_aside`)."""
    try:
        write_aside(outputs)
    except OSError as error:
        raise PreserveError(
            f"{error.filename or 'An output'} cannot be written ({error.strerror}): "
            "check the place and the free space, then repeat."
        ) from None


def _undo(cleaned: Path, edits: Path, out: Path | None, json_output: bool) -> None:
    from preserve.repair import undo

    with user_errors():
        try:
            text = _read_bytes(cleaned).decode("utf-8")
        except UnicodeDecodeError:
            raise PreserveError(
                f"{cleaned} is not UTF-8: give the repaired text preserve repair wrote."
            ) from None
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
        source = record.get("source")
        source = source if isinstance(source, dict) else {}
        data = _encoded(original, source.get("encoding"))
        expected = source.get("sha256")
        if expected and hashlib.sha256(data).hexdigest() != expected:
            raise RepairError(
                "The rebuilt text does not match the original's checksum: the repaired text "
                "was changed after the repair; give the exact file it wrote."
            )
        if out is not None:
            _write_all([(out, data)])
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


def _encoded(text: str, encoding: object) -> bytes:
    """The original's bytes: in the encoding the repair read it in (UTF-8 if not recorded)."""
    if not isinstance(encoding, str):
        return text.encode("utf-8")
    try:
        return encode_text(text, encoding)
    except (LookupError, UnicodeEncodeError):
        raise RepairError(
            f"The edit log records the encoding {encoding!r}, which does not fit the rebuilt "
            "text: give the edits file preserve repair wrote."
        ) from None
