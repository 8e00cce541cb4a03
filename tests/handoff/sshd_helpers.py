"""A real OpenSSH server on 127.0.0.1, started by the tests: throwaway host and user keys,
a free port, the SFTP subsystem, logins by key only."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


@dataclass(frozen=True)
class Sshd:
    port: int
    user: str
    identity: Path
    known_hosts: Path
    folder: Path

    def url(self, path: Path | str) -> str:
        return f"sftp://{self.user}@127.0.0.1:{self.port}{path}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def keygen(path: Path) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(path)], check=True
    )
    path.chmod(0o600)
    return path


def start_sshd(folder: Path) -> tuple[subprocess.Popen[bytes], Sshd]:
    """sshd on a free port of 127.0.0.1 with fresh keys in ``folder``; raises when it
    does not come up within 10 s."""
    host_key = keygen(folder / "host_ed25519")
    user_key = keygen(folder / "user_ed25519")
    (folder / "authorized_keys").write_text((folder / "user_ed25519.pub").read_text())
    (folder / "authorized_keys").chmod(0o600)
    port = free_port()
    host_public = (folder / "host_ed25519.pub").read_text().split()
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_public[0]} {host_public[1]}\n")
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
        f"PidFile {folder / 'sshd.pid'}\nAuthorizedKeysFile {folder / 'authorized_keys'}\n"
        "StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\nLogLevel ERROR\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation dir
    server = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                _out, error = server.communicate()
                raise RuntimeError(
                    f"sshd did not start: {error.decode(errors='replace')}"
                ) from None
            time.sleep(0.05)
    return server, Sshd(port, getpass.getuser(), user_key, folder / "known_hosts", folder)


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    if not os.path.exists(SSHD):
        pytest.skip("OpenSSH's sshd is not installed (scripts/bootstrap.sh --tests installs it)")
    try:
        server, details = start_sshd(tmp_path_factory.mktemp("sshd"))
    except RuntimeError as error:
        pytest.fail(str(error))
    try:
        yield details
    finally:
        server.terminate()
        server.wait(timeout=10)
