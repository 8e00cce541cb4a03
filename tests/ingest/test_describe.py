"""describe: a package's PREMIS, item.json and bag-info from the facts alone, without a run.

The facts are those the pipeline learns of a scan (a small PDF) beside its OCR, identified for
real by siegfried: the same facts and times give the same bytes, whatever the clock says.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from preserve import describe
from preserve.bagging import PayloadFile
from preserve.config import Config, Organization
from preserve.describe import Original, RepairedText
from preserve.fixity import digest_bytes
from preserve.identification import Identification, identify, siegfried_version
from preserve.intake import Item, SourceFile
from preserve.premis import parse_events, validate_premis

ALGORITHMS = ("sha256", "sha512")
HASHED = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
COPIED = datetime(2026, 11, 23, 9, 31, tzinfo=UTC)
INGESTED = datetime(2026, 11, 23, 9, 32, tzinfo=UTC)
OCR = b"The first page of the parish register,\nas the scanner read it.\n"
SCAN = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _payload(bag_path: str, data: bytes) -> PayloadFile:
    return PayloadFile(bag_path, len(data), digest_bytes(data, ALGORITHMS))


@pytest.fixture
def facts(
    tmp_path: Path,
) -> tuple[Item, list[Original], dict[str, Identification], list[RepairedText]]:
    folder = tmp_path / "register"
    folder.mkdir()
    files = {"register/page-1.txt": OCR, "register/page-1.pdf": SCAN}
    for relative, data in files.items():
        (tmp_path / relative).write_bytes(data)
    sources = tuple(
        SourceFile(tmp_path / relative, relative, len(data)) for relative, data in files.items()
    )
    item = Item("register", folder, "folder", sources)
    originals = [
        Original(s.relative, s.path, _payload(f"data/original/{s.relative}", files[s.relative]))
        for s in sources
    ]
    identities = {o.bag_path: identify(o.source) for o in originals}
    base = "data/derived/register/page-1.txt"
    outputs = tuple(
        _payload(f"{base}{ending}", f"{ending} of page 1\n".encode())
        for ending in describe.DERIVED_FORMATS
    )
    texts = [RepairedText(originals[0].bag_path, outputs, {"reflow_paragraphs": 1})]
    return item, originals, identities, texts


def _premis(facts: tuple, config: Config) -> tuple[bytes, list]:
    item, originals, identities, texts = facts
    acting = describe.agents(config, siegfried_version(), {"pyenchant": "3.2.2"})
    return describe.premis_record(
        "register-0123456789",
        item,
        originals,
        identities,
        texts,
        acting,
        ALGORITHMS,
        hashed=HASHED,
        copied=COPIED,
        ingested=INGESTED,
    )


def test_the_premis_record_is_valid_complete_and_the_same_for_the_same_facts(facts: tuple) -> None:
    xml, events = _premis(facts, Config())
    assert validate_premis(xml) == []
    assert _premis(facts, Config())[0] == xml
    assert [(e.type, e.datetime) for e in events] == [
        ("message digest calculation", HASHED),
        ("validation", COPIED),
        ("format identification", COPIED),
        ("normalization", COPIED),
        ("ingestion", INGESTED),
    ]
    assert parse_events(xml) == sorted(events, key=lambda e: (e.datetime, e.identifier))
    [normalization] = [e for e in events if e.type == "normalization"]
    assert normalization.identifier == describe.event_id(
        "register-0123456789", "normalization data/original/register/page-1.txt"
    )
    outcomes = {obj for obj, role in normalization.objects if role == "outcome"}
    assert outcomes == {o.bag_path for o in facts[3][0].outputs}
    assert xml.count(normalization.identifier.encode()) == 1 + len(outcomes)  # event + links
    assert b"pyenchant" in xml and b"fmt/" in xml


def test_item_json_lists_each_original_with_what_came_of_it(facts: tuple) -> None:
    item, originals, identities, texts = facts
    data = describe.item_description(
        "register-0123456789",
        item,
        originals,
        identities,
        texts,
        Config(),
        preserved=HASHED,
        previous="register-9876543210",
    )
    description = json.loads(data)
    assert description["previous_package"] == "register-9876543210"
    assert description["preserved"] == "2026-11-23T09:30:00+00:00"
    text, scan = description["files"]
    assert text["original_name"] == "register/page-1.txt"
    assert text["repairs"] == {"reflow_paragraphs": 1}
    assert text["derived"] == [o.bag_path for o in texts[0].outputs]
    assert text["quality"] is None
    assert scan["repairs"] is None and scan["derived"] == [] and scan["quality"] is None
    assert scan["identification"]["puid"] == identities[originals[1].bag_path].puid
    assert data.endswith(b"\n") and data.decode("utf-8")


def test_bag_info_says_who_made_it_and_from_where(facts: tuple) -> None:
    item = facts[0]
    info = dict(describe.bag_info("register-0123456789", item, Config(), HASHED))
    assert "Organization-Address" not in info
    assert info["Bagging-Date"] == "2026-11-23"
    assert info["Internal-Sender-Identifier"] == str(item.path)
    assert info["Bag-Group-Identifier"] == item.path.parent.name
    assert info["BagIt-Profile-Identifier"] == Config().bagging.profile_identifier
    config = Config(organization=Organization(address="1 Archive Street"))
    assert dict(describe.bag_info("x", item, config, HASHED))["Organization-Address"] == (
        "1 Archive Street"
    )
