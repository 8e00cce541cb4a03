"""``preserve validate``: exit codes, the human summary, the JSON document, --profile."""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import preserve.cli  # noqa: F401 - registers the commands
from preserve.cli.app import app

from .conftest import CONFORMANCE, BagMaker

runner = CliRunner()
BASIC = CONFORMANCE / "v1.0" / "valid" / "basicBag"
CORRUPT = CONFORMANCE / "v0.97" / "invalid" / "corrupt-data-file"


def test_valid_bag_exits_0_with_a_summary() -> None:
    result = runner.invoke(app, ["validate", str(BASIC)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    assert "1 of 1 bags valid" in result.output


def test_invalid_bag_exits_1_and_names_each_error() -> None:
    result = runner.invoke(app, ["validate", str(BASIC), str(CORRUPT)])
    assert result.exit_code == 1, result.output
    assert "INVALID" in result.output
    assert "[checksum-mismatch] data/bare-filename" in result.output
    assert "[payload-oxum-mismatch]" in result.output
    assert "1 of 2 bags valid" in result.output


def test_json_is_one_document() -> None:
    result = runner.invoke(app, ["validate", "--json", str(BASIC), str(CORRUPT)])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [bag["valid"] for bag in document["bags"]] == [True, False]
    assert document["summary"]["invalid"] == 1
    assert document["summary"]["invalid_bags"] == [str(CORRUPT)]
    problem = next(p for p in document["bags"][1]["problems"] if p["code"] == "checksum-mismatch")
    assert problem["facts"]["algorithm"] == "md5"


@pytest.mark.parametrize(
    "arguments",
    [
        ["--fast", "--completeness-only", str(BASIC)],
        [str(BASIC / "no-such-bag")],
        [str(BASIC / "bagit.txt")],
        ["--processes", "0", str(BASIC)],
        [],
    ],
)
def test_usage_errors_exit_2(arguments: list[str]) -> None:
    result = runner.invoke(app, ["validate", *arguments])
    assert result.exit_code == 2, result.output


@pytest.mark.parametrize("mode", ["--fast", "--completeness-only"])
def test_fast_modes_do_not_hash_and_say_so(make_bag: BagMaker, mode: str) -> None:
    bag = make_bag({"data/a.txt": b"aaaa"})
    (bag / "data" / "a.txt").write_bytes(b"aaab")  # same size: only a checksum sees it
    fast = runner.invoke(app, ["validate", mode, str(bag)])
    assert fast.exit_code == 0
    assert "checksums NOT verified" in fast.output
    assert "Checksums were skipped for 1 of 1 bags" in fast.output
    document = json.loads(runner.invoke(app, ["validate", "--json", mode, str(bag)]).stdout)
    assert document["bags"][0]["info"]["checksums"] == "skipped"
    assert document["summary"]["checksums_skipped"] == 1

    full = runner.invoke(app, ["validate", str(bag)])
    assert full.exit_code == 1
    assert "skipped" not in full.output and "NOT verified" not in full.output
    document = json.loads(runner.invoke(app, ["validate", "--json", str(bag)]).stdout)
    assert document["bags"][0]["info"]["checksums"] == "verified"
    assert document["summary"]["checksums_skipped"] == 0


def test_archive_and_processes(make_bag: BagMaker, tmp_path: Path) -> None:
    bag = make_bag({f"data/{n}.txt": bytes([n]) * 1000 for n in range(20)})
    archive = tmp_path / "bag.tar.gz"
    with tarfile.open(archive, "w:gz") as bundle:
        bundle.add(bag, arcname="bag")
    result = runner.invoke(app, ["validate", "--processes", "2", "--json", str(archive)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["bags"][0]["info"]["serialization"] == "tar"


def test_profile_problems_join_the_report(make_bag: BagMaker) -> None:
    bag = make_bag()
    result = runner.invoke(app, ["validate", "--json", "--profile", "btr", str(bag)])
    document = json.loads(result.stdout)
    codes = {p["code"] for p in document["bags"][0]["problems"]}
    assert any(code.startswith("profile-") for code in codes)
    assert result.exit_code == 1
    assert document["bags"][0]["info"]["profile"] == "btr"


def test_an_archive_is_unpacked_once_for_bag_and_profile(
    make_bag: BagMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "bag.zip"
    bag = make_bag()
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(bag.rglob("*")):
            bundle.write(path, f"bag/{path.relative_to(bag).as_posix()}")
    scratch: list[str] = []
    real = tempfile.mkdtemp

    def spy(*args: Any, **kwargs: Any) -> str:  # the real function, counted
        scratch.append(real(*args, **kwargs))
        return scratch[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", spy)
    result = runner.invoke(app, ["validate", "--json", "--profile", "btr", str(archive)])
    document = json.loads(result.stdout)
    codes = {p["code"] for p in document["bags"][0]["problems"]}
    assert "profile-identifier-missing" in codes
    assert len(scratch) == 1
    assert not Path(scratch[0]).exists()


def test_unknown_profile_is_a_usage_error(make_bag: BagMaker, tmp_path: Path) -> None:
    bad = tmp_path / "profile.json"
    bad.write_text("{not json")
    result = runner.invoke(app, ["validate", "--profile", str(bad), str(make_bag())])
    assert result.exit_code == 2


def test_every_core_hashes_by_default_and_one_stays_possible(make_bag: BagMaker) -> None:
    bag = make_bag()
    document = json.loads(runner.invoke(app, ["validate", "--json", str(bag)]).stdout)
    assert document["bags"][0]["info"]["processes"] == (os.cpu_count() or 1)
    one = runner.invoke(app, ["validate", "--json", "--processes", "1", str(bag)])
    assert json.loads(one.stdout)["bags"][0]["info"]["processes"] == 1


def test_an_archive_without_its_extension_is_still_validated(
    make_bag: BagMaker, tmp_path: Path
) -> None:
    archive = tmp_path / "bag-without-extension"
    with tarfile.open(archive, "w") as bundle:
        bundle.add(make_bag(), arcname="bag")
    result = runner.invoke(app, ["validate", str(archive)])
    assert result.exit_code == 0, result.output


# What the validate command must never load: the repair engine with its dictionaries and
# ftfy, the ingest pipeline, and Prefect. Each costs every command its import time (about
# half a second of `preserve validate` start-up before they were imported lazily).
NOT_FOR_VALIDATE = (
    "preserve.repair",
    "preserve.pipeline",
    "enchant",
    "ftfy",
    "pyphen",
    "prefect",
    "preserve_flows",
    "dask",
    "distributed",
)


def test_validate_imports_neither_repair_nor_prefect() -> None:
    """In a fresh interpreter, as the console script runs it: `preserve validate BAG`."""
    import subprocess
    import sys

    code = (
        "import atexit, sys\n"
        "def loaded():\n"
        "    names = {m if m.startswith('preserve') else m.split('.')[0]\n"
        "             for m in sys.modules}\n"
        "    print(' '.join(sorted(names)), file=sys.stderr)\n"
        "atexit.register(loaded)  # the command ends the process itself, after its handlers\n"
        "from preserve.cli import main\n"
        "sys.argv = ['preserve', 'validate', '--json', sys.argv[1]]\n"
        "main()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(BASIC)], capture_output=True, text=True, check=True
    )
    loaded = run.stderr.strip().splitlines()[-1].split()
    assert "preserve.cli.validate" in loaded, run.stderr
    heavy = [
        module
        for module in loaded
        for unwanted in NOT_FOR_VALIDATE
        if module == unwanted or module.startswith(unwanted + ".")
    ]
    assert heavy == []
