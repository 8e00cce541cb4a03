"""Usage and configuration errors: one sentence, exit 2, before anything is sent."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import handoff_helpers
import pytest
from typer.testing import CliRunner

import preserve.cli  # noqa: F401 - registers the commands
from preserve.cli.app import app
from preserve.config import Config, HandoffDestination
from preserve.errors import ConfigError
from preserve.handoff import PASSWORD_ENV, configured_options, parse_destination

runner = CliRunner()
packages_template = handoff_helpers.packages_template
preserved = handoff_helpers.preserved


@pytest.mark.parametrize(
    ("to", "extra", "says"),
    [
        ("ftp://host/x", [], "Unknown destination"),
        ("sftp://user:secret@host/srv", [], "Passwords are never taken from a URL"),
        ("sftp://host", [], "absolute/path"),
        ("ocfl://relative/root", [], "three slashes"),
        ("ocfl:///srv/ocfl", ["--serialize", "zip"], "not an archive"),
        ("{dest}", ["--serialize", "rar"], "--serialize rar is unknown"),
        ("{dest}", ["--identity", "/no/such/key"], "are for sftp:// destinations"),
        ("{dest}", ["--profile", "/no/such/profile.json"], "profile"),
    ],
)
def test_usage_errors_exit_2_and_send_nothing(
    to: str, extra: list[str], says: str, preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    dest = tmp_path / "dest"
    result = runner.invoke(
        app,
        [
            "handoff",
            str(packages[0]),
            "--to",
            to.format(dest=dest),
            *extra,
            "--catalog",
            str(catalog),
        ],
    )
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "Traceback" not in result.output
    assert not dest.exists()


def test_a_missing_catalog_is_a_usage_error(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    _catalog, packages = preserved
    result = runner.invoke(
        app,
        [
            "handoff",
            str(packages[0]),
            "--to",
            str(tmp_path / "d"),
            "--catalog",
            str(tmp_path / "none"),
        ],
    )
    assert result.exit_code == 2 and "run preserve ingest first" in result.output


def test_the_handoff_section_is_typed_and_keeps_passwords_out() -> None:
    config = Config.from_mapping(
        {"handoff": {"destinations": [{"name": "share", "url": "/mnt/t", "serialize": "tar"}]}}
    )
    assert config.handoff.destinations[0].serialize == "tar"
    for bad, says in [
        ({"destinations": [{"name": "s", "url": "/x", "password": "pw"}]}, "passwords never"),
        ({"destinations": [{"name": "s", "url": "/x", "serialize": "rar"}]}, "serialize"),
        ({"destinations": [{"name": "s"}]}, "needs a name and a url"),
        ({"destinations": [{"name": "s", "url": "/x"}, {"name": "s", "url": "/y"}]}, "differ"),
        ({"targets": []}, "[[handoff.destinations]]"),
    ]:
        with pytest.raises(ConfigError, match=None) as caught:
            Config.from_mapping({"handoff": bad})
        assert says in str(caught.value)


def test_destinations_never_show_a_password() -> None:
    assert parse_destination("sftp://me@host:2200/srv/in").display == "sftp://me@host:2200/srv/in"
    with pytest.raises(ConfigError):
        parse_destination("sftp://me:pw@host/srv/in")


def test_the_command_and_the_flow_take_a_destinations_password_from_one_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """README: an SFTP password comes from $PRESERVE_SFTP_PASSWORD, or from the variable a
    destination names in password_env. The flow had its own reading of a destination's
    options and ignored $PRESERVE_SFTP_PASSWORD; both now use configured_options."""
    monkeypatch.setenv(PASSWORD_ENV, "from-the-default-variable")
    monkeypatch.setenv("VAULT_PASSWORD", "from-the-named-variable")
    plain = HandoffDestination(name="vault", url="sftp://host/srv")
    named = replace(plain, password_env="VAULT_PASSWORD", identity="~/key")
    assert configured_options(plain)["password"] == "from-the-default-variable"
    assert configured_options(None)["password"] == "from-the-default-variable"
    assert configured_options(named)["password"] == "from-the-named-variable"
    assert configured_options(named)["identity"] == Path("~/key").expanduser()
    assert configured_options(plain)["identity"] is None


@pytest.mark.parametrize(
    "where",
    ["{package}/data", "{package}/data/original/new", "ocfl://{package}/ocfl", "{packages}",
     "{packages}/transfer"],
)
def test_a_destination_where_packages_are_kept_is_refused_and_nothing_changes(
    where: str,
    preserved: tuple[Path, list[Path]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Handing a package off into itself (or into the packages folder) wrote a second copy
    inside the bag, which then failed validation: the kept package was changed."""
    catalog, packages = preserved
    monkeypatch.chdir(tmp_path)  # [paths] packages = "packages", the folder preserved made
    before = handoff_helpers.tree(packages[0])
    to = where.format(package=packages[0], packages=packages[0].parent)
    result = runner.invoke(
        app, ["handoff", str(packages[0]), "--to", to, "--catalog", str(catalog)]
    )
    assert result.exit_code == 2, result.output
    assert "Refused" in result.output and "Traceback" not in result.output
    assert handoff_helpers.tree(packages[0]) == before
    assert not (packages[0].parent / "transfer").exists()


def test_the_library_refuses_a_destination_inside_the_package_it_hands_off(
    preserved: tuple[Path, list[Path]],
) -> None:
    from preserve.handoff import hand_off, open_destination

    _catalog, packages = preserved
    before = handoff_helpers.tree(packages[0])
    destination = open_destination(parse_destination(str(packages[0] / "data")))
    try:
        delivery = hand_off(packages[0], destination, "none", None)
    finally:
        destination.close()
    assert delivery.outcome == "refused"
    assert "inside the package" in delivery.reasons[0]
    assert handoff_helpers.tree(packages[0]) == before
