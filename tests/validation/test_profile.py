"""BagIt Profiles 1.4.0: every bundled profile loads, and each rule names what breaks it."""

from __future__ import annotations

import copy
import http.server
import json
import shutil
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bagit
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.config import BTR_PROFILE_ID
from preserve.errors import ConfigError
from preserve.validation.profile import (
    bundled_profiles,
    load_profile,
    matches_pattern,
    validate_profile,
)

SHARED_PROFILES = Path("/work/shared/bagit-profiles")

BTR_INFO = {
    "Source-Organization": "Town Archive",
    "Organization-Address": "1 Main Street",
    "Contact-Name": "A. Archivist",
    "Contact-Email": "archivist@example.org",
    "External-Identifier": "item-1",
    "Bag-Group-Identifier": "group-1",
    "Bag-Count": "1 of 1",
    "Internal-Sender-Identifier": "raw/item-1",
    "Internal-Sender-Description": "a test item",
    "Bag-Producing-Organization": "Town Archive",
    "BagIt-Profile-Identifier": BTR_PROFILE_ID,
}


def make_bag(
    folder: Path,
    info: dict[str, str] | None = None,
    algorithms: tuple[str, ...] = ("sha256", "sha512"),
    files: dict[str, bytes] | None = None,
) -> Path:
    folder.mkdir(parents=True)
    for name, content in (files or {"a.txt": b"hello\n", "sub/b.txt": b"world\n"}).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    tags = dict(BTR_INFO if info is None else info)
    bagit.make_bag(str(folder), tags, checksums=list(algorithms))
    return folder


def codes(problems: list[Any], severity: str = "error") -> list[str]:
    return sorted(p.code for p in problems if p.severity == severity)


def rewrite_bag_info(bag: Path, edit: Any) -> None:
    path = bag / "bag-info.txt"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")


@pytest.fixture
def btr() -> dict[str, Any]:
    return load_profile("btr")


@pytest.fixture
def good_bag(tmp_path: Path) -> Path:
    return make_bag(tmp_path / "bag")


# ----------------------------------------------------------------------------- loading


@pytest.mark.parametrize("name", sorted(bundled_profiles()))
def test_every_bundled_profile_loads_and_names_itself(name: str) -> None:
    profile = load_profile(name)
    identifier = profile["BagIt-Profile-Info"]["BagIt-Profile-Identifier"]
    assert identifier.startswith("http")
    assert load_profile(bundled_profiles()[name]) == profile


def test_bundled_names_are_the_promised_ones() -> None:
    assert {"btr", "aptrust", "metaarchive", "bagProfileFoo", "bagProfileBar", "perseids"} <= set(
        bundled_profiles()
    )


@pytest.mark.skipif(not SHARED_PROFILES.is_dir(), reason="no ../shared in this clone")
def test_every_shared_profile_loads_and_is_bundled_byte_for_byte() -> None:
    shared = sorted(SHARED_PROFILES.rglob("*.json"))
    assert shared
    bundled = {path.read_bytes() for path in bundled_profiles().values()}
    for path in shared:
        assert load_profile(path)["BagIt-Profile-Info"]
        assert path.read_bytes() in bundled, path


def test_both_btr_files_say_the_same_thing() -> None:
    folder = Path(bundled_profiles()["btr"]).parent.parent
    other = folder / "duraspace-bagit-support" / "beyondtherepository.json"
    assert json.loads(other.read_text()) == load_profile("btr")


def test_identifier_uris_resolve_offline_to_the_bundled_copy() -> None:
    assert load_profile(BTR_PROFILE_ID) == load_profile("btr")
    assert load_profile("http://fedora.info/bagprofile/aptrust.json") == load_profile("aptrust")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"Bag-Info": {}}', "BagIt-Profile-Info"),
        ('{"BagIt-Profile-Info": {}, "Manifests-Required": "md5"}', "Manifests-Required"),
        ('{"BagIt-Profile-Info": {}, "Allow-Fetch.txt": "no"}', "Allow-Fetch.txt"),
        ('{"BagIt-Profile-Info": {}, "Serialization": "maybe"}', "Serialization"),
        ('{"BagIt-Profile-Info": {}, "Bag-Info": {"X": {"values": "a"}}}', "values of tag X"),
    ],
)
def test_bad_profile_json_is_a_config_error(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "profile.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=words):
        load_profile(path)


def test_unknown_reference_and_unreachable_uri_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="bundled profile"):
        load_profile("no-such-profile")
    with pytest.raises(ConfigError, match="Cannot fetch profile"):
        load_profile("http://127.0.0.1:9/profile.json")


@pytest.fixture
def profile_server(tmp_path: Path) -> Iterator[str]:
    served = tmp_path / "served"
    served.mkdir()
    shutil.copyfile(bundled_profiles()["metaarchive"], served / "p.json")
    (served / "broken.json").write_text("{", encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_unbundled_uri_is_fetched(profile_server: str) -> None:
    assert load_profile(f"{profile_server}/p.json") == load_profile("metaarchive")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_profile(f"{profile_server}/broken.json")
    with pytest.raises(ConfigError, match="Cannot fetch"):
        load_profile(f"{profile_server}/missing.json")


# ----------------------------------------------------------------------------- BTR


def test_a_bag_made_by_bagit_python_passes_btr(good_bag: Path, btr: dict[str, Any]) -> None:
    assert validate_profile(good_bag, btr) == []


def test_a_missing_required_tag_is_named(good_bag: Path, btr: dict[str, Any]) -> None:
    rewrite_bag_info(
        good_bag, lambda t: "".join(li for li in t.splitlines(True) if "Source-Org" not in li)
    )
    problems = validate_profile(good_bag, btr)
    assert codes(problems) == ["profile-tag-missing"]
    assert problems[0].facts["tag"] == "Source-Organization"
    assert problems[0].path == "bag-info.txt"


def test_a_missing_recommended_tag_is_a_warning(tmp_path: Path, btr: dict[str, Any]) -> None:
    info = {k: v for k, v in BTR_INFO.items() if k != "Contact-Email"}
    problems = validate_profile(make_bag(tmp_path / "bag", info), btr)
    assert codes(problems) == []
    assert codes(problems, "warning") == ["profile-tag-recommended-missing"]
    assert problems[0].facts["tag"] == "Contact-Email"


def test_a_value_not_in_values_is_named(good_bag: Path, btr: dict[str, Any]) -> None:
    strict = copy.deepcopy(btr)
    strict["Bag-Info"]["Source-Organization"]["values"] = ["York University"]
    problems = validate_profile(good_bag, strict)
    assert codes(problems) == ["profile-tag-value-not-allowed"]
    assert problems[0].facts == {
        "tag": "Source-Organization",
        "expected": ["York University"],
        "found": "Town Archive",
    }


def test_a_non_repeatable_tag_repeated(good_bag: Path, btr: dict[str, Any]) -> None:
    strict = copy.deepcopy(btr)
    strict["Bag-Info"]["Contact-Email"]["repeatable"] = False
    rewrite_bag_info(good_bag, lambda t: t + "Contact-Email: second@example.org\n")
    problems = validate_profile(good_bag, strict)
    assert codes(problems) == ["profile-tag-repeated"]
    assert problems[0].facts["found"] == 2
    # Repeatable is the default: the unchanged profile accepts the repeat.
    assert codes(validate_profile(good_bag, btr)) == []


def test_a_manifest_algorithm_not_allowed(tmp_path: Path, btr: dict[str, Any]) -> None:
    strict = copy.deepcopy(btr)
    strict["Manifests-Allowed"] = ["sha256"]
    problems = validate_profile(make_bag(tmp_path / "bag"), strict)
    assert codes(problems) == ["profile-manifest-not-allowed"]
    assert problems[0].path == "manifest-sha512.txt"
    assert problems[0].facts == {"algorithm": "sha512", "expected": ["sha256"], "found": "sha512"}


def test_fetch_txt_when_disallowed(good_bag: Path, btr: dict[str, Any]) -> None:
    (good_bag / "fetch.txt").write_text("http://example.org/x 5 data/x\n", encoding="utf-8")
    problems = validate_profile(good_bag, btr)
    assert codes(problems) == ["profile-fetch-not-allowed"]
    required = copy.deepcopy(btr) | {"Allow-Fetch.txt": True, "Fetch.txt-Required": True}
    (good_bag / "fetch.txt").unlink()
    assert codes(validate_profile(good_bag, required)) == ["profile-fetch-missing"]


def test_a_wrong_bagit_version_stops_the_check(good_bag: Path, btr: dict[str, Any]) -> None:
    (good_bag / "bagit.txt").write_text(
        "BagIt-Version: 0.96\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8"
    )
    (good_bag / "fetch.txt").write_text("x\n", encoding="utf-8")  # not reported: check stopped
    problems = validate_profile(good_bag, btr)
    assert codes(problems) == ["profile-bagit-version-not-accepted"]
    assert problems[0].facts == {
        "tag": "BagIt-Version",
        "expected": ["0.97", "1.0"],
        "found": "0.96",
    }


def test_the_profile_identifier_must_be_declared(tmp_path: Path, btr: dict[str, Any]) -> None:
    info = {k: v for k, v in BTR_INFO.items() if k != "BagIt-Profile-Identifier"}
    problems = validate_profile(make_bag(tmp_path / "bag", info), btr)
    assert codes(problems) == ["profile-identifier-missing"]
    other = make_bag(tmp_path / "other", BTR_INFO | {"BagIt-Profile-Identifier": "urn:x"})
    problems = validate_profile(other, btr)
    assert codes(problems) == []
    assert codes(problems, "warning") == ["profile-identifier-mismatch"]


def test_a_bag_info_symlink_out_of_the_bag_is_not_read(
    tmp_path: Path, good_bag: Path, btr: dict[str, Any]
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text((good_bag / "bag-info.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (good_bag / "bag-info.txt").unlink()
    (good_bag / "bag-info.txt").symlink_to(outside)
    assert codes(validate_profile(good_bag, btr)) == ["profile-tag-file-missing"]


def test_folded_bom_and_crlf_bag_info_is_read(good_bag: Path, btr: dict[str, Any]) -> None:
    rewrite_bag_info(
        good_bag,
        lambda t: (
            "\ufeff"
            + t.replace("Source-Organization: Town Archive", "Source-Organization: Town\n  Archive")
        ),
    )
    data = (good_bag / "bag-info.txt").read_bytes().replace(b"\n", b"\r\n")
    (good_bag / "bag-info.txt").write_bytes(data)
    strict = copy.deepcopy(btr)
    strict["Bag-Info"]["Source-Organization"]["values"] = ["Town Archive"]
    assert validate_profile(good_bag, strict) == []


# ----------------------------------------------------------------------------- others


APTRUST_INFO = {
    "Source-Organization": "Town Archive",
    "Bag-Size": "12 B",
    "BagIt-Profile-Identifier": "http://fedora.info/bagprofile/aptrust.json",
}


def aptrust_bag(folder: Path, access: str = "Institution") -> Path:
    bag = make_bag(folder, APTRUST_INFO, algorithms=("md5", "sha256"))
    (bag / "aptrust-info.txt").write_text(
        f"Title: A test\nAccess: {access}\nStorage-Option: Standard\n", encoding="utf-8"
    )
    return bag


def test_aptrust_sample(tmp_path: Path) -> None:
    profile = load_profile("aptrust")
    problems = validate_profile(aptrust_bag(tmp_path / "good"), profile)
    assert codes(problems) == []
    assert codes(problems, "notice") == []

    problems = validate_profile(aptrust_bag(tmp_path / "public", access="Public"), profile)
    assert codes(problems) == ["profile-tag-value-not-allowed"]
    assert problems[0].path == "aptrust-info.txt"
    assert problems[0].facts["expected"] == ["Consortia", "Institution", "Restricted"]

    missing = aptrust_bag(tmp_path / "missing")
    (missing / "aptrust-info.txt").unlink()
    assert codes(validate_profile(missing, profile)) == ["profile-tag-file-missing"]

    problems = validate_profile(make_bag(tmp_path / "sha512", APTRUST_INFO, ("sha512",)), profile)
    assert codes(problems) == [
        "profile-manifest-missing",
        "profile-manifest-not-allowed",
        "profile-tag-file-missing",
        "profile-tag-manifest-missing",
        "profile-tag-manifest-not-allowed",
    ]


def test_metaarchive_sample(tmp_path: Path) -> None:
    profile = load_profile("metaarchive")
    info = {
        "Source-Organization": "Town Archive",
        "Contact-Name": "A. Archivist",
        "Contact-Phone": "+1 555 0100",
        "Contact-Email": "archivist@example.org",
        "External-Description": "Letters",
        "Bag-Size": "12 B",
        "BagIt-Profile-Identifier": "http://fedora.info/bagprofile/metaarchive.json",
    }
    assert validate_profile(make_bag(tmp_path / "good", info, ("sha1",)), profile) == []
    no_phone = {k: v for k, v in info.items() if k != "Contact-Phone"}
    problems = validate_profile(make_bag(tmp_path / "bad", no_phone, ("sha256",)), profile)
    assert codes(problems) == [
        "profile-manifest-missing",
        "profile-tag-manifest-missing",
        "profile-tag-missing",
    ]
    assert [p.facts["tag"] for p in problems if p.code == "profile-tag-missing"] == [
        "Contact-Phone"
    ]


def test_fedora_profile_contradiction_is_reported_not_fatal(tmp_path: Path) -> None:
    profile = load_profile("fedora-import-export")
    info = {"Source-Organization": "x", "Bag-Size": "1", "BagIt-Profile-Identifier": "urn:y"}
    problems = validate_profile(make_bag(tmp_path / "bag", info, ("sha1",)), profile)
    assert codes(problems) == []
    assert "profile-inconsistent" in codes(problems, "warning")


def test_tag_and_payload_file_rules(good_bag: Path, btr: dict[str, Any]) -> None:
    (good_bag / "DPN").mkdir()
    (good_bag / "DPN" / "dpnFirstNode.txt").write_text("x", encoding="utf-8")
    (good_bag / "notes.txt").write_text("x", encoding="utf-8")
    profile = copy.deepcopy(btr) | {
        "Tag-Files-Required": ["DPN/dpnFirstNode.txt", "DPN/dpnRegistry"],
        "Tag-Files-Allowed": ["DPN/*"],
        "Payload-Files-Required": ["data/a.txt", "data/LICENSE.txt", "data/sub/", "data/none/"],
        "Payload-Files-Allowed": ["data/a.txt", "data/LICENSE.txt", "data/none/*"],
    }
    problems = validate_profile(good_bag, profile)
    found = {(p.code, p.path) for p in problems if p.severity == "error"}
    assert found == {
        ("profile-tag-file-missing", "DPN/dpnRegistry"),
        ("profile-tag-file-not-allowed", "notes.txt"),
        ("profile-payload-file-missing", "data/LICENSE.txt"),
        ("profile-payload-file-missing", "data/none/"),
    }


def test_data_empty(tmp_path: Path, btr: dict[str, Any]) -> None:
    profile = copy.deepcopy(btr) | {"Data-Empty": True}
    empty = make_bag(tmp_path / "empty", files={"empty.txt": b""})
    assert validate_profile(empty, profile) == []
    problems = validate_profile(make_bag(tmp_path / "full"), profile)
    assert codes(problems) == ["profile-data-not-empty"]
    assert problems[0].facts["found"] == 2


def test_serialized_bags(tmp_path: Path, good_bag: Path, btr: dict[str, Any]) -> None:
    archive = Path(shutil.make_archive(str(tmp_path / "bag"), "zip", good_bag.parent, "bag"))
    assert validate_profile(archive, btr) == []
    with tarfile.open(tmp_path / "bag.tar.gz", "w:gz") as bundle:
        bundle.add(good_bag, arcname="bag")
    assert validate_profile(tmp_path / "bag.tar.gz", btr) == []

    foo = load_profile("bagProfileFoo")
    problems = validate_profile(good_bag, foo)
    assert codes(problems) == ["profile-serialization-required"]
    problems = validate_profile(tmp_path / "bag.tar.gz", foo)
    assert codes(problems) == ["profile-serialization-not-accepted"]
    assert problems[0].facts == {
        "expected": ["application/zip", "application/tar"],
        "found": "application/gzip",
    }
    forbidden = copy.deepcopy(btr) | {"Serialization": "forbidden"}
    assert codes(validate_profile(archive, forbidden)) == ["profile-serialization-forbidden"]
    assert codes(validate_profile(good_bag, btr, serialization="application/x-tar")) == []


def test_an_archive_escaping_its_folder_is_refused(tmp_path: Path, btr: dict[str, Any]) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as bundle:
        bundle.writestr("../escaped.txt", "x")
    problems = validate_profile(evil, btr)
    assert "archive-unsafe-member" in codes(problems)
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_archives_are_opened_by_the_checked_extractor(
    tmp_path: Path, good_bag: Path, btr: dict[str, Any]
) -> None:
    # One extractor for the whole package (validation/archive.py): it refuses links,
    # which tarfile's "data" filter (missing from Python 3.11.2) would have written.
    archive = tmp_path / "bag.tar.gz"
    with tarfile.open(archive, "w:gz") as bundle:
        bundle.add(good_bag, arcname="bag")
        link = tarfile.TarInfo("bag/data/link.txt")
        link.type = tarfile.SYMTYPE
        link.linkname = "a.txt"
        bundle.addfile(link)
    problems = validate_profile(archive, btr)
    assert [(p.code, p.path) for p in problems] == [("archive-link-member", "bag/data/link.txt")]

    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[:-8])
    assert codes(validate_profile(cut, btr)) == ["archive-link-member", "archive-truncated"]


def test_a_missing_bag_is_reported(tmp_path: Path, btr: dict[str, Any]) -> None:
    assert codes(validate_profile(tmp_path / "nothing", btr)) == ["profile-bag-missing"]


# ----------------------------------------------------------------------------- parsers


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("DPN/dpnRegistry", "DPN/*", True),
        ("DPN/deep/file", "DPN/*", True),
        ("meta/a", "meta/*/*", False),
        ("meta/a/b", "meta/*/*", True),
        ("meta/dir/0", "meta/dir/[0-9]", True),
        ("meta/dir/a", "meta/dir/[0-9]", False),
        ("anything/at/all", "*", True),
        ("a/b/c.xml", "**/*.xml", True),
        ("a/b/c.txt", "**/*.xml", False),
        ("x.txt", "?.txt", True),
    ],
)
def test_file_patterns(path: str, pattern: str, expected: bool) -> None:
    assert matches_pattern(path, pattern) is expected


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_patterns_never_fail(path: str, pattern: str) -> None:
    assert matches_pattern(path, pattern) in (True, False)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = st.sampled_from(
    [
        "BagIt-Profile-Info",
        "Bag-Info",
        "Manifests-Allowed",
        "Tag-Files-Allowed",
        "Other-Info",
        "Serialization",
        "Data-Empty",
        "Accept-BagIt-Version",
        "Payload-Files-Required",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(KEYS, JSON, max_size=5))
def test_any_profile_is_either_refused_or_checked(tmp_path_factory, profile) -> None:
    bag = tmp_path_factory.getbasetemp() / "fuzz-bag"
    if not bag.exists():
        make_bag(bag)
    try:
        problems = validate_profile(bag, profile)
    except ConfigError:
        return
    assert all(p.code.startswith("profile-") for p in problems)
