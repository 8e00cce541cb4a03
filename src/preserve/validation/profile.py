"""BagIt Profiles (specification 1.4.0): load a profile, check a bag against it.

A profile is JSON that says which tags, manifests, tag files and payload files a bag
must or may have, whether fetch.txt and serialization are allowed, and which BagIt
versions are accepted. :func:`validate_profile` checks every rule and returns every
problem it finds; it does not verify checksums (that is the bag validator's job).

Written here rather than taken from the ``bagit-profile`` package, which calls
``sys.exit`` when a download fails, insists that the bag's identifier equals the URL it
was fetched from, and skips Tag-Files-Allowed, Payload-Files-*, Data-Empty and
``repeatable``.

>>> profile = load_profile("btr")
>>> profile["BagIt-Profile-Info"]["Version"]
'1.0'
>>> sorted(bundled_profiles())[:3]
['aptrust', 'bagProfileBar', 'bagProfileFoo']
>>> matches_pattern("metadata/premis.xml", "*")
True
>>> matches_pattern("DPN/dpnRegistry", "DPN/*"), matches_pattern("other/x", "DPN/*")
(True, False)
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from preserve.errors import ConfigError, PackageError, UnsafePathError
from preserve.report import Problem, Report
from preserve.validation.archive import ArchiveDamaged, archive_mime, open_bag
from preserve.validation.scan import BagTree, scan_bag
from preserve.validation.tagfiles import (
    MAX_BAG_INFO_BYTES,
    BagInfo,
    TextLines,
    UnsafeFile,
    open_regular,
    parse_bag_info,
    text_encoding,
)

SPEC_VERSION = "1.4.0"
FETCH_TIMEOUT = 10
"""Seconds to wait for a profile that is not bundled."""
MAX_PROFILE_BYTES = 5 * 1024 * 1024
MAX_TAG_FILE_BYTES = MAX_BAG_INFO_BYTES
"""A tag file larger than this is reported, not read (it cannot be a sane tag file)."""

PROFILE_INFO_REQUIRED = (
    "Source-Organization",
    "External-Description",
    "Version",
    "BagIt-Profile-Identifier",
)
LIST_KEYS = (
    "Manifests-Required",
    "Manifests-Allowed",
    "Accept-Serialization",
    "Accept-BagIt-Version",
    "Tag-Manifests-Required",
    "Tag-Manifests-Allowed",
    "Tag-Files-Required",
    "Tag-Files-Allowed",
    "Payload-Files-Required",
    "Payload-Files-Allowed",
)
BOOLEAN_KEYS = ("Allow-Fetch.txt", "Fetch.txt-Required", "Data-Empty")
KNOWN_KEYS = frozenset(
    {
        "BagIt-Profile-Info",
        "Bag-Info",
        "Serialization",
        # Not in the specification: Duraspace's APTrust profile describes aptrust-info.txt
        # with it ({"APTrust-Info": {tag: definition}} -> aptrust-info.txt). We check it.
        "Other-Info",
        *LIST_KEYS,
        *BOOLEAN_KEYS,
    }
)
"""Every top-level key a profile may hold: others are reported as unknown."""
SERIALIZATION_VALUES = ("forbidden", "required", "optional")

# MIME types people write for the same archive format; any one accepts the others.
_MIME_FAMILIES = (
    frozenset({"application/zip", "application/x-zip", "application/x-zip-compressed"}),
    frozenset({"application/tar", "application/x-tar"}),
    frozenset(
        {
            "application/gzip",
            "application/x-gzip",
            "application/tar+gzip",
            "application/x-tar+gzip",
            "application/x-gtar",
            "application/x-compressed-tar",
        }
    ),
    frozenset({"application/x-7z-compressed"}),
)
# Files BagIt itself defines; Tag-Files-Allowed governs the other tag files.
_BAGIT_FILES = re.compile(r"^(bagit\.txt|bag-info\.txt|fetch\.txt|(tag)?manifest-[^/]+\.txt)$")
_MANIFEST = re.compile(r"^manifest-([A-Za-z0-9]+)\.txt$")
_TAG_MANIFEST = re.compile(r"^tagmanifest-([A-Za-z0-9]+)\.txt$")


# --------------------------------------------------------------------------- loading


def _profiles_folder() -> Path:
    return Path(str(resources.files("preserve") / "data" / "profiles"))


@cache
def _bundled() -> tuple[tuple[str, Path], ...]:
    found: dict[str, Path] = {}
    for path in sorted(_profiles_folder().rglob("*.json")):
        name = "btr" if path.stem == "btr-bagit-profile" else path.stem
        found[name] = path
    return tuple(found.items())


def bundled_profiles() -> dict[str, Path]:
    """The profiles shipped with preserve: short name -> file.

    ``btr`` is the Beyond the Repository profile as its owners publish it; the others
    are named after their file (``aptrust``, ``metaarchive``, ``bagProfileFoo`` ...).
    """
    return dict(_bundled())


@cache
def _identifiers() -> dict[str, Path]:
    """BagIt-Profile-Identifier -> bundled file; the first name wins (``btr`` sorts first)."""
    known: dict[str, Path] = {}
    preferred = sorted(_bundled(), key=lambda item: (item[0] != "btr", item[0]))
    for _name, path in preferred:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            identifier = data["BagIt-Profile-Info"]["BagIt-Profile-Identifier"]
        except (OSError, ValueError, KeyError, TypeError):  # pragma: no cover - shipped data
            continue
        known.setdefault(_normal_uri(identifier), path)
    return known


def _normal_uri(uri: str) -> str:
    return uri.strip().rstrip("/")


def load_profile(ref: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a profile from a file, a bundled short name, or its identifier URI.

    A URI that a bundled profile declares as its BagIt-Profile-Identifier is answered
    offline from the bundled copy; any other http(s) URI is fetched (10 s timeout).
    Anything unusable raises :class:`ConfigError` with one sentence saying what to do.
    """
    text = os.fspath(ref)
    path = Path(text)
    if isinstance(ref, os.PathLike) or path.is_file():
        return _parse_profile(_read_profile_file(path), str(path))
    bundled = bundled_profiles()
    if text in bundled:
        return _parse_profile(_read_profile_file(bundled[text]), text)
    known = _identifiers().get(_normal_uri(text))
    if known is not None:
        return _parse_profile(_read_profile_file(known), text)
    if text.startswith(("http://", "https://")):
        return _parse_profile(_fetch_profile(text), text)
    raise ConfigError(
        f"Profile {text!r} is neither a file, a bundled profile "
        f"({', '.join(sorted(bundled))}) nor an http(s) URI: give one of those."
    )


def _read_profile_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_PROFILE_BYTES:
            raise ConfigError(
                f"Profile file {path} is larger than {MAX_PROFILE_BYTES} bytes: "
                "give a BagIt profile JSON file."
            )
        return path.read_bytes()
    except OSError as error:
        raise ConfigError(
            f"Cannot read profile file {path} ({error.strerror or error}): give a readable file."
        ) from error


def _fetch_profile(uri: str) -> bytes:
    request = urllib.request.Request(  # noqa: S310 - scheme checked by the caller
        uri, headers={"Accept": "application/json", "User-Agent": "preserve"}
    )
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
            data: bytes = response.read(MAX_PROFILE_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise ConfigError(
            f"Cannot fetch profile {uri} ({reason}): check the address or give a local "
            "copy of the profile file."
        ) from error
    if len(data) > MAX_PROFILE_BYTES:
        raise ConfigError(
            f"Profile {uri} is larger than {MAX_PROFILE_BYTES} bytes: give a BagIt profile."
        )
    return data


def _parse_profile(data: bytes, origin: str) -> dict[str, Any]:
    try:
        profile = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ConfigError(
            f"Profile {origin} is not valid JSON ({error}): give a BagIt profile JSON file."
        ) from error
    if not isinstance(profile, dict):
        raise ConfigError(f"Profile {origin} is not a JSON object: give a BagIt profile JSON file.")
    _check_profile_types(profile, origin)
    return profile


def _check_profile_types(profile: Mapping[str, Any], origin: str) -> None:
    """Refuse a profile whose rules cannot be read at all (wrong JSON types)."""

    def refuse(what: str) -> ConfigError:
        return ConfigError(f"Profile {origin}: {what}; fix the profile or give another one.")

    info = profile.get("BagIt-Profile-Info")
    if not isinstance(info, Mapping):
        raise refuse("BagIt-Profile-Info is missing or not an object")
    for key in LIST_KEYS:
        value = profile.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        ):
            raise refuse(f"{key} must be a list of strings")
    for key in BOOLEAN_KEYS:
        if key in profile and not isinstance(profile[key], bool):
            raise refuse(f"{key} must be true or false")
    serialization = profile.get("Serialization", "optional")
    if serialization not in SERIALIZATION_VALUES:
        raise refuse(f"Serialization must be one of {', '.join(SERIALIZATION_VALUES)}")
    for file_name, tags in _tag_rules(profile, origin):
        if not isinstance(tags, dict):
            raise refuse(f"the tag rules for {file_name} must be an object")
        for tag, rule in tags.items():
            if not isinstance(rule, dict):
                raise refuse(f"the rule for tag {tag} must be an object")
            for flag in ("required", "repeatable", "recommended"):
                if flag in rule and not isinstance(rule[flag], bool):
                    raise refuse(f"{flag} of tag {tag} must be true or false")
            values = rule.get("values")
            if values is not None and not (
                isinstance(values, list) and all(isinstance(v, str) for v in values)
            ):
                raise refuse(f"values of tag {tag} must be a list of strings")


def _tag_rules(profile: Mapping[str, Any], origin: str = "profile") -> list[tuple[str, Any]]:
    """(tag file, {tag: rule}) pairs: Bag-Info, then any Other-Info files."""
    rules: list[tuple[str, Any]] = [("bag-info.txt", profile.get("Bag-Info", {}))]
    other = profile.get("Other-Info", [])
    entries = other if isinstance(other, list) else [other]
    for entry in entries:
        if not isinstance(entry, dict):
            raise ConfigError(f"Profile {origin}: Other-Info must hold objects; fix the profile.")
        for name, tags in entry.items():
            rules.append((f"{name.lower()}.txt", tags))
    return rules


# --------------------------------------------------------------------------- patterns


@cache
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            parts.append(".*")
            index += 2
            continue
        if char == "*":
            parts.append("[^/]*")
        elif char == "?":
            parts.append("[^/]")
        elif char == "[":
            end = pattern.find("]", index + 2)
            if end == -1:
                parts.append(re.escape(char))
            else:
                body = pattern[index + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                parts.append(f"[{body}]")
                index = end
        else:
            parts.append(re.escape(char))
        index += 1
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def matches_pattern(path: str, pattern: str) -> bool:
    """Does a bag-relative path match a profile's file pattern?

    glob(7) rules (``*`` and ``?`` stay within one folder, ``[...]`` classes) with three
    readings the specification asks for: a lone ``*`` allows every file (its stated
    default), ``dir/*`` allows the whole folder tree (how Payload-Files-Allowed permits a
    directory), and ``**`` crosses folders.
    """
    if pattern in ("*", "**", "**/*"):
        return True
    if pattern.endswith("/*") and "*" not in pattern[:-2] and "?" not in pattern[:-2]:
        return path.startswith(pattern[:-1])
    return bool(_pattern_regex(pattern).match(path))


# --------------------------------------------------------------------------- the bag


@dataclass
class _Bag:
    """What the checks need to know about a bag folder: one :func:`scan_bag` walk."""

    root: Path
    tree: BagTree
    payload: list[str] = field(default_factory=list)
    """Bag-relative paths of payload entries (``data/...``): files, and links (not followed)."""
    payload_dirs: set[str] = field(default_factory=set)
    payload_sizes: dict[str, int] = field(default_factory=dict)
    tag_files: list[str] = field(default_factory=list)
    """Bag-relative paths of every entry outside data/ that is not a folder."""
    encoding: str = "utf-8"
    """The tag files' encoding, as bagit.txt declares it (UTF-8 when it cannot be read)."""


def _describe(root: Path) -> _Bag:
    tree = scan_bag(root)
    bag = _Bag(root, tree)
    # A link is listed like a file (it is one to the profile's name rules) but never read;
    # a linked data/ folder is the bag validator's to report.
    entries = [*tree.files, *(link for link in tree.symlinks if link != "data")]
    for path in sorted(entries):
        if path.startswith("data/"):
            bag.payload.append(path)
            disk = tree.files.get(path)
            bag.payload_sizes[path] = disk.size if disk is not None else -1
        else:
            bag.tag_files.append(path)
    bag.payload_dirs = {f for f in tree.folders if f == "data" or f.startswith("data/")}
    return bag


class _TooLarge(Exception):
    pass


def _read_tag_file(bag: _Bag, name: str, encoding: str | None = None) -> BagInfo | None:
    """``Label: value`` elements of a regular tag file (never through a link); None if absent.

    Read the way the bag validator reads bag-info.txt, leniently (whitespace around the
    colon allowed, as before BagIt 1.0); syntax problems are the bag validator's to
    report, so only the elements are kept.
    """
    disk = bag.tree.files.get(name)
    if disk is None:
        return None
    if disk.size > MAX_TAG_FILE_BYTES:
        raise _TooLarge(disk.size)
    reader = TextLines(name, encoding or bag.encoding, strict_bom=False)
    try:
        with open_regular(bag.root / name, disk.identity) as stream:
            lines = [text for _, text in reader.read(stream)]
    except (OSError, UnsafeFile):
        return None
    return parse_bag_info("\n".join(lines), strict=False, where=name)


# --------------------------------------------------------------------------- validation


def validate_profile(
    bag: str | os.PathLike[str],
    profile: Mapping[str, Any],
    *,
    serialization: str | None = None,
) -> list[Problem]:
    """Every way ``bag`` breaks ``profile``, as problems with codes and facts.

    ``bag`` is a bag folder or a serialized bag (``.zip``, ``.tar``, ``.tar.gz``), which is
    unpacked with :func:`~preserve.validation.archive.open_bag` (its limits and refusals;
    an unsafe member is reported with its ``archive-*`` code). When the folder was itself
    unpacked from an archive, pass that archive's MIME type as ``serialization`` so the
    Serialization rules apply to it.

    As the specification asks, a bag whose serialization or BagIt version the profile
    does not accept is not checked further (those two failures make the rest moot).
    A profile whose rules have the wrong JSON types raises :class:`ConfigError`.
    """
    if not isinstance(profile, Mapping):
        raise ConfigError("A BagIt profile must be a JSON object: load it with load_profile.")
    _check_profile_types(profile, "passed to validate_profile")
    path = Path(bag)
    if path.is_file():
        mime = serialization or archive_mime(path)
        unpacking: list[Problem] = []
        try:
            with open_bag(path, problems=unpacking) as root:
                return unpacking + check_folder(root, profile, mime, path.name)
        except (PackageError, UnsafePathError) as error:
            findings = Report(subject=str(path))
            _check_serialization(findings, profile, mime, path.name)
            code = error.code if isinstance(error, ArchiveDamaged) else "archive-unreadable"
            findings.add("error", code, path.name, str(error))
            return unpacking + findings.problems
    if not path.is_dir():
        return [
            Problem(
                "error",
                "profile-bag-missing",
                str(path),
                "is not a bag folder or archive: give the path of a bag",
                {},
            )
        ]
    return check_folder(path, profile, serialization, "")


def check_folder(
    root: Path, profile: Mapping[str, Any], serialization: str | None, archive: str
) -> list[Problem]:
    """The profile's rules on a bag folder (perhaps unpacked from ``archive``, of MIME
    type ``serialization``); the profile must already have passed :func:`load_profile`."""
    findings = Report(subject=str(root))
    _check_profile_consistency(findings, profile)
    if not _check_serialization(findings, profile, serialization, archive):
        return findings.problems
    bag = _describe(root)
    if not _check_bagit_version(findings, bag, profile):
        return findings.problems
    _check_tags(findings, bag, profile)
    _check_manifests(findings, bag, profile)
    _check_fetch(findings, bag, profile)
    _check_tag_files(findings, bag, profile)
    _check_payload(findings, bag, profile)
    return _without_repeats(findings.problems)


def _without_repeats(problems: list[Problem]) -> list[Problem]:
    """Drop exact repeats (a tag file can be required twice: by name and by its tags)."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for problem in problems:
        key = (problem.code, problem.path, json.dumps(problem.facts, sort_keys=True, default=str))
        if key not in seen:
            seen.add(key)
            kept.append(problem)
    return kept


def _listed(profile: Mapping[str, Any], key: str) -> list[str]:
    value = profile.get(key)
    return list(value) if isinstance(value, list) else []


def _check_profile_consistency(findings: Report, profile: Mapping[str, Any]) -> None:
    """Self-contradictions in the profile: reported once, then read generously."""
    info = profile.get("BagIt-Profile-Info", {})
    # A profile without BagIt-Profile-Version is read as 1.1.0, so only these four are checked.
    missing = [key for key in PROFILE_INFO_REQUIRED if not info.get(key)]
    if missing:
        findings.add(
            "warning",
            "profile-info-incomplete",
            "",
            f"the profile's BagIt-Profile-Info lacks {', '.join(missing)}",
            expected=list(PROFILE_INFO_REQUIRED),
            found=sorted(info),
            missing=missing,
        )
    for required_key, allowed_key in (
        ("Manifests-Required", "Manifests-Allowed"),
        ("Tag-Manifests-Required", "Tag-Manifests-Allowed"),
    ):
        if allowed_key in profile:
            outside = [
                a for a in _listed(profile, required_key) if a not in _listed(profile, allowed_key)
            ]
            if outside:
                findings.add(
                    "warning",
                    "profile-inconsistent",
                    "",
                    f"the profile requires {', '.join(outside)} in {required_key} but "
                    f"{allowed_key} does not allow it; treated as allowed",
                    key=allowed_key,
                    expected=outside,
                    found=_listed(profile, allowed_key),
                )
    for required_key, allowed_key in (
        ("Tag-Files-Required", "Tag-Files-Allowed"),
        ("Payload-Files-Required", "Payload-Files-Allowed"),
    ):
        if allowed_key in profile:
            allowed = _listed(profile, allowed_key)
            outside = [
                name
                for name in _listed(profile, required_key)
                if not any(
                    matches_pattern(name.rstrip("/"), p) or matches_pattern(name, p)
                    for p in allowed
                )
            ]
            if outside:
                findings.add(
                    "warning",
                    "profile-inconsistent",
                    "",
                    f"the profile requires {', '.join(outside)} but {allowed_key} does "
                    "not allow it; treated as allowed",
                    key=allowed_key,
                    expected=outside,
                    found=allowed,
                )
    if profile.get("Fetch.txt-Required") and profile.get("Allow-Fetch.txt") is False:
        findings.add(
            "warning",
            "profile-inconsistent",
            "",
            "the profile requires fetch.txt but does not allow it",
            key="Fetch.txt-Required",
            expected=True,
            found=False,
        )
    if not _listed(profile, "Accept-BagIt-Version"):
        findings.add(
            "warning",
            "profile-inconsistent",
            "",
            "the profile names no Accept-BagIt-Version (the specification requires one); "
            "every version is accepted",
            key="Accept-BagIt-Version",
        )
    for key in sorted(set(profile) - KNOWN_KEYS):
        findings.add(
            "notice",
            "profile-key-unknown",
            "",
            f"the profile key {key} is not in BagIt Profiles {SPEC_VERSION} and was not checked",
            key=key,
        )


def _same_mime(a: str, b: str) -> bool:
    a, b = a.strip().lower(), b.strip().lower()
    return a == b or any(a in family and b in family for family in _MIME_FAMILIES)


def _check_serialization(
    findings: Report, profile: Mapping[str, Any], mime: str | None, archive: str
) -> bool:
    rule = profile.get("Serialization", "optional")
    if mime is None:
        if rule == "required":
            findings.add(
                "error",
                "profile-serialization-required",
                "",
                "the profile requires a serialized bag (an archive) but this is a folder",
                expected=_listed(profile, "Accept-Serialization"),
                found="folder",
            )
            return False
        return True
    if rule == "forbidden":
        findings.add(
            "error",
            "profile-serialization-forbidden",
            archive,
            f"the profile forbids serialized bags but this is {mime}",
            expected="folder",
            found=mime,
        )
        return False
    accepted = _listed(profile, "Accept-Serialization")
    if accepted and not any(_same_mime(mime, a) for a in accepted):
        findings.add(
            "error",
            "profile-serialization-not-accepted",
            archive,
            f"the profile does not accept {mime} archives",
            expected=accepted,
            found=mime,
        )
        return False
    return True


def _check_bagit_version(findings: Report, bag: _Bag, profile: Mapping[str, Any]) -> bool:
    accepted = _listed(profile, "Accept-BagIt-Version")
    try:
        # bagit.txt is UTF-8 whatever it declares for the other tag files.
        declaration = _read_tag_file(bag, "bagit.txt", "utf-8")
    except _TooLarge as too_large:
        findings.add(
            "error",
            "profile-bagit-version-unknown",
            "bagit.txt",
            "is too large to be a bag declaration",
            found=too_large.args[0],
        )
        return not accepted
    if declaration is None:
        if accepted:
            findings.add(
                "error",
                "profile-bagit-version-unknown",
                "bagit.txt",
                "is missing, so the BagIt version the profile asks for cannot be checked",
                expected=accepted,
                found=None,
            )
        return not accepted
    declared = declaration.values("Tag-File-Character-Encoding")
    bag.encoding = (text_encoding(declared[0]) if declared else None) or "utf-8"
    versions = declaration.values("BagIt-Version")
    found = versions[0] if versions else None
    if accepted and found not in accepted:
        findings.add(
            "error",
            "profile-bagit-version-not-accepted",
            "bagit.txt",
            f"declares BagIt version {found} but the profile accepts only {', '.join(accepted)}",
            tag="BagIt-Version",
            expected=accepted,
            found=found,
        )
        return False
    return True


def _check_tags(findings: Report, bag: _Bag, profile: Mapping[str, Any]) -> None:
    identifier = profile.get("BagIt-Profile-Info", {}).get("BagIt-Profile-Identifier")
    for file_name, rules in _tag_rules(profile):
        try:
            parsed = _read_tag_file(bag, file_name)
        except _TooLarge as too_large:
            findings.add(
                "error",
                "profile-tag-file-unreadable",
                file_name,
                "is too large to be a tag file and was not read",
                found=too_large.args[0],
                expected=MAX_TAG_FILE_BYTES,
            )
            continue
        is_bag_info = file_name == "bag-info.txt"
        if parsed is None:
            if is_bag_info or rules:
                findings.add(
                    "error",
                    "profile-tag-file-missing",
                    file_name,
                    "is missing; the profile requires it for its tags",
                    expected=file_name,
                    found=None,
                )
            continue
        for tag, rule in rules.items():
            _check_tag(findings, file_name, parsed, tag, rule)
        if is_bag_info:
            _check_identifier(findings, parsed, identifier)


def _check_tag(
    findings: Report, file_name: str, parsed: BagInfo, tag: str, rule: Mapping[str, Any]
) -> None:
    values = parsed.values(tag)
    spellings = {name for name, _ in parsed.elements if name.casefold() == tag.casefold()} - {tag}
    if spellings:
        findings.add(
            "notice",
            "profile-tag-case",
            file_name,
            f"spells the tag {tag} as {', '.join(sorted(spellings))}",
            tag=tag,
            found=sorted(spellings),
        )
    if not values:
        if rule.get("required", False):
            findings.add(
                "error",
                "profile-tag-missing",
                file_name,
                f"lacks the tag {tag}, which the profile requires",
                tag=tag,
                expected="present",
                found=None,
            )
        elif rule.get("recommended", False):
            findings.add(
                "warning",
                "profile-tag-recommended-missing",
                file_name,
                f"lacks the tag {tag}, which the profile recommends",
                tag=tag,
                description=rule.get("description", ""),
            )
        return
    if rule.get("required", False) and not any(value for value in values):
        findings.add(
            "error",
            "profile-tag-empty",
            file_name,
            f"gives the required tag {tag} no value",
            tag=tag,
            expected="a value",
            found="",
        )
    if rule.get("repeatable", True) is False and len(values) > 1:
        findings.add(
            "error",
            "profile-tag-repeated",
            file_name,
            f"repeats the tag {tag} {len(values)} times but the profile allows it once",
            tag=tag,
            expected=1,
            found=len(values),
            values=values,
        )
    allowed = rule.get("values") or []
    if allowed:
        for value in values:
            if value not in allowed:
                findings.add(
                    "error",
                    "profile-tag-value-not-allowed",
                    file_name,
                    f"gives {tag} the value {value!r}, which the profile does not allow",
                    tag=tag,
                    expected=list(allowed),
                    found=value,
                )


def _check_identifier(findings: Report, parsed: BagInfo, identifier: Any) -> None:
    declared = parsed.values("BagIt-Profile-Identifier")
    if not declared:
        findings.add(
            "error",
            "profile-identifier-missing",
            "bag-info.txt",
            "lacks BagIt-Profile-Identifier, which every bag that follows a profile must declare",
            tag="BagIt-Profile-Identifier",
            expected=identifier,
            found=None,
        )
        return
    if isinstance(identifier, str) and _normal_uri(identifier) not in {
        _normal_uri(value) for value in declared
    }:
        findings.add(
            "warning",
            "profile-identifier-mismatch",
            "bag-info.txt",
            "declares a different profile than the one it was checked against",
            tag="BagIt-Profile-Identifier",
            expected=identifier,
            found=declared,
        )


def _algorithms(files: Sequence[str], pattern: re.Pattern[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in files:
        match = pattern.match(name)
        if match:
            found[match.group(1).lower()] = name
    return found


def _check_manifests(findings: Report, bag: _Bag, profile: Mapping[str, Any]) -> None:
    top = [name for name in bag.tag_files if "/" not in name]
    for kind, pattern, required_key, allowed_key in (
        ("manifest", _MANIFEST, "Manifests-Required", "Manifests-Allowed"),
        ("tag-manifest", _TAG_MANIFEST, "Tag-Manifests-Required", "Tag-Manifests-Allowed"),
    ):
        present = _algorithms(top, pattern)
        required = [a.lower() for a in _listed(profile, required_key)]
        file_prefix = "manifest" if kind == "manifest" else "tagmanifest"
        for algorithm in required:
            if algorithm not in present:
                findings.add(
                    "error",
                    f"profile-{kind}-missing",
                    f"{file_prefix}-{algorithm}.txt",
                    f"is missing; the profile requires {kind.replace('-', ' ')}s in {algorithm}",
                    algorithm=algorithm,
                    expected=required,
                    found=sorted(present),
                )
        if allowed_key in profile:
            allowed = {a.lower() for a in _listed(profile, allowed_key)} | set(required)
            for algorithm, name in sorted(present.items()):
                if algorithm not in allowed:
                    findings.add(
                        "error",
                        f"profile-{kind}-not-allowed",
                        name,
                        f"uses {algorithm}, which the profile does not allow",
                        algorithm=algorithm,
                        expected=sorted(allowed),
                        found=algorithm,
                    )


def _check_fetch(findings: Report, bag: _Bag, profile: Mapping[str, Any]) -> None:
    present = "fetch.txt" in bag.tag_files
    if present and profile.get("Allow-Fetch.txt", True) is False:
        findings.add(
            "error",
            "profile-fetch-not-allowed",
            "fetch.txt",
            "is present but the profile does not allow fetch.txt",
            expected=False,
            found=True,
        )
    if not present and profile.get("Fetch.txt-Required", False):
        findings.add(
            "error",
            "profile-fetch-missing",
            "fetch.txt",
            "is missing but the profile requires fetch.txt",
            expected=True,
            found=False,
        )


def _check_tag_files(findings: Report, bag: _Bag, profile: Mapping[str, Any]) -> None:
    other = [name for name in bag.tag_files if not _BAGIT_FILES.match(name)]
    for name in _listed(profile, "Tag-Files-Required"):
        if name not in bag.tag_files:
            findings.add(
                "error",
                "profile-tag-file-missing",
                name,
                "is missing; the profile requires this tag file",
                expected=name,
                found=None,
            )
    if "Tag-Files-Allowed" in profile:
        allowed = _listed(profile, "Tag-Files-Allowed") + _listed(profile, "Tag-Files-Required")
        for name in other:
            if not any(matches_pattern(name, pattern) for pattern in allowed):
                findings.add(
                    "error",
                    "profile-tag-file-not-allowed",
                    name,
                    "is a tag file the profile does not allow",
                    expected=allowed,
                    found=name,
                )


def _check_payload(findings: Report, bag: _Bag, profile: Mapping[str, Any]) -> None:
    payload = set(bag.payload)
    for name in _listed(profile, "Payload-Files-Required"):
        if name.endswith("/"):
            folder = name.rstrip("/")
            present = folder in bag.payload_dirs and any(
                p.startswith(folder + "/") for p in bag.payload
            )
        else:
            present = name in payload
        if not present:
            findings.add(
                "error",
                "profile-payload-file-missing",
                name,
                "is missing; the profile requires this payload "
                + ("folder (with files in it)" if name.endswith("/") else "file"),
                expected=name,
                found=None,
            )
    if "Payload-Files-Allowed" in profile:
        allowed = _listed(profile, "Payload-Files-Allowed")
        required = _listed(profile, "Payload-Files-Required")
        for name in bag.payload:
            if any(matches_pattern(name, pattern) for pattern in allowed):
                continue
            if name in required or any(r.endswith("/") and name.startswith(r) for r in required):
                continue
            findings.add(
                "error",
                "profile-payload-file-not-allowed",
                name,
                "is a payload file the profile does not allow",
                expected=allowed,
                found=name,
            )
    if profile.get("Data-Empty", False):
        sizes = bag.payload_sizes
        empty = not sizes or (len(sizes) == 1 and next(iter(sizes.values())) == 0)
        if not empty:
            findings.add(
                "error",
                "profile-data-not-empty",
                "data",
                "holds payload but the profile requires an empty data folder "
                "(at most one zero-byte file)",
                expected="no files or one empty file",
                found=len(sizes),
                bytes=sum(max(size, 0) for size in sizes.values()),
            )
