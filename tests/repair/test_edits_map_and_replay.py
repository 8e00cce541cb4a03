"""The engine's quicker forms agree with plain readings: debris positions mapped back
through the steps, and steps replayed."""

from __future__ import annotations

import bisect
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.errors import RepairError
from preserve.repair.edits import Edit, EditLog, Step


def _unmap_one(step: Step, position: int, removal: str) -> int:
    """Where one position of a step's output stood in its input, from the output spans."""
    spans = step.output_spans()
    index = bisect.bisect_right([start for start, _end in spans], position) - 1
    if index < 0:
        return position
    edit = step.edits[index]
    start, end = spans[index]
    if position < end or (removal == "before" and position == end and start == end):
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
@given(steps(), st.data(), st.sampled_from(["before", "after"]))
def test_positions_map_back_as_one_by_one(
    made: tuple[list[Step], int], data: st.DataObject, removal: Literal["before", "after"]
) -> None:
    chain, length = made
    positions = data.draw(st.lists(st.integers(0, length), max_size=8))
    expected = []
    for position in positions:
        for step in reversed(chain):
            position = _unmap_one(step, position, removal)
        expected.append(position)
    log = EditLog(steps=chain)
    assert log.to_original([(len(chain), p) for p in positions], removal) == expected


def _apply_one_by_one(step: Step, text: str) -> str:
    """Step.apply as a plain loop: each edit's before tested where it says it stands."""
    parts = []
    position = 0
    for edit in step.edits:
        if not text.startswith(edit.before, edit.start):
            raise RepairError(
                f"Edit log does not fit this text at {edit.start} ({edit.rule}): "
                "replay it only on the text it was made from."
            )
        parts += [text[position : edit.start], edit.after]
        position = edit.end
    return "".join([*parts, text[position:]])


@settings(max_examples=1000, deadline=None)
@given(
    st.text("ab\n", max_size=12),
    st.lists(
        st.tuples(st.integers(0, 14), st.integers(0, 3), st.text("ab\n", max_size=3)),
        max_size=5,
    ),
)
def test_apply_fits_or_fails_as_one_by_one(text: str, spans: list[tuple[int, int, str]]) -> None:
    """In order or not, fitting or not: the same text, or the same error."""
    edits = [
        Edit("r", start, start + size, (text[start : start + size] + "zzz")[:size], after)
        for start, size, after in spans
    ]
    if spans and len(text) > 2:  # now and then an edit whose before is really there
        edits[0] = Edit("r", 1, 2, text[1], "x")
    step = Step("r", tuple(edits))
    try:
        expected = _apply_one_by_one(step, text)
    except RepairError as error:
        with pytest.raises(RepairError) as raised:
            step.apply(text)
        assert str(raised.value) == str(error)
    else:
        assert step.apply(text) == expected


def _map_one(step: Step, position: int) -> tuple[int, bool]:
    """Where one position of a step's input lands in its output, edit by edit, and whether
    it is strictly inside an edit that rewrote more than whitespace."""
    shift = 0
    for edit in step.edits:
        if position < edit.start:
            break
        if position < edit.end:
            inside = edit.start < position and not edit.before.isspace()
            return edit.start + shift + min(position - edit.start, len(edit.after)), inside
        shift += edit.delta
    return position + shift, False


@settings(max_examples=500, deadline=None)
@given(steps(), st.data())
def test_positions_map_forward_as_one_by_one(
    made: tuple[list[Step], int], data: st.DataObject
) -> None:
    """Map_forward's stretches (and its pass over edits that keep the length) agree with
    one position at a time, engulfed flags too; so do the original starts of a log."""
    chain, _length = made
    for step in chain:
        if data.draw(st.booleans()):  # whitespace rewritten: nothing it covers is engulfed
            step = Step(
                step.rule, tuple(e._replace(before=" " * len(e.before)) for e in step.edits)
            )
        length = sum(len(edit.before) for edit in step.edits) + 10  # past the last edit too
        positions = sorted(data.draw(st.lists(st.integers(0, length + 50), max_size=10)))
        engulfed = [False] * len(positions)
        expected = [_map_one(step, position) for position in positions]
        assert step.map_forward(positions, engulfed) == [mapped for mapped, _ in expected]
        assert engulfed == [inside for _, inside in expected]
    log = EditLog(steps=chain)
    places = [(index, edit.start) for index, step in enumerate(chain) for edit in step.edits]
    assert log.original_starts() == log.to_original(places)
