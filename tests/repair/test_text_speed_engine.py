"""Debris positions map back through the steps as the plain, per-position reading says."""

from __future__ import annotations

import bisect

from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.repair.edits import Edit, Step
from preserve.repair.engine import _to_original


def _unmap_one(step: Step, position: int) -> int:
    """Where one position of a step's output stood in its input, from the output spans."""
    spans = step.output_spans()
    index = bisect.bisect_right([start for start, _end in spans], position) - 1
    if index < 0:
        return position
    edit = step.edits[index]
    start, end = spans[index]
    if position < end or (position == end and start == end):
        return edit.start + min(position - start, len(edit.before))
    return position - (end - edit.end)


@st.composite
def steps(draw: st.DrawFn) -> tuple[list[Step], int]:
    """A text's length and a few steps of disjoint edits over it, each on the last output."""
    length = draw(st.integers(0, 40))
    made = []
    for _ in range(draw(st.integers(0, 4))):
        cuts = sorted(draw(st.lists(st.integers(0, length), max_size=12)))
        edits = []
        used = -1
        for start, end in zip(cuts[::2], cuts[1::2], strict=False):
            if edits and (start < used or start == end == edits[-1].start == edits[-1].end):
                continue  # overlapping, or a second insertion at one place
            after = "x" * draw(st.integers(0, 3))
            edits.append(Edit("r", start, end, "y" * (end - start), after))
            used = end
        step = Step("r", tuple(edits))
        made.append(step)
        length += sum(len(edit.after) - len(edit.before) for edit in edits)
    return made, length


@settings(max_examples=500, deadline=None)
@given(steps(), st.data())
def test_positions_map_back_as_one_by_one(
    made: tuple[list[Step], int], data: st.DataObject
) -> None:
    chain, length = made
    positions = data.draw(st.lists(st.integers(0, length), max_size=8))
    expected = []
    for position in positions:
        for step in reversed(chain):
            position = _unmap_one(step, position)
        expected.append(position)
    assert _to_original(chain, positions) == expected
