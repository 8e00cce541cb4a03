"""validate_bag's contract: report info, modes, progress, processes, bagit-python's bags."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import bagit
import pytest

from preserve.validation import validate_bag

from .conftest import BagMaker, codes


def test_info_describes_the_bag(make_bag: BagMaker) -> None:
    bag = make_bag({"data/a.txt": b"aa", "data/sub/b.txt": b"bbb"})
    report = validate_bag(bag)
    assert report.valid
    info = report.info
    assert info["bagit_version"] == "1.0"
    assert info["algorithms"] == ["sha256", "sha512"]
    assert info["payload_files"] == 2
    assert info["payload_bytes"] == 5
    assert info["tag_files"] == 6
    assert info["complete"] is True
    assert info["mode"] == "full"
    assert report.subject == str(bag)


def test_progress_hears_every_hashed_byte(make_bag: BagMaker) -> None:
    bag = make_bag({"data/big.bin": bytes(3 << 20), "data/small.txt": b"x"})
    heard: list[int] = []
    report = validate_bag(bag, progress=heard.append)
    assert report.valid
    hashed = sum(p.stat().st_size for p in bag.rglob("*") if p.is_file())
    hashed -= sum(p.stat().st_size for p in bag.glob("tagmanifest-*.txt"))
    assert sum(heard) == hashed
    assert len(heard) > 3  # called as bytes are read, not once at the end


@pytest.mark.parametrize("processes", [1, 2])
def test_processes_give_the_same_report(make_bag: BagMaker, processes: int) -> None:
    files = {f"data/{n:03d}.bin": bytes([n % 256]) * (n * 997) for n in range(300)}
    bag = make_bag(files)
    (bag / "data" / "150.bin").write_bytes(b"\x00" + files["data/150.bin"][1:])
    heard: list[int] = []
    report = validate_bag(bag, processes=processes, progress=heard.append)
    assert [(p.code, p.path) for p in report.errors] == [
        ("checksum-mismatch", "data/150.bin"),
        ("checksum-mismatch", "data/150.bin"),
    ]
    assert sum(heard) >= sum(len(c) for c in files.values())


def test_fast_checks_oxum_but_not_checksums(make_bag: BagMaker) -> None:
    bag = make_bag({"data/a.txt": b"aaaa"})
    (bag / "data" / "a.txt").write_bytes(b"aaab")
    assert validate_bag(bag, fast=True).valid
    assert validate_bag(bag, completeness_only=True).valid
    (bag / "data" / "a.txt").write_bytes(b"aaabb")
    assert codes(validate_bag(bag, fast=True), "error") == ["payload-oxum-mismatch"]


def test_fast_without_oxum_warns(make_bag: BagMaker) -> None:
    bag = make_bag(bag_info="Source-Organization: Test\n")
    report = validate_bag(bag, fast=True)
    assert report.valid
    assert codes(report, "warning") == ["payload-oxum-missing"]


def _make_with_bagit_python(folder: str, processes: int) -> None:
    bagit.make_bag(
        folder, {"Source-Organization": "Test"}, processes=processes, checksums=["sha256", "sha512"]
    )


@pytest.mark.parametrize("processes", [1, 2])
def test_a_bag_made_by_bagit_python_validates(tmp_path: Path, processes: int) -> None:
    folder = tmp_path / "made-by-bagit-python"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_bytes(b"a" * 1000)
    (folder / "sub" / "100% b.txt").write_bytes(b"b")
    (folder / "sub" / "trailing ").write_bytes(b"c")
    (folder / "sub" / "50%25 off.txt").write_bytes(b"d")
    # make_bag calls os.chdir: run it in its own process so no test shares the change.
    context = multiprocessing.get_context("forkserver")
    worker = context.Process(target=_make_with_bagit_python, args=(str(folder), processes))
    worker.start()
    worker.join(60)
    assert worker.exitcode == 0
    report = validate_bag(folder, processes=processes)
    assert report.valid, [str(p) for p in report.problems]
    assert report.info["bagit_version"] == "0.97"
    assert report.info["payload_files"] == 4
    # bagit-python writes '%' unencoded: read as written, with a warning.
    assert [(p.code, p.path) for p in report.warnings] == [
        ("percent-not-encoded", "data/sub/50%25 off.txt"),
        ("percent-not-encoded", "data/sub/50%25 off.txt"),
    ]
    # bagit-python 1.9.0 rejects its own bag: it strips the trailing space of a file name.
    assert not bagit.Bag(str(folder)).is_valid()


def test_report_is_json_serialisable_with_odd_names(make_bag: BagMaker) -> None:
    import json

    bag = make_bag({"data/caf\udce9\n.txt": b"x", "data/ok.txt": b"y"})
    (bag / "data" / "stray\udcff").write_bytes(b"z")
    report = validate_bag(bag)
    text = json.dumps(report.to_dict(), ensure_ascii=False)
    text.encode("utf-8")  # no lone surrogates left
    assert "file-not-in-manifest" in codes(report, "error")


def test_every_code_in_the_source_is_documented() -> None:
    import ast
    import re

    import preserve.validation as package
    from preserve.validation.codes import CODES

    kebab = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")
    not_codes = {"utf-8", "utf-16", "iso-8859-1", "r-w"}
    found: set[str] = set()
    folder = Path(package.__file__).parent
    for name in ("validator.py", "tagfiles.py", "paths.py", "archive.py", "scan.py"):
        tree = ast.parse((folder / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and kebab.fullmatch(text) and text not in not_codes:
                found.add(text)
    assert found - set(CODES) == set()
    assert {"symlink", "unreadable"} <= set(CODES)


def _die(root: str, jobs: list) -> list:
    os._exit(3)


def test_a_broken_pool_falls_back_to_hashing_here(
    make_bag: BagMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from preserve.validation import hashing

    files = {f"data/{n:03d}.bin": bytes([n]) * 200_000 for n in range(200)}
    bag = make_bag(files)
    (bag / "data" / "007.bin").write_bytes(b"changed")
    # Forked workers inherit the patch and die at once, as an out-of-memory kill would.
    monkeypatch.setattr(hashing, "_hash_batch", _die)
    monkeypatch.setattr(hashing, "_context", lambda: multiprocessing.get_context("fork"))
    heard: list[int] = []
    report = validate_bag(bag, processes=2, progress=heard.append)
    assert "internal-error" not in codes(report)
    assert sorted({(p.code, p.path) for p in report.errors}) == [
        ("checksum-mismatch", "data/007.bin"),
        ("payload-oxum-mismatch", "bag-info.txt"),
    ]


def test_the_algorithms_are_bagit_pythons_without_importing_it() -> None:
    import subprocess
    import sys

    import bagit

    from preserve.validation.hashing import hashlib_name

    expected = {name for name in bagit.CHECKSUM_ALGOS if not name.startswith("shake")}
    assert {name for name in expected if hashlib_name(name) == name} == expected
    assert hashlib_name("shake_128") is None
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, preserve.validation; print('bagit' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"
