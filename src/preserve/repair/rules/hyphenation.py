"""Join words a typesetter hyphenated at a line end; keep real hyphens.

Evidence, strongest first: the document's own vocabulary (the word seen whole, or seen
hyphenated, elsewhere), the dictionary, and the case of the parts. A compound broken at
its own hyphen keeps it; a name no dictionary knows is joined as printed, never corrected.

>>> from preserve.repair.context import preview
>>> preview(join_line_end_hyphens, "a massa-\\ncre of the el-\\n\\nderly")
'a massacre of the elderly'
>>> preview(join_line_end_hyphens, "established machine-\\ngun points")
'established machine-gun points'
>>> preview(join_line_end_hyphens, "its pre- and post-\\nwar timetables")
'its pre- and post-war timetables'
>>> preview(join_line_end_hyphens, "die Zei¬\\ntung von gestern")
'die Zeitung von gestern'
>>> preview(join_line_end_hyphens, "of two-\\nand three-storey houses")
'of two-\\nand three-storey houses'
>>> preview(join_line_end_hyphens, "the Kh-\\njali tragedy, 300-\\n400 bodies")
'the Khjali tragedy, 300-400 bodies'
"""

from __future__ import annotations

import functools
import operator
import re

from preserve.repair.context import RuleContext, RuleOutput
from preserve.repair.edits import new_edit
from preserve.repair.vocabulary import Vocabulary, line_end_hyphens

LEFT = re.compile(r"(?<![\w-])((?:\w+-)*)([^\W\d_]+)\Z")
"""The word before a line-end hyphen, with any earlier parts of a compound."""
NUMBER_WORD = re.compile(r"(?<![\w-])\d+[^\W\d_]*\Z")
"""``90th`` or ``19``: the number a compound starts with (``90th-minute``)."""
SUSPENDED_AFTER = re.compile(r"[ \t]+(?:[^\W\d_]+[ \t]+)?\w+-[^\W\d_]+")
"""``two-⏎and three-storey``: a short word, then a hyphenated compound sharing the tail."""
SUSPENDED_BEFORE = re.compile(r"[^\W\d_]-[ \t]+[^\W\d_]{1,4}[ \t]+\Z")
"""``pre- and`` just before the word: it is the second half of a suspended pair."""
CONJUNCTION_AFTER = frozenset(" \t\n")
"""What follows a conjunction standing as a word (``and-after`` is part of a compound)."""
NUMBER_RANGE = re.compile(r"[-‐–](?<=\d.)([ \t]*\n[ \t]*)(?=\d)")
"""``300-⏎400``: the line break (group 1) after a dash between digits, found from the dash."""
BREAK_ASCII = re.compile(r"-(?P<gap>[ \t]*\n(?:[ \t]*\n)?[ \t]*)(?P<right>[^\W\d_]+)")
NUMBER_RANGE_ASCII = re.compile(r"-(?<=\d.)([ \t]*\n[ \t]*)(?=\d)")
"""``break_pattern("-")`` and ``NUMBER_RANGE`` for a text whose only hyphen is ``-``: a
pattern that starts with a literal is found five times faster than one that starts with a
class."""


@functools.lru_cache(maxsize=32)
def break_pattern(marks: str) -> re.Pattern[str]:
    """A line-end hyphen (one of ``marks``), the line break (group ``gap``, a blank line
    too: a column break) and the letters after it (group ``right``).

    >>> break_pattern("-¬").search("die Zei¬\\ntung").group("right")
    'tung'
    """
    if marks == "-":
        return BREAK_ASCII
    return re.compile(
        f"[{re.escape(marks)}]" + r"(?P<gap>[ \t]*\n(?:[ \t]*\n)?[ \t]*)(?P<right>[^\W\d_]+)"
    )


def join_line_end_hyphens(text: str, context: RuleContext) -> RuleOutput:
    """Remove a line-end hyphen and its line break (join), or only the break (real hyphen)."""
    output = RuleOutput()
    vocabulary = context.vocabulary(text)
    marks = line_end_hyphens(text)
    only_ascii = marks == "-"
    conjunctions = context.lexicon.conjunctions
    for match in break_pattern(marks).finditer(text):
        start, end = match.start(), match.start(2)  # 2: the group "right"
        right = match.group(2)
        window = max(0, start - 80)
        # LEFT.search(text, window, start) from the last space in the window: LEFT
        # holds no space, so it cannot start sooner (and the search tries every start).
        found = LEFT.search(text, text.rfind(" ", window, start) + 1 or window, start)
        if found is None:
            if NUMBER_WORD.search(text, window, start) and right[0].islower():
                output.edit(
                    "join_line_end_hyphens",
                    text,
                    start,
                    end,
                    "-",
                    "a compound starting with a number: hyphen kept",
                    0.85,
                )
            continue
        prefix, left = found.groups()
        if right[0].isupper():
            if match.group("gap").count("\n") > 1:  # a column break
                output.note(
                    text,
                    start,
                    end,
                    "hyphen before a column break and a capital: "
                    "cannot tell a compound from a heading",
                )
                continue
            output.edit(
                "join_line_end_hyphens",
                text,
                start,
                end,
                "-",
                "capital after the hyphen: a compound, hyphen kept",
                0.8,
            )
            continue
        if not right[0].islower():
            output.note(text, start, end, "uncased letters after a line-end hyphen: left as is")
            continue
        if (
            len(right) <= 4
            and context.lexicon.check(right)
            and SUSPENDED_AFTER.match(text, match.end("right"))
            # 'along-⏎side computer-aided': joined, the parts make a word ('two-⏎and
            # three-storey' make none)
            and not context.lexicon.check(left + right)
        ):
            output.note(
                text,
                start,
                end,
                f"'{left}- {right}' reads as a suspended hyphen "
                "(a compound follows): left for reflow to keep the hyphen and space",
            )
            _write_as_hyphen(text, start, output)
            continue
        if (
            right in conjunctions
            and text[match.end() : match.end() + 1] in CONJUNCTION_AFTER
            and not context.lexicon.check(left + right)
            and vocabulary.count(left + right) == 0
        ):
            output.note(
                text,
                start,
                end,
                f"'{left}- {right}': a hyphen before a conjunction is a suspended hyphen "
                "('Ein- und Ausgang'): left for reflow to keep the hyphen and space",
            )
            _write_as_hyphen(text, start, output)
            continue
        before = max(0, found.start() - 40)
        if "-" in text[before : found.start()] and SUSPENDED_BEFORE.search(
            text, before, found.start()
        ):
            output.edit(
                "join_line_end_hyphens",
                text,
                start,
                end,
                "-",
                "a suspended hyphen comes just before ('pre- and post-war'): compound kept",
                0.85,
            )
            continue
        join, reason, confidence = decide(prefix, left, right, vocabulary, context)
        output.edits.append(  # output.edit without its span check: a span of a match
            new_edit(
                "join_line_end_hyphens",
                start,
                end,
                text[start:end],
                "" if join else "-",
                reason,
                confidence,
            )
        )
    only_ascii = only_ascii and "–" not in text
    for match in (NUMBER_RANGE_ASCII if only_ascii else NUMBER_RANGE).finditer(text):
        output.edit(
            "join_line_end_hyphens",
            text,
            match.start(1),
            match.end(1),
            "",
            "number range broken at its dash: line break removed",
            0.9,
        )
    _remember_line_starts(text, output, context)
    return output


_START = operator.attrgetter("start")
MARKS_NOT_HYPHENS = "¬⸗=\u00ad"
"""Line-end hyphen marks that are not a hyphen when the hyphen stays in the text."""


def _write_as_hyphen(text: str, at: int, output: RuleOutput) -> None:
    """A suspended hyphen kept: ``Ein¬⏎und`` is printed ``Ein- und``, the mark (at ``at``)
    written as the hyphen it stands for; ``-`` and ``‐`` stay as they are."""
    if text[at] in MARKS_NOT_HYPHENS:
        output.edit(
            "join_line_end_hyphens",
            text,
            at,
            at + 1,
            "-",
            "suspended hyphen kept: the OCR's line-end mark written as a hyphen",
            0.85,
        )


def _remember_line_starts(text: str, output: RuleOutput, context: RuleContext) -> None:
    """Tell reflow where the joined lines began, so it still sees their lengths."""
    shift = 0
    starts = []
    for edit in sorted(output.edits, key=_START):
        if "\n" in edit.before:
            starts.append(edit.start + shift + len(edit.after))
        shift += len(edit.after) - len(edit.before)
    context.joined_line_starts = (len(text) + shift, starts)


def decide(
    prefix: str, left: str, right: str, vocabulary: Vocabulary, context: RuleContext
) -> tuple[bool, str, float]:
    """Join ``left``-``right`` into one word (True) or keep the hyphen (False), and why."""
    joined, hyphenated = left + right, f"{left}-{right}"
    whole, split = vocabulary.count(joined), vocabulary.compound(prefix + hyphenated)
    if whole > split:
        return True, f"'{joined}' stands whole elsewhere in the document", 0.95
    if split > whole:
        return False, f"'{hyphenated}' stands hyphenated elsewhere in the document", 0.95
    lexicon = context.lexicon
    if lexicon.check(joined):
        return True, f"'{joined}' is a dictionary word", 0.9
    minimum = context.config.compound_min_part
    # A part the document prints as a word of its own counts as one: the dictionary may
    # be of another variety of the language ('coloured' in en_US).
    if (
        len(left) >= minimum
        and len(right) >= minimum
        and context.knows(left, vocabulary)
        and context.knows(right, vocabulary)
    ):
        return (
            False,
            (
                f"'{left}' and '{right}' are words and '{joined}' is not: "
                "a compound broken at its own hyphen"
            ),
            0.8,
        )
    if prefix:
        return False, "part of a hyphenated compound: hyphen kept", 0.6
    return (
        True,
        (
            f"'{joined}' is unknown to the dictionary and the document; a line-end "
            "hyphen most often splits a word, joined as printed"
        ),
        0.7,
    )
