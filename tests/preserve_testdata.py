"""Where the tests' sample data is. Import it as ``from preserve_testdata import RAW``.

(Not from ``conftest``: with several conftest.py files and --doctest-modules, which module
answers to the name ``conftest`` depends on collection order.)
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
TEST_DATA = Path(__file__).resolve().parent / "data"
MAGAZINE_OCR = "000_67441470ab27cc8a.txt"
BORN_DIGITAL = "004_a2351c820a57e3eb.txt"
