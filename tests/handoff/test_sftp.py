"""Hand-off over SFTP to a real OpenSSH server on 127.0.0.1 (started by the tests)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import handoff_helpers
import sshd_helpers
from handoff_helpers import make_bag, tiny_disk, tree, writes_denied
from sshd_helpers import Sshd, free_port, keygen
from typer.testing import CliRunner

import preserve.cli  # noqa: F401 - registers the commands
from preserve.catalog import Catalog
from preserve.cli.app import app

runner = CliRunner()
packages_template = handoff_helpers.packages_template
preserved = handoff_helpers.preserved
sshd = sshd_helpers.sshd


def handoff(server: Sshd, *arguments: str, identity: Path | None = None, known: Path | None = None):
    return runner.invoke(
        app,
        [
            "handoff",
            *arguments,
            "--identity",
            str(identity or server.identity),
            "--known-hosts",
            str(known or server.known_hosts),
            "--json",
        ],
        catch_exceptions=False,
    )


def test_packages_arrive_over_sftp_are_proved_and_a_rerun_changes_nothing(
    sshd: Sshd, preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    remote = tmp_path / "server" / "incoming"
    url = sshd.url(remote)
    result = handoff(sshd, *map(str, packages), "--to", url, "--catalog", str(catalog))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["summary"]["delivered"] == 2
    for package in packages:
        assert tree(remote / package.name) == tree(package)
    archive = handoff(
        sshd, str(packages[0]), "--to", url, "--serialize", "tar.gz", "--catalog", str(catalog)
    )
    assert archive.exit_code == 0, archive.output
    assert (remote / f"{packages[0].name}.tar.gz").is_file()
    assert sorted(os.listdir(remote)) == sorted(
        [p.name for p in packages] + [f"{packages[0].name}.tar.gz"]
    )
    again = handoff(sshd, *map(str, packages), "--to", url, "--catalog", str(catalog))
    assert again.exit_code == 0
    assert json.loads(again.output)["summary"]["already_delivered"] == 2
    with Catalog.open(catalog) as store:
        receipts = store.deliveries(destination=f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{remote}")
        assert [r.outcome for r in receipts] == ["delivered"] * 3
        assert all(not r.destination.count(":") > 2 for r in receipts)  # no password anywhere


def failure(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    try:
        report = json.loads(result.output)
    except json.JSONDecodeError:
        raise AssertionError(f"not only JSON on the output: {result.output!r}") from None
    reasons = [d["reasons"][0] for d in report["deliveries"]]
    assert len(set(reasons)) == 1 and "\n" not in reasons[0]
    assert {d["outcome"] for d in report["deliveries"]} == {"failed"}
    return reasons[0]


def test_an_unknown_host_key_is_refused(
    sshd: Sshd, preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    remote = tmp_path / "server"
    result = handoff(
        sshd, str(packages[0]), "--to", sshd.url(remote), "--catalog", str(catalog), known=empty
    )
    assert "host key" in failure(result) and "unknown" in failure(result)
    assert not remote.exists()


def test_a_changed_host_key_is_refused(
    sshd: Sshd, preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    other = keygen(tmp_path / "other_host")
    kind, key = (tmp_path / "other_host.pub").read_text().split()[:2]
    lying = tmp_path / "known_hosts"
    lying.write_text(f"[127.0.0.1]:{sshd.port} {kind} {key}\n")
    assert other.exists()
    remote = tmp_path / "server"
    result = handoff(
        sshd, str(packages[0]), "--to", sshd.url(remote), "--catalog", str(catalog), known=lying
    )
    assert "has changed" in failure(result)
    assert not remote.exists()


def test_a_refused_key_fails_in_one_line(
    sshd: Sshd, preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    stranger = keygen(tmp_path / "stranger")
    remote = tmp_path / "server"
    result = handoff(
        sshd,
        str(packages[0]),
        "--to",
        sshd.url(remote),
        "--catalog",
        str(catalog),
        identity=stranger,
    )
    assert "refused the key" in failure(result)
    assert not remote.exists()
    with Catalog.open(catalog) as store:
        assert [r.outcome for r in store.deliveries()] == ["failed"]


def test_an_unreachable_host_fails_in_one_line(
    sshd: Sshd, preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    url = f"sftp://127.0.0.1:{free_port()}/srv/incoming"
    result = handoff(sshd, *map(str, packages), "--to", url, "--catalog", str(catalog))
    assert failure(result).startswith("cannot reach 127.0.0.1:")


def test_permission_denied_on_the_server_leaves_nothing(
    sshd: Sshd, preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    remote = tmp_path / "locked"
    remote.mkdir()
    with writes_denied(remote):
        result = handoff(
            sshd, str(packages[0]), "--to", sshd.url(remote), "--catalog", str(catalog)
        )
    assert failure(result).startswith("permission denied at the destination")
    assert os.listdir(remote) == []


def test_a_full_disk_on_the_server_leaves_nothing(
    sshd: Sshd, preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, _packages = preserved
    big = make_bag(tmp_path / "big-bag", {"scan.bin": os.urandom(1 << 20)})
    with tiny_disk(tmp_path / "small") as remote:
        result = handoff(
            sshd, str(big), "--to", sshd.url(remote), "--profile", "none", "--catalog", str(catalog)
        )
        assert "disk is full" in failure(result)
        assert os.listdir(remote) == []


def test_a_hand_off_killed_mid_transfer_finishes_next_time(
    sshd: Sshd, preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, _packages = preserved
    big = make_bag(
        tmp_path / "big-bag", {f"part-{n:02}.bin": bytes([n]) * (4 << 20) for n in range(16)}
    )
    remote = tmp_path / "server"
    arguments = [
        str(big),
        "--to",
        sshd.url(remote),
        "--profile",
        "none",
        "--catalog",
        str(catalog),
        "--identity",
        str(sshd.identity),
        "--known-hosts",
        str(sshd.known_hosts),
    ]
    command = [sys.executable, "-c", "from preserve.cli import main; main()", "handoff", *arguments]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    partial = remote / f".{big.name}.preserve-partial"
    while process.poll() is None and not (partial / "data").is_dir():
        time.sleep(0.001)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (remote / big.name).exists()

    result = runner.invoke(app, ["handoff", *arguments, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(remote)) == [big.name]
    assert tree(remote / big.name) == tree(big)


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def test_a_dropped_connection_fails_in_one_line_and_the_rerun_finishes(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, _packages = preserved
    (tmp_path / "own-sshd").mkdir()
    server, own = sshd_helpers.start_sshd(tmp_path / "own-sshd")
    try:
        big = make_bag(
            tmp_path / "big-bag", {f"part-{n:02}.bin": bytes([n]) * (4 << 20) for n in range(16)}
        )
        remote = tmp_path / "server"
        partial = remote / f".{big.name}.preserve-partial"

        def cut_when_sending() -> None:
            deadline = time.monotonic() + 60
            while not (partial / "data").is_dir() and time.monotonic() < deadline:
                time.sleep(0.001)
            for child in _children(server.pid):  # the session's sshd: the connection drops
                os.kill(child, signal.SIGKILL)

        cutter = threading.Thread(target=cut_when_sending)
        cutter.start()
        arguments = [
            str(big),
            "--to",
            own.url(remote),
            "--profile",
            "none",
            "--catalog",
            str(catalog),
        ]
        result = handoff(own, *arguments)
        cutter.join()
        reason = failure(result)
        assert reason.startswith(f"the connection to 127.0.0.1:{own.port} dropped"), reason
        assert not (remote / big.name).exists()

        again = handoff(own, *arguments)
        assert again.exit_code == 0, again.output
        assert sorted(os.listdir(remote)) == [big.name]
        assert tree(remote / big.name) == tree(big)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_paramikos_own_error_records_never_reach_the_terminal() -> None:
    """A dropped connection is one sentence from preserve, not paramiko's record as well
    (in a fresh interpreter: pytest's own log capture would hide the leak)."""
    script = (
        "import logging, preserve.handoff.sftp\n"
        "logging.getLogger('paramiko.transport').error('Socket exception: reset by peer')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
