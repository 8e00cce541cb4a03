"""`preserve ingest` through the real Prefect flow (ephemeral), as an archivist runs it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ingest_helpers import assert_bagit_python_valid, packages_in
from typer.testing import CliRunner

import preserve.cli

PRESERVE = Path(sys.executable).parent / "preserve"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_LOGGING")}
    env.pop("PREFECT_SERVER_ANALYTICS_ENABLED", None)  # the product must quiet itself
    return subprocess.run(
        [str(PRESERVE), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_real_flow_end_to_end_is_quiet_and_idempotent(raw_copy: Path, tmp_path: Path) -> None:
    first = _run("ingest", str(raw_copy), "--out", "packages", "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stderr.strip() == "", "ingest must be quiet: no logs, warnings or tracebacks"
    summary = json.loads(first.stdout)
    assert summary["counts"] == {"ingested": 2, "already-preserved": 0, "failed": 0, "attention": 0}
    bags = packages_in(tmp_path / "packages")
    assert [b.name for b in bags] == sorted(i["package"] for i in summary["items"])
    for bag in bags:
        assert_bagit_python_valid(bag)

    second = _run("ingest", str(raw_copy), "--out", "packages", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stderr.strip() == ""
    assert "already preserved" in second.stdout and "Nothing new" in second.stdout
    assert packages_in(tmp_path / "packages") == bags


def test_commands_are_all_there() -> None:
    result = CliRunner().invoke(preserve.cli.app, ["--help"])
    assert result.exit_code == 0
    for command in preserve.cli.COMMAND_MODULES:
        assert command in result.output


def test_output_inside_source_is_a_usage_error(raw_copy: Path) -> None:
    result = CliRunner().invoke(
        preserve.cli.app, ["ingest", str(raw_copy), "--out", str(raw_copy / "packages")]
    )
    assert result.exit_code == 2
    assert "inside the source" in result.output
    assert not (raw_copy / "packages").exists()


def test_missing_source_and_bad_config_are_usage_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(preserve.cli.app, ["ingest", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    config = tmp_path / "preserve.toml"
    config.write_text('[bagging]\nalgorithms = ["crc32"]\n')
    result = CliRunner().invoke(
        preserve.cli.app, ["ingest", str(tmp_path), "--config", str(config)]
    )
    assert result.exit_code == 2
    assert "not supported" in result.output


@pytest.mark.slow
def test_a_failed_item_gives_exit_1_and_the_rest_are_preserved(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    (source / "letter.txt").write_text("Dear editor,\nthank you.\n")
    (tmp_path / "elsewhere.txt").write_text("outside")
    (source / "link.txt").symlink_to(tmp_path / "elsewhere.txt")
    result = CliRunner().invoke(
        preserve.cli.app, ["ingest", str(source), "--out", str(tmp_path / "out"), "--json"]
    )
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    statuses = {i["name"]: i["status"] for i in summary["items"]}
    assert statuses == {"letter.txt": "ingested", "link.txt": "failed"}
    assert len(packages_in(tmp_path / "out")) == 1
    shutil.rmtree(tmp_path / "out")


@pytest.mark.slow
def test_names_are_shown_as_written_not_as_markup(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    (source / "[bold]notes[red].txt").write_bytes(b"")
    result = CliRunner().invoke(
        preserve.cli.app, ["ingest", str(source), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1  # an empty file needs attention
    assert "[bold]notes[red].txt" in result.output


def test_error_sentences_keep_brackets_in_paths(tmp_path: Path) -> None:
    missing = tmp_path / "[red]scans[/red]"
    result = CliRunner().invoke(preserve.cli.app, ["ingest", str(missing)])
    assert result.exit_code == 2
    assert "[red]scans[/red]" in result.output


def test_catalog_inside_source_is_a_usage_error(raw_copy: Path, tmp_path: Path) -> None:
    """Else the catalog would be preserved as an item of its own source on every run."""
    for catalog in (raw_copy / "catalog.sqlite", raw_copy / "sub" / "catalog.sqlite"):
        result = CliRunner().invoke(
            preserve.cli.app,
            ["ingest", str(raw_copy), "--out", str(tmp_path / "out"), "--catalog", str(catalog)],
        )
        assert result.exit_code == 2, result.output
        assert "catalog" in result.output and "inside the source" in result.output
        assert not catalog.exists() and not (tmp_path / "out").exists()
    config = tmp_path / "preserve.toml"
    config.write_text(f'[paths]\ncatalog = "{raw_copy / "c.sqlite"}"\n')
    result = CliRunner().invoke(
        preserve.cli.app,
        ["ingest", str(raw_copy), "--config", str(config)],
    )
    assert result.exit_code == 2, result.output
    assert "inside the source" in result.output


def _one_line_usage_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_out_naming_a_file_or_an_unwritable_place_is_a_usage_error(
    raw_copy: Path, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    _one_line_usage_error(
        _run("ingest", str(raw_copy), "--out", "a-file", cwd=tmp_path), "is not a folder"
    )
    _one_line_usage_error(
        _run("ingest", str(raw_copy), "--out", "a-file/packages", cwd=tmp_path),
        "Cannot write",
    )
    _one_line_usage_error(
        _run("ingest", str(raw_copy), "--out", "/proc/preserve-packages", cwd=tmp_path),
        "Cannot write",
    )
    assert (tmp_path / "a-file").read_text() == "not a folder"


def test_a_garbage_catalog_is_one_line_before_prefect_starts(
    raw_copy: Path, tmp_path: Path
) -> None:
    garbage = tmp_path / "catalog.sqlite"
    garbage.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    _one_line_usage_error(
        _run("ingest", str(raw_copy), "--out", "packages", "--catalog", str(garbage), cwd=tmp_path),
        "Cannot open the catalog",
    )
    (tmp_path / "a-file").write_text("x")
    _one_line_usage_error(
        _run("ingest", str(raw_copy), "--out", "p", "--catalog", "a-file/c.sqlite", cwd=tmp_path),
        "Cannot open the catalog",
    )


@pytest.fixture
def full_disk(tmp_path: Path):
    """A real, tiny, full file system (tmpfs); skipped where mounting is not allowed."""
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        with open(mount / "filler", "wb", buffering=0) as stream, contextlib.suppress(OSError):
            while True:
                stream.write(b"\0" * 4096)
                stream.flush()
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_at_start_up_is_one_line(
    raw_copy: Path, tmp_path: Path, full_disk: Path
) -> None:
    _one_line_usage_error(
        _run("ingest", str(raw_copy), "--out", str(full_disk / "packages"), cwd=tmp_path),
        "free",
    )


def test_the_table_escapes_control_characters_in_names(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    (source / "bell\x07and\x1b[31mred.txt").write_bytes(b"")  # empty: needs attention
    result = CliRunner().invoke(
        preserve.cli.app, ["ingest", str(source), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1, result.output
    assert "bell\\x07and\\x1b[31mred.txt" in result.output
    assert "\x07" not in result.output and "\x1b" not in result.output
