"""Run the repair pipeline: classify, then apply each rule in order, logging every edit.

>>> result = repair("What Azeris  say \\n\\n\\n\\nabout it.\\n")
>>> result.kind, result.text
('born-digital', 'What Azeris  say\\n\\nabout it.\\n')
>>> undo(result.text, result.log) == result.original
True
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from preserve.errors import PreserveError, RepairError
from preserve.repair.classify import classify_text
from preserve.repair.config import AUTO, BORN_DIGITAL_RULES, NO_DICTIONARY_RULES, RepairConfig
from preserve.repair.context import RuleContext, RuleOutput
from preserve.repair.edits import EditLog, Step
from preserve.repair.lexicon import lexicon_for, resolve_language, software_versions
from preserve.repair.rules.encoding import fix_encoding, remove_soft_hyphens
from preserve.repair.rules.headings import fix_drop_caps, restore_small_caps
from preserve.repair.rules.hyphenation import join_line_end_hyphens
from preserve.repair.rules.layout import move_interrupting_blocks, remove_layout_debris
from preserve.repair.rules.reflow import reflow_paragraphs
from preserve.repair.rules.whitespace import (
    collapse_blank_lines,
    collapse_spaces,
    remove_space_before_punctuation,
    strip_trailing_whitespace,
)
from preserve.repair.rules.words import join_split_words

Rule = Callable[[str, RuleContext], RuleOutput]

PIPELINE: dict[str, Rule] = {
    "fix_encoding": fix_encoding,
    "remove_soft_hyphens": remove_soft_hyphens,
    "strip_trailing_whitespace": strip_trailing_whitespace,
    "collapse_blank_lines": collapse_blank_lines,
    "remove_layout_debris": remove_layout_debris,
    "move_interrupting_blocks": move_interrupting_blocks,
    "fix_drop_caps": fix_drop_caps,
    "join_split_words": join_split_words,
    "join_line_end_hyphens": join_line_end_hyphens,
    "reflow_paragraphs": reflow_paragraphs,
    "restore_small_caps": restore_small_caps,
    "remove_space_before_punctuation": remove_space_before_punctuation,
    "collapse_spaces": collapse_spaces,
}
"""Rule name → function. The order that counts is :data:`~preserve.repair.config.OCR_RULES`."""

DEFAULT_CONFIG = RepairConfig()
"""The configuration of a repair given none: one immutable value, made once (a frozen
dataclass of many fields takes microseconds to make, a sixth of a short text's repair)."""

FINISHING_RULES: tuple[Rule, ...] = (strip_trailing_whitespace, collapse_blank_lines)
"""Run last on OCR, whatever the configuration, so the output is in its final form."""


@dataclass(frozen=True)
class Debris:
    """Layout debris taken out of the body and kept as metadata of the derived text."""

    kind: str
    """``folio`` | ``running-head`` | ``running-foot`` | ``caption`` | ``credit``."""
    text: str
    start: int
    end: int
    """Span in the ORIGINAL text."""
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "reason": self.reason,
        }


@dataclass
class RepairResult:
    """A repaired text, how it was made, and how to take it back."""

    original: str
    text: str
    log: EditLog
    debris: list[Debris]
    kind: Literal["ocr", "born-digital"]
    classification_reason: str
    config: RepairConfig
    software: dict[str, str] = field(default_factory=dict)
    language: dict[str, Any] = field(default_factory=dict)
    """How ``language = "auto"`` chose the dictionary (chosen, shares); empty otherwise."""

    def summary(self) -> dict[str, int]:
        """Edits per rule."""
        return self.log.summary()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record: its ``log`` is what :func:`undo` needs."""
        return {
            "kind": self.kind,
            "reason": self.classification_reason,
            "config": self.config.to_dict(),
            "software": dict(self.software),
            **({"language": dict(self.language)} if self.language else {}),
            "summary": self.summary(),
            "log": self.log.to_dict(),
            "debris": [item.to_dict() for item in self.debris],
        }


def repair(text: str, config: RepairConfig | None = None) -> RepairResult:
    """Repair ``text``; never raises (a failing rule is skipped and noted in the log).

    OCR goes through every configured rule in pipeline order, then the whitespace rules
    once more so the output is in final form; born-digital text gets only the whitespace
    rules. If anything unforeseen fails, the text comes back unchanged, with a note.
    """
    config = config or DEFAULT_CONFIG
    try:
        return _repair(text, config)
    except Exception as error:  # the last line of "never raises": keep the text as it is
        log = EditLog()
        log.note("repair", 0, 0, "", f"repair failed and changed nothing: {error!r}")
        return RepairResult(text, text, log, [], "born-digital", "not repaired", config, {})


def _repair(text: str, config: RepairConfig) -> RepairResult:
    log = EditLog()
    debris: list[Debris] = []
    software = software_versions()
    try:
        kind, reason = classify_text(text, config)
    except Exception as error:
        kind, reason = "born-digital", f"could not classify ({error}); left alone"
    current = text
    # auto chooses the language from the text as the rules read it, its encoding repaired:
    # mojibake is no word of any language (and a second repair would choose otherwise)
    encoding_first = config.language == AUTO and kind == "ocr" and config.runs("fix_encoding")
    if encoding_first:
        current = _run(fix_encoding, text, _ContextWithoutDictionary(config), log, debris)
    run_config, choice = resolve_language(current, config)
    no_language = choice is not None and choice.language is None
    if choice is not None:
        log.note("repair", 0, 0, "", choice.describe())
    context: RuleContext | None = None
    if not no_language:
        try:
            lexicon = lexicon_for(run_config)
            software.update(lexicon.describe())
            context = RuleContext(run_config, lexicon)
        except PreserveError as error:
            log.note("repair", 0, 0, "", f"no dictionary: {error}")
    if context is None and no_language and kind == "ocr":
        # no installed dictionary knows the text's language: only the rules needing none
        rules = [PIPELINE[name] for name in config.rules if name in NO_DICTIONARY_RULES]
        rules += list(FINISHING_RULES)
        context = _ContextWithoutDictionary(config)
    elif context is None or kind == "born-digital":
        names = [name for name in config.rules if name in BORN_DIGITAL_RULES]
        rules = [PIPELINE[name] for name in names]
        if context is None:
            if not no_language:
                kind, reason = "born-digital", reason + "; dictionary missing, whitespace only"
            context = _ContextWithoutDictionary(config)
    else:
        rules = [PIPELINE[name] for name in config.rules if name in PIPELINE]
        rules += list(FINISHING_RULES)
    if encoding_first:
        rules = [rule for rule in rules if rule is not fix_encoding]
    for rule in rules:
        current = _run(rule, current, context, log, debris)
    language = choice.to_dict() if choice is not None else {}
    return RepairResult(text, current, log, debris, kind, reason, config, software, language)


class _ContextWithoutDictionary(RuleContext):
    """For the whitespace rules alone, which need no dictionary."""

    def __init__(self, config: RepairConfig) -> None:
        self.config = config
        self._vocabulary = None
        self._column = None
        self._full = 0
        self._room = 0.0
        self.joined_line_starts = None
        self.line_table = None


def _run(rule: Rule, text: str, context: RuleContext, log: EditLog, debris: list[Debris]) -> str:
    name = rule.__name__
    steps_before = len(log.steps)
    try:
        if name != "fix_encoding":
            context.column_width(text)  # measured once, on the text as wrapped in columns
        output = rule(text, context)
        result = log.apply_step(name, output.edits, text)
    except Exception as error:
        del log.steps[steps_before:]
        where = traceback.extract_tb(error.__traceback__)[-1]
        log.note(
            name,
            0,
            0,
            "",
            f"rule failed and was skipped: {error!r} "
            f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno})",
        )
        return text
    for start, end, before, reason in output.notes:
        log.note(name, start, end, before, reason)
    if output.debris:
        ends = [found.start for found in output.debris] + [found.end for found in output.debris]
        mapped = _to_original(log.steps[:steps_before], ends)
        count = len(output.debris)
        for index, found in enumerate(output.debris):
            debris.append(
                Debris(found.kind, found.text, mapped[index], mapped[count + index], found.reason)
            )
    return result


def _to_original(steps: list[Step], positions: list[int]) -> list[int]:
    """Map positions in the text after ``steps`` back to the original text."""
    # Mapping back keeps positions in order, so one sort serves every step.
    order = sorted(range(len(positions)), key=positions.__getitem__)
    for step in reversed(steps):
        positions = _unmap(step, positions, order)
    return positions


def _unmap(step: Step, positions: list[int], order: list[int]) -> list[int]:
    """Where positions of a step's output stood in its input (``order`` sorts them).

    One walk over the edits, taking the positions in order (rather than a table of where
    each edit landed, searched once per position): a step has a hundred edits a page, a
    page a dozen pieces of debris. A position in what an edit wrote maps into what it
    replaced; one after it moves back by what the edits before it added.
    """
    mapped = positions[:]
    edits = step.edits
    count = len(edits)
    passed = 0  # edits whose output start is at or before the position
    shift = 0  # what the passed edits added (output minus input)
    for index in order:
        position = positions[index]
        while passed < count:
            edit = edits[passed]  # read by index: (rule, start, end, before, after, ...)
            if edit[1] + shift > position:
                break
            shift += len(edit[4]) - edit[2] + edit[1]
            passed += 1
        if passed:
            _rule, start, end, before, after, _reason, _confidence = edits[passed - 1]
            output_end = end + shift  # what the last passed edit wrote ends here
            output_start = output_end - len(after)
            if position < output_end or (position == output_end == output_start):
                mapped[index] = start + min(position - output_start, len(before))
            else:
                mapped[index] = position - shift
    return mapped


def undo(repaired: str, log: EditLog | Mapping[str, Any]) -> str:
    """Rebuild the exact original from a repaired text and its log (or ``to_dict()`` record).

    Raises :class:`~preserve.errors.RepairError` when the log does not fit the text.
    """
    if isinstance(log, Mapping):
        record = log.get("log", log) if "format" not in log else log
        if not isinstance(record, Mapping):
            raise RepairError(
                "This edits file holds no edit log: give the one preserve repair wrote."
            )
        try:
            log = EditLog.from_dict(dict(record))
        except (TypeError, KeyError, ValueError) as error:
            raise RepairError(
                f"This edit log is damaged ({error}): give the edits file preserve repair wrote."
            ) from error
    try:
        return log.undo(repaired)
    except RepairError:
        raise
    except (IndexError, TypeError, ValueError) as error:
        raise RepairError(
            f"This edit log does not fit the text ({error}): give the repaired text it came with."
        ) from error
