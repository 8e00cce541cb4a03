"""Make Prefect quiet and self-contained before it is imported.

With no server configured, Prefect runs an ephemeral API in-process (SQLite under
``$PREFECT_HOME``). For a command-line tool that must be quiet: no INFO chatter, no
telemetry lookups on an offline machine. Settings the user made explicitly win.
"""

from __future__ import annotations

import logging
import os

_QUIET_DEFAULTS = {
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # The ephemeral server has no UI to serve; starting its static files costs time.
    "PREFECT_UI_ENABLED": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    # The temporary server imports all of Prefect's server before it answers: on a busy
    # two-core machine that took more than the default 20 s.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


class _DropShutdownNoise(logging.Filter):
    """Ephemeral mode logs "Error flushing events" tracebacks at interpreter exit after many
    tasks although every result was stored (FIELD-NOTES). They say nothing a user can act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("Error flushing" in message or "EventsWorker" in message)


def quiet_prefect() -> None:
    """Call before the first ``import prefect``."""
    for name, value in _QUIET_DEFAULTS.items():
        os.environ.setdefault(name, value)
    noise = _DropShutdownNoise()
    for name in ("prefect", "prefect.events", "prefect._internal", "prefect.client", ""):
        logging.getLogger(name).addFilter(noise)
