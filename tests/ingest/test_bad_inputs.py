"""Bad input gets a clear one-line reason, and the batch goes on (issue #2)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from ingest_helpers import packages_in, run_ingest

from preserve.validation import validate_bag

HUGE = 100 * 1000 * 1000


@pytest.fixture(scope="module")
def bad_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad")
    source = root / "raw"
    source.mkdir()
    (source / "empty.txt").write_bytes(b"")
    (source / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + os.urandom(256))
    (source / "mystery").write_bytes(b"\x00\x9f\x01" + os.urandom(600))
    (source / "latin1.txt").write_bytes("Café crème, déjà vu.\n".encode("latin-1") * 40)
    (source / "utf16.txt").write_bytes("Grüße aus Köln.\nZweite Zeile.\n".encode("utf-16"))
    with open(source / "one-line.txt", "wb") as stream:
        block = b"word " * 200_000
        for _ in range(HUGE // len(block)):
            stream.write(block)
    for name in ("with space.txt", "naïve résumé.txt", "new\nline.txt", "100% sure.txt"):
        (source / name).write_text(f"A short note called {name!r}.\n", encoding="utf-8")
    (root / "outside.txt").write_text("not part of the collection")
    (source / "link.txt").symlink_to(root / "outside.txt")
    (source / "good.txt").write_text("An ordinary text, with nothing wrong.\n")
    return source


@pytest.fixture(scope="module")
def outcomes(bad_source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bad-out") / "packages"
    result = {o.name: o for o in run_ingest(bad_source, out)}
    result["__out__"] = out
    return result


def _reason(outcomes: dict, name: str) -> str:
    [reason] = outcomes[name].reasons
    assert "\n" not in reason.replace(name, "")
    return reason


def test_every_entry_gets_an_outcome(outcomes: dict, bad_source: Path) -> None:
    names = {p.name for p in bad_source.iterdir()}
    assert names == set(outcomes) - {"__out__"}


def test_empty_file_is_preserved_and_reported(outcomes: dict) -> None:
    assert outcomes["empty.txt"].status == "ingested"
    assert "empty file" in _reason(outcomes, "empty.txt")


def test_a_damaged_image_is_preserved_and_needs_attention(outcomes: dict) -> None:
    """A PNG signature over garbage is no PNG siegfried knows (a real one: test_formats)."""
    assert outcomes["scan.png"].status == "ingested"
    assert "unidentified" in _reason(outcomes, "scan.png")
    bag = outcomes["__out__"] / outcomes["scan.png"].package
    assert not (bag / "data" / "derived").exists()


def test_unidentified_content_is_preserved_and_needs_attention(outcomes: dict) -> None:
    assert outcomes["mystery"].status == "ingested"
    assert "unidentified" in _reason(outcomes, "mystery")
    bag = outcomes["__out__"] / outcomes["mystery"].package
    assert not (bag / "data" / "derived").exists()


def test_invalid_utf8_is_preserved_not_repaired(outcomes: dict) -> None:
    assert outcomes["latin1.txt"].status == "ingested"
    reason = _reason(outcomes, "latin1.txt")
    assert "not valid UTF-8" in reason and "convert" in reason


def test_utf16_with_bom_is_decoded_and_repaired(outcomes: dict) -> None:
    outcome = outcomes["utf16.txt"]
    assert outcome.status == "ingested" and not outcome.reasons
    bag = outcomes["__out__"] / outcome.package
    repaired = (bag / "data/derived/utf16.txt.repaired.txt").read_text(encoding="utf-8")
    assert "Grüße aus Köln." in repaired


def test_hundred_megabyte_line_is_preserved_not_repaired(outcomes: dict) -> None:
    outcome = outcomes["one-line.txt"]
    assert outcome.status == "ingested"
    assert "line of 100,000,000 bytes" in _reason(outcomes, "one-line.txt")
    bag = outcomes["__out__"] / outcome.package
    assert (bag / "data/original/one-line.txt").stat().st_size == HUGE


@pytest.mark.parametrize(
    "name", ["with space.txt", "naïve résumé.txt", "new\nline.txt", "100% sure.txt"]
)
def test_odd_names_are_preserved_under_their_own_names(outcomes: dict, name: str) -> None:
    outcome = outcomes[name]
    assert outcome.status == "ingested" and not outcome.reasons
    bag = outcomes["__out__"] / outcome.package
    assert (bag / "data" / "original" / name).read_text().startswith("A short note")
    assert validate_bag(bag).valid
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    assert "\nline.txt" not in info  # a newline in a name must not break bag-info.txt


def test_symlink_is_refused_and_not_followed(outcomes: dict) -> None:
    outcome = outcomes["link.txt"]
    assert outcome.status == "failed"
    assert "symbolic link" in _reason(outcomes, "link.txt")
    for bag in packages_in(outcomes["__out__"]):
        assert not any(
            "not part of the collection" in p.read_text(errors="replace")
            for p in bag.rglob("*.txt")
        )


def test_the_batch_goes_on(outcomes: dict) -> None:
    assert outcomes["good.txt"].status == "ingested"
    assert not outcomes["good.txt"].reasons


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to drop to nobody"
)
def test_unreadable_file_fails_with_a_reason_and_the_rest_go_on() -> None:
    """Root reads everything, so the ingest runs as ``nobody`` for a file it may not read."""
    root = Path(tempfile.mkdtemp(prefix="preserve-unreadable-"))
    try:
        root.chmod(0o755)
        source = root / "raw"
        source.mkdir()
        (source / "secret.txt").write_text("for the archivist only\n")
        (source / "secret.txt").chmod(0o000)
        (source / "open.txt").write_text("anyone may read this\n")
        (source / "open.txt").chmod(0o644)
        source.chmod(0o755)
        out = root / "packages"
        out.mkdir()
        out.chmod(0o777)
        script = (
            "import json, sys; sys.path.insert(0, sys.argv[3]);"
            "from pathlib import Path; from ingest_helpers import run_ingest;"
            "outcomes = run_ingest(Path(sys.argv[1]), Path(sys.argv[2]));"
            "print(json.dumps([o.to_dict() for o in outcomes]))"
        )
        completed = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "-c",
                script,
                str(source),
                str(out),
                str(Path(__file__).parent),
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "HOME": str(root)},
            timeout=120,
        )
        assert completed.returncode == 0, completed.stderr
        results = {o["name"]: o for o in json.loads(completed.stdout)}
        assert results["open.txt"]["status"] == "ingested"
        assert results["secret.txt"]["status"] == "failed"
        [reason] = results["secret.txt"]["reasons"]
        assert "Permission denied" in reason and "check permissions" in reason
    finally:
        subprocess.run(["chmod", "-R", "u+rwX", str(root)], check=False)
        shutil.rmtree(root, ignore_errors=True)
