"""Configuration: defaults, the commented preserve.toml, and one-sentence errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from preserve.config import Config, load_config
from preserve.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_config_file_states_the_defaults() -> None:
    """preserve.toml documents every default: reading it changes nothing."""
    shipped = load_config(ROOT / "preserve.toml")
    defaults = Config()
    for section in ("organization", "paths", "bagging", "ingest"):
        assert getattr(shipped, section) == getattr(defaults, section), section
    from preserve.repair import RepairConfig

    assert shipped.repair == RepairConfig()


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_tmp_dir: Path) -> None:
    assert load_config().origin == "defaults"
    (in_tmp_dir / "preserve.toml").write_text('[organization]\nname = "Here"\n')
    assert load_config().organization.name == "Here"
    other = tmp_path / "other.toml"
    other.write_text('[organization]\nname = "From the environment"\n')
    monkeypatch.setenv("PRESERVE_CONFIG", str(other))
    assert load_config().organization.name == "From the environment"
    explicit = tmp_path / "explicit.toml"
    explicit.write_text('[organization]\nname = "Explicit"\n')
    assert load_config(explicit).organization.name == "Explicit"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[nonsense]\n", "Unknown section"),
        ("[paths]\nsorce = 'raw'\n", "Unknown setting"),
        ("[ingest]\nitems_per_task = 'many'\n", "whole number"),
        ("[ingest]\nitems_per_task = 0\n", "at least 1"),
        ("[ingest]\nrepair = 'yes'\n", "true or false"),
        ("[bagging]\nalgorithms = []\n", "at least one"),
        ("[bagging]\nalgorithms = ['crc32']\n", "not supported"),
        ("this is = = not toml", "Cannot read config file"),
        ("[repair]\nlanguage = 5\n", r"\[repair\] language must be a string"),
        ("[repair]\nrules = ['no_such_rule']\n", "Unknown repair rule"),
        ("[repair]\nlanguag = 'de_DE'\n", r"Unknown setting.*\[repair\]"),
        ("repair = 5\n", r"\[repair\] must be a table"),
        ("[bagging]\nprocesses = 0\n", "at least 1"),
        ("[ingest]\nmax_line_bytes = -5\n", "at least 0"),
    ],
)
def test_bad_settings_are_one_sentence_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "preserve.toml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message) as raised:
        load_config(path)
    assert "\n" not in str(raised.value)


def test_a_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.toml")


def test_round_trip_through_to_dict() -> None:
    config = Config.from_mapping(
        {"organization": {"name": "Town Archive"}, "repair": {"language": "de_DE"}}
    )
    data = config.to_dict()
    assert data["organization"]["name"] == "Town Archive"
    assert data["repair"]["language"] == "de_DE"
    from preserve.repair import RepairConfig

    assert isinstance(config.repair, RepairConfig)  # typed like every other section
    assert RepairConfig.from_mapping(data["repair"]) == config.repair
    assert data["bagging"]["algorithms"] == ["sha256", "sha512"]


def test_a_repair_setting_of_the_wrong_type_stops_ingest_before_it_starts(tmp_path: Path) -> None:
    """Once every item failed on it (exit 1); now the whole config is checked at load."""
    from typer.testing import CliRunner

    import preserve.cli

    source = tmp_path / "raw"
    source.mkdir()
    (source / "letter.txt").write_text("Dear editor,\n")
    config = tmp_path / "preserve.toml"
    config.write_text("[repair]\nlanguage = 5\n")
    result = CliRunner().invoke(
        preserve.cli.app,
        ["ingest", str(source), "--out", str(tmp_path / "out"), "--config", str(config)],
    )
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "language must be a string" in result.output
    assert not (tmp_path / "out").exists()
