"""Command-line interface: ``preserve ingest | repair | validate | audit``."""

from __future__ import annotations

import importlib

from preserve.cli.app import app

# Each command lives in its own module and registers itself on ``app`` when imported.
COMMAND_MODULES = ("ingest", "repair", "validate", "audit")
for _name in COMMAND_MODULES:
    importlib.import_module(f"preserve.cli.{_name}")


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
