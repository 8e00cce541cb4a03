"""Command-line interface: ``preserve ingest | repair | validate | audit | handoff | report``."""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import sys
import threading
from typing import NoReturn

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
    try:
        app()
    except SystemExit as done:
        finish(done.code)
    finish(0)


def finish(code: object) -> NoReturn:
    """End the process as the interpreter would, less its teardown of every object.

    Threads that are not daemons are joined and every exit handler runs (Prefect's event and
    log flushes, logging's, tempfile's, multiprocessing's), then the output is flushed, and
    the process ends. Freeing Prefect's, pydantic's and enchant's objects one by one took
    ~0.5 s of a repeated ``preserve ingest``'s 3.6 s (median of 5, against the background
    server) and does nothing for the user: preserve closes its files and the catalog where
    it writes them, never in a finalizer. ``code`` is a ``SystemExit`` code (None, a
    number, or a message printed to stderr with status 1).
    """
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    status = 0 if code is None else code if isinstance(code, int) else 1
    if not isinstance(code, int | None):
        print(code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing left to show anyway
            stream.flush()
    os._exit(status)


__all__ = ["COMMAND_MODULES", "app", "finish", "main"]
