"""Configuration: one immutable value, read from a commented TOML file.

Lookup order: an explicit ``--config`` path, ``$PRESERVE_CONFIG``, ``./preserve.toml``,
then the defaults documented on the fields below. The configuration actually used is
serialised into each package's metadata so a run can be reproduced.

>>> config = Config()
>>> config.bagging.algorithms
('sha256', 'sha512')
>>> Config.from_mapping({"organization": {"name": "Town Archive"}}).organization.name
'Town Archive'
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from preserve.errors import ConfigError

if TYPE_CHECKING:  # imported when needed: preserve.repair's config uses coerce_settings
    from preserve.repair.config import RepairConfig

BTR_PROFILE_ID = (
    "https://github.com/dpscollaborative/btr_bagit_profile/releases/download/1.0/"
    "btr-bagit-profile.json"
)
SUPPORTED_ALGORITHMS = ("md5", "sha1", "sha256", "sha512")
SERIALIZATIONS = ("none", "tar", "tar.gz", "zip")
"""How a package can be handed off: a bag folder (``none``) or one archive."""


@dataclass(frozen=True)
class Organization:
    """Who keeps the packages: written to bag-info.txt and as the PREMIS organization agent."""

    name: str = "preserve demonstration archive"
    """Source-Organization in bag-info.txt."""
    address: str = ""
    """Organization-Address (recommended by the BTR profile)."""
    contact_name: str = "Archivist on duty"
    contact_email: str = "archivist@example.org"
    identifier: str = "preserve-demo"
    """Agent identifier of the organization in PREMIS."""


@dataclass(frozen=True)
class Paths:
    """Where things are, relative to the working directory unless absolute."""

    source: str = "raw"
    packages: str = "packages"
    catalog: str = "packages/.catalog.sqlite"
    """The SQLite catalog. Kept beside the packages by default so both move together."""


@dataclass(frozen=True)
class Bagging:
    """How packages are written."""

    algorithms: tuple[str, ...] = ("sha256", "sha512")
    """Manifest and tag-manifest algorithms; all are computed in one read of each file."""
    profile_identifier: str = BTR_PROFILE_ID
    """BagIt-Profile-Identifier declared in bag-info.txt; the bundled copy is used to check it."""
    processes: int = 2
    """Worker processes for hashing while validating a finished package of 64 MiB or more."""


@dataclass(frozen=True)
class Ingest:
    """How the ingest flow batches its work."""

    items_per_task: int = 50
    """Items handled by one Prefect task. A task costs 5-20 ms, so one per item is too dear."""
    max_line_bytes: int = 1_000_000
    """A text line longer than this is not repaired (it is still preserved byte for byte)."""
    repair: bool = True
    """Put a repaired derived copy of each text in its package."""
    runner: str = "threads"
    """How work is spread over cores, by the ingest and the audit alike (set once, here):
    ``threads``, ``processes`` (one worker process per core) or ``dask`` (a local Dask
    cluster, or the one at ``dask_address``)."""
    dask_address: str = ""
    """An existing Dask scheduler for the ``dask`` runner (``tcp://scheduler:8786``)."""


RUNNERS = ("threads", "processes", "dask")


def check_runner(name: str, dask_address: str | None) -> str:
    """A command's ``--runner`` (or ``[ingest] runner``) and ``--dask-address``, checked
    before Prefect starts.

    >>> check_runner("gpu", None)
    Traceback (most recent call last):
    ...
    preserve.errors.ConfigError: --runner 'gpu' is not one of threads, processes, dask.
    """
    if name not in RUNNERS:
        raise ConfigError(f"--runner {name!r} is not one of {', '.join(RUNNERS)}.")
    if dask_address and name != "dask":
        raise ConfigError('--dask-address needs --runner dask (or [ingest] runner = "dask").')
    return name


def _default_repair() -> RepairConfig:
    from preserve.repair.config import RepairConfig

    return RepairConfig()


@dataclass(frozen=True)
class HandoffDestination:
    """One ``[[handoff.destinations]]`` table: where ``flows/handoff.py`` delivers packages."""

    name: str = ""
    """How ``preserve handoff --to NAME`` and the flow refer to it."""
    url: str = ""
    """A folder, ``sftp://[user@]host[:port]/abs/path`` or ``ocfl:///abs/path``."""
    serialize: str = "none"
    """``none`` (a bag folder), ``tar``, ``tar.gz`` or ``zip``."""
    profile: str = ""
    """BagIt profile checked before sending; empty: ``[bagging] profile_identifier``."""
    identity: str = ""
    """SSH private key file; empty: the SSH agent, then ~/.ssh."""
    known_hosts: str = ""
    """known_hosts file; empty: ~/.ssh/known_hosts."""
    password_env: str = ""
    """Environment variable holding an SFTP password (never the password itself)."""


@dataclass(frozen=True)
class Handoff:
    destinations: tuple[HandoffDestination, ...] = ()


def _handoff(data: Any, origin: str) -> Handoff:
    if not isinstance(data, Mapping) or set(data) - {"destinations"}:
        raise ConfigError(f"[handoff] in {origin} holds only [[handoff.destinations]] tables.")
    tables = data.get("destinations", [])
    if not isinstance(tables, list):
        raise ConfigError(f"handoff.destinations in {origin} must be [[handoff.destinations]].")
    destinations = []
    for number, table in enumerate(tables, 1):
        where = f"{origin} [[handoff.destinations]] #{number}"
        if isinstance(table, Mapping) and "password" in table:
            raise ConfigError(
                f"{where}: passwords never go in the config file; name an environment "
                "variable in password_env instead."
            )
        destination = _build(HandoffDestination, table, where)
        if not destination.name or not destination.url:
            raise ConfigError(f"{where} needs a name and a url.")
        if destination.serialize not in SERIALIZATIONS:
            raise ConfigError(f"{where} serialize must be none, tar, tar.gz or zip.")
        destinations.append(destination)
    names = [d.name for d in destinations]
    if len(set(names)) != len(names):
        raise ConfigError(f"[[handoff.destinations]] names in {origin} must differ.")
    return Handoff(tuple(destinations))


@dataclass(frozen=True)
class Config:
    """Everything preserve needs to know; immutable once loaded."""

    organization: Organization = field(default_factory=Organization)
    paths: Paths = field(default_factory=Paths)
    bagging: Bagging = field(default_factory=Bagging)
    ingest: Ingest = field(default_factory=Ingest)
    handoff: Handoff = field(default_factory=Handoff)
    repair: RepairConfig = field(default_factory=_default_repair)
    """How texts are repaired (the ``[repair]`` table, checked when the file is read)."""
    origin: str = "defaults"
    """The file this configuration came from, or ``defaults``."""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], origin: str = "defaults") -> Config:
        known = {"organization", "paths", "bagging", "ingest", "repair", "handoff"}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(
                f"Unknown section(s) {sorted(unknown)} in {origin}: use only {sorted(known)}."
            )
        parts: dict[str, Any] = {}
        for name, kind in (
            ("organization", Organization),
            ("paths", Paths),
            ("bagging", Bagging),
            ("ingest", Ingest),
        ):
            parts[name] = _build(kind, data.get(name, {}), f"{origin} [{name}]")
        from preserve.repair.config import RepairConfig

        try:
            repair = RepairConfig.from_mapping(data.get("repair", {}))
        except ConfigError as error:
            raise ConfigError(f"{error} (in {origin})") from None
        parts["handoff"] = _handoff(data.get("handoff", {}), origin)
        config = cls(**parts, repair=repair, origin=origin)
        for algorithm in config.bagging.algorithms:
            if algorithm not in SUPPORTED_ALGORITHMS:
                raise ConfigError(
                    f"Checksum algorithm {algorithm!r} in {origin} is not supported: "
                    f"choose from {', '.join(SUPPORTED_ALGORITHMS)}."
                )
        if not config.bagging.algorithms:
            raise ConfigError(f"[bagging] algorithms in {origin} must name at least one.")
        if config.ingest.items_per_task < 1:
            raise ConfigError(f"[ingest] items_per_task in {origin} must be at least 1.")
        if config.bagging.processes < 1:
            raise ConfigError(f"[bagging] processes in {origin} must be at least 1.")
        if config.ingest.runner not in RUNNERS:
            raise ConfigError(
                f"[ingest] runner in {origin} is {config.ingest.runner!r}: "
                f"choose one of {', '.join(RUNNERS)}."
            )
        return config

    @property
    def agents(self) -> list[str]:
        """The PREMIS agents of what a command records (fixity checks, replications): the
        organization, then the software."""
        return [self.organization.identifier, "preserve"]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, as recorded in each package (hand-off settings are not about
        how a package was made, and stay out so packages keep their bytes)."""
        return {
            "organization": asdict(self.organization),
            "paths": asdict(self.paths),
            "bagging": {**asdict(self.bagging), "algorithms": list(self.bagging.algorithms)},
            # How the work was spread over cores is not part of what was done to an item:
            # every runner makes the same packages.
            "ingest": {
                k: v for k, v in asdict(self.ingest).items() if k not in ("runner", "dask_address")
            },
            "repair": self.repair.to_dict(),
            "origin": self.origin,
        }


def _build(kind: type, data: Any, where: str) -> Any:
    return kind(**coerce_settings(kind, data, where))


def coerce_settings(kind: type, data: Any, where: str) -> dict[str, Any]:
    """A TOML table as the keyword arguments of the settings dataclass ``kind``: every key
    known, every value of its field's type (lists of names become tuples, numbers are never
    negative), or a one-sentence :class:`ConfigError` naming ``where``. The one place where
    configuration values are typed, for every section ``[repair]`` included.

    >>> coerce_settings(Ingest, {"repair": False}, "[ingest]")
    {'repair': False}
    >>> coerce_settings(Ingest, {"max_line_bytes": -1}, "[ingest]")
    Traceback (most recent call last):
    ...
    preserve.errors.ConfigError: [ingest] max_line_bytes must be a whole number of at least 0.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where} must be a table of settings.")
    names = {f.name: f for f in fields(kind)}
    unknown = set(data) - set(names)
    if unknown:
        raise ConfigError(f"Unknown setting(s) {sorted(unknown)} in {where}: use {sorted(names)}.")
    defaults = kind()
    values: dict[str, Any] = {}
    for key, value in data.items():
        default = getattr(defaults, key)
        if isinstance(default, tuple):
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where} {key} must be a list of strings.")
            value = tuple(value)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"{where} {key} must be true or false.")
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{where} {key} must be a whole number of at least 0.")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{where} {key} must be a number of at least 0.")
            value = float(value)
        elif isinstance(default, str) and not isinstance(value, str):
            raise ConfigError(f"{where} {key} must be a string.")
        values[key] = value
    return values


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the configuration; with no file anywhere, return the defaults.

    An explicit path that does not exist is an error; the implicit ``./preserve.toml``
    is optional.
    """
    explicit = path if path is not None else os.environ.get("PRESERVE_CONFIG") or None
    candidate = Path(explicit) if explicit else Path("preserve.toml")
    if not candidate.exists():
        if explicit:
            raise ConfigError(
                f"Config file {candidate} does not exist: give an existing file or none "
                "to use the defaults."
            )
        return Config()
    try:
        data = tomllib.loads(candidate.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(
            f"Cannot read config file {candidate} ({error}): fix or remove it."
        ) from error
    return Config.from_mapping(data, origin=str(candidate))
