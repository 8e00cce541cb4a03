"""OCR repair: precise, explained, reversible.

>>> from preserve.repair import repair, undo
>>> result = repair("A short line\\n")
>>> undo(result.text, result.log)
'A short line\\n'
"""

from preserve.repair.config import RepairConfig
from preserve.repair.context import Debris
from preserve.repair.edits import Edit, EditLog, Step
from preserve.repair.engine import RepairResult, repair, undo
from preserve.repair.rules import OCR_RULES

__all__ = [
    "OCR_RULES",
    "Debris",
    "Edit",
    "EditLog",
    "RepairConfig",
    "RepairResult",
    "Step",
    "repair",
    "undo",
]
