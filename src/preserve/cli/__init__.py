"""Command-line interface: ``preserve ingest | repair | validate | audit | handoff | report``."""

from __future__ import annotations

import importlib
import importlib.util

from preserve.cli.app import app

# Each command lives in its own module and registers itself on ``app`` when imported.
# tests/test_cli.py requires all of them to be present; a missing one must not take the
# others down with an ImportError while the tree is being built.
COMMAND_MODULES = ("ingest", "repair", "validate", "audit", "handoff", "report")
for _name in COMMAND_MODULES:
    if importlib.util.find_spec(f"preserve.cli.{_name}") is not None:
        importlib.import_module(f"preserve.cli.{_name}")


def main() -> None:
    """Console-script entry point."""
    import faulthandler

    # A crash in a native library then names the Python line of every thread at the time.
    faulthandler.enable()
    app()


__all__ = ["COMMAND_MODULES", "app", "main"]
