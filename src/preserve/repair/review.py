"""The review page: one self-contained HTML file that shows an archivist what a repair did.

The page shows the repaired text with every edit marked in place, per-rule counts with
filters, the layout debris taken out of the body, the places a rule left alone on purpose,
and the software and configuration used. It loads nothing from anywhere (inline CSS and a
small inline script under a strict Content-Security-Policy), reads well without the script
and when printed, and everything taken from the text is escaped.

**How overlapping edits are marked.** Edits are made in steps, each over the previous
step's output, so a later edit can touch text an earlier one wrote. Every edit is followed
to the span its result finally occupies in the repaired text (:meth:`EditLog.final_places`,
one pass per step). The repaired text is then cut at
every span boundary; each piece is one mark listing *all* the edits that cover it, in the
order they were made, so a chain such as "joined a split word, then fixed its case" reads
as one story. An edit that removed text (empty ``after``) is a small marker where the text
was. An edit with nothing left to mark is listed under "Superseded edits" instead: one whose
output a later step removed entirely (its final span is empty although it wrote something),
or a removal whose place fell strictly inside a later edit of more than whitespace (say,
spaces stripped from a line that a later rule then moved away whole).
Edits that only change whitespace get quiet marks (a dotted underline or a thin bar), and
a line end's removed spaces share one mark with the line break that became a space.

**Reading it.** Hover a mark for its title; click it, or reach it with Tab, and the side
panel shows each edit's rule, before → after, reason, confidence and line in the original
(offsets are mapped back through the earlier steps; text a rule moved maps to where it was
inserted). Checkboxes per rule and a confidence choice hide marks, never text; "Previous/
Next edit" step through what is shown; ``page.html#edit-12`` opens edit 12. The table of
all edits is the panel's source and the script-free, printable record.

>>> from preserve.repair.edits import Edit, EditLog
>>> log = EditLog()
>>> log.add_step("join_line_end_hyphens", [Edit("join_line_end_hyphens", 5, 7, "-\\n", "")])
>>> page = render_review("massa-\\ncre", "massacre", log, title="Sample")
>>> page.startswith("<!DOCTYPE html>") and "join_line_end_hyphens" in page
True
>>> "http://" in page or "https://" in page
False
"""

from __future__ import annotations

import bisect
import functools
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from markupsafe import Markup

from preserve.errors import RepairError
from preserve.pages import render_page
from preserve.repair.edits import Edit, EditLog, line_number, line_starts
from preserve.repair.lexicon import LANGUAGE_CHOSEN, NO_LANGUAGE
from preserve.repair.rules import BY_NAME, OCR_RULES, RULES

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
)

_KIND_LABELS = {"ocr": "OCR", "born-digital": "Born-digital"}
_SHORT_LIMIT = 40  # up to this length, every space in a before/after is shown as ␣


def describe_rule(rule: str, descriptions: Mapping[str, str] | None = None) -> str:
    """A one-sentence description of what a rule does, for readers who never saw the code:
    ``descriptions[rule]`` if given, else the rule registry's.

    >>> describe_rule("join_line_end_hyphens")
    'Joins a word hyphenated at a line end; real hyphens (compounds, ranges) stay.'
    >>> describe_rule("frobnicate")
    'Edits made by the rule “frobnicate”.'
    """
    if descriptions and rule in descriptions:
        return descriptions[rule]
    known = BY_NAME.get(rule)
    return known.description if known else f"Edits made by the rule “{rule}”."


@functools.lru_cache(maxsize=8192)  # edits repeat the same few strings (⏎, ␣, -⏎)
def show_invisibles(text: str) -> str:
    """Make whitespace and invisible characters of a short excerpt visible (not escaped).

    >>> show_invisibles("massa-\\ncre")
    'massa-⏎cre'
    >>> show_invisibles("T V"), show_invisibles("")
    ('T␣V', '(nothing)')
    >>> show_invisibles("soft\\u00adhyphen")
    'soft‹U+00AD›hyphen'
    """
    if not text:
        return "(nothing)"
    short = len(text) <= _SHORT_LIMIT or not text.strip()
    out: list[str] = []
    for char in text:
        if char == "\n":
            out.append("⏎")
        elif char == "\t":
            out.append("⇥")
        elif char == " ":
            out.append("␣" if short else " ")
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") or (
            char.isspace() and char != " "
        ):
            out.append(f"‹U+{ord(char):04X}›")
        else:
            out.append(char)
    result = "".join(out)
    if not short:  # long excerpts: still show spaces where they would be invisible
        stripped = result.strip(" ")
        lead = len(result) - len(result.lstrip(" "))
        trail = len(result) - len(result.rstrip(" "))
        result = "␣" * lead + stripped.replace("  ", "␣␣") + "␣" * trail
    return result


class LocatedEdit(NamedTuple):
    """An edit with where it ended up in the repaired text and where it began in the original.

    A named tuple, as :class:`Edit` is: a page locates every edit, and a tuple is made
    several times faster than a frozen dataclass.
    """

    number: int  # 1-based, in the order the edits were made
    step: int  # 0-based index of the step that made it
    edit: Edit
    start: int  # span of its result in the final (repaired) text
    end: int
    original_start: int  # where the text it changed stood in the original
    engulfed: bool = False  # a later edit rewrote text on both sides of this place

    @property
    def superseded(self) -> bool:
        """Nothing of it is left to mark: a later step removed all it wrote, or (for a
        removal) rewrote the text around the place where it removed something."""
        if self.edit.after:
            return self.start == self.end
        return self.engulfed


def locate_edits(log: EditLog) -> list[LocatedEdit]:
    """Every edit with its final span (:meth:`EditLog.final_places`) and original position
    (:meth:`EditLog.original_starts`), in O(steps × edits).

    >>> log = EditLog()
    >>> log.add_step("a", [Edit("a", 0, 1, "x", "yy")])
    >>> log.add_step("b", [Edit("b", 2, 3, "z", "")])
    >>> [(e.number, e.start, e.end, e.original_start) for e in locate_edits(log)]
    [(1, 0, 2, 0), (2, 2, 2, 1)]
    """
    numbered = [
        (step_index, edit) for step_index, step in enumerate(log.steps) for edit in step.edits
    ]
    return [
        _TUPLE_NEW(LocatedEdit, (number, step_index, edit, start, end, original_start, engulfed))
        for number, ((step_index, edit), (start, end, engulfed), original_start) in enumerate(
            zip(numbered, log.final_places(), log.original_starts(), strict=True), 1
        )
    ]


_TUPLE_NEW = tuple.__new__  # a LocatedEdit made without its __new__: every field is given


def _removal_finder(
    located: Sequence[LocatedEdit],
) -> Callable[[int], LocatedEdit | None]:
    """Find the marked removal whose text in the original covers an offset (for debris)."""
    removals = sorted(
        (item for item in located if not item.edit.after and not item.superseded),
        key=lambda item: item.original_start,
    )
    offsets = [item.original_start for item in removals]

    def find(offset: int) -> LocatedEdit | None:
        index = bisect.bisect_right(offsets, offset) - 1
        if index >= 0:
            item = removals[index]
            if offset < item.original_start + max(1, len(item.edit.before)):
                return item
        return None

    return find


def _note_lines(
    original: str,
    log: EditLog,
    notes: Sequence[Mapping[str, Any]],
    config: Mapping[str, Any],
    kind: str,
    starts: list[int],
) -> list[int | None]:
    """The original line of each note, or None where it cannot be told.

    A note's offset is in the input of the run of its rule that made it. The configured
    rules (``config["rules"]``) run in pipeline order, then, on OCR, the finishing rules
    run once more. Steps and notes are each in the order they were made, so each is placed
    in the earliest run of its rule not before the one of the step (or note) before it; a
    note is in the input of the first step its run or a later one made. A note of a rule
    that runs twice, not placed by that order, is its first run's unless its text is not
    at its place in that run's input. Text an earlier rule inserted (a moved pull quote)
    maps to where it was inserted.
    """
    configured = set(config.get("rules") or OCR_RULES)
    runs = [rule.name for rule in RULES if rule.name in configured]
    if kind == "ocr":
        runs += [rule.name for rule in RULES if rule.finishing]
    step_runs: list[int] = []  # the run that made each step (each run makes one at most)
    for step in log.steps:
        after = step_runs[-1] + 1 if step_runs else 0
        step_runs.append(next((i for i in range(after, len(runs)) if runs[i] == step.rule), after))
    inputs = {0: original}  # the text after each number of steps, replayed when asked

    def input_of(step: int) -> str:
        if step not in inputs:
            inputs[step] = log.steps[step - 1].apply(input_of(step - 1))
        return inputs[step]

    places: list[tuple[int, int]] = []
    known: list[bool] = []
    run = 0
    for note in notes:
        offset = note.get("start")
        candidates = [i for i in range(run, len(runs)) if runs[i] == note.get("rule")]
        if not candidates or not isinstance(offset, int):
            known.append(False)
            places.append((0, 0))
            continue
        steps = [bisect.bisect_left(step_runs, candidate) for candidate in candidates]
        chosen = 0
        text = str(note.get("text", ""))
        end = note.get("end")
        while (
            text
            and isinstance(end, int)
            and chosen + 1 < len(steps)
            and steps[chosen + 1] != steps[chosen]
            and input_of(steps[chosen])[offset:end] != text
        ):
            chosen += 1
        run = candidates[chosen]
        known.append(True)
        places.append((steps[chosen], offset))
    offsets = log.to_original(places)
    return [
        line_number(starts, offset) if ok else None
        for offset, ok in zip(offsets, known, strict=True)
    ]


def _language_fact(note: Mapping[str, Any]) -> str | None:
    """What the note of ``language = "auto"`` choosing the dictionary says, for the page's
    header (it is a fact of the whole repair, not a place left alone), or None for any
    other note.

    >>> _language_fact({"rule": "repair", "reason": "language chosen: en_US (words known)"})
    'en_US (words known)'
    >>> _language_fact({"rule": "reflow_paragraphs", "reason": "language chosen: x"}) is None
    True
    """
    reason = str(note.get("reason", ""))
    if note.get("rule") != "repair":
        return None
    if reason.startswith(LANGUAGE_CHOSEN):
        return reason.removeprefix(LANGUAGE_CHOSEN)
    if reason.startswith(NO_LANGUAGE):
        return f"none ({reason})"
    return None


def _language(config: Mapping[str, Any]) -> str:
    """A ``lang`` value for the text from the configured dictionary (``de_DE`` → ``de-DE``).

    >>> _language({"language": "de_DE"}), _language({})
    ('de-DE', '')
    """
    language = str(config.get("language") or "").replace("_", "-")
    if language and all(part.isalnum() for part in language.split("-")):
        return language
    return ""


def _field(item: Any, name: str, default: Any = "") -> Any:
    if isinstance(item, Mapping):
        return item.get(name, default)
    return getattr(item, name, default)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 1.0


def _confidence(value: Any) -> str:
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return str(value)


def escape_html(text: str) -> str:
    """``text`` escaped as the page's template escapes a value (markupsafe's ``& < > ' "``
    to ``&amp; &lt; &gt; &#39; &#34;``), for the marks and rows built here: a Markup
    object per value costs more than the rest of the page.

    >>> escape_html('<b title="Tom & Jerry\\'s">')
    '&lt;b title=&#34;Tom &amp; Jerry&#39;s&#34;&gt;'
    """
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def _escaped(value: Any) -> str:
    """Any value as the template shows it: its own HTML if it has one, else its text escaped."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return escape_html(str(value))


@functools.lru_cache(maxsize=8192)  # whitespace edits repeat the same few strings
def _shown(text: str) -> str:
    """A before or after as the tables show it (:func:`show_invisibles`), escaped."""
    return escape_html(show_invisibles(text))


@functools.lru_cache(maxsize=8192, typed=True)  # whitespace edits share a few titles; typed:
# a reason 1 and a reason 1.0 are shown differently
def _title(rule: Any, before: str, after: str, reason: Any, confidence: Any) -> str:
    """The hover title of an edit's mark, escaped."""
    text = f"{rule}: {show_invisibles(before)} → {show_invisibles(after)}"
    if reason:
        text += f" — {reason}"
    return escape_html(text + f" (confidence {_confidence(confidence)})")


def _edit_title(edit: Edit) -> str:
    try:
        return _title(edit.rule, edit.before, edit.after, edit.reason, edit.confidence)
    except TypeError:  # a field that cannot be a key (a log from elsewhere): not kept
        return _title.__wrapped__(edit.rule, edit.before, edit.after, edit.reason, edit.confidence)


def _marked_text(
    text: str,
    located: Sequence[LocatedEdit],
    rule_index: Mapping[str, int],
    confidences: Sequence[float],
    superseded: Sequence[bool],
) -> str:
    """The repaired text as HTML, cut at every edit boundary, each covered piece a focusable
    mark (``confidences``, ``superseded``: each located edit's, as a number and a flag)."""
    opens: dict[int, list[int]] = {}
    closes: dict[int, list[int]] = {}
    points: dict[int, list[int]] = {}
    bounds = {0, len(text)}
    for index, item in enumerate(located):
        if superseded[index]:
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

    def quiet_one(item: LocatedEdit) -> bool:
        """Layout only: whitespace for whitespace, with the words on either side unchanged."""
        before, after = item.edit.before, item.edit.after
        if before.strip() or after.strip():
            return False
        if before and after:  # a line break became a space, two spaces became one
            return True
        # Whitespace removed or added: quiet only where a word boundary stays (not "T V" → "TV").
        start, end = item.start, item.end
        return start == 0 or end >= len(text) or text[start - 1].isspace() or text[end].isspace()

    quiet_ones = [
        not flag and quiet_one(item) for item, flag in zip(located, superseded, strict=True)
    ]
    is_quiet = quiet_ones.__getitem__
    confidence_of = confidences.__getitem__
    colours = [rule_index[item.edit.rule] for item in located]
    colour_of = colours.__getitem__
    numbers = [str(item.number) for item in located]
    number_of = numbers.__getitem__

    def title_of(index: int) -> str:
        return _edit_title(located[index].edit)

    def mark(indexes: list[int], deletion: bool) -> str:
        """The opening tag of the mark of the edits ``indexes``."""
        if len(indexes) == 1:
            index = indexes[0]
            colour = colours[index]
            rules = str(colour)
            quiet = quiet_ones[index]
            lowest = confidences[index]
            title = title_of(index)
            edits = numbers[index]
        elif len(indexes) == 2:  # mostly a line end's spaces removed, its line break a space
            first, second = indexes
            colour = colours[second]
            other = colours[first]
            rules = (
                str(colour)
                if other == colour
                else f"{other} {colour}"
                if other < colour
                else f"{colour} {other}"
            )
            quiet = quiet_ones[first] and quiet_ones[second]
            lowest = min(confidences[first], confidences[second])
            title = f"{title_of(first)}\n{title_of(second)}"
            edits = f"{numbers[first]} {numbers[second]}"
        else:
            colour = colours[indexes[-1]]
            rules = " ".join(map(str, sorted(set(map(colour_of, indexes)))))
            quiet = all(map(is_quiet, indexes))
            lowest = min(map(confidence_of, indexes))
            title = "\n".join(map(title_of, indexes))
            edits = " ".join(map(number_of, indexes))
        return (
            f'<mark class="m c{colour % 12}{" d" if deletion else ""}{" w" if quiet else ""}" '
            f'tabindex="0" data-e="{edits}" data-r="{rules}" '
            f'data-c="{lowest:.3f}" title="{title}">'
        )

    # The markup, with a place left for each piece of text: the pieces are escaped at once.
    parts: list[str] = []
    append = parts.append
    pieces: list[str] = []
    places: list[int] = []
    for position, following in zip(ordered, [*ordered[1:], None], strict=True):
        for index in closes.get(position, ()):
            del active[index]
        for index in opens.get(position, ()):
            active[index] = None
        removed = points.get(position)
        piece = text[position:following] if following is not None else ""
        if removed and active and all(map(is_quiet, removed)) and all(map(is_quiet, active)):
            # Whitespace removed right before whitespace changed (a line end's spaces, then
            # the line break made a space): one quiet mark, not two, explains both.
            append(mark(sorted([*removed, *active]), deletion=False))
        else:
            if removed:  # removals at one place share one marker
                append(mark(removed, deletion=True))
                append("</mark>")
            if not piece:
                continue
            if active:
                append(mark(sorted(active), deletion=False))
            else:  # unmarked text
                places.append(len(parts))
                pieces.append(piece)
                append("")
                continue
        places.append(len(parts))
        pieces.append(piece)
        append("")
        append("</mark>")
    for place, escaped in zip(places, _escaped_pieces(pieces), strict=True):
        parts[place] = escaped
    return "".join(parts)


def _escaped_pieces(pieces: list[str]) -> list[str]:
    """Each piece escaped (:func:`escape_html`), all in one pass over their text.

    >>> _escaped_pieces(["a<", "", "&b"]), _escaped_pieces(["\\0&"])
    (['a&lt;', '', '&amp;b'], ['\\x00&amp;'])
    """
    joined = "\0".join(pieces)
    if joined.count("\0") != len(pieces) - 1:  # the text has NULs of its own: one by one
        return [escape_html(piece) for piece in pieces]
    return escape_html(joined).split("\0") if pieces else []


_THRESHOLDS = (1.0, 0.95, 0.9, 0.8, 0.7, 0.5)


def _confidence_thresholds(
    confidences: Sequence[float], superseded: Sequence[bool]
) -> list[tuple[float, int]]:
    """The thresholds some edit is under, each with how many are: a choice to show only the
    less certain edits (none when every edit is certain). ``confidences``, ``superseded``:
    each located edit's, as a number and a flag."""
    values = sorted(
        {value for value, flag in zip(confidences, superseded, strict=True) if not flag}
    )
    if not values or values[0] >= 1.0:
        return []
    counted = [(threshold, sum(map(threshold.__gt__, confidences))) for threshold in _THRESHOLDS]
    return [(threshold, below) for threshold, below in counted if below]


def _edit_rows(
    located: Sequence[LocatedEdit],
    rule_index: Mapping[str, int],
    starts: list[int],
    superseded: Sequence[bool],
) -> tuple[str, str]:
    """The rows (HTML) of the table of all edits (each row's ``id`` is ``eN``: the script
    and ``#edit-N`` links find rows by it) and of the superseded edits (``data-ref``)."""
    heads = {
        rule: f'<span class="sw c{index % 12}"></span>{_escaped(rule)}'
        for rule, index in rule_index.items()
    }
    tails: dict[tuple[Any, ...], str] = {}  # edits repeat: each different one's cells once
    rows: list[str] = []
    superseded_rows: list[str] = []
    line_of = bisect.bisect_right  # line_number, without a call around it
    for item, flag in zip(located, superseded, strict=True):
        edit = item.edit
        # a reason 1 and a reason 1.0 are one key but not one text: the class tells them apart
        key = (edit.before, edit.after, edit.reason, edit.reason.__class__, edit.confidence)
        try:
            tail = tails[key]
        except KeyError:
            tail = tails[key] = _edit_cells(edit)
        except TypeError:  # a field that cannot be a key (a log from elsewhere)
            tail = _edit_cells(edit)
        cells = (
            f"<td>{item.number}</td><td>{heads[edit.rule]}</td>"
            f"<td>{line_of(starts, item.original_start)}</td>{tail}"
        )
        rows.append(f'<tr id="e{item.number}">{cells}')
        if flag:
            superseded_rows.append(f'<tr data-ref="e{item.number}">{cells}')
    return "\n".join(rows), "\n".join(superseded_rows)


def _edit_cells(edit: Edit) -> str:
    """The cells of an edit's row after its line: before → after, reason, confidence."""
    return (
        f'<td class="ba"><del{"" if edit.before else _NONE}>{_shown(edit.before)}</del> → '
        f"<ins{'' if edit.after else _NONE}>{_shown(edit.after)}</ins></td>"
        f"<td>{_escaped(edit.reason)}</td><td>{_escaped(_confidence(edit.confidence))}</td></tr>"
    )


_NONE = ' class="none"'


def _note_row(note: Mapping[str, Any], line: int | None) -> dict[str, Any]:
    """A note as the page shows it. A note about no place (a rule that stood down on the
    whole text, a repair that could not run) says so, rather than show line 1.

    >>> _note_row({"rule": "r", "start": 0, "end": 0, "text": "", "reason": "why"}, 1)["text"]
    '(the whole text)'
    """
    text = str(note.get("text", ""))
    whole = not text and note.get("start") == note.get("end") == 0
    return {
        "rule": note.get("rule", ""),
        "line": "" if whole or not line else line,
        "text": "(the whole text)" if whole else show_invisibles(text),
        "reason": note.get("reason", ""),
    }


def _quality_rows(quality: Mapping[str, Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """One row per named score, with its value before and after repair (blank if not given).

    >>> _quality_rows({"before": {"known words": 0.8123456}, "after": {"known words": 0.9}})
    [{'name': 'known words', 'before': '0.8123', 'after': '0.9'}]
    >>> _quality_rows({"score": 0.5, "before": {}, "after": {}})
    [{'name': 'score (for triage)', 'before': '0.5', 'after': ''}]
    """
    if not quality:
        return []
    before = dict(quality.get("before") or {})
    after = dict(quality.get("after") or {})
    names = list(dict.fromkeys([*before, *after]))

    def shown(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    rows = [
        {"name": str(name), "before": shown(before.get(name)), "after": shown(after.get(name))}
        for name in names
    ]
    if "score" in quality:  # repair.quality's record: the triage score, of the text as received
        score = shown(quality["score"])
        rows.insert(0, {"name": "score (for triage)", "before": score, "after": ""})
    return rows


def render_review(
    original: str,
    text: str,
    log: EditLog,
    *,
    title: str,
    debris: Sequence[Mapping[str, Any] | Any] = (),
    kind: str = "ocr",
    classification_reason: str = "",
    software: Mapping[str, str] | None = None,
    config: Mapping[str, Any] | None = None,
    source_name: str = "",
    descriptions: Mapping[str, str] | None = None,
    quality: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """One self-contained HTML document reviewing the repair of ``original`` into ``text``.

    ``debris`` items are mappings or objects with ``kind, text, start, end, reason`` (span
    in the original). ``descriptions`` overrides the built-in rule descriptions by name.
    ``quality`` is an optional set of named scores of the text (an OCR quality score):
    ``{"before": {name: value, ...}, "after": {name: value, ...}}``, shown as a table of
    each score before and after repair. Every note in the log (a place a rule left alone,
    a rule that stood down) is shown.
    The output depends only on the arguments (no clock), so packages stay reproducible.
    Raises :class:`RepairError` when ``log`` replayed on ``original`` does not give ``text``.
    """
    if log.apply(original) != text:  # marks placed on the wrong text would mislead
        raise RepairError(
            "The edit log does not turn this original into this repaired text: give the "
            "original, repaired text and edit log of the same repair."
        )
    located = locate_edits(log)
    starts = line_starts(original)
    names: list[str] = []
    for item in located:
        if item.edit.rule not in names:
            names.append(item.edit.rule)
    rule_index = {rule: index for index, rule in enumerate(names)}
    counts = {rule: 0 for rule in names}
    superseded_counts = {rule: 0 for rule in names}
    superseded = [item.superseded for item in located]
    for item, flag in zip(located, superseded, strict=True):
        counts[item.edit.rule] += 1
        superseded_counts[item.edit.rule] += flag
    confidences = [_number(item.edit.confidence) for item in located]
    edit_rows, superseded_rows = _edit_rows(located, rule_index, starts, superseded)
    notes = [note for note in log.notes if _language_fact(note) is None]
    language_choice = next(filter(None, map(_language_fact, log.notes)), "")
    config = dict(config or {})
    removals = _removal_finder(located)
    debris_rows = []
    for piece in debris:
        start = int(_field(piece, "start", 0) or 0)
        found = removals(start)
        debris_rows.append(
            {
                "kind": _field(piece, "kind"),
                "line": line_number(starts, start),
                "text": _field(piece, "text"),
                "reason": _field(piece, "reason"),
                "edit": found.number if found else None,
            }
        )
    return render_page(
        "review.html.j2",
        csp=Markup(CONTENT_SECURITY_POLICY),  # noqa: S704 - our constant, its quotes as written
        colours=_COLOURS,
        title=title,
        source_name=source_name,
        kind=_KIND_LABELS.get(kind, kind),
        reason=classification_reason,
        length_before=len(original),
        length_after=len(text),
        rules=[
            {
                "name": rule,
                "index": rule_index[rule],
                "count": counts[rule],
                "superseded": superseded_counts[rule],
                "description": describe_rule(rule, descriptions),
            }
            for rule in names
        ],
        thresholds=_confidence_thresholds(confidences, superseded),
        language=_language(config),
        language_choice=language_choice,
        # Built in Python, not by template loops: a page has thousands of marks and rows,
        # and a template escapes each value through a Markup object (three times slower).
        marked=Markup(_marked_text(text, located, rule_index, confidences, superseded)),  # noqa: S704 - escaped
        edit_count=len(located),
        edit_rows=Markup(edit_rows),  # noqa: S704 - built escaped by _edit_rows
        superseded_rows=Markup(superseded_rows),  # noqa: S704 - built escaped by _edit_rows
        debris=debris_rows,
        notes=[
            _note_row(note, line)
            for note, line in zip(
                notes, _note_lines(original, log, notes, config, kind, starts), strict=True
            )
        ],
        quality=_quality_rows(quality),
        software=dict(software or {}),
        config_json=json.dumps(config, indent=2, ensure_ascii=False, sort_keys=True, default=str),
    )


def render_result(
    result: Any,
    *,
    title: str,
    source_name: str = "",
    quality: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """The review page for a ``preserve.repair.RepairResult`` (``quality``: see
    :func:`render_review`)."""
    config = result.config
    config_data = config.to_dict() if hasattr(config, "to_dict") else dict(config or {})
    return render_review(
        result.original,
        result.text,
        result.log,
        title=title,
        debris=list(_debris_items(result.debris)),
        kind=result.kind,
        classification_reason=result.classification_reason,
        software=result.software,
        config=config_data,
        source_name=source_name,
        quality=quality,
    )


def _debris_items(debris: Iterable[Any]) -> Iterable[Any]:
    for item in debris:
        yield item.to_dict() if hasattr(item, "to_dict") else item


# Twelve rule colours: light tints under near-black text (contrast above 12:1), each with a
# darker underline so marks stay distinct in greyscale print too.
_COLOURS = (
    ("#fff1a8", "#8a6d00"),
    ("#cde8ff", "#0b5cad"),
    ("#d7f5d0", "#2b7a1f"),
    ("#ffd9d2", "#b3261e"),
    ("#eadcff", "#6b3fb5"),
    ("#ffe3c2", "#a55400"),
    ("#cdf3ee", "#00756a"),
    ("#f9d6ec", "#a3246f"),
    ("#e4e8c8", "#5f6b00"),
    ("#dfe3ea", "#3d4a5c"),
    ("#f3e0cf", "#7a4a1e"),
    ("#d4ecf7", "#1f6f8b"),
)
