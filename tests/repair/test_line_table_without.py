"""A line table sliced by :meth:`LineTable.without` is the table of the shorter text, and
the table the debris rule leaves for the next rule changes nothing the rules decide."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.repair import repair
from preserve.repair.rules import debris
from preserve.repair.rules.lines import LineTable

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import repair_bench

LINE = st.sampled_from(["", "", " ", "\t", "  body text", "word", "12 www.example.org", "Title"])
LINES = st.lists(LINE, min_size=1, max_size=30)


def _removed(count: int, cuts: list[int]) -> list[tuple[int, int]]:
    """Sorted, disjoint ``(first, stop)`` spans, the last possibly reaching the end."""
    points = sorted({cut % (count + 1) for cut in cuts})
    return [(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)]


def _removed_text(lines: list[str], removed: list[tuple[int, int]]) -> str:
    """The text with those lines taken out, as the debris rule's edits take them."""
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    text = "\n".join(lines)
    pieces = []
    position = 0
    for first, stop in removed:
        pieces.append(text[position : starts[first]])
        position = starts[stop] if stop < len(lines) else len(text)
    pieces.append(text[position:])
    return "".join(pieces)


@settings(max_examples=300, deadline=None)
@given(LINES, st.lists(st.integers(min_value=0, max_value=40), max_size=8), st.booleans())
def test_without_is_the_table_of_the_shorter_text(
    lines: list[str], cuts: list[int], indents_first: bool
) -> None:
    table = LineTable("\n".join(lines))
    if indents_first:
        table.indents  # noqa: B018 - worked out before slicing, so sliced too
    removed = _removed(len(lines), cuts)
    sliced = table.without(removed)
    plain = LineTable(_removed_text(lines, removed))
    assert sliced.raws == plain.raws
    assert sliced.contents == plain.contents
    assert sliced.filled == plain.filled
    assert sliced.indents == plain.indents
    assert [sliced.start(i) for i in range(len(sliced))] == [
        plain.start(i) for i in range(len(plain))
    ]


def test_kept_table_changes_no_repair(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of synthetic OCR repair the same when each rule reads its own table."""
    texts = [document.raw for document in repair_bench.make_corpus(12, 0, seed=7)]
    kept = [repair(text).to_dict() | {"text": repair(text).text} for text in texts]
    monkeypatch.setattr(debris, "keep_line_table", lambda context, lines: None)
    assert [repair(text).to_dict() | {"text": repair(text).text} for text in texts] == kept
