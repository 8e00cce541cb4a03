"""The repair rules, one small pure function each: ``rule(text, context) -> RuleOutput``.

:data:`RULES` is the one registry of them, in pipeline order: each rule's name (as the edit
log, the configuration and the review page spell it), its function, what it does in one
sentence for readers of the review page, and whether it runs on born-digital text and once
more at the end of an OCR repair. A new rule is a module here and one line in :data:`RULES`.

>>> OCR_RULES[:2], BORN_DIGITAL_RULES
(('fix_encoding', 'remove_soft_hyphens'), ('strip_trailing_whitespace', 'collapse_blank_lines'))
>>> BY_NAME["collapse_spaces"].description
'Reduces runs of spaces to one.'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from preserve.repair.context import RuleContext, RuleOutput
from preserve.repair.rules.debris import remove_layout_debris
from preserve.repair.rules.encoding import fix_encoding, remove_soft_hyphens
from preserve.repair.rules.headings import fix_drop_caps, restore_small_caps
from preserve.repair.rules.hyphenation import join_line_end_hyphens
from preserve.repair.rules.interruptions import move_interrupting_blocks
from preserve.repair.rules.reflow import reflow_paragraphs
from preserve.repair.rules.whitespace import (
    collapse_blank_lines,
    collapse_spaces,
    remove_space_before_punctuation,
    strip_trailing_whitespace,
)
from preserve.repair.rules.words import join_split_words


@dataclass(frozen=True)
class Rule:
    """One repair rule and what the engine, the configuration and the review page need of it."""

    name: str
    function: Callable[[str, RuleContext], RuleOutput]
    description: str
    """What the rule does, in one sentence, for readers who never saw the code."""
    born_digital: bool = False
    """Runs on born-digital text too (its words, quotes and spacing are the record: only
    whitespace rules do)."""
    finishing: bool = False
    """Runs once more at the end of an OCR repair, whatever the configuration, so the output
    is in its final form."""
    dictionary: bool = True
    """Weighs words against a dictionary: left out when no installed dictionary knows the
    text's language (``auto`` found none)."""


RULES: tuple[Rule, ...] = (
    Rule(
        "fix_encoding",
        fix_encoding,
        "Repairs encoding damage (mojibake, control characters, Unicode form) with ftfy, "
        "keeping curly quotes and the author's typography.",
        dictionary=False,
    ),
    Rule(
        "remove_soft_hyphens",
        remove_soft_hyphens,
        "Removes invisible soft hyphens left by the typesetting.",
    ),
    Rule(
        "strip_trailing_whitespace",
        strip_trailing_whitespace,
        "Removes spaces at the ends of lines.",
        born_digital=True,
        finishing=True,
        dictionary=False,
    ),
    Rule(
        "collapse_blank_lines",
        collapse_blank_lines,
        "Reduces runs of blank lines to one.",
        born_digital=True,
        finishing=True,
        dictionary=False,
    ),
    Rule(
        "remove_layout_debris",
        remove_layout_debris,
        "Takes page numbers, running heads and feet, captions and credits out of the body; "
        "they are listed under Removed debris.",
    ),
    Rule(
        "move_interrupting_blocks",
        move_interrupting_blocks,
        "Moves a pull quote or deck that interrupted a sentence to the next paragraph break, "
        "so the sentence reads whole.",
    ),
    Rule(
        "fix_drop_caps",
        fix_drop_caps,
        "Rejoins a large first letter (drop cap) to the rest of its word.",
    ),
    Rule(
        "join_split_words",
        join_split_words,
        "Rejoins a word split by a space, when the whole word is known and its parts are not.",
    ),
    Rule(
        "join_line_end_hyphens",
        join_line_end_hyphens,
        "Joins a word hyphenated at a line end; real hyphens (compounds, ranges) stay.",
    ),
    Rule(
        "reflow_paragraphs",
        reflow_paragraphs,
        "Joins the lines of one paragraph into one line; a column break is not a paragraph break.",
    ),
    Rule(
        "restore_small_caps",
        restore_small_caps,
        "Restores normal case to text set in small capitals, keeping proper nouns capitalised.",
    ),
    Rule(
        "remove_space_before_punctuation",
        remove_space_before_punctuation,
        "Removes a space before punctuation or an apostrophe.",
    ),
    Rule("collapse_spaces", collapse_spaces, "Reduces runs of spaces to one."),
)
"""Every rule, in pipeline order."""

BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}
OCR_RULES: tuple[str, ...] = tuple(rule.name for rule in RULES)
"""Every rule's name, in pipeline order (the default of ``RepairConfig.rules``)."""
BORN_DIGITAL_RULES: tuple[str, ...] = tuple(rule.name for rule in RULES if rule.born_digital)
"""The only rules a born-digital text gets."""
NO_DICTIONARY_RULES: tuple[str, ...] = tuple(rule.name for rule in RULES if not rule.dictionary)
"""The only rules OCR gets when no installed dictionary knows its language (``auto`` found
none): every other rule weighs words against a dictionary."""
