"""Encoding rules: mojibake, control characters, ligatures, normal form (ftfy), soft hyphens.

ftfy is told to keep the author's typography: curly quotes stay curly, full-width
letters stay, ``&amp;`` stays (see :class:`~preserve.repair.config.RepairConfig`).

>>> from preserve.repair.context import preview
>>> preview(fix_encoding, "cafÃ© “quoted” ﬁne\\n")
'café “quoted” fine\\n'
>>> preview(remove_soft_hyphens, "hyphen\\xad\\nation and ma\\xadgic")
'hyphenation and magic'
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

from preserve.repair.config import RepairConfig
from preserve.repair.context import RuleContext, RuleOutput

SUSPECT = "\x00-\x08\x0b-\x1f\x7f-\xff\ud800-\udfff\ufb00-\ufb06\ufffd"
"""Characters without which ftfy has nothing to fix: controls, the Latin-1 range every
UTF-8 mojibake sequence starts with, surrogates, ligatures, the replacement character."""
SUSPECT_CHAR = re.compile(rf"[{SUSPECT}]")
WIDE = "\uff00-\uffef"
SOFT_HYPHEN = re.compile("\u00ad(?:[ \t]*\n[ \t]*)?")


def ftfy_config(config: RepairConfig) -> ftfy.TextFixerConfig:
    """The ftfy settings a repair uses, derived from the repair configuration."""
    return ftfy.TextFixerConfig(
        unescape_html=config.unescape_html,
        uncurl_quotes=config.uncurl_quotes,
        fix_latin_ligatures=config.fix_latin_ligatures,
        fix_character_width=config.fix_character_width,
        remove_control_chars=config.remove_control_chars,
        fix_line_breaks=False,
        normalization=None if config.normalization == "none" else config.normalization,  # type: ignore[arg-type]
        explain=False,
    )


def fix_encoding(text: str, context: RuleContext) -> RuleOutput:
    """Fix mojibake and friends line by line with ftfy; one edit per changed line."""
    output = RuleOutput()
    config = context.config
    settings = ftfy_config(config)
    if config.normalization != "none" and not unicodedata.is_normalized(
        config.normalization,  # type: ignore[arg-type]
        text,
    ):
        suspects = re.compile(r"[^\n]+").finditer(text)
    elif config.fix_character_width:
        suspects = re.compile(rf"[{SUSPECT}{WIDE}]").finditer(text)
    else:
        suspects = SUSPECT_CHAR.finditer(text)
    done = -1
    for suspect in suspects:
        if suspect.start() < done:
            continue
        line_start = text.rfind("\n", 0, suspect.start()) + 1
        line_end = text.find("\n", suspect.start())
        line_end = len(text) if line_end < 0 else line_end
        done = line_end
        line = text[line_start:line_end]
        fixed = ftfy.fix_text(line, settings)
        if fixed == line:
            continue
        prefix = 0
        limit = min(len(line), len(fixed))
        while prefix < limit and line[prefix] == fixed[prefix]:
            prefix += 1
        suffix = 0
        while (
            suffix < limit - prefix
            and line[len(line) - 1 - suffix] == fixed[len(fixed) - 1 - suffix]
        ):
            suffix += 1
        start, end = line_start + prefix, line_end - suffix
        output.edit(
            "fix_encoding",
            text,
            start,
            end,
            fixed[prefix : len(fixed) - suffix],
            "encoding repaired by ftfy (mojibake, control characters, ligatures, normal form)",
        )
    return output


def remove_soft_hyphens(text: str, context: RuleContext) -> RuleOutput:
    """Remove soft hyphens; one at a line end joins the word it split."""
    output = RuleOutput()
    for match in SOFT_HYPHEN.finditer(text):
        reason = (
            "soft hyphen at a line end joins its word"
            if "\n" in match.group()
            else ("soft hyphen (invisible break hint)")
        )
        output.edit("remove_soft_hyphens", text, match.start(), match.end(), "", reason)
    return output
