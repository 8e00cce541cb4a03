"""Shared test set-up.

Prefect must never write to the developer's ~/.prefect nor talk to a server it finds in
the environment: every test session gets its own PREFECT_HOME, set before anything
imports prefect.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="preserve-tests-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.pop("PREFECT_API_URL", None)
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PRESERVE_CONFIG", None)

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
TEST_DATA = Path(__file__).resolve().parent / "data"
MAGAZINE_OCR = "000_67441470ab27cc8a.txt"
BORN_DIGITAL = "004_a2351c820a57e3eb.txt"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A private copy of the sample collection, so no test can touch raw/."""
    target = tmp_path / "raw"
    target.mkdir()
    for item in sorted(RAW.iterdir()):
        if item.is_file():
            shutil.copyfile(item, target / item.name)
    return target


@pytest.fixture
def magazine_text() -> str:
    return (RAW / MAGAZINE_OCR).read_text(encoding="utf-8")


@pytest.fixture
def born_digital_text() -> str:
    return (RAW / BORN_DIGITAL).read_text(encoding="utf-8")


@pytest.fixture
def in_tmp_dir(tmp_path: Path) -> Iterator[Path]:
    """Run the test from an empty working directory (no preserve.toml is found)."""
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)
