"""An SFTP destination: ``sftp://[user@]host[:port]/absolute/path``, through paramiko.

Keys only, unless a password is handed in (the command reads it from an environment
variable or a prompt, never from the config or the command line): ``--identity`` when
given, else the SSH agent and the keys in ``~/.ssh``. The server's host key must already
be in ``--known-hosts`` (or ``~/.ssh/known_hosts``): an unknown or changed key is refused,
never accepted silently. On the server, as on a local folder, a package is written under a
temporary name, read back and re-hashed, then renamed (the SFTP rename never replaces).
"""

from __future__ import annotations

import getpass
import logging
import posixpath
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import paramiko

from preserve.handoff.core import (
    Delivery,
    DeliveryError,
    DestinationAddress,
    Package,
    StoreDestination,
)

# paramiko's transport thread logs a dropped connection ("Socket exception: ...") at ERROR;
# with no handler of the application's, Python's last-resort handler prints it to stderr in
# the middle of the command's output. preserve reports the failure itself, in one sentence;
# an application that configures logging still receives paramiko's records.
logging.getLogger("paramiko").addHandler(logging.NullHandler())

TIMEOUT = 20.0
"""Seconds to wait for the server to answer, to show its banner, and to authenticate."""
WINDOW = 16 << 20
"""SSH channel window: paramiko's default (2 MiB) starves a fast link while waiting for acks."""


def _write_failed(name: str, what: str) -> DeliveryError:
    # OpenSSH's server turns ENOSPC (and much else) into a bare "Failure".
    return DeliveryError(
        f"the server failed to write {name} ({what}; SFTP gives no reason, most often its "
        "disk is full): free space there, then rerun"
    )


class SftpStore:
    """:class:`~preserve.handoff.core.Store` over an SFTP session."""

    def __init__(self, client: paramiko.SSHClient, sftp: paramiko.SFTPClient, root: str) -> None:
        self.client = client
        self.sftp = sftp
        self.root = root
        self.can_fsync = True

    def _path(self, name: str) -> str:
        return posixpath.join(self.root, name) if name else self.root

    def _lstat(self, name: str) -> paramiko.SFTPAttributes | None:
        try:
            return self.sftp.lstat(self._path(name))
        except FileNotFoundError:
            return None

    def exists(self, name: str) -> bool:
        return self._lstat(name) is not None

    def is_dir(self, name: str) -> bool:
        attributes = self._lstat(name)
        return attributes is not None and stat.S_ISDIR(attributes.st_mode or 0)

    def makedirs(self, name: str) -> None:
        path = self._path(name)
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            folder = "/" + "/".join(parts[:depth])
            try:
                attributes = self.sftp.lstat(folder)
            except FileNotFoundError:
                self.sftp.mkdir(folder)
                continue
            if not stat.S_ISDIR(attributes.st_mode or 0):
                raise NotADirectoryError(20, "not a folder", folder)

    def put(self, local: Path, name: str) -> None:
        path = self._path(name)
        try:
            with local.open("rb") as source, self.sftp.open(path, "wbx") as target:
                # Pipelined: no round trip per write. paramiko then drops the servers'
                # answers to the writes, errors included, so the size is checked below.
                target.set_pipelined(True)
                while chunk := source.read(1 << 20):
                    target.write(chunk)
                target.flush()
                self._fsync(target)
            written = self.sftp.stat(path).st_size
        except OSError as error:
            if error.errno is None and self.connected():
                raise _write_failed(name, str(error)) from error
            if error.errno is None:  # "Socket is closed": not the server's disk
                raise paramiko.SSHException(str(error)) from error
            raise
        expected = local.stat().st_size
        if written != expected and not self.connected():
            raise paramiko.SSHException("connection lost while writing")
        if written != expected:
            raise _write_failed(name, f"{written} of {expected} bytes written")

    def connected(self) -> bool:
        transport = self.client.get_transport()
        return transport is not None and transport.is_active()

    def _fsync(self, handle: paramiko.SFTPFile) -> None:
        """Ask the server to flush the file to its disk (OpenSSH's fsync@openssh.com);
        paramiko has no call for it, so the request is sent by hand. A server without the
        extension is asked once; the read-back still proves the bytes."""
        if not self.can_fsync:
            return
        try:
            self.sftp._request(  # paramiko offers no public call for it
                paramiko.sftp.CMD_EXTENDED, "fsync@openssh.com", handle.handle
            )
        except OSError as error:
            if error.errno is not None:
                raise
            self.can_fsync = False  # "Operation unsupported": not an OpenSSH server

    def open_read(self, name: str) -> BinaryIO:
        stream = self.sftp.open(self._path(name), "rb")
        stream.prefetch()
        return stream  # type: ignore[return-value]

    def rename(self, old: str, new: str) -> None:
        if self.exists(new):
            raise FileExistsError(17, "already exists", self._path(new))
        self.sftp.rename(self._path(old), self._path(new))

    def remove(self, name: str) -> None:
        path = self._path(name)
        attributes = self.sftp.lstat(path)
        if not stat.S_ISDIR(attributes.st_mode or 0):
            self.sftp.remove(path)
            return
        for entry in self.sftp.listdir_attr(path):
            self.remove(posixpath.join(name, entry.filename))
        self.sftp.rmdir(path)

    def files(self, name: str) -> tuple[list[str], list[str]]:
        found: list[str] = []
        other: list[str] = []

        def walk(relative: str) -> None:
            folder = posixpath.join(self._path(name), relative) if relative else self._path(name)
            for entry in self.sftp.listdir_attr(folder):
                child = posixpath.join(relative, entry.filename) if relative else entry.filename
                mode = entry.st_mode or 0
                if stat.S_ISDIR(mode):
                    walk(child)
                elif stat.S_ISREG(mode):
                    found.append(child)
                else:
                    other.append(child)

        walk("")
        return found, other

    def finish(self, name: str) -> None:
        """Nothing more to do: each file was fsynced on the server as it was closed."""

    def close(self) -> None:
        self.sftp.close()
        self.client.close()


def connect(
    address: DestinationAddress,
    *,
    identity: Path | None = None,
    known_hosts: Path | None = None,
    password: str | None = None,
) -> tuple[paramiko.SSHClient, paramiko.SFTPClient]:
    """An SFTP session, or :class:`DeliveryError` with one line saying what went wrong."""
    where = f"{address.host}:{address.port}"
    client = paramiko.SSHClient()
    try:
        if known_hosts is not None:
            client.load_host_keys(str(known_hosts))
        else:
            client.load_system_host_keys()
    except OSError as error:
        raise DeliveryError(f"cannot read the known_hosts file ({error})") from error
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    hosts_file = str(known_hosts) if known_hosts else "~/.ssh/known_hosts"
    try:
        client.connect(
            address.host,
            port=address.port,
            username=address.user or getpass.getuser(),
            key_filename=str(identity) if identity else None,
            password=password,
            allow_agent=identity is None,
            look_for_keys=identity is None,
            timeout=TIMEOUT,
            banner_timeout=TIMEOUT,
            auth_timeout=TIMEOUT,
        )
    except paramiko.BadHostKeyException as error:
        client.close()
        raise DeliveryError(
            f"the host key of {where} has changed ({error.key.get_name()} "
            f"{error.key.fingerprint}, {hosts_file} has {error.expected_key.fingerprint}): "
            "refused; if the server's key really changed, check it and update known_hosts"
        ) from error
    except paramiko.AuthenticationException as error:
        client.close()
        raise DeliveryError(
            f"{where} refused the key ({error}): check --identity, the SSH agent, and the "
            "user's authorized_keys on the server"
        ) from error
    except paramiko.SSHException as error:
        client.close()
        if "not found in known_hosts" in str(error):
            raise DeliveryError(
                f"the host key of {where} is unknown (not in {hosts_file}): refused; check "
                f"its fingerprint, then add it (ssh-keyscan -p {address.port} {address.host})"
            ) from error
        raise DeliveryError(f"SSH to {where} failed ({error}): check the server") from error
    except (OSError, EOFError) as error:
        client.close()
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        if isinstance(error, TimeoutError):
            reason = "no answer"
        raise DeliveryError(
            f"cannot reach {where} ({reason}): check the host, the port and the network"
        ) from error
    try:
        transport = client.get_transport()
        assert transport is not None
        transport.default_window_size = WINDOW
        sftp = paramiko.SFTPClient.from_transport(transport, window_size=WINDOW)
        assert sftp is not None
    except (paramiko.SSHException, OSError) as error:
        client.close()
        raise DeliveryError(
            f"{where} offers no SFTP ({error}): enable its sftp subsystem"
        ) from error
    return client, sftp


@contextmanager
def _dropped_connection(address: DestinationAddress) -> Iterator[None]:
    try:
        yield
    except (TimeoutError, paramiko.SSHException, EOFError) as error:
        raise DeliveryError(
            f"the connection to {address.host}:{address.port} dropped "
            f"({str(error).rstrip(': ') or type(error).__name__}): "
            "rerun to finish; nothing was published"
        ) from error


class SftpDestination(StoreDestination):
    def __init__(self, address: DestinationAddress, **options: Any) -> None:
        self.address = address
        client, sftp = connect(address, **options)
        self.store = SftpStore(client, sftp, address.path)
        try:
            with _dropped_connection(address):
                self.store.makedirs("")
        except OSError as error:
            self.store.close()
            raise DeliveryError(
                f"cannot use {address.path} on {address.host} ({error.strerror or error}): "
                "give a folder the user may write to"
            ) from error

    def deliver(self, package: Package, serialization: str, delivery: Delivery) -> None:
        with _dropped_connection(self.address):
            super().deliver(package, serialization, delivery)

    def verify(self, location: str, sent: Any, algorithm: str) -> list[str]:
        with _dropped_connection(self.address):
            return super().verify(location, sent, algorithm)
