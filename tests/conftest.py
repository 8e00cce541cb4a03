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

from preserve.catalog import Catalog

_PREFECT_HOME = tempfile.mkdtemp(prefix="preserve-tests-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.pop("PREFECT_API_URL", None)
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PRESERVE_CONFIG", None)
# Command output is checked for whole paths: a wide, fixed console (rich reads COLUMNS when
# the CLI's console is made) keeps tables from folding them at the pytest worker's whim.
os.environ["COLUMNS"] = "200"

from preserve_testdata import BORN_DIGITAL, MAGAZINE_OCR, RAW, ROOT, TEST_DATA  # noqa: E402

__all__ = ["BORN_DIGITAL", "MAGAZINE_OCR", "RAW", "ROOT", "TEST_DATA"]


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


# -- shared by the ingest and audit tests (one conftest.py only: with --doctest-modules, a
# second module named conftest shadows this one for every `from conftest import`) ----------


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Where a test's packages go."""
    return tmp_path / "packages"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Catalog]:
    """A real SQLite catalog in an empty packages folder."""
    packages = tmp_path / "packages"
    packages.mkdir()
    catalog = Catalog.open(packages / ".catalog.sqlite")
    yield catalog
    catalog.close()


@pytest.fixture
def packages(store: Catalog) -> Path:
    return store.path.parent


@pytest.fixture
def three(store: Catalog, packages: Path) -> dict[str, Path]:
    """Three good packages: a, b, c (tests/audit is on sys.path for the audit tests)."""
    from audit_helpers import make_package  # type: ignore[import-not-found]

    return {name: make_package(packages, store, name) for name in ("a", "b", "c")}
