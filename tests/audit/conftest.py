"""Fixtures for audit tests: a real SQLite catalog and three good packages in tmp_path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_helpers import make_package

from preserve.catalog import Catalog

# Prefect waits 20 s for its ephemeral server; on two busy cores (the whole suite, or other
# work beside it) the first start has been seen to take longer. Patience, not failure.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Catalog]:
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
    """Three good packages: a, b, c."""
    return {name: make_package(packages, store, name) for name in ("a", "b", "c")}
