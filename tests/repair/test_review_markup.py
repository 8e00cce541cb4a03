"""The review page's marks and edit rows, built in Python for speed (issue 11), are exactly
what the template loops that wrote them before made: those loops are kept here, with the
plain reading of the marks they were given, and every page's markup is compared with theirs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import jinja2
import markupsafe
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.repair.edits import Edit, EditLog, edits_from_replacements, line_number, line_starts
from preserve.repair.review import (
    LocatedEdit,
    _confidence,
    _edit_rows,
    _escaped_pieces,
    _marked_text,
    _number,
    escape_html,
    locate_edits,
    show_invisibles,
)
from preserve_testdata import MAGAZINE_OCR, RAW

# The loops as review.html.j2 and review_edit_rows.html.j2 had them (with the environment's
# settings: autoescape, blocks trimmed).
MARKS = (
    "{%- for text, classes, numbers, rules, lowest, title in pieces -%}\n"
    '{% if classes %}<mark class="{{ classes }}" tabindex="0" data-e="{{ numbers }}" '
    'data-r="{{ rules }}" data-c="{{ lowest }}" title="{{ title }}">{{ text }}</mark>'
    "{% else %}{{ text }}{% endif %}\n"
    "{%- endfor -%}"
)
ROWS = (
    "{% for number, colour, rule, line, before, after, before_shown, after_shown, reason, "
    "confidence in rows %}\n"
    '<tr {{ anchor }}="e{{ number }}"><td>{{ number }}</td><td><span class="sw c{{ colour }}">'
    '</span>{{ rule }}</td><td>{{ line }}</td><td class="ba"><del{% if not before %} '
    'class="none"{% endif %}>{{ before_shown }}</del> → <ins{% if not after %} class="none"'
    "{% endif %}>{{ after_shown }}</ins></td><td>{{ reason }}</td><td>{{ confidence }}</td></tr>\n"
    '{%- if not loop.last %}{{ "\\n" }}{% endif %}\n'
    "{% endfor %}"
)
ENVIRONMENT = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)


class Piece(NamedTuple):
    text: str
    classes: str = ""
    numbers: str = ""
    rules: str = ""
    lowest: str = ""
    title: str = ""


def title_of(edit: Edit) -> str:
    text = f"{edit.rule}: {show_invisibles(edit.before)} → {show_invisibles(edit.after)}"
    if edit.reason:
        text += f" — {edit.reason}"
    return text + f" (confidence {_confidence(edit.confidence)})"


def plain_pieces(
    text: str, located: Sequence[LocatedEdit], rule_index: dict[str, int]
) -> list[Piece]:
    """The pieces of the text and their marks, as the page computed them for the loop."""
    opens: dict[int, list[int]] = {}
    closes: dict[int, list[int]] = {}
    points: dict[int, list[int]] = {}
    bounds = {0, len(text)}
    for index, item in enumerate(located):
        if item.superseded:
            continue
        if item.start == item.end:
            points.setdefault(item.start, []).append(index)
            bounds.add(item.start)
        else:
            opens.setdefault(item.start, []).append(index)
            closes.setdefault(item.end, []).append(index)
            bounds.update((item.start, item.end))
    ordered = sorted(bounds)
    active: dict[int, None] = {}
    pieces: list[Piece] = []

    def quiet(indexes: Iterable[int]) -> bool:
        for index in indexes:
            item = located[index]
            before, after = item.edit.before, item.edit.after
            if before.strip() or after.strip():
                return False
            if before and after:
                continue
            start, end = item.start, item.end
            if not (
                start == 0 or end >= len(text) or text[start - 1].isspace() or text[end].isspace()
            ):
                return False
        return True

    def mark(indexes: list[int], content: str, deletion: bool) -> Piece:
        items = [located[i] for i in indexes]
        rules = sorted({rule_index[item.edit.rule] for item in items})
        colour = rule_index[items[-1].edit.rule]
        classes = (
            f"m c{colour % 12}" + (" d" if deletion else "") + (" w" if quiet(indexes) else "")
        )
        lowest = min(_number(item.edit.confidence) for item in items)
        return Piece(
            content,
            classes,
            " ".join(str(item.number) for item in items),
            " ".join(map(str, rules)),
            f"{lowest:.3f}",
            "\n".join(title_of(item.edit) for item in items),
        )

    for position, following in zip(ordered, [*ordered[1:], None], strict=True):
        for index in closes.get(position, ()):
            del active[index]
        for index in opens.get(position, ()):
            active[index] = None
        removed = points.get(position, [])
        piece = text[position:following] if following is not None else ""
        if removed and active and quiet(removed) and quiet(active):
            pieces.append(mark(sorted([*removed, *active]), piece, deletion=False))
            continue
        if removed:
            pieces.append(mark(removed, "", deletion=True))
        if piece:
            pieces.append(mark(sorted(active), piece, deletion=False) if active else Piece(piece))
    return pieces


def plain_rows(
    located: Sequence[LocatedEdit], rule_index: dict[str, int], starts: list[int], anchor: str
) -> str:
    rows = [
        (
            item.number,
            rule_index[item.edit.rule] % 12,
            item.edit.rule,
            line_number(starts, item.original_start),
            item.edit.before,
            item.edit.after,
            show_invisibles(item.edit.before),
            show_invisibles(item.edit.after),
            item.edit.reason,
            _confidence(item.edit.confidence),
        )
        for item in located
    ]
    return ENVIRONMENT.from_string(ROWS).render(rows=rows, anchor=anchor)


def assert_as_the_loops_wrote(original: str, log: EditLog) -> None:
    text = log.apply(original)
    located = locate_edits(log)
    rule_index = {rule: i for i, rule in enumerate(dict.fromkeys(i.edit.rule for i in located))}
    superseded = [item.superseded for item in located]
    confidences = [_number(item.edit.confidence) for item in located]
    pieces = plain_pieces(text, located, rule_index)
    expected = ENVIRONMENT.from_string(MARKS).render(pieces=pieces)
    assert _marked_text(text, located, rule_index, confidences, superseded) == expected
    starts = line_starts(original)
    rows, superseded_rows = _edit_rows(located, rule_index, starts, superseded)
    assert rows == plain_rows(located, rule_index, starts, "id")
    gone = [item for item in located if item.superseded]
    assert superseded_rows == plain_rows(gone, rule_index, starts, "data-ref")


@st.composite
def logs(draw: st.DrawFn) -> tuple[str, EditLog]:
    """Steps of edits over a text with whitespace, markup characters and a NUL."""
    alphabet = "ab <&'\"\n\t\0"
    original = text = draw(st.text(alphabet=alphabet, max_size=30))
    log = EditLog()
    for number in range(draw(st.integers(0, 4))):
        cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
        replacements = []
        position = -1
        for start, end in zip(cuts[::2], cuts[1::2], strict=False):
            if start <= position or (start == end and start == position):
                continue
            after = draw(st.text(alphabet=alphabet, max_size=3))
            replacements.append(
                (start, end, after, draw(st.sampled_from(["", "r<&>", "why", 1, 1.0])))
            )
            position = end
        edits = edits_from_replacements(f"rule{number % 2}", text, replacements)
        confidences = st.sampled_from([1.0, 0.95, 0.5, float("nan"), "high"])
        log.add_step(
            f"rule{number % 2}", [edit._replace(confidence=draw(confidences)) for edit in edits]
        )
        text = log.apply(original)
    return original, log


@settings(max_examples=300, deadline=None)
@given(logs())
def test_marks_and_rows_are_what_the_template_loops_wrote(case: tuple[str, EditLog]) -> None:
    assert_as_the_loops_wrote(*case)


def test_the_magazine_page_marks_and_rows_are_what_the_loops_wrote() -> None:
    from preserve.repair import repair

    result = repair((RAW / MAGAZINE_OCR).read_text(encoding="utf-8"))
    assert len(result.log.edits) > 100
    assert_as_the_loops_wrote(result.original, result.log)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="a<>&'\"\0 é", max_size=6), max_size=6))
def test_escaping_is_markupsafes(pieces: list[str]) -> None:
    for piece in pieces:
        assert escape_html(piece) == str(markupsafe.escape(piece))
    assert _escaped_pieces(pieces) == [str(markupsafe.escape(piece)) for piece in pieces]


def test_a_hostile_title_and_reason_stay_text_in_the_marks() -> None:
    log = EditLog()
    log.add_step("r<x>", [Edit("r<x>", 0, 1, "a", '"b"', "<script>&", 0.5)])
    located = locate_edits(log)
    marked = _marked_text('"b"', located, {"r<x>": 0}, [0.5], [False])
    assert "<script>" not in marked and not re.search(r'title="[^"]*"b"', marked)
    assert "&lt;script&gt;&amp;" in marked and "&#34;b&#34;</mark>" in marked
