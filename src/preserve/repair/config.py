"""How a repair runs: one immutable, serialisable value (ftfy's ``TextFixerConfig`` is the model).

The configuration is recorded with every repaired text so the run can be reproduced.

>>> config = RepairConfig()
>>> config.language, config.uncurl_quotes
('auto', False)
>>> RepairConfig.from_mapping({"language": "de_DE"}).language
'de_DE'
>>> RepairConfig.from_mapping(config.to_dict()) == config
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from preserve.config import coerce_settings
from preserve.errors import ConfigError


def _every_rule() -> tuple[str, ...]:
    """Every rule's name, in pipeline order, from the one registry (:mod:`preserve.repair.rules`;
    imported when first needed: its rules import this module)."""
    from preserve.repair.rules import OCR_RULES

    return OCR_RULES


AUTO = "auto"
"""The :attr:`RepairConfig.language` that chooses the dictionary per text."""


@dataclass(frozen=True)
class RepairConfig:
    """Everything that decides what a repair does. Defaults are documented on each field."""

    language: str = AUTO
    """``auto`` (the installed Hunspell dictionary that knows the largest share of a sample
    of the text's words, per text; the choice and the shares are recorded; none when no
    dictionary knows half of them, and then only encoding and whitespace are repaired), or
    any installed Hunspell/enchant dictionary tag (``en_US``, ``de_DE``...)."""
    variants: tuple[str, ...] = ("en_GB", "en_US")
    """Dictionaries of other varieties of the language, consulted too: a word one of them
    knows is a word (British spellings in American-English text, and the other way
    round). Only those of the same language as :attr:`language` are used (for en_US,
    en_GB; for de_DE, none), and each one used must be installed."""
    rules: tuple[str, ...] = field(default_factory=_every_rule)
    """Rules to run (by name), a subset of ``preserve.repair.rules.OCR_RULES``, all of them by
    default; they always run in pipeline order."""

    # Encoding (ftfy). The author's typography is kept: quotes stay curly, widths stay.
    uncurl_quotes: bool = False
    """ftfy straightens curly quotes by default; the record keeps them."""
    fix_latin_ligatures: bool = True
    """Unfold ``ﬁ`` → ``fi``: OCR engines emit ligature glyphs the author never typed."""
    fix_character_width: bool = False
    """Full-width letters are kept (they may be the author's, e.g. in CJK text)."""
    unescape_html: bool = False
    """``&amp;`` in OCR text is left as read: it is not HTML."""
    remove_control_chars: bool = True
    """Control characters (other than tab and newline) are removed from OCR text."""
    normalization: str = "NFC"
    """Unicode normal form for OCR text (``NFC``, or ``none`` to keep it as read)."""

    # Classification: OCR is wrapped in short lines; born-digital text is not.
    min_ocr_lines: int = 4
    """Fewer non-blank lines than this: too little evidence, treated as born-digital."""
    ocr_wrapped_ratio: float = 0.5
    """Share of non-blank lines followed directly by another non-blank line to call it OCR."""
    ocr_max_median_line: int = 80
    """Median line length (characters) above which a text is not column-set OCR."""
    ocr_min_hyphenated_share: float = 0.03
    """Share of lines ending in a word hyphenated onto the next line that marks typesetting."""
    ocr_narrow_column: int = 48
    """Without hyphenation, only columns this narrow (median) whose lines mostly go on in
    lowercase are taken as OCR; wider hard-wrapped text may be born-digital (e-mail, at
    72 to 78). Magazine columns set ragged right, with no hyphens at all, run to about 48;
    of 728 born-digital text files on a Debian system, the narrowest wrapped prose that
    goes on in lowercase had a median line of 50."""
    ocr_min_prose_share: float = 0.6
    """Share of lines that read as prose (three words or more, none of ``= { } < > [ ] _ # |
    \\ ` ~ ^ @``) OCR of print needs: source code, configuration files and word lists,
    short lines that go on in lowercase, are not column-set prose."""

    # Layout.
    short_line_ratio: float = 0.6
    """A sentence-ending line shorter than this share of the column ends a paragraph."""
    wide_line_ratio: float = 1.5
    """A line this many times wider than the column is not body text (caption, deck)."""
    indent_columns: int = 2
    """Lines indented this much or more are set apart from the body (pull quotes)."""
    max_debris_words: int = 12
    """Captions and credits taken out of the body are at most this many words."""
    max_running_head_words: int = 3
    """A lone indented line at the top of a page of at most this many words is a running head."""

    # Words.
    small_caps_min_share: float = 0.4
    """Share of words in case soup (``THe eArly``) for a paragraph to be small caps read wrongly."""
    small_caps_min_words: int = 3
    """And at least this many such words."""
    compound_min_part: int = 3
    """A line-end hyphen between two dictionary words this long each is a real compound."""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RepairConfig:
        """Build from a TOML table or :meth:`to_dict` output; refuse what is not understood."""
        values = coerce_settings(cls, data, "[repair]")
        config = cls(**values)
        every_rule = _every_rule()
        bad_rules = [rule for rule in config.rules if rule not in every_rule]
        if bad_rules:
            raise ConfigError(
                f"Unknown repair rule(s) {bad_rules}: choose from {', '.join(every_rule)}."
            )
        if config.normalization not in ("NFC", "NFD", "NFKC", "NFKD", "none"):
            raise ConfigError(
                "Repair setting 'normalization' must be NFC, NFD, NFKC, NFKD or none."
            )
        for tag in (config.language, *config.variants):
            if not tag.replace("_", "").replace("-", "").isalnum():
                raise ConfigError(f"Repair language {tag!r} is not a dictionary tag like en_US.")
        return config

    def dictionary_variants(self) -> tuple[str, ...]:
        """The :attr:`variants` of the repair language itself (same language, other region).

        >>> RepairConfig(language="en_US").dictionary_variants()
        ('en_GB',)
        >>> RepairConfig(language="de_DE").dictionary_variants()
        ()
        """
        language = self.language.replace("-", "_").split("_")[0].lower()
        return tuple(
            tag
            for tag in self.variants
            if tag != self.language and tag.replace("-", "_").split("_")[0].lower() == language
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, recorded with the repaired text."""
        data = {field.name: getattr(self, field.name) for field in fields(self)}
        data["rules"] = list(self.rules)
        return data

    def runs(self, rule: str) -> bool:
        return rule in self.rules
