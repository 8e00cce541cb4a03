"""Edits and edit logs: what a repair changed, exactly enough to replay and undo it.

A repair runs as ordered *steps*, one rule each. A rule receives the text left by the
previous step and returns its new text and the edits it made, each edit naming a span
``[start, end)`` of **that step's input**. Edits of one step never overlap and are sorted.
This is ftfy's ``fix_and_explain``/``apply_plan`` idea, made exact for spans.

>>> log = EditLog()
>>> log.add_step("collapse_spaces", [Edit("collapse_spaces", 3, 5, "  ", " ", "run of spaces")])
>>> log.apply("one  two")
'one two'
>>> log.undo("one two")
'one  two'
"""

from __future__ import annotations

import bisect
import itertools
import operator
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from preserve.errors import RepairError

FORMAT = "preserve-edit-log/1"


class _EditFields(NamedTuple):
    rule: str
    start: int
    end: int
    before: str
    after: str
    reason: str = ""
    confidence: float = 1.0


class Edit(_EditFields):
    """One change: replace ``before`` at ``[start, end)`` of the step's input by ``after``.

    A named tuple rather than a dataclass: a repair makes hundreds of edits per page, and
    a tuple is made four times faster (rules that have checked the span build one with
    :func:`new_edit`, skipping the check). It is immutable, hashable and compares by value.

    >>> Edit("collapse_spaces", 3, 5, "  ", " ", "run of spaces").delta
    -1
    >>> Edit("r", 3, 4, "  ", " ")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    preserve.errors.RepairError: Edit by r has span 3-4 that does not fit '  ': fix the rule...
    """

    __slots__ = ()

    def __new__(
        cls,
        rule: str,
        start: int,
        end: int,
        before: str,
        after: str,
        reason: str = "",
        confidence: float = 1.0,
    ) -> Edit:
        if not 0 <= start <= end or end - start != len(before):
            raise RepairError(
                f"Edit by {rule} has span {start}-{end} that does not fit "
                f"{before!r}: fix the rule that made it."
            )
        return _TUPLE_NEW(cls, (rule, start, end, before, after, reason, confidence))

    def __repr__(self) -> str:
        return (
            f"Edit(rule={self.rule!r}, start={self.start}, end={self.end}, "
            f"before={self.before!r}, after={self.after!r}, reason={self.reason!r}, "
            f"confidence={self.confidence!r})"
        )

    @property
    def delta(self) -> int:
        return len(self.after) - len(self.before)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "confidence": self.confidence,
        }


_TUPLE_NEW = tuple.__new__


def new_edit(
    rule: str, start: int, end: int, before: str, after: str, reason: str, confidence: float
) -> Edit:
    """An :class:`Edit` whose caller has checked that ``before`` is ``text[start:end]``."""
    return _TUPLE_NEW(Edit, (rule, start, end, before, after, reason, confidence))


_START = operator.itemgetter(1)
_END = operator.itemgetter(2)
_SPAN = operator.itemgetter(1, 2)
_AFTER = operator.itemgetter(4)


@dataclass(frozen=True)
class Step:
    """The edits one rule made in one pass over the text."""

    rule: str
    edits: tuple[Edit, ...]

    def apply(self, text: str) -> str:
        """Replay the step on its input."""
        parts: list[str] = []
        append = parts.append
        # startswith is equal to text[start:end] == before (end - start is its length),
        # without slicing a copy
        startswith = text.startswith
        position = 0
        for edit in self.edits:  # read by index: quicker than unpacking all seven fields
            start = edit[1]
            if not startswith(edit[3], start):
                raise RepairError(
                    f"Edit log does not fit this text at {start} ({edit.rule}): "
                    "replay it only on the text it was made from."
                )
            append(text[position:start])
            append(edit[4])
            position = edit[2]
        append(text[position:])
        return "".join(parts)

    def output_spans(self) -> list[tuple[int, int]]:
        """Where each edit's ``after`` stands in this step's output."""
        spans = []
        shift = 0
        for edit in self.edits:
            start = edit.start + shift
            spans.append((start, start + len(edit.after)))
            shift += edit.delta
        return spans

    def undo(self, text: str) -> str:
        """Rebuild this step's input from its output."""
        parts: list[str] = []
        position = 0
        for edit, (start, end) in zip(self.edits, self.output_spans(), strict=True):
            if text[start:end] != edit.after:
                raise RepairError(
                    f"Text at {start} is not what {edit.rule} wrote there: undo needs the "
                    "exact repaired text this log came with."
                )
            parts.append(text[position:start])
            parts.append(edit.before)
            position = end
        parts.append(text[position:])
        return "".join(parts)

    def map_position(self, position: int) -> int:
        """Where a position of the step's input lands in its output (ends of edits snap)."""
        return self.map_forward((position,))[0]

    def map_forward(
        self, positions: Sequence[int], engulfed: list[bool] | None = None
    ) -> list[int]:
        """Where positions of this step's input (in ascending order) land in its output.

        A position inside an edit's span lands inside what it wrote (at the same offset, up
        to its length); any other moves by what the edits before it added. One walk over the
        edits serves all the positions. ``engulfed[i]`` is set when position ``i`` lies
        strictly inside an edit that rewrote more than whitespace (lines joined around it do
        not hide it).

        >>> step = Step("r", (Edit("r", 2, 4, "ab", "x"), Edit("r", 6, 6, "", "yy")))
        >>> step.map_forward([0, 3, 4, 6, 7])
        [0, 3, 3, 7, 8]
        """
        # Positions between two edits all move by one shift: found by bisection, each
        # stretch is moved in one list comprehension; only positions inside an edit are
        # looked at one by one. An edit that keeps the length (a line break made a space,
        # a word re-cased) moves nothing, and is passed at once.
        mapped: list[int] = []
        extend = mapped.extend
        count = len(positions)
        done = 0  # positions mapped so far
        shift = 0  # what the edits passed so far added
        following = positions[0] if count else 0  # the first position not mapped yet
        for _rule, start, end, before, after, _reason, _confidence in self.edits:
            if done == count:
                break
            length = len(after)
            if following >= end:  # no position before it or inside it: passed at once
                shift += length - end + start
                continue
            if length == end - start:  # inside it or not, a position moves by the shift
                if engulfed is not None and length and not before.isspace():
                    inside = bisect.bisect_left(positions, end, done)
                    for number in range(bisect.bisect_right(positions, start, done), inside):
                        engulfed[number] = True
                continue
            below = bisect.bisect_left(positions, start, done)  # before this edit
            if below > done:
                extend(
                    [p + shift for p in positions[done:below]] if shift else positions[done:below]
                )
            done = below
            if end > start:  # an insertion has no inside: positions at it move past it
                inside = bisect.bisect_left(positions, end, below)
                if inside > below:
                    output_start = start + shift
                    extend([output_start + min(p - start, length) for p in positions[below:inside]])
                    if engulfed is not None and not before.isspace():
                        for number in range(bisect.bisect_right(positions, start, below), inside):
                            engulfed[number] = True
                    done = inside
            shift += length - end + start
            if done < count:
                following = positions[done]
        if done < count:
            extend([p + shift for p in positions[done:]] if shift else positions[done:])
        return mapped

    def map_back(
        self, positions: Sequence[int], *, removal: Literal["before", "after"] = "after"
    ) -> list[int]:
        """Where positions of this step's output (in ascending order) stood in its input.

        A position inside what an edit wrote maps into what it replaced (at the same offset,
        up to its length); any other moves back by what the edits before it added. A
        position standing just where an edit removed text (and inside no other edit) maps
        after the removed text, or with ``removal="before"`` to where the removed text began
        (the last such edit's, when several removed text there). One walk serves them all.

        >>> step = Step("r", (Edit("r", 2, 4, "ab", ""), Edit("r", 6, 7, "c", "xyz")))
        >>> step.map_back([0, 2, 4, 5, 6, 7])
        [0, 4, 6, 7, 7, 7]
        >>> step.map_back([2], removal="before")
        [2]
        """
        # As map_forward: the positions between two edits' outputs move back by one shift,
        # found by bisection, moved in one comprehension; an edit that keeps the length
        # moves nothing.
        edits = self.edits
        mapped: list[int] = []
        extend = mapped.extend
        count = len(positions)
        done = 0  # positions mapped so far
        shift = 0  # what the edits passed so far added
        last = len(edits) - 1
        following = positions[0] if count else 0  # the first position not mapped yet
        for index, (_rule, start, end, before, after, _reason, _confidence) in enumerate(edits):
            if done == count:
                break
            length = len(after)
            output_start = start + shift
            if following > output_start + length or (
                following == output_start + length and (length or removal == "after")
            ):  # no position before its output or inside it: passed at once
                shift += length - end + start
                continue
            if length == end - start:  # inside what it wrote or not, a position moves back
                continue  # by the shift
            below = bisect.bisect_left(positions, output_start, done)  # before its output
            if below > done:
                extend(
                    [p - shift for p in positions[done:below]] if shift else positions[done:below]
                )
            done = below
            if length:
                inside = bisect.bisect_left(positions, output_start + length, below)
                if inside > below:
                    size = len(before)
                    extend([start + min(p - output_start, size) for p in positions[below:inside]])
                    done = inside
            elif removal == "before" and (
                index == last or edits[index + 1][1] + shift + length - end + start > output_start
            ):  # where it removed text, unless the next edit's output starts there too
                at = bisect.bisect_right(positions, output_start, below)
                extend([start] * (at - below))
                done = at
            shift += length - end + start
            if done < count:
                following = positions[done]
        if done < count:
            extend([p - shift for p in positions[done:]] if shift else positions[done:])
        return mapped


def _output_starts(edits: Sequence[Edit]) -> list[int]:
    """Where each of a step's edits begins in its output (what the edits before it added
    moves it), counted in C.

    >>> edits = [Edit("r", 1, 3, "ab", ""), Edit("r", 5, 5, "", "xyz"), Edit("r", 6, 7, "c", "")]
    >>> _output_starts(edits)
    [1, 3, 7]
    """
    starts = list(map(_START, edits))
    added = map(
        operator.sub, map(len, map(_AFTER, edits)), map(operator.sub, map(_END, edits), starts)
    )
    return list(map(operator.add, starts, itertools.accumulate(added, initial=0)))


def _merged(
    positions: list[int], labels: list[int], added: list[tuple[int, int]]
) -> tuple[list[int], list[int]]:
    """Ascending ``positions`` (each with its label) with the ``(position, label)`` pairs
    of ``added`` put in their places. Among equal positions the labels' order is not
    kept: the position mappers give each position its place from its value alone.

    >>> _merged([1, 5], [10, 11], [(5, 12), (0, 13)])
    ([0, 1, 5, 5], [13, 10, 11, 12])
    """
    if not positions:
        added = sorted(added)
        return [position for position, _ in added], [label for _, label in added]
    if len(added) <= _FEW:  # a few: inserted by bisection, no list rebuilt
        positions = positions.copy()
        labels = labels.copy()
        for position, label in added:
            at = bisect.bisect_right(positions, position)
            positions.insert(at, position)
            labels.insert(at, label)
        return positions, labels
    merged = sorted([*zip(positions, labels, strict=True), *added])  # two runs: one merge
    return [position for position, _ in merged], [label for _, label in merged]


_FEW = 16


def _overlapping(starts: list[int], ends: list[int]) -> bool:
    """Do sorted spans overlap, or do two insertions (empty spans) stand at one position,
    where their order would be unknown? True also when the spans are out of order."""
    following = starts[1:]
    if any(map(operator.lt, following, ends)):
        return True
    if not any(map(operator.eq, starts, following)):
        return False  # no two spans start together: no repeated insertion either
    insertions = [start for start, end in zip(starts, ends, strict=True) if start == end]
    return len(insertions) != len(set(insertions))


@dataclass
class EditLog:
    """Every step of one repair, in order: enough to replay, undo and review it."""

    steps: list[Step] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    """Places a rule looked at and chose to leave alone, with why (precision over recall)."""

    def add_step(self, rule: str, edits: Iterable[Edit]) -> None:
        """Add one rule's edits (in any order); RepairError if two of them overlap."""
        ordered = tuple(edits)
        if not ordered:
            return
        # Checked with C-level maps over the spans: this runs for every step of every repair.
        starts = list(map(_START, ordered))
        ends = list(map(_END, ordered))
        # One pass settles nearly every step: when each edit starts after the one before
        # it ends, none overlap and no two insertions stand at one place.
        if any(map(operator.le, starts[1:], ends)) and _overlapping(starts, ends):
            # Overlapping, or merely out of order: sort, then look again.
            ordered = tuple(sorted(ordered, key=_SPAN))
            starts = list(map(_START, ordered))
            ends = list(map(_END, ordered))
            if _overlapping(starts, ends):
                at = next(
                    starts[index + 1]
                    for index in range(len(ordered) - 1)
                    if starts[index + 1] < ends[index]
                    or starts[index + 1] == ends[index] == ends[index + 1] == starts[index]
                )
                raise RepairError(
                    f"Rule {rule} made overlapping edits at {at}: a rule must make disjoint edits."
                )
        self.steps.append(Step(rule, ordered))

    def apply_step(self, rule: str, edits: Iterable[Edit], text: str) -> str:
        """Add one rule's edits, as :meth:`add_step`, and return what they make of ``text``
        (as :meth:`Step.apply`), raising RepairError as those two would.

        >>> log = EditLog()
        >>> log.apply_step("r", [Edit("r", 3, 5, "  ", " "), Edit("r", 0, 0, "", ">")], "one  two")
        '>one two'
        """
        ordered = tuple(edits)
        # One walk over the edits makes the text, checking on the way what add_step and
        # Step.apply check (each edit starts after the one before ends, and fits the
        # text): a repair adds a step for each rule, with a hundred edits a page.
        parts: list[str] = []
        append = parts.append
        startswith = text.startswith  # equal to text[start:end] == before, without a copy
        position = 0
        limit = -1  # where the edit before ended
        for edit in ordered:  # read by index: quicker than unpacking all seven fields
            start = edit[1]
            if start <= limit or not startswith(edit[3], start):
                # Out of order, touching, overlapping, or not fitting: add_step then
                # Step.apply sort the edits or say what is wrong, as they always did.
                self.add_step(rule, ordered)
                return self.steps[-1].apply(text)
            append(text[position:start])
            append(edit[4])
            position = limit = edit[2]
        if not ordered:
            return text
        append(text[position:])
        self.steps.append(Step(rule, ordered))
        return "".join(parts)

    def note(self, rule: str, start: int, end: int, text: str, reason: str) -> None:
        """Record a place left unchanged on purpose (positions in that step's input)."""
        self.notes.append(
            {"rule": rule, "start": start, "end": end, "text": text, "reason": reason}
        )

    @property
    def edits(self) -> list[Edit]:
        return [edit for step in self.steps for edit in step.edits]

    def summary(self) -> dict[str, int]:
        """Edits per rule."""
        return dict(Counter(edit.rule for edit in self.edits))

    def apply(self, text: str) -> str:
        for step in self.steps:
            text = step.apply(text)
        return text

    def undo(self, text: str) -> str:
        for step in reversed(self.steps):
            text = step.undo(text)
        return text

    def to_original(
        self,
        places: Sequence[tuple[int, int]],
        removal: Literal["before", "after"] = "after",
    ) -> list[int]:
        """Offsets in the original of ``(step, offset in that step's input)`` places (step
        ``len(steps)``: the repaired text), in one walk per step (:meth:`Step.map_back`).

        >>> log = EditLog()
        >>> log.add_step("a", [Edit("a", 0, 2, "xx", "")])
        >>> log.to_original([(1, 0), (1, 3), (0, 1)]), log.to_original([(1, 0)], "before")
        ([2, 5, 1], [0])
        """
        last = len(self.steps)
        waiting: dict[int, list[tuple[int, int]]] = {}
        for number, (step_index, offset) in enumerate(places):
            waiting.setdefault(min(max(step_index, 0), last), []).append((offset, number))
        return self._to_original(waiting, len(places), removal)

    def original_starts(self) -> list[int]:
        """Where the text each edit changed began in the original, for each edit in the
        order made: :meth:`to_original` of its step and start.

        >>> log = EditLog()
        >>> log.add_step("a", [Edit("a", 0, 1, "x", "yy")])
        >>> log.add_step("b", [Edit("b", 2, 3, "z", ""), Edit("b", 4, 4, "", "w")])
        >>> log.original_starts()
        [0, 1, 3]
        """
        waiting: dict[int, list[tuple[int, int]]] = {}
        first = 0
        for step_index, step in enumerate(self.steps):  # each step's edits are in order
            waiting[step_index] = list(zip(map(_START, step.edits), itertools.count(first)))
            first += len(step.edits)
        return self._to_original(waiting, first, "after")

    def _to_original(
        self,
        waiting: dict[int, list[tuple[int, int]]],
        count: int,
        removal: Literal["before", "after"],
    ) -> list[int]:
        """:meth:`to_original` of places ``0 .. count - 1`` given as ``(offset, place)``
        by step."""
        steps = self.steps
        last = len(steps)
        offsets: list[int] = []  # the places followed so far, in ascending order,
        numbers: list[int] = []  # and which place each one is
        for step_index in range(last, -1, -1):
            if offsets and step_index < last:
                offsets = steps[step_index].map_back(offsets, removal=removal)
            joining = waiting.get(step_index)
            if joining:  # mapping back keeps the order
                offsets, numbers = _merged(offsets, numbers, joining)
        result = [0] * count
        for offset, number in zip(offsets, numbers, strict=True):
            result[number] = offset
        return result

    def final_spans(self) -> list[tuple[Edit, int, int]]:
        """Each edit with the span its result finally occupies in the repaired text, in
        order of that span (see :meth:`final_places`).

        >>> log = EditLog()
        >>> log.add_step("a", [Edit("a", 0, 1, "x", "yy")])
        >>> log.add_step("b", [Edit("b", 2, 3, "z", "")])
        >>> [(edit.rule, start, end) for edit, start, end in log.final_spans()]
        [('a', 0, 2), ('b', 2, 2)]
        """
        located = [
            (edit, start, end)
            for edit, (start, end, _engulfed) in zip(self.edits, self.final_places(), strict=True)
        ]
        return sorted(located, key=lambda item: (item[1], item[2]))

    def final_places(self) -> list[tuple[int, int, bool]]:
        """For each edit, in the order made: the span its result finally occupies in the
        repaired text, and whether a later edit of more than whitespace rewrote text on
        both sides of where it began (``engulfed``: a removal there is no longer seen).

        Later steps may move or swallow an earlier edit's text; the span follows it
        (possibly shrinking to an empty span where a later step removed it). Each step is
        walked once over all the positions being followed (:meth:`Step.map_forward`).
        """
        count = sum(len(step.edits) for step in self.steps)
        engulfed = [False] * count
        # Every start and end followed, as one list in ascending order: point 2i is the
        # start of edit i, point 2i + 1 its end.
        positions: list[int] = []
        points: list[int] = []
        first = 0
        for step in self.steps:
            if positions:
                inside = [False] * len(positions)
                positions = step.map_forward(positions, inside)
                if True in inside:
                    for point in itertools.compress(points, inside):
                        if not point & 1:  # only where an edit began can it be engulfed
                            engulfed[point >> 1] = True
            edits = step.edits
            starts = _output_starts(edits)
            last = first + len(edits)
            added = list(zip(starts, range(2 * first, 2 * last, 2), strict=True))
            # A removal ends where it starts, and stays so: only its start is followed (its
            # end is taken as its start below).
            added += [
                (start + length, point)
                for start, length, point in zip(
                    starts,
                    map(len, map(_AFTER, edits)),
                    range(2 * first + 1, 2 * last, 2),
                    strict=True,
                )
                if length
            ]
            first = last
            positions, points = _merged(positions, points, added)  # mapping keeps the order
        final = [0] * (2 * count)  # a removal's end stays 0: max() makes it its start
        for position, point in zip(positions, points, strict=True):
            final[point] = position
        starts, ends = final[0::2], final[1::2]
        return list(zip(starts, map(max, starts, ends), engulfed, strict=True))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "steps": [
                {"rule": step.rule, "edits": [edit.to_dict() for edit in step.edits]}
                for step in self.steps
            ],
            "notes": list(self.notes),
            "summary": self.summary(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EditLog:
        if data.get("format") != FORMAT:
            raise RepairError(
                f"This is not a {FORMAT} edit log: give the edits file written by preserve repair."
            )
        log = cls(notes=list(data.get("notes", [])))
        for step in data.get("steps", []):
            log.steps.append(Step(step["rule"], tuple(Edit(**edit) for edit in step["edits"])))
        return log


def edits_from_replacements(
    rule: str, text: str, replacements: Sequence[tuple[int, int, str, str]]
) -> list[Edit]:
    """Build edits from ``(start, end, after, reason)`` tuples over ``text``.

    >>> [e.before for e in edits_from_replacements("r", "a-b", [(1, 2, "", "joined")])]
    ['-']
    """
    return [
        Edit(rule, start, end, text[start:end], after, reason)
        for start, end, after, reason in replacements
    ]


def line_starts(text: str) -> list[int]:
    """Offsets where each line begins, for turning offsets into line numbers.

    >>> line_starts("ab\\n\\ncd\\n")
    [0, 3, 4, 7]
    """
    starts = [0]
    find = text.find  # from line break to line break, not character by character
    position = find("\n")
    while position >= 0:
        position += 1
        starts.append(position)
        position = find("\n", position)
    return starts


def line_number(starts: list[int], offset: int) -> int:
    """1-based line of ``offset`` given :func:`line_starts`."""
    return bisect.bisect_right(starts, offset)
