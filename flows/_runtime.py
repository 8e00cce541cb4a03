"""Make Prefect quiet and self-contained before it is imported.

Commands run their flows against preserve's local Prefect server (``preserve_flows._server``); tests
and library callers may still use Prefect's ephemeral mode. For a command-line tool that must
be quiet: no INFO chatter, no telemetry lookups on an offline machine. Settings the user made
explicitly win. :func:`run_flow` makes a flow stoppable by SIGINT and SIGTERM;
:func:`task_runner` is the one place the ingest and the audit get their task runner from.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:  # this module is imported before Prefect, and must not import it
    from prefect.task_runners import TaskRunner

T = TypeVar("T")

_QUIET_DEFAULTS = {
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # Prefect 3.9's client sends usage events of its own unless told not to: an archive's
    # tool works offline and reports to no one.
    "DO_NOT_TRACK": "1",
    # The ephemeral server has no UI to serve; starting its static files costs time.
    "PREFECT_UI_ENABLED": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    # The temporary server imports all of Prefect's server before it answers: on a busy
    # two-core machine that took more than the default 20 s.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    # Dask's distributed logs at INFO to stderr whatever Prefect's level, and a local
    # cluster closing under load logs a comm it closed with its traceback ("Batched Comm
    # Closed"): noise at the end of a good run. Warnings and errors still show. Worker
    # processes inherit it from the environment.
    "DASK_LOGGING__DISTRIBUTED": "warning",
}


class _DropShutdownNoise(logging.Filter):
    """Ephemeral mode logs "Error flushing events" tracebacks at interpreter exit after many
    tasks although every result was stored (seen with Prefect 3.8 here: the events were
    recorded, only the last flush raced the shutdown). They say nothing a user can act on."""

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


# -- running a flow from a command ----------------------------------------------------------

SIGNAL_EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


@dataclass
class Stop:
    """The signal that asked a command to stop, if one did."""

    signal: signal.Signals | None = None

    @property
    def exit_code(self) -> int | None:
        return SIGNAL_EXIT_CODES[self.signal] if self.signal is not None else None


def use_local_server() -> None:
    """Run this command's flows against preserve's local Prefect server (see
    :mod:`preserve_flows._server`); call before importing Prefect."""
    from preserve_flows import _server

    try:
        _server.use()
    except OSError as error:
        raise RuntimeError(
            f"Prefect's home {_server.prefect_home()} cannot be used ({error}); "
            "set PREFECT_HOME to a writable folder"
        ) from None


def run_flow(call: Callable[[], T], stop_requested: threading.Event, stop: Stop) -> T:
    """Run ``call`` (a flow), stoppable.

    The first SIGINT or SIGTERM sets ``stop_requested`` (the flow finishes the items in hand
    and returns what it did) and is remembered in ``stop``; a second one stops at once. The
    flow runs in a thread of its own with SIGINT blocked, so Prefect installs no handlers of
    its own and worker processes it starts never see a Ctrl-C meant for the command.
    """
    result: dict[str, Any] = {}

    def target() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            result["value"] = call()
        except BaseException as error:  # handed to the main thread, raised there
            result["error"] = error

    def on_signal(number: int, _frame: Any) -> None:
        if stop.signal is not None:  # asked twice: stop now
            raise SystemExit(SIGNAL_EXIT_CODES[signal.Signals(number)])
        stop.signal = signal.Signals(number)
        stop_requested.set()

    stop_requested.clear()
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {}
    if in_main_thread:
        previous = {number: signal.signal(number, on_signal) for number in SIGNAL_EXIT_CODES}
    worker = threading.Thread(target=target, name="preserve-flow", daemon=True)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if "error" in result:
        raise result["error"]
    return cast(T, result["value"])


# -- task runners -----------------------------------------------------------------------------


def cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def task_runner(runner: str = "threads", dask_address: str = "") -> TaskRunner[Any]:
    """The task runner for ``runner``: ``threads`` (two, in this process), ``processes``
    (one worker process per core) or ``dask`` (a local cluster of one single-threaded worker
    process per core, or the existing cluster at ``dask_address``). Shared by the ingest and
    the audit, so ``[ingest] runner`` means the same for both."""
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    from preserve.config import RUNNERS
    from preserve.errors import ConfigError

    if runner == "processes":
        return ProcessPoolTaskRunner(max_workers=cores(), initializer=_quiet_worker)
    if runner == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": max(2, cores()),
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            }
        )
    if runner != "threads":
        raise ConfigError(f"runner {runner!r} is not one of {', '.join(RUNNERS)}.")
    return ThreadPoolTaskRunner(max_workers=2)


def _quiet_worker() -> None:
    """Ctrl-C at a terminal reaches every process of the group: a worker must finish its
    batch, the command decides when to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def check_dask_address(address: str, timeout: float = 5.0) -> None:
    """Refuse, before Prefect starts, a Dask scheduler that does not answer: the run would
    otherwise wait 30 s and end in a traceback. Only ``tcp://`` and ``tls://`` addresses
    are tried; others are left to Dask."""
    from urllib.parse import urlsplit

    from preserve.errors import ConfigError

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls"):
        return
    try:
        host, port = parts.hostname, parts.port or 8786
    except ValueError:
        raise ConfigError(
            f"--dask-address {address} has no valid port: give tcp://host:8786."
        ) from None
    if not host:
        raise ConfigError(f"--dask-address {address} names no host: give tcp://host:8786.")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(
            f"The Dask scheduler at {address} does not answer ({reason}): start it, or give "
            "another --dask-address."
        ) from None
