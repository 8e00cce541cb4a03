"""Command-line interface: ``preserve ingest | repair | validate | audit | handoff | report``."""

from __future__ import annotations

import importlib

from preserve.cli.app import app

# Each command lives in its own module and registers itself on ``app`` when imported, in
# this order: the order ``preserve --help`` lists them in (an import statement would be
# sorted by name). tests/ingest/test_ingest_cli.py checks that each is listed.
COMMAND_MODULES = ("ingest", "repair", "validate", "audit", "handoff", "report")
for _name in COMMAND_MODULES:
    importlib.import_module(f"preserve.cli.{_name}")


def main() -> None:
    """Console-script entry point."""
    import faulthandler

    # A crash in a native library then names the Python line of every thread at the time.
    faulthandler.enable()
    app()


__all__ = ["COMMAND_MODULES", "app", "main"]
