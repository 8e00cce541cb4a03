"""The review page: one self-contained HTML file that shows an archivist what a repair did.

The page shows the repaired text with every edit marked in place, per-rule counts with
filters, the layout debris taken out of the body, the places a rule left alone on purpose,
and the software and configuration used. It loads nothing from anywhere (inline CSS and a
small inline script under a strict Content-Security-Policy), reads well without the script
and when printed, and everything taken from the text is escaped.

**How overlapping edits are marked.** Edits are made in steps, each over the previous
step's output, so a later edit can touch text an earlier one wrote. Every edit is followed
to the span its result finally occupies in the repaired text (the same mapping as
:meth:`EditLog.final_spans`, done in one pass per step). The repaired text is then cut at
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
import heapq
import html
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from preserve.errors import RepairError
from preserve.repair.edits import Edit, EditLog, Step, line_number, line_starts

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
)

RULE_DESCRIPTIONS: dict[str, str] = {
    "fix_encoding": "Repairs encoding damage (mojibake, control characters, Unicode form) "
    "with ftfy, keeping curly quotes and the author's typography.",
    "remove_soft_hyphens": "Removes invisible soft hyphens left by the typesetting.",
    "strip_trailing_whitespace": "Removes spaces at the ends of lines.",
    "collapse_blank_lines": "Reduces runs of blank lines to one.",
    "remove_layout_debris": "Takes page numbers, running heads and feet, captions and credits "
    "out of the body; they are listed under Removed debris.",
    "move_interrupting_blocks": "Moves a pull quote or deck that interrupted a sentence to the "
    "next paragraph break, so the sentence reads whole.",
    "fix_drop_caps": "Rejoins a large first letter (drop cap) to the rest of its word.",
    "join_split_words": "Rejoins a word split by a space, when the whole word is known and "
    "its parts are not.",
    "join_line_end_hyphens": "Joins a word hyphenated at a line end; real hyphens (compounds, "
    "ranges) stay.",
    "reflow_paragraphs": "Joins the lines of one paragraph into one line; a column break is "
    "not a paragraph break.",
    "restore_small_caps": "Restores normal case to text set in small capitals, keeping proper "
    "nouns capitalised.",
    "remove_space_before_punctuation": "Removes a space before punctuation or an apostrophe.",
    "collapse_spaces": "Reduces runs of spaces to one.",
}
"""What each rule of the engine (``preserve.repair.config.OCR_RULES``) does, for readers."""

# Plain-English descriptions of rules, found by words in the rule's name so that a rule
# renamed or added by the engine still gets a sensible line. First match wins.
_DESCRIPTIONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("mojibake", "encoding", "ftfy", "unicode", "nfc", "control", "soft_hyphen", "ligature"),
        "Fixes encoding damage (mojibake, control characters, soft hyphens, Unicode form) "
        "with ftfy, keeping the author's typography.",
    ),
    (("hyphen",), "Joins a word the printer split with a hyphen at a line end."),
    (("drop_cap", "dropcap"), "Rejoins a large first letter (drop cap) to its word."),
    (("small_cap", "smallcap", "case"), "Restores normal case to text set in small capitals."),
    (
        ("running", "folio", "debris", "caption", "credit", "page_number"),
        "Takes layout debris (page numbers, running heads, captions) out of the body; "
        "it is kept below.",
    ),
    (
        ("interrupt", "pull_quote", "pullquote", "deck"),
        "Moves a pull quote or deck that cut a sentence to the next paragraph break.",
    ),
    (
        ("reflow", "paragraph", "join_line", "unwrap"),
        "Joins the lines of one paragraph into one line.",
    ),
    (("split_word", "split"), "Rejoins letters of one word that a space split apart."),
    (("punctuation", "apostrophe"), "Removes a space before punctuation or an apostrophe."),
    (("blank",), "Reduces runs of blank lines."),
    (("trailing", "line_end", "whitespace"), "Removes spaces at the ends of lines."),
    (("space",), "Reduces runs of spaces to one."),
)

_KIND_LABELS = {"ocr": "OCR", "born-digital": "Born-digital"}
_SHORT_LIMIT = 40  # up to this length, every space in a before/after is shown as ␣


def describe_rule(rule: str, descriptions: Mapping[str, str] | None = None) -> str:
    """A one-sentence description of what a rule does, for readers who never saw the code.

    >>> describe_rule("join_line_end_hyphens")
    'Joins a word hyphenated at a line end; real hyphens (compounds, ranges) stay.'
    >>> describe_rule("join_hyphenated_words")  # not known by name: found by its words
    'Joins a word the printer split with a hyphen at a line end.'
    >>> describe_rule("frobnicate")
    'Edits made by the rule “frobnicate”.'
    """
    if descriptions and rule in descriptions:
        return descriptions[rule]
    if rule in RULE_DESCRIPTIONS:
        return RULE_DESCRIPTIONS[rule]
    name = rule.lower().replace("-", "_")
    for words, text in _DESCRIPTIONS:
        if any(word in name for word in words):
            return text
    return f"Edits made by the rule “{rule}”."


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


@dataclass(frozen=True)
class LocatedEdit:
    """An edit with where it ended up in the repaired text and where it began in the original."""

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


def _map_forward(
    step: Step, positions: Sequence[int], engulfed: list[bool] | None = None
) -> list[int]:
    """Map sorted input positions of ``step`` to its output, as :meth:`Step.map_position`.

    ``engulfed[i]`` is set when position ``i`` lies strictly inside one of the step's edits
    that rewrote more than whitespace (joining lines around a removal does not hide it).
    """
    edits = step.edits
    count = len(edits)
    index = 0
    shift = 0
    mapped: list[int] = []
    for number, position in enumerate(positions):
        while index < count and edits[index].end <= position:
            shift += edits[index].delta
            index += 1
        if index < count and edits[index].start <= position:  # inside an edit
            edit = edits[index]
            mapped.append(edit.start + shift + min(position - edit.start, len(edit.after)))
            if engulfed is not None and edit.start < position and not edit.before.isspace():
                engulfed[number] = True
        else:
            mapped.append(position + shift)
    return mapped


def _map_backward(step: Step, positions: Sequence[int]) -> list[int]:
    """Map sorted output positions of ``step`` back to its input (inside an edit: offset kept)."""
    edits = step.edits
    spans = step.output_spans()
    count = len(edits)
    index = 0
    shift = 0
    mapped: list[int] = []
    for position in positions:
        while index < count and spans[index][1] <= position:
            shift += edits[index].delta
            index += 1
        if index < count and spans[index][0] <= position:
            edit = edits[index]
            mapped.append(edit.start + min(position - spans[index][0], len(edit.before)))
        else:
            mapped.append(position - shift)
    return mapped


def to_original(log: EditLog, places: Sequence[tuple[int, int]]) -> list[int]:
    """Offsets in the original of ``(step, offset in that step's input)`` places, in one pass.

    >>> log = EditLog()
    >>> log.add_step("a", [Edit("a", 0, 2, "xx", "")])
    >>> to_original(log, [(1, 0), (1, 3), (0, 1)])
    [2, 5, 1]
    """
    steps = log.steps
    waiting: dict[int, list[tuple[int, int]]] = {}
    for number, (step_index, offset) in enumerate(places):
        waiting.setdefault(min(max(step_index, 0), len(steps)), []).append((offset, number))
    tracked: list[tuple[int, int]] = sorted(waiting.get(len(steps), []))
    for step_index in range(len(steps) - 1, -1, -1):
        mapped = _map_backward(steps[step_index], [offset for offset, _ in tracked])
        tracked = list(zip(mapped, (number for _, number in tracked), strict=True))
        tracked = list(heapq.merge(tracked, sorted(waiting.get(step_index, []))))
    result = [0] * len(places)
    for offset, number in tracked:
        result[number] = offset
    return result


def locate_edits(log: EditLog) -> list[LocatedEdit]:
    """Every edit with its final span and original position, in O(steps × edits).

    The final spans are those of :meth:`EditLog.final_spans`, computed by walking each
    step once over all positions still being followed instead of once per position.

    >>> log = EditLog()
    >>> log.add_step("a", [Edit("a", 0, 1, "x", "yy")])
    >>> log.add_step("b", [Edit("b", 2, 3, "z", "")])
    >>> [(e.number, e.start, e.end, e.original_start) for e in locate_edits(log)]
    [(1, 0, 2, 0), (2, 2, 2, 1)]
    """
    steps = log.steps
    numbered: list[tuple[int, int, Edit]] = []
    for step_index, step in enumerate(steps):
        for edit in step.edits:
            numbered.append((len(numbered), step_index, edit))

    # Forward: follow each edit's output span to the final text.
    engulfed = [False] * len(numbered)
    starts: list[tuple[int, int]] = []  # (position, edit id), sorted
    ends: list[tuple[int, int]] = []
    first = 0
    for step_index, step in enumerate(steps):
        if step_index:
            inside = [False] * len(starts)
            mapped = _map_forward(step, [p for p, _ in starts], inside)
            for (_, i), flag in zip(starts, inside, strict=True):
                engulfed[i] = engulfed[i] or flag
            starts = list(zip(mapped, (i for _, i in starts), strict=True))
            ends = list(
                zip(_map_forward(step, [p for p, _ in ends]), (i for _, i in ends), strict=True)
            )
        spans = step.output_spans()
        ids = range(first, first + len(spans))
        starts = list(heapq.merge(starts, [(s, i) for (s, _), i in zip(spans, ids, strict=True)]))
        ends = list(heapq.merge(ends, [(e, i) for (_, e), i in zip(spans, ids, strict=True)]))
        first += len(spans)
    final_start = [0] * len(numbered)
    final_end = [0] * len(numbered)
    for position, i in starts:
        final_start[i] = position
    for position, i in ends:
        final_end[i] = position

    # Backward: follow each edit's input start to the original text.
    origin = to_original(log, [(step_index, edit.start) for _, step_index, edit in numbered])

    return [
        LocatedEdit(
            i + 1,
            step_index,
            edit,
            final_start[i],
            max(final_start[i], final_end[i]),
            origin[i],
            engulfed[i],
        )
        for i, step_index, edit in numbered
    ]


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
    log: EditLog, notes: Sequence[Mapping[str, Any]], config: Mapping[str, Any], starts: list[int]
) -> list[int | None]:
    """The original line of each note, or None where it cannot be told.

    A note's offset is in the input of its rule's step. A rule that changed nothing has no
    step, so the configured rule order (``config["rules"]``) says which steps ran before it.
    Text an earlier rule inserted (a moved pull quote) maps to where it was inserted.
    """
    order = {rule: index for index, rule in enumerate(config.get("rules") or ())}
    places: list[tuple[int, int]] = []
    known: list[bool] = []
    for note in notes:
        rule = note.get("rule")
        step = next((i for i, s in enumerate(log.steps) if s.rule == rule), None)
        if step is None and rule in order:
            later = (i for i, s in enumerate(log.steps) if order.get(s.rule, -1) > order[rule])
            step = next(later, len(log.steps))
        offset = note.get("start")
        known.append(step is not None and isinstance(offset, int))
        places.append((step or 0, offset if isinstance(offset, int) else 0))
    offsets = to_original(log, places)
    return [
        line_number(starts, offset) if ok else None
        for offset, ok in zip(offsets, known, strict=True)
    ]


def _language(config: Mapping[str, Any]) -> str:
    """A ``lang`` attribute for the text from the configured dictionary (``de_DE`` → ``de-DE``).

    >>> _language({"language": "de_DE"}), _language({})
    (' lang="de-DE"', '')
    """
    language = str(config.get("language") or "").replace("_", "-")
    if language and all(part.isalnum() for part in language.split("-")):
        return f' lang="{_esc(language)}"'
    return ""


def _field(item: Any, name: str, default: Any = "") -> Any:
    if isinstance(item, Mapping):
        return item.get(name, default)
    return getattr(item, name, default)


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 1.0


def _confidence(value: Any) -> str:
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return _esc(value)


def _edit_title(rule: str, edit: Edit) -> str:
    text = f"{rule}: {show_invisibles(edit.before)} → {show_invisibles(edit.after)}"
    if edit.reason:
        text += f" — {edit.reason}"
    return text + f" (confidence {_confidence(edit.confidence)})"


def _render_text(text: str, located: Sequence[LocatedEdit], rule_index: Mapping[str, int]) -> str:
    """The repaired text, cut at every edit boundary, each covered piece a focusable mark."""
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
    parts: list[str] = []

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

    def quiet(indexes: Iterable[int]) -> bool:
        return all(quiet_one(located[i]) for i in indexes)

    def mark(indexes: list[int], content: str, deletion: bool) -> str:
        items = [located[i] for i in indexes]
        rules = sorted({rule_index[item.edit.rule] for item in items})
        colour = rule_index[items[-1].edit.rule]
        classes = (
            f"m c{colour % 12}" + (" d" if deletion else "") + (" w" if quiet(indexes) else "")
        )
        title = "\n".join(_edit_title(item.edit.rule, item.edit) for item in items)
        numbers = " ".join(str(item.number) for item in items)
        lowest = min(_number(item.edit.confidence) for item in items)
        return (
            f'<mark class="{classes}" tabindex="0" data-e="{numbers}"'
            f' data-r="{" ".join(map(str, rules))}" data-c="{lowest:.3f}"'
            f' title="{_esc(title)}">{content}</mark>'
        )

    for position, following in zip(ordered, [*ordered[1:], None], strict=True):
        for index in closes.get(position, ()):
            del active[index]
        for index in opens.get(position, ()):
            active[index] = None
        removed = points.get(position, [])
        piece = _esc(text[position:following]) if following is not None else ""
        if removed and active and quiet(removed) and quiet(active):
            # Whitespace removed right before whitespace changed (a line end's spaces, then
            # the line break made a space): one quiet mark, not two, explains both.
            parts.append(mark(sorted([*removed, *active]), piece, deletion=False))
            continue
        if removed:  # removals at one place share one marker
            parts.append(mark(removed, "", deletion=True))
        if piece:
            parts.append(mark(sorted(active), piece, deletion=False) if active else piece)
    return "".join(parts)


_THRESHOLDS = (1.0, 0.95, 0.9, 0.8, 0.7, 0.5)


def _confidence_filter(located: Sequence[LocatedEdit]) -> str:
    """A choice to show only the less certain edits, offered for thresholds some edit is under."""
    values = sorted({_number(item.edit.confidence) for item in located if not item.superseded})
    if not values or values[0] >= 1.0:
        return ""
    options = ['<option value="2" selected>of any confidence</option>']
    for threshold in _THRESHOLDS:
        below = sum(1 for item in located if _number(item.edit.confidence) < threshold)
        if below:
            options.append(
                f'<option value="{threshold}">with confidence below {threshold:.2f} '
                f"({below})</option>"
            )
    return (
        '<p class="confidence"><label for="conf">Show edits</label> '
        f'<select id="conf">{"".join(options)}</select></p>\n'
    )


def _before_after(edit: Edit) -> str:
    def part(tag: str, text: str) -> str:
        empty = ' class="none"' if not text else ""
        return f"<{tag}{empty}>{_esc(show_invisibles(text))}</{tag}>"

    return f"{part('del', edit.before)} → {part('ins', edit.after)}"


def _edit_row(item: LocatedEdit, rule_index: Mapping[str, int], starts: list[int]) -> str:
    edit = item.edit
    return (
        f'<tr id="e{item.number}"><td>{item.number}</td>'
        f'<td><span class="sw c{rule_index[edit.rule] % 12}"></span>{_esc(edit.rule)}</td>'
        f"<td>{line_number(starts, item.original_start)}</td>"
        f'<td class="ba">{_before_after(edit)}</td>'
        f"<td>{_esc(edit.reason)}</td><td>{_confidence(edit.confidence)}</td></tr>"
    )


_EDIT_HEAD = (
    "<thead><tr><th scope=col>#</th><th scope=col>Rule</th><th scope=col>Line in original</th>"
    "<th scope=col>Before → after</th><th scope=col>Reason</th>"
    "<th scope=col>Confidence</th></tr></thead>"
)


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
    quality: Mapping[str, Any] | None = None,
) -> str:
    """One self-contained HTML document reviewing the repair of ``original`` into ``text``.

    ``quality``: the OCR quality record (``preserve.repair.quality.Quality.to_dict()``).

    ``debris`` items are mappings or objects with ``kind, text, start, end, reason`` (span
    in the original). ``descriptions`` overrides the built-in rule descriptions by name.
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
    rules: list[str] = []
    for item in located:
        if item.edit.rule not in rules:
            rules.append(item.edit.rule)
    rule_index = {rule: index for index, rule in enumerate(rules)}
    counts = {rule: 0 for rule in rules}
    superseded_counts = {rule: 0 for rule in rules}
    for item in located:
        counts[item.edit.rule] += 1
        superseded_counts[item.edit.rule] += item.superseded
    superseded = [item for item in located if item.superseded]
    notes = list(log.notes)
    software = dict(software or {})
    config = dict(config or {})
    kind_label = _KIND_LABELS.get(kind, kind)

    out: list[str] = []
    add = out.append
    add('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    add(f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n')
    add('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    add('<meta name="referrer" content="no-referrer">\n')
    add(f"<title>Repair review: {_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n")

    # Header: what this is and the numbers that matter.
    add(f'<header><h1>Repair review: {_esc(title)}</h1>\n<dl class="facts">')
    if source_name:
        add(f"<dt>Source</dt><dd><code>{_esc(source_name)}</code></dd>")
    add(f'<dt>Kind of text</dt><dd id="kind">{_esc(kind_label)}')
    if classification_reason:
        add(f" — {_esc(classification_reason)}")
    add("</dd>")
    add(
        f'<dt>Edits</dt><dd id="total">{len(located)} by {len(rules)} '
        f"rule{'' if len(rules) == 1 else 's'}</dd>"
    )
    add(f"<dt>Debris removed</dt><dd>{len(debris)}</dd>")
    add(f"<dt>Left alone on purpose</dt><dd>{len(notes)}</dd>")
    add(f"<dt>Length</dt><dd>{len(original):,} characters before, {len(text):,} after</dd>")
    if quality:
        add(f'<dt>OCR quality</dt><dd id="quality">{_esc(_quality_line(quality))}</dd>')
    add(
        '</dl>\n<nav aria-label="Sections"><a href="#rules">Edits per rule</a> '
        '<a href="#text">Repaired text</a> <a href="#all-edits">All edits</a> '
        '<a href="#superseded">Superseded</a> <a href="#debris">Debris</a> '
        '<a href="#notes">Left alone</a> <a href="#provenance">Software</a></nav>'
        "</header>\n<main>\n"
    )

    # Counts per rule, each row a filter.
    add('<section id="rules" aria-labelledby="rules-h"><h2 id="rules-h">Edits per rule</h2>\n')
    if rules:
        add(
            '<p class="hint">Untick a rule to hide its marks in the text.</p>\n'
            '<table class="counts"><thead><tr><th scope=col>Show</th><th scope=col>Rule</th>'
            "<th scope=col>Edits</th><th scope=col>What it does</th></tr></thead><tbody>\n"
        )
        for rule in rules:
            index = rule_index[rule]
            extra = (
                f' <span class="sub">({superseded_counts[rule]} superseded)</span>'
                if superseded_counts[rule]
                else ""
            )
            add(
                f'<tr data-rule="{_esc(rule)}"><td><input type="checkbox" checked id="f{index}" '
                f'data-r="{index}" aria-label="Show edits by {_esc(rule)}"></td>'
                f'<td class="rule"><label for="f{index}"><span class="sw c{index % 12}"></span>'
                f"<code>{_esc(rule)}</code></label></td>"
                f'<td class="num">{counts[rule]}{extra}</td>'
                f"<td>{_esc(describe_rule(rule, descriptions))}</td></tr>\n"
            )
        add(
            f"</tbody><tfoot><tr><td></td><th scope=row>All rules</th>"
            f'<td class="num">{len(located)}</td><td></td></tr></tfoot></table>\n'
        )
        add(_confidence_filter(located))
    else:
        add("<p>No rule changed anything: the repaired text is the original.</p>\n")
    add("</section>\n")

    # The repaired text with its marks, and the panel that explains the focused mark.
    add(
        '<section id="text" aria-labelledby="text-h"><h2 id="text-h">Repaired text</h2>\n'
        '<p class="hint">Marked text was changed; <mark class="m d c0 legend"></mark> marks a '
        "place where text was removed. Point at a mark, or click it or move to it with Tab, to "
        "see the rule, the text before and after, and why.</p>\n"
        f'<div class="layout"><div id="repaired" class="repaired"{_language(config)}>'
    )
    add(_render_text(text, located, rule_index))
    add(
        '</div>\n<aside class="panel" aria-label="Selected edit"><div class="step">'
        '<button type="button" id="prev">← Previous edit</button> '
        '<button type="button" id="next">Next edit →</button></div>'
        '<div id="detail" aria-live="polite"><p class="hint">No edit selected.</p></div>'
        "</aside></div>\n</section>\n"
    )

    # Every edit as a table: works without the script and is what the panel reads.
    add(
        f'<section id="all-edits" aria-labelledby="all-h"><h2 id="all-h">All edits</h2>\n'
        f"<details><summary>All {len(located)} edits, in the order they were made</summary>\n"
    )
    add(f'<table class="edits">{_EDIT_HEAD}<tbody>\n')
    add("\n".join(_edit_row(item, rule_index, starts) for item in located))
    add("</tbody></table></details>\n</section>\n")

    add(
        '<section id="superseded" aria-labelledby="sup-h"><h2 id="sup-h">Superseded edits</h2>\n'
        "<p>Edits with nothing left to mark: a later rule removed all they wrote, or rewrote the "
        "text around the place where they removed something. They are not marked in the text."
        "</p>"
    )
    if superseded:
        add(f'<table class="edits">{_EDIT_HEAD}<tbody>\n')
        add(
            "\n".join(
                _edit_row(item, rule_index, starts).replace(' id="e', ' data-ref="e', 1)
                for item in superseded
            )
        )
        add("</tbody></table>")
    else:
        add("<p>None.</p>")
    add("\n</section>\n")

    # Debris: taken out of the body, never dropped.
    add(
        '<section id="debris" aria-labelledby="debris-h"><h2 id="debris-h">Removed debris</h2>\n'
        "<p>Layout debris taken out of the body (page numbers, running heads, captions). "
        "It is kept here and in the edit log, so nothing is lost.</p>\n"
    )
    if debris:
        add(
            '<table class="debris"><thead><tr><th scope=col>Kind</th><th scope=col>Line in '
            "original</th><th scope=col>Text</th><th scope=col>Reason</th>"
            "<th scope=col>Where it was</th></tr></thead><tbody>\n"
        )
        removals = _removal_finder(located)
        for piece in debris:
            start = int(_field(piece, "start", 0) or 0)
            found = removals(start)
            where = f'<a href="#edit-{found.number}">edit {found.number}</a>' if found else ""
            add(
                f"<tr><td>{_esc(_field(piece, 'kind'))}</td>"
                f'<td class="num">{line_number(starts, start)}</td>'
                f'<td class="pre">{_esc(_field(piece, "text"))}</td>'
                f"<td>{_esc(_field(piece, 'reason'))}</td><td>{where}</td></tr>\n"
            )
        add("</tbody></table>\n")
    else:
        add("<p>None.</p>\n")
    add("</section>\n")

    add(
        '<section id="notes" aria-labelledby="notes-h"><h2 id="notes-h">Left alone on purpose'
        "</h2>\n<p>Places a rule looked at and did not change because it was not sure enough.</p>"
    )
    if notes:
        add(
            '<table class="notes"><thead><tr><th scope=col>Rule</th><th scope=col>Line in '
            "original</th><th scope=col>Text</th><th scope=col>Why it was left alone</th></tr>"
            "</thead><tbody>\n"
        )
        for note, line in zip(notes, _note_lines(log, notes, config, starts), strict=True):
            add(
                f"<tr><td><code>{_esc(note.get('rule', ''))}</code></td>"
                f'<td class="num">{line or ""}</td>'
                f"<td>{_esc(show_invisibles(str(note.get('text', ''))))}</td>"
                f"<td>{_esc(note.get('reason', ''))}</td></tr>\n"
            )
        add("</tbody></table>\n")
    else:
        add("<p>None.</p>\n")
    add("</section>\n")

    add(
        '<section id="provenance" aria-labelledby="prov-h"><h2 id="prov-h">Software and '
        "configuration</h2>\n"
    )
    if software:
        add(
            '<table class="software"><thead><tr><th scope=col>Software</th>'
            "<th scope=col>Version</th></tr></thead><tbody>"
        )
        for name, version in software.items():
            add(f"<tr><td>{_esc(name)}</td><td>{_esc(version)}</td></tr>")
        add("</tbody></table>\n")
    add(
        '<h3>Configuration</h3>\n<pre class="config">'
        f"{_esc(json.dumps(config, indent=2, ensure_ascii=False, sort_keys=True, default=str))}"
        "</pre>\n</section>\n</main>\n"
    )
    add(f"<script>{_SCRIPT}</script>\n</body>\n</html>\n")
    return "".join(out)


def _quality_line(quality: Mapping[str, Any]) -> str:
    """The OCR quality record in one line, as received → repaired.

    >>> line = _quality_line({"score": 0.9, "before": {"known": 0.9, "hyphens": 0.2},
    ...                       "after": {"known": 0.96, "hyphens": 0.0}})
    >>> line.split("; ")[:2]
    ['score 0.90', 'words known 90.0% → 96.0%']
    """
    before, after = quality.get("before") or {}, quality.get("after") or {}

    def share(value: Any) -> str:
        return "no dictionary" if value is None else f"{value:.1%}"

    parts = [f"score {quality.get('score', 0):.2f}"]
    for key, label in (
        ("known", "words known"),
        ("garbage", "garbage tokens"),
        ("hyphens", "lines ending in a hyphen"),
    ):
        parts.append(f"{label} {share(before.get(key))} → {share(after.get(key))}")
    return "; ".join(parts)


def render_result(
    result: Any, *, title: str, source_name: str = "", quality: Mapping[str, Any] | None = None
) -> str:
    """The review page for a ``preserve.repair.RepairResult`` (and its OCR quality)."""
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

_CSS = (
    """
:root{--ink:#1b1b1b;--muted:#4a4a4a;--line:#c9c9c9;--paper:#fff;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:var(--ink);background:var(--paper)}
header,main{max-width:78rem;margin:0 auto;padding:0 1.25rem}
header{border-bottom:1px solid var(--line);padding-top:1rem}
h1{font-size:1.6rem;margin:.2rem 0 .6rem}h2{font-size:1.25rem;margin:2rem 0 .5rem;
border-bottom:1px solid var(--line);padding-bottom:.2rem}h3{font-size:1.05rem}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0 0 .8rem}
.facts dt{font-weight:600;color:var(--muted)}.facts dd{margin:0}
nav{display:flex;flex-wrap:wrap;gap:.4rem 1rem;padding:.5rem 0 .8rem}
a{color:var(--accent)}a:focus-visible,input:focus-visible,summary:focus-visible{
outline:3px solid var(--accent);outline-offset:2px}
.hint{color:var(--muted);font-size:.92rem;margin:.3rem 0 .6rem}
table{border-collapse:collapse;width:100%;font-size:.93rem}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#f2f2f2}td.num{text-align:right;white-space:nowrap}.sub{color:var(--muted)}
.counts td:first-child{width:3.5rem;text-align:center}
.counts input{width:1.1rem;height:1.1rem}.counts td.rule{white-space:nowrap}
.sw{display:inline-block;width:.9rem;height:.9rem;border-radius:2px;margin-right:.4rem;
vertical-align:-.1rem;background:var(--bg);border:1px solid var(--ul)}
.layout{display:grid;grid-template-columns:minmax(0,48rem) minmax(16rem,1fr);gap:1.25rem;
align-items:start}
.repaired{white-space:pre-wrap;overflow-wrap:anywhere;font:1.05rem/1.65 Georgia,"DejaVu Serif",
serif;border:1px solid var(--line);border-radius:4px;padding:1rem 1.25rem;max-width:48rem}
.panel{position:sticky;top:.75rem;border:1px solid var(--line);border-radius:4px;
padding:.6rem .8rem;background:#fafafa;max-height:90vh;overflow:auto;font-size:.92rem}
#detail h3{margin:.1rem 0 .4rem;font-size:1rem}
.step{display:flex;gap:.5rem;margin-bottom:.6rem}
button,select{font:inherit;font-size:.9rem;color:var(--ink);background:#fff;
border:1px solid #767676;border-radius:4px;padding:.2rem .55rem;cursor:pointer}
button:hover{background:#f0f0f0}button:focus-visible,select:focus-visible{
outline:3px solid var(--accent);outline-offset:2px}
.confidence{margin:.6rem 0 0}
#detail dl{margin:0 0 .7rem;display:grid;grid-template-columns:max-content 1fr;gap:.1rem .6rem}
#detail dt{font-weight:600;color:var(--muted)}#detail dd{margin:0;overflow-wrap:anywhere}
del{background:#ffe1de;color:#7a1010;text-decoration:none;padding:0 .15rem}
ins{background:#dcf5d6;color:#0f4d0a;text-decoration:none;padding:0 .15rem}
del.none,ins.none{background:none;color:var(--muted);font-style:italic}
.ba{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.88rem;overflow-wrap:anywhere}
#detail .ba{font-size:.85rem}
mark.m{color:inherit;background:var(--bg);border-bottom:2px solid var(--ul);border-radius:2px;
cursor:pointer;padding:0}
mark.m.w{background:none;border-bottom:2px dotted var(--ul)}
mark.m.d{background:none;border:0;padding:0}
mark.m.d.w::after{content:"";width:3px;height:1.05em;padding:0;margin:0 1px;border:0;
border-radius:1px;vertical-align:-.15em;background:var(--ul);opacity:.45}
mark.m.d::after{content:"\\2212";display:inline-block;color:var(--ul);background:var(--bg);
border:1px solid var(--ul);border-radius:3px;font:700 .7rem/1 system-ui,sans-serif;
padding:.05rem .12rem;margin:0 .05rem;vertical-align:.35em}
mark.m:focus{outline:3px solid var(--accent);outline-offset:1px}
mark.m.sel{outline:3px solid var(--ink);outline-offset:1px}
mark.m.off{background:none;border-bottom:0;cursor:auto}mark.m.off.d::after{content:none}
.pre{white-space:pre-wrap;font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.88rem}
pre.config{background:#f6f6f6;border:1px solid var(--line);padding:.8rem;overflow:auto;
font-size:.85rem}
details>summary{cursor:pointer;color:var(--accent);margin:.3rem 0}
@media (max-width:60rem){.layout{grid-template-columns:1fr}.panel{position:static}
.counts td.rule{white-space:normal;overflow-wrap:anywhere}}
@media print{nav,.hint,.panel,.confidence,.counts td:first-child,
.counts th:first-child{display:none}
.layout{display:block}.repaired{border:0;padding:0;max-width:none}
mark.m,.sw,del,ins{-webkit-print-color-adjust:exact;print-color-adjust:exact}
mark.m.off{background:var(--bg);border-bottom:2px solid var(--ul)}
h2{break-after:avoid}tr{break-inside:avoid}}
"""
    + "".join(
        f".c{index}{{--bg:{background};--ul:{underline}}}"
        for index, (background, underline) in enumerate(_COLOURS)
    )
    + "\n"
)

# Small, dependency-free: filters by rule, a details panel for the mark clicked or focused
# (built from the "All edits" table rows with textContent/cloneNode, never innerHTML), and
# a URL fragment #edit-N that shows edit N (not #eN: jumping into the closed table of all
# edits would lay out every row) (linkable, and testable with --dump-dom).
_SCRIPT = """
(function(){
"use strict";
var text=document.getElementById("repaired"),panel=document.getElementById("detail");
var marks=text.getElementsByTagName("mark"),hidden={},below=2,selected=null;
function el(tag,cls,content){var e=document.createElement(tag);if(cls)e.className=cls;
  if(content!==undefined)e.textContent=content;return e;}
function clear(){while(panel.firstChild)panel.removeChild(panel.firstChild);}
function describe(number){
  var row=document.getElementById("e"+number);if(!row)return null;
  var c=row.cells,box=el("div"),dl=el("dl");
  box.appendChild(el("h3",null,"Edit "+c[0].textContent+": "+c[1].textContent));
  [["Before → after",c[3]],["Reason",c[4]],["Confidence",c[5]],["Line in original",c[2]]]
  .forEach(function(p){var dd=el("dd",p[0]==="Before → after"?"ba":null);
    for(var n=p[1].firstChild;n;n=n.nextSibling)dd.appendChild(n.cloneNode(true));
    dl.appendChild(el("dt",null,p[0]));dl.appendChild(dd);});
  box.appendChild(dl);return box;}
function show(mark){
  if(selected)selected.classList.remove("sel");selected=mark;mark.classList.add("sel");
  clear();mark.getAttribute("data-e").split(" ").forEach(function(n){
    var d=describe(n);if(d)panel.appendChild(d);});}
function markFor(t){while(t&&t!==text){if(t.tagName==="MARK"&&t.classList.contains("m"))
  return t;t=t.parentNode;}return null;}
text.addEventListener("click",function(ev){var m=markFor(ev.target);
  if(m&&!m.classList.contains("off"))show(m);});
text.addEventListener("focusin",function(ev){var m=markFor(ev.target);if(m)show(m);});
text.addEventListener("keydown",function(ev){var m=markFor(ev.target);
  if(m&&(ev.key==="Enter"||ev.key===" ")){ev.preventDefault();show(m);}});
function visible(m){if(parseFloat(m.getAttribute("data-c"))>=below)return false;
  var rs=m.getAttribute("data-r").split(" ");
  for(var j=0;j<rs.length;j++)if(!hidden[rs[j]])return true;return false;}
function applyFilters(){for(var i=0;i<marks.length;i++){var m=marks[i],on=visible(m);
  m.classList.toggle("off",!on);m.tabIndex=on?0:-1;}}
var boxes=document.querySelectorAll(".counts input[type=checkbox]");
for(var i=0;i<boxes.length;i++)boxes[i].addEventListener("change",function(ev){
  hidden[ev.target.getAttribute("data-r")]=!ev.target.checked;applyFilters();});
var conf=document.getElementById("conf");
if(conf)conf.addEventListener("change",function(){below=parseFloat(conf.value);applyFilters();});
function step(by){
  var i=selected?Array.prototype.indexOf.call(marks,selected):(by>0?-1:marks.length);
  for(i+=by;i>=0&&i<marks.length;i+=by)if(!marks[i].classList.contains("off")){
    marks[i].focus();marks[i].scrollIntoView({block:"nearest"});show(marks[i]);return;}}
document.getElementById("prev").addEventListener("click",function(){step(-1);});
document.getElementById("next").addEventListener("click",function(){step(1);});
function fromHash(){var h=location.hash.match(/^#edit-(\\d+)$/);if(!h)return;
  for(var i=0;i<marks.length;i++){if(marks[i].getAttribute("data-e").split(" ")
    .indexOf(h[1])>=0){show(marks[i]);marks[i].scrollIntoView({block:"center"});return;}}
  var d=describe(h[1]);if(d){clear();panel.appendChild(d);}}
window.addEventListener("hashchange",fromHash);fromHash();
var closed=[];  // print every edit: open the folded tables while printing
window.addEventListener("beforeprint",function(){closed=Array.prototype.filter.call(
  document.querySelectorAll("details"),function(d){return !d.open;});
  closed.forEach(function(d){d.open=true;});});
window.addEventListener("afterprint",function(){closed.forEach(function(d){d.open=false;});});
})();
"""
