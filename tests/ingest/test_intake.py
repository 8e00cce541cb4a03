"""Item discovery: what counts as an item, and what is refused with a reason."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from preserve.errors import ConfigError
from preserve.intake import check_separate, discover


def test_each_top_level_entry_is_one_item(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    (source / "issue 12" / "pages").mkdir(parents=True)
    (source / "issue 12" / "pages" / "p1.txt").write_text("one")
    (source / "issue 12" / "cover.txt").write_text("cover")
    (source / "letter.txt").write_text("dear")
    found = discover([source])
    assert [(i.name, i.kind) for i in found.items] == [
        ("issue 12", "folder"),
        ("letter.txt", "file"),
    ]
    folder = found.items[0]
    assert [f.relative for f in folder.files] == ["issue 12/cover.txt", "issue 12/pages/p1.txt"]
    assert folder.size == 8
    assert not found.rejected


def test_odd_names_are_items_under_their_names_as_given(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    decomposed = unicodedata.normalize("NFD", "café 100% ready.txt")
    for name in ("with space.txt", "new\nline.txt", decomposed):
        (source / name).write_text("x")
    names = sorted(i.name for i in discover([source]).items)
    assert names == sorted(["with space.txt", "new\nline.txt", decomposed])


def test_symlinks_are_refused_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("not for the archive")
    source = tmp_path / "raw"
    (source / "folder").mkdir(parents=True)
    (source / "link.txt").symlink_to(outside)
    (source / "folder" / "ok.txt").write_text("fine")
    (source / "folder" / "inner-link").symlink_to(outside)
    found = discover([source])
    assert found.items == []
    reasons = {r.name: r.reason for r in found.rejected}
    assert "symbolic link" in reasons["link.txt"]
    assert "inner-link" in reasons["folder"] and "symbolic link" in reasons["folder"]


def test_special_files_and_empty_folders_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    os.mkfifo(source / "pipe")
    (source / "empty").mkdir()
    reasons = {r.name: r.reason for r in discover([source]).rejected}
    assert "not a regular file" in reasons["pipe"]
    assert "empty folder" in reasons["empty"]


def test_names_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    with open(os.path.join(os.fsencode(source), b"latin1-\xe9.txt"), "wb") as stream:
        stream.write(b"x")
    found = discover([source])
    assert found.items == []
    assert "not valid UTF-8" in found.rejected[0].reason


def test_output_inside_source_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    with pytest.raises(ConfigError, match="inside the source"):
        check_separate([source], source / "packages")
    with pytest.raises(ConfigError, match="inside the output"):
        check_separate([tmp_path / "packages" / "raw"], tmp_path / "packages")
    check_separate([source], tmp_path / "packages")


def test_missing_source_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        discover([tmp_path / "nowhere"])


def test_catalog_inside_source_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    with pytest.raises(ConfigError, match=r"catalog .* inside the source"):
        check_separate([source], tmp_path / "packages", catalog=source / "c.sqlite")
    check_separate([source], tmp_path / "packages", catalog=tmp_path / "c.sqlite")
