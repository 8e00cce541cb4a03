"""EditLog.apply_step (one walk over a step's edits) does what add_step then Step.apply did:
the same step logged, the same text made, the same error raised."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.errors import RepairError
from preserve.repair.edits import EditLog, new_edit

TEXT = st.text(alphabet="ab \n’", max_size=30)


@st.composite
def text_and_edits(draw: st.DrawFn) -> tuple[str, list]:
    """A text and edits over it: mostly fitting and in order, at times out of order,
    touching, overlapping, repeated insertions, or not fitting the text."""
    text = draw(TEXT)
    edits = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 3)))
        before = text[start:end]
        if draw(st.integers(0, 9)) == 0:
            before = before[::-1] + "a" if before else "b"  # does not fit
            end = start + len(before)
        after = draw(st.sampled_from(["", " ", "x", "\n\n"]))
        edits.append(new_edit("r", start, end, before, after, "why", 1.0))
    if draw(st.booleans()):
        edits.sort(key=lambda edit: (edit.start, edit.end))
    return text, edits


def _add_then_apply(log: EditLog, edits: list, text: str) -> str:
    count = len(log.steps)
    log.add_step("r", edits)
    return log.steps[-1].apply(text) if len(log.steps) > count else text


def _outcome(function, edits: list, text: str) -> tuple:  # type: ignore[no-untyped-def]
    log = EditLog()
    try:
        made = function(log, edits, text)
    except RepairError as error:
        return ("error", str(error), log.steps)
    return ("made", made, log.steps)


@settings(max_examples=2000, deadline=None)
@given(text_and_edits())
def test_apply_step_is_add_step_then_apply(case: tuple[str, list]) -> None:
    text, edits = case
    fused = _outcome(lambda log, edits, text: log.apply_step("r", edits, text), edits, text)
    assert fused == _outcome(_add_then_apply, edits, text)
