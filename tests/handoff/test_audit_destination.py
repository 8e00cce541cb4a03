"""``preserve audit --destination``: delivered copies read back later; a changed one flagged."""

from __future__ import annotations

import json
from pathlib import Path

import handoff_helpers
import pytest
import sshd_helpers
from sshd_helpers import Sshd
from typer.testing import CliRunner

import preserve.cli  # noqa: F401 - registers the commands
from preserve.catalog import Catalog
from preserve.cli.app import app

runner = CliRunner()
packages_template = handoff_helpers.packages_template
preserved = handoff_helpers.preserved
sshd = sshd_helpers.sshd


def run(*arguments: str):
    return runner.invoke(app, [*arguments, "--json"], catch_exceptions=False)


def audit(dest: str, catalog: Path) -> tuple[int, dict[str, dict]]:
    result = run("audit", "--destination", dest, "--catalog", str(catalog))
    copies = {c["package"]: c for c in json.loads(result.output)["copies"]}
    return result.exit_code, copies


@pytest.mark.parametrize("kind", ["folder", "tar", "ocfl"])
def test_a_changed_copy_is_flagged(
    kind: str, preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    dest = f"ocfl://{tmp_path / 'ocfl'}" if kind == "ocfl" else str(tmp_path / "transfer")
    serialize = ["--serialize", "tar"] if kind == "tar" else []
    delivered = run(
        "handoff", *map(str, packages), "--to", dest, *serialize, "--catalog", str(catalog)
    )
    assert delivered.exit_code == 0, delivered.output
    code, copies = audit(dest, catalog)
    assert code == 0 and {c["status"] for c in copies.values()} == {"pass"}

    location = json.loads(delivered.output)["deliveries"][0]["location"]
    if kind == "folder":
        victim = tmp_path / "transfer" / location / "bag-info.txt"
    elif kind == "tar":
        victim = tmp_path / "transfer" / location
    else:
        obj = tmp_path / "ocfl" / location.rsplit("/", 1)[0]
        victim = next(p for p in sorted((obj / "v1" / "content").rglob("*")) if p.is_file())
    victim.write_bytes(victim.read_bytes()[:-1] + b"!")
    code, copies = audit(dest, catalog)
    assert code == 1
    assert copies[packages[0].name]["status"] == "changed"
    assert copies[packages[1].name]["status"] == "pass"
    with Catalog.open(catalog) as store:
        checks = [e for e in store.events(event_type="fixity check") if "copy at" in e.detail]
        assert sorted(e.outcome for e in checks) == ["fail", "success", "success", "success"]


def test_a_changed_copy_on_an_sftp_server_is_flagged(
    sshd: Sshd, preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    remote = tmp_path / "server"
    config = tmp_path / "preserve.toml"
    config.write_text(
        "[[handoff.destinations]]\n"
        f'name = "storage"\nurl = "{sshd.url(remote)}"\n'
        f'identity = "{sshd.identity}"\nknown_hosts = "{sshd.known_hosts}"\n'
    )
    common = ["--catalog", str(catalog), "--config", str(config)]
    delivered = run("handoff", str(packages[0]), "--to", "storage", *common)
    assert delivered.exit_code == 0, delivered.output
    (remote / packages[0].name / "bagit.txt").write_text("BagIt-Version: 1.0\n")
    result = run("audit", "--destination", "storage", *common)
    assert result.exit_code == 1
    copy = json.loads(result.output)["copies"][0]
    assert copy["status"] == "changed" and copy["problems"][0].startswith("bagit.txt:")
