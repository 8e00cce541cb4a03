"""The Library of Congress BagIt conformance suite: every bag gets the expected verdict.

Expected verdicts on Linux: valid → valid; warning → valid with at least one warning;
invalid and linux-only → invalid. Two suite defects are handled as the issue says:
``special-system-files`` lost its empty ``data/.DS_Store`` in git (recreated in the
temporary copy), and ``duplicate-file-with-different-case`` is a warning only on a
case-insensitive file system: on Linux ``data/HELLO.txt`` is really missing, so it must
fail, with a warning naming the case collision. windows-only bags name drive letters, UNC
and %VARIABLE% paths: preserve refuses those on every system, so they are invalid here
too (not counted in the 54 that apply on Linux).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from preserve.validation import validate_bag
from preserve.validation.codes import CODES

from .conftest import CONFORMANCE, codes, copy_bag

CASE_BAG = "v0.97/warning/duplicate-file-with-different-case"


def _bags(kinds: tuple[str, ...]) -> list[str]:
    return sorted(
        str(bag.relative_to(CONFORMANCE))
        for bag in CONFORMANCE.glob("v*/*/*")
        if bag.is_dir() and bag.parent.name in kinds
    )


LINUX_BAGS = _bags(("valid", "invalid", "warning", "linux-only"))


def test_suite_has_every_bag_that_applies_on_linux() -> None:
    assert len(LINUX_BAGS) == 54
    assert len(_bags(("windows-only",))) == 6


@pytest.mark.parametrize("relative", LINUX_BAGS)
def test_conformance_verdict(relative: str, tmp_path: Path) -> None:
    bag = copy_bag(CONFORMANCE / relative, tmp_path)
    if bag.name == "special-system-files":
        (bag / "data" / ".DS_Store").write_bytes(b"")
    report = validate_bag(bag)
    assert "internal-error" not in codes(report)
    assert set(codes(report)) <= set(CODES)
    kind = Path(relative).parent.name
    if relative == CASE_BAG:
        assert not report.valid
        assert codes(report, "error") == ["manifest-entry-missing-file"]
        collisions = [p for p in report.warnings if p.code == "case-collision"]
        assert collisions and "data/hello.txt" in collisions[0].message
        assert collisions[0].path == "data/HELLO.txt"
    elif kind == "valid":
        assert report.valid, [str(p) for p in report.errors]
    elif kind == "warning":
        assert report.valid, [str(p) for p in report.errors]
        assert report.warnings
    else:
        assert not report.valid


@pytest.mark.parametrize("relative", _bags(("windows-only",)))
def test_windows_only_bags_are_refused_on_linux_too(relative: str, tmp_path: Path) -> None:
    report = validate_bag(copy_bag(CONFORMANCE / relative, tmp_path))
    assert not report.valid
    assert set(codes(report, "error")) <= {
        "unsafe-path",
        "manifest-path-outside-payload",
        "fetch-lists-tag-file",
    }


def test_suite_copy_is_untouched_by_the_tests() -> None:
    # special-system-files must still lack .DS_Store: the fix is made in copies only.
    assert not (CONFORMANCE / "v0.97/warning/special-system-files/data/.DS_Store").exists()


EXPECTED_REASONS = {
    "v0.97/invalid/baginfo-missing-encoding": "bagit-txt-malformed",
    "v0.97/invalid/bom-in-bagit.txt": "bagit-txt-bom",
    "v0.97/invalid/corrupt-data-file": "checksum-mismatch",
    "v0.97/invalid/corrupt-tag-file": "checksum-mismatch",
    "v0.97/invalid/extra-file-in-bag": "file-not-in-manifest",
    "v0.97/invalid/invalid-version-number": "bagit-txt-malformed",
    "v0.97/invalid/missing-baginfo": "manifest-entry-missing-file",
    "v0.97/invalid/missing-bagit.txt": "bagit-txt-missing",
    "v0.97/invalid/out-of-scope-file-paths-using-dot-notation": "unsafe-path",
    "v0.97/invalid/out-of-scope-file-paths-using-dot-notation-for-fetch": "unsafe-path",
    "v0.97/invalid/same-filename-listed-twice-with-different-hashes": (
        "manifest-duplicate-entry-conflict"
    ),
    "v0.97/linux-only/out-of-scope-file-paths-using-absolute-path": "unsafe-path",
    "v0.97/linux-only/out-of-scope-file-paths-using-absolute-path-for-fetch": "unsafe-path",
    "v0.97/linux-only/out-of-scope-file-paths-using-shortcut": "unsafe-path",
    "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-for-fetch": "unsafe-path",
    "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username": "unsafe-path",
    "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username-for-fetch": "unsafe-path",
    "v1.0/invalid/bagit-with-invalid-whitespace": "bagit-txt-malformed",
    "v1.0/invalid/notAllManifestsListAllFiles": "file-not-in-manifest",
    "v1.0/invalid/same-filename-listed-twice-with-different-hashes": (
        "manifest-duplicate-entry-conflict"
    ),
    "v1.0/invalid/same-filename-listed-twice-with-the-same-hash": "manifest-duplicate-entry",
}


@pytest.mark.parametrize("relative", sorted(EXPECTED_REASONS))
def test_invalid_bags_fail_for_the_right_reason(relative: str, tmp_path: Path) -> None:
    report = validate_bag(copy_bag(CONFORMANCE / relative, tmp_path))
    assert EXPECTED_REASONS[relative] in codes(report, "error")


def test_every_invalid_bag_has_a_stated_reason() -> None:
    invalid = set(_bags(("invalid", "linux-only")))
    assert invalid == set(EXPECTED_REASONS)


@pytest.mark.parametrize(
    ("relative", "warning"),
    [
        ("v0.97/warning/made-with-md5sum-tools", "manifest-binary-marker"),
        ("v0.97/warning/relative-path", "path-leading-dot-slash"),
        (
            "v0.97/warning/same-filename-listed-twice-with-different-normalization",
            "normalization-collision",
        ),
        ("v0.97/warning/same-filename-listed-twice-with-the-same-hash", "manifest-duplicate-entry"),
        ("v0.97/warning/special-system-files", "system-file"),
    ],
)
def test_warning_bags_warn_for_the_right_reason(
    relative: str, warning: str, tmp_path: Path
) -> None:
    bag = copy_bag(CONFORMANCE / relative, tmp_path)
    if bag.name == "special-system-files":
        (bag / "data" / ".DS_Store").write_bytes(b"")
    report = validate_bag(bag)
    assert report.valid
    assert warning in codes(report, "warning")


SHARED = CONFORMANCE.parents[3] / "shared" / "bagit-conformance"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/bagit-conformance is not here")
def test_vendored_copy_is_byte_for_byte_the_shared_suite() -> None:
    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    assert files(CONFORMANCE) == files(SHARED)
