"""A source file that changes while it is read is never preserved as "ingested" (issue 12.5).

The change is made by the writer the test plays, from the progress callback the ingest calls
after each chunk it reads: mid-read, deterministically, on a real file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_helpers import make_context, packages_in

from preserve.intake import discover
from preserve.pipeline import ingest_items

BIG = 3 * (1 << 20) + 123  # several read chunks


def _append(path: Path) -> None:
    with open(path, "ab") as stream:
        stream.write(b"a late line\n")


def _truncate(path: Path) -> None:
    os.truncate(path, 1000)


def _replace(path: Path) -> None:
    """An editor's save: a new file renamed over the old one, the same size."""
    fresh = path.with_name("fresh.tmp")
    fresh.write_bytes(b"y" * BIG)
    os.replace(fresh, path)


def _once(change: Callable[[Path], None], path: Path) -> Callable[[int], None]:
    done: list[bool] = []

    def progress(_count: int) -> None:
        if not done:
            done.append(True)
            change(path)

    return progress


@pytest.mark.parametrize("change", [_append, _truncate, _replace], ids=lambda f: f.__name__[1:])
def test_a_file_changed_during_its_first_read_fails_and_nothing_is_published(
    tmp_path: Path, change: Callable[[Path], None]
) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    text = source / "growing.txt"
    text.write_bytes(b"x" * BIG)
    out = tmp_path / "packages"
    [outcome] = ingest_items(discover([source]).items, make_context(out), _once(change, text))
    assert outcome.status == "failed", outcome
    assert outcome.reasons == ["growing.txt changed while being read; try again"]
    assert packages_in(out) == []

    [again] = ingest_items(discover([source]).items, make_context(out))  # stable now
    assert again.status == "ingested"
    [bag] = packages_in(out)
    assert again.bytes == (bag / "data" / "original" / "growing.txt").stat().st_size


def test_a_file_changed_while_an_item_seen_before_is_hashed_fails(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    text = source / "growing.txt"
    text.write_bytes(b"x" * BIG)
    out = tmp_path / "packages"
    [first] = ingest_items(discover([source]).items, make_context(out))
    assert first.status == "ingested"
    text.write_bytes(b"z" * BIG)  # a new version, then changed while it is read
    [outcome] = ingest_items(discover([source]).items, make_context(out), _once(_append, text))
    assert outcome.status == "failed", outcome
    assert outcome.reasons == ["growing.txt changed while being read; try again"]
    assert len(packages_in(out)) == 1


def test_a_file_changed_since_it_was_listed_fails(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    text = source / "letter.txt"
    text.write_bytes(b"Dear editor,\n")
    items = discover([source]).items
    _append(text)
    out = tmp_path / "packages"
    [outcome] = ingest_items(items, make_context(out))
    assert outcome.status == "failed", outcome
    assert outcome.reasons == ["letter.txt changed while being read; try again"]
    assert packages_in(out) == []
