"""Run the repair pipeline: classify, then apply each rule in order, logging every edit.

>>> result = repair("What Azeris  say \\n\\n\\n\\nabout it.\\n")
>>> result.kind, result.text
('born-digital', 'What Azeris  say\\n\\nabout it.\\n')
>>> undo(result.text, result.log) == result.original
True
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from preserve.errors import PreserveError, RepairError
from preserve.repair.classify import classify_text
from preserve.repair.config import AUTO, RepairConfig
from preserve.repair.context import Debris, RuleContext
from preserve.repair.edits import EditLog
from preserve.repair.lexicon import lexicon_for, resolve_language, software_versions
from preserve.repair.rules import BY_NAME, RULES, Rule

DEFAULT_CONFIG = RepairConfig()
"""The configuration of a repair given none: one immutable value, made once (a frozen
dataclass of many fields takes microseconds to make, a sixth of a short text's repair)."""


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
        without = _ContextWithoutDictionary(config)
        current = _run(BY_NAME["fix_encoding"], text, without, log, debris)
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
    chosen = [rule for rule in RULES if config.runs(rule.name)]  # in pipeline order
    if context is None and no_language and kind == "ocr":
        # no installed dictionary knows the text's language: only the rules needing none
        rules = [rule for rule in chosen if not rule.dictionary]
        rules += [rule for rule in RULES if rule.finishing]
        context = _ContextWithoutDictionary(config)
    elif context is None or kind == "born-digital":
        rules = [rule for rule in chosen if rule.born_digital]
        if context is None:
            if not no_language:
                kind, reason = "born-digital", reason + "; dictionary missing, whitespace only"
            context = _ContextWithoutDictionary(config)
    else:
        rules = chosen + [rule for rule in RULES if rule.finishing]
    if encoding_first:
        rules = [rule for rule in rules if rule.name != "fix_encoding"]
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
    name = rule.name
    steps_before = len(log.steps)
    try:
        if name != "fix_encoding":
            context.column_width(text)  # measured once, on the text as wrapped in columns
        output = rule.function(text, context)
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
        # back through the steps before this rule; a position where an earlier step
        # removed text maps to where that text began
        mapped = log.to_original([(steps_before, end) for end in ends], removal="before")
        count = len(output.debris)
        for index, found in enumerate(output.debris):
            debris.append(replace(found, start=mapped[index], end=mapped[count + index]))
    return result


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
