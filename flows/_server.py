"""The local Prefect server preserve's commands run their flows against.

Prefect's own ephemeral mode starts a temporary server (~10 s) in every command, as a child
that shares the command's process group and pipes: Ctrl-C killed it under a running flow
(httpx tracebacks), and a command that died of a native crash left it running, orphaned,
holding the caller's pipes. Here the server is a process of its own that never holds the
caller's pipes (its output goes to a log under ``$PREFECT_HOME``) and always knows when to go:

- ``background`` (the default): the first command starts it and later commands reuse it
  (``preserve-server.json`` under ``$PREFECT_HOME`` names its pid and port; a client checks
  its health before use). It stops itself once no command has used it for ``idle`` seconds
  (``PRESERVE_SERVER_IDLE``, 600 by default). A server found dead or unhealthy is cleaned up
  and replaced. Its database is Prefect's default one under ``$PREFECT_HOME``, so
  ``prefect server start`` shows every run it kept.
- ``temporary`` (``PRESERVE_PREFECT_SERVER=temporary``): one command's own server, stopped
  when the command ends; it also stops by itself within a second of its owner dying
  (``kill -9`` included).

An explicit ``PREFECT_API_URL`` always wins: none of this runs then.

Run as ``python -m preserve_flows._server --home H (--idle S | --owner PID)``; commands use
:func:`use`.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from preserve.bagging import process_alive

STATE = "preserve-server.json"
LOCK = "preserve-server.lock"
CLIENTS = "preserve-server-clients"
LAST_USED = "preserve-server.last-used"
LOG = "preserve-server.log"
MARK = "preserve_flows._server"
"""On the server's command line: a pid found in a state file is only signalled if its
command line carries this (a recycled pid is someone else's process)."""

DEFAULT_IDLE = 600.0
START_TIMEOUT = 180.0


def prefect_home() -> Path:
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()


# -- the server process ---------------------------------------------------------------------


def serve(home: Path, *, idle: float | None, owner: int | None) -> None:
    """Serve Prefect's API on a free loopback port until idle, or until ``owner`` is gone."""
    import uvicorn

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        "prefect.server.api.server:create_app",
        factory=True,
        log_level="error",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    state = home / (STATE if owner is None else f"preserve-server-{os.getpid()}.json")
    _write_json(state, {"pid": os.getpid(), "port": port, "owner": owner})

    def done() -> bool:
        if owner is not None:
            return not process_alive(owner)
        # Its home removed (a test session's): nothing is left to keep.
        return not home.is_dir() or (idle is not None and _idle_for(home) > idle)

    def forget() -> None:
        with contextlib.suppress(OSError):
            if _read_state(state).get("pid") == os.getpid():
                state.unlink()

    def watch() -> None:
        while not done():
            time.sleep(0.5)
        server.should_exit = True
        # Still importing Prefect's server, or stuck: nothing it holds needs a goodbye (the
        # database is SQLite, transactional).
        time.sleep(5)
        forget()
        os._exit(0)

    threading.Thread(target=watch, name="preserve-server-watch", daemon=True).start()
    try:
        server.run(sockets=[listener])
    finally:
        forget()


def _idle_for(home: Path) -> float:
    """Seconds since a command last used the server; 0 while one is using it."""
    clients = home / CLIENTS
    with contextlib.suppress(OSError):
        for entry in clients.iterdir():
            if entry.name.isdigit() and process_alive(int(entry.name)):
                return 0.0
            with contextlib.suppress(OSError):
                entry.unlink()  # a client that died without saying goodbye
    try:
        return time.time() - (home / LAST_USED).stat().st_mtime
    except OSError:
        return float("inf")


# -- commands: find, start, use ----------------------------------------------------------------


@dataclass
class Server:
    url: str
    pid: int
    process: subprocess.Popen[bytes] | None = None
    """Set when this process started the server (``temporary``, or a fresh background one)."""


def mode() -> str:
    chosen = os.environ.get("PRESERVE_PREFECT_SERVER", "background").strip().lower()
    return chosen if chosen in ("background", "temporary") else "background"


def idle_seconds() -> float:
    try:
        return float(os.environ.get("PRESERVE_SERVER_IDLE", DEFAULT_IDLE))
    except ValueError:
        return DEFAULT_IDLE


LOCAL_URL = "PRESERVE_LOCAL_API_URL"
"""Set beside ``PREFECT_API_URL`` when that URL is preserve's own server, not the user's."""

_atexit: list[Server] = []


def use() -> str | None:
    """Point this process's Prefect at preserve's local server, started or reused as
    :func:`mode` says, and return its URL; None when the user's own ``PREFECT_API_URL``
    applies. Call before Prefect is imported, so that every part of it (the flow run, its log
    and event workers, their flushes at exit) talks to this server: one that Prefect would
    start by itself at exit would outlive the command.

    This process counts as the background server's client until it exits; a temporary
    server is stopped at exit, after Prefect's own exit handlers have flushed.
    """
    explicit = os.environ.get("PREFECT_API_URL")
    if explicit and explicit != os.environ.get(LOCAL_URL):
        return None
    home = prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    if explicit and (_atexit or mode() == "background") and _healthy(explicit):
        return explicit  # this process attached already, and the server still answers
    if mode() == "temporary":
        server = _start(home, ["--owner", str(os.getpid())])
        if not _atexit:
            atexit.register(_stop_at_exit)
        _atexit.append(server)
    else:
        client = home / CLIENTS / str(os.getpid())
        client.parent.mkdir(exist_ok=True)
        client.touch()
        atexit.register(_release, home, client)
        server = ensure_background(home)
    os.environ["PREFECT_API_URL"] = os.environ[LOCAL_URL] = server.url
    if "prefect.context" in sys.modules:  # imported already (a test session): tell it too
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()
    return server.url


def _release(home: Path, client: Path) -> None:
    """The end of this process's use of the background server: its idle time starts now."""
    with contextlib.suppress(OSError):
        (home / LAST_USED).touch()
        client.unlink()


def _stop_at_exit() -> None:
    while _atexit:
        stop(_atexit.pop())


def ensure_background(home: Path) -> Server:
    """The running background server, or a new one (a dead or hung one is cleaned up)."""
    with _locked(home):
        found = running(home)
        if found is not None:
            return found
        _clean_up(home)
        (home / LAST_USED).touch()
        return _start(home, ["--idle", str(idle_seconds())])


def running(home: Path) -> Server | None:
    """The background server named in the state file, if it answers."""
    state = _read_state(home / STATE)
    pid, port = state.get("pid"), state.get("port")
    if not isinstance(pid, int) or not isinstance(port, int) or not _is_server(pid):
        return None
    url = f"http://127.0.0.1:{port}/api"
    return Server(url, pid) if _healthy(url) else None


def stop(server: Server, timeout: float = 10.0) -> None:
    """Stop a server and wait for it to be gone."""
    if server.process is not None:
        with contextlib.suppress(ProcessLookupError):
            server.process.terminate()
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
        return
    if _is_server(server.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while process_alive(server.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if process_alive(server.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.pid, signal.SIGKILL)


def stop_background(home: Path | None = None) -> None:
    """Stop the background server of ``home`` (``$PREFECT_HOME``), if one runs."""
    home = home or prefect_home()
    pid = _read_state(home / STATE).get("pid")
    if isinstance(pid, int):
        stop(Server("", pid))
    with contextlib.suppress(OSError):
        (home / STATE).unlink()


def _clean_up(home: Path) -> None:
    """A state file whose server is dead or does not answer: end it, forget it."""
    if (home / STATE).exists():
        stop_background(home)


def _start(home: Path, arguments: list[str]) -> Server:
    """Start a server process detached from this command's session and pipes, and wait
    until it answers."""
    log = open(home / LOG, "ab")  # noqa: SIM115 - handed to the child, closed below
    environment = {
        **os.environ,
        "PREFECT_UI_ENABLED": "false",
        "PREFECT__SERVER_EPHEMERAL": "1",  # API only: no UI, no background services
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    environment.pop("PREFECT_API_URL", None)
    root = str(Path(__file__).resolve().parent.parent)
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (root, environment.get("PYTHONPATH")) if p
    )
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", MARK, "--home", str(home), *arguments],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=environment,
            start_new_session=True,  # Ctrl-C at the terminal is the command's, not the server's
        )
    finally:
        log.close()
    state_file = home / (STATE if "--idle" in arguments else f"preserve-server-{process.pid}.json")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        state = _read_state(state_file)
        if state.get("pid") == process.pid and isinstance(state.get("port"), int):
            url = f"http://127.0.0.1:{state['port']}/api"
            if _healthy(url):
                return Server(url, process.pid, process)
        time.sleep(0.1)
    if process.poll() is None:
        process.kill()
        process.wait()
    raise RuntimeError(
        f"the local Prefect server did not start (see {home / LOG}); Prefect could not run the flow"
    )


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    """One command at a time decides whether to start the background server."""
    with open(home / LOCK, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except (OSError, ValueError):
        return False


def _is_server(pid: int) -> bool:
    """Alive and one of ours (a recycled pid is never signalled)."""
    if not process_alive(pid):
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return MARK.encode() in cmdline.read()
    except OSError:
        return False


def _read_state(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict[str, object]) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temporary, path)


def main() -> None:
    parser = argparse.ArgumentParser(description="preserve's local Prefect server")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--idle", type=float, help="stop after this many idle seconds")
    parser.add_argument("--owner", type=int, help="stop when this process is gone")
    arguments = parser.parse_args()
    from preserve_flows._runtime import quiet_prefect

    quiet_prefect()
    serve(arguments.home, idle=arguments.idle, owner=arguments.owner)


if __name__ == "__main__":
    main()
