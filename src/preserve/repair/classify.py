"""Tell OCR from born-digital text by its layout alone.

OCR of printed columns comes as short lines, most of them followed directly by another
line of the same paragraph. Born-digital text keeps a paragraph on one long line. The
measure ignores trailing whitespace and how many blank lines separate blocks, so a
whitespace-normalised text is classified as its original was, and a repaired OCR text
(one paragraph per line) reads as born-digital: repairing it again changes nothing.

>>> columns = ("The very next day the world saw\\nvideo footage made at the scene\\n"
...            "by a TV journalist who then\\nflew over the town again.\\n")
>>> classify_text(columns)[0]
'ocr'
>>> classify_text("One paragraph on one line.\\n\\nAnother one.\\n")[0]
'born-digital'
"""

from __future__ import annotations

import statistics
from typing import Literal

from preserve.repair.config import RepairConfig

Kind = Literal["ocr", "born-digital"]


def classify_text(text: str, config: RepairConfig | None = None) -> tuple[Kind, str]:
    """Return ``("ocr" | "born-digital", reason)``."""
    config = config or RepairConfig()
    lines = text.split("\n")
    lengths: list[int] = []
    wrapped = 0
    previous_blank = True
    for line in lines:
        stripped = line.rstrip()
        blank = not stripped.strip()
        if not blank:
            lengths.append(len(stripped.strip()))
            if not previous_blank:
                wrapped += 1
        previous_blank = blank
    count = len(lengths)
    if count < config.min_ocr_lines:
        return "born-digital", f"only {count} non-blank line(s): too little to call it OCR"
    share = wrapped / count
    median = statistics.median(lengths)
    facts = f"{count} lines, median length {median:g}, {share:.0%} run on from the line before"
    if share >= config.ocr_wrapped_ratio and median <= config.ocr_max_median_line:
        return "ocr", f"column-set text: {facts}"
    return "born-digital", f"not wrapped in columns: {facts}"
