"""PREMIS 3: a realistic package document validates against the shipped schema, offline."""

from __future__ import annotations

import shutil
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from preserve import premis
from preserve.errors import PackageError
from preserve.fixity import digest_file
from preserve.identification import identify, siegfried_signature, siegfried_version
from preserve.premis import (
    NS,
    Agent,
    Event,
    Fixity,
    PremisObject,
    Relationship,
    append_events,
    build_premis,
    object_for_file,
    parse_events,
    validate_premis,
)
from preserve_testdata import BORN_DIGITAL, MAGAZINE_OCR, RAW

START = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
NSMAP = {"premis": NS}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any socket use fails the test: the schema must load from package data only."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("PREMIS code tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    vars(premis._SCHEMAS).clear()  # load the schema again, under the ban


def at(seconds: int) -> datetime:
    return START + timedelta(seconds=seconds)


def agents() -> list[Agent]:
    return [
        Agent("example-archive", "Example Archive", "organization", note="Source-Organization"),
        Agent("preserve", "preserve", "software", version="0.1.0"),
        Agent(
            "siegfried",
            "siegfried",
            "software",
            version=siegfried_version(),
            note=siegfried_signature(),
        ),
        Agent("bagit-python", "bagit-python", "software", version="1.9.0"),
    ]


def package(tmp_path: Path) -> tuple[list[PremisObject], list[Event], list[Agent]]:
    """Two originals from raw/ (real identification and digests) and one derived file."""
    objects = []
    for number, name in enumerate((MAGAZINE_OCR, BORN_DIGITAL), start=1):
        path = tmp_path / name
        shutil.copyfile(RAW / name, path)
        digests, _ = digest_file(path, ("sha256", "sha512"))
        objects.append(
            object_for_file(
                f"original-{number}", name, identify(path), digests, content_location=f"data/{name}"
            )
        )
    derived = PremisObject(
        identifier="derived-1",
        original_name=f"{MAGAZINE_OCR[:-4]}.repaired.txt",
        size=6400,
        fixity=(Fixity("SHA-256", "ab" * 32), Fixity("SHA-512", "cd" * 64)),
        format_name="Plain Text File",
        format_registry_key="x-fmt/111",
        content_location=f"data/derived/{MAGAZINE_OCR[:-4]}.repaired.txt",
        relationships=(Relationship("derivation", "has source", "original-1", "ev-6"),),
    )
    objects.append(derived)
    run = (("preserve", "executing program"), ("example-archive", "implementer"))
    both = (("original-1", "source"), ("original-2", "source"))
    events = [
        Event(
            "ev-1",
            "ingestion",
            at(0),
            "ingest of raw/ by preserve",
            "success",
            agents=run,
            objects=both,
        ),
        Event(
            "ev-2",
            "message digest calculation",
            at(1),
            "sha256 and sha512 in one read",
            "success",
            agents=run,
            objects=both,
        ),
        Event(
            "ev-3",
            "format identification",
            at(2),
            "siegfried with PRONOM signatures",
            "success",
            "x-fmt/111 for both",
            agents=(("siegfried", "executing program"),),
            objects=both,
        ),
        Event(
            "ev-6",
            "normalization",
            at(3),
            "OCR repair, edits logged",
            "success",
            "12 edits",
            agents=run,
            objects=(("original-1", "source"), ("derived-1", "outcome")),
        ),
        Event(
            "ev-4",
            "validation",
            at(4),
            "bag validated before it was published",
            "success",
            agents=(("bagit-python", "validator"),),
            objects=both,
        ),
        Event(
            "ev-5",
            "fixity check",
            at(5),
            "audit",
            "fail",
            "sha256 differs for data/x",
            agents=(("preserve", "executing program"),),
            objects=(("original-2", "source"),),
        ),
    ]
    return objects, events, agents()


def test_realistic_package_document_is_valid(tmp_path: Path) -> None:
    objects, events, agent_list = package(tmp_path)
    xml = build_premis(objects, events, agent_list)
    assert validate_premis(xml) == []
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<premis:premis')
    root = etree.fromstring(xml)
    assert root.get("version") == "3.0"
    assert len(root.findall("premis:object", NSMAP)) == 3
    assert len(root.findall("premis:event", NSMAP)) == 6
    assert len(root.findall("premis:agent", NSMAP)) == 4
    original = root.find("premis:object[premis:originalName='" + MAGAZINE_OCR + "']", NSMAP)
    key = original.find(".//premis:formatRegistry/premis:formatRegistryKey", NSMAP)
    assert key.text == "x-fmt/111"
    assert original.find(".//premis:formatDesignation/premis:formatName", NSMAP).text == (
        "Plain Text File"
    )
    size = original.find(".//premis:size", NSMAP)
    assert int(size.text) == (RAW / MAGAZINE_OCR).stat().st_size
    algorithms = [a.text for a in original.iterfind(".//premis:messageDigestAlgorithm", NSMAP)]
    assert algorithms == ["SHA-256", "SHA-512"]
    notes = [n.text for n in original.iterfind(".//premis:formatNote", NSMAP)]
    assert any(note.startswith("encoding: ") for note in notes)
    location = original.find(".//premis:contentLocationValue", NSMAP)
    assert location.text == f"data/{MAGAZINE_OCR}"


def test_controlled_vocabularies_carry_loc_uris(tmp_path: Path) -> None:
    xml = build_premis(*package(tmp_path))
    root = etree.fromstring(xml)
    vocabulary = "http://id.loc.gov/vocabulary/preservation/"
    types = {e.text: e.get("valueURI") for e in root.iterfind(".//premis:eventType", NSMAP)}
    assert types == {
        "ingestion": vocabulary + "eventType/ing",
        "message digest calculation": vocabulary + "eventType/mes",
        "format identification": vocabulary + "eventType/for",
        "validation": vocabulary + "eventType/val",
        "normalization": vocabulary + "eventType/nor",
        "fixity check": vocabulary + "eventType/fix",
    }
    first = root.find(".//premis:eventType", NSMAP)
    assert first.get("authority") == "eventType"
    assert first.get("authorityURI") == vocabulary + "eventType"
    agent_types = {e.get("valueURI") for e in root.iterfind(".//premis:agentType", NSMAP)}
    assert agent_types == {vocabulary + "agentType/org", vocabulary + "agentType/sof"}
    outcomes = {e.get("valueURI") for e in root.iterfind(".//premis:eventOutcome", NSMAP)}
    assert outcomes == {vocabulary + "eventOutcome/suc", vocabulary + "eventOutcome/fai"}
    relationship = root.find(".//premis:relationship", NSMAP)
    assert relationship.find("premis:relationshipType", NSMAP).get("valueURI") == (
        vocabulary + "relationshipType/der"
    )
    assert relationship.find("premis:relationshipSubType", NSMAP).get("valueURI") == (
        vocabulary + "relationshipSubType/hss"
    )
    assert relationship.find(".//premis:relatedObjectIdentifierValue", NSMAP).text == "original-1"
    roles = {e.get("valueURI") for e in root.iterfind(".//premis:linkingAgentRole", NSMAP)}
    assert vocabulary + "eventRelatedAgentRole/exe" in roles
    assert vocabulary + "eventRelatedAgentRole/imp" in roles
    digest = root.find(".//premis:messageDigestAlgorithm", NSMAP)
    assert digest.get("valueURI") == vocabulary + "cryptographicHashFunctions/sha256"


def test_agents_have_versions(tmp_path: Path) -> None:
    root = etree.fromstring(build_premis(*package(tmp_path)))
    versions = {
        a.findtext("premis:agentName", namespaces=NSMAP): a.findtext(
            "premis:agentVersion", namespaces=NSMAP
        )
        for a in root.iterfind("premis:agent", NSMAP)
    }
    assert versions["preserve"] == "0.1.0"
    assert versions["siegfried"] == siegfried_version()
    assert versions["Example Archive"] is None


def test_missing_object_identifier_is_reported(tmp_path: Path) -> None:
    xml = build_premis(*package(tmp_path))
    root = etree.fromstring(xml)
    first = root.find("premis:object", NSMAP)
    first.remove(first.find("premis:objectIdentifier", NSMAP))
    problems = validate_premis(etree.tostring(root))
    assert problems, "a file object without an identifier must be invalid"
    assert "objectIdentifier" in problems[0]
    assert problems[0].startswith("line ")


def test_other_broken_documents_are_reported() -> None:
    assert validate_premis(b"not xml at all")[0].startswith("not well-formed XML")
    wrong_version = f'<premis xmlns="{NS}" version="2.2"><object/></premis>'.encode()
    problems = validate_premis(wrong_version)
    assert any("version" in p for p in problems)


def test_round_trip_parse_events(tmp_path: Path) -> None:
    objects, events, agent_list = package(tmp_path)
    parsed = parse_events(build_premis(objects, events, agent_list))
    assert parsed == sorted(events, key=lambda e: (e.datetime, e.identifier))


def test_deterministic_output(tmp_path: Path) -> None:
    objects, events, agent_list = package(tmp_path)
    first = build_premis(objects, events, agent_list)
    again = build_premis(list(reversed(objects)), list(reversed(events)), agent_list[::-1])
    assert first == again


def test_append_events_stays_valid_and_is_idempotent(tmp_path: Path) -> None:
    objects, events, agent_list = package(tmp_path)
    xml = build_premis(objects, events[:2], agent_list[:2])
    audit_agent = Agent("preserve-audit", "preserve audit", "software", version="0.1.0")
    later = [
        Event(
            "ev-9",
            "fixity check",
            at(86400),
            "scheduled audit",
            "success",
            agents=(("preserve-audit", "executing program"),),
            objects=(("original-1", "source"),),
        ),
        Event(
            "ev-8",
            "validation",
            at(3600),
            "bag revalidated",
            "warning",
            "tag file changed",
            agents=(("preserve", "executing program"),),
            objects=(("original-2", "source"),),
        ),
    ]
    grown = append_events(xml, later, [audit_agent, agent_list[0]])
    assert validate_premis(grown) == []
    assert [e.identifier for e in parse_events(grown)] == ["ev-1", "ev-2", "ev-8", "ev-9"]
    root = etree.fromstring(grown)
    names = [
        a.findtext(".//premis:agentIdentifierValue", namespaces=NSMAP)
        for a in root.iterfind("premis:agent", NSMAP)
    ]
    assert names == ["example-archive", "preserve", "preserve-audit"]
    assert append_events(grown, later, [audit_agent]) == grown
    assert grown.count(b"xmlns:premis") == 1


def test_append_refuses_conflicts_and_dangling_links(tmp_path: Path) -> None:
    objects, events, agent_list = package(tmp_path)
    xml = build_premis(objects, events, agent_list)
    changed = Event("ev-1", "ingestion", at(0), "something else", "success")
    with pytest.raises(PackageError, match="already recorded"):
        append_events(xml, [changed])
    stranger = Event("ev-x", "validation", at(9), "x", "success", agents=(("nobody", "validator"),))
    with pytest.raises(PackageError, match="not described"):
        append_events(xml, [stranger])
    lost = Event("ev-y", "validation", at(9), "x", "success", objects=(("missing", "source"),))
    with pytest.raises(PackageError, match="not described"):
        append_events(xml, [lost])


def test_build_refuses_bad_input(tmp_path: Path) -> None:
    objects, events, agent_list = package(tmp_path)
    with pytest.raises(PackageError, match="at least one object"):
        build_premis([], events, agent_list)
    with pytest.raises(PackageError, match="not described"):
        build_premis(objects, events, agent_list[:1])
    with pytest.raises(PackageError, match="two objects"):
        build_premis([objects[0], objects[0]], [], [])
    naive = Event("ev-n", "ingestion", datetime(2026, 1, 1), "x", "success")
    with pytest.raises(ValueError, match="timezone"):
        build_premis(objects, [naive], [])
    control = PremisObject("o", "bad\x01name.txt", 1, ())
    with pytest.raises(PackageError, match="XML cannot carry"):
        build_premis([control], [], [])


def test_awkward_names_survive(tmp_path: Path) -> None:
    names = ["with space.txt", "Grüße ü.txt", "per%cent.txt", "new\nline.txt", "cr\rname.txt"]
    objects = [
        PremisObject(f"o{i}", name, 1, (Fixity("sha256", "00"),)) for i, name in enumerate(names)
    ]
    root = etree.fromstring(build_premis(objects, [], []))
    found = [
        o.findtext("premis:originalName", namespaces=NSMAP)
        for o in root.iterfind("premis:object", NSMAP)
    ]
    assert found == names


def test_unknown_format_still_valid() -> None:
    xml = build_premis([PremisObject("o", "blob.bin", 5, (Fixity("SHA-256", "00"),))], [], [])
    assert validate_premis(xml) == []
    assert b"<premis:formatName>unknown</premis:formatName>" in xml


def test_representation_object() -> None:
    file_object = PremisObject("f", "a.txt", 1, (Fixity("SHA-256", "00"),))
    item = PremisObject(
        "item",
        "a",
        0,
        (),
        category="representation",
        relationships=(Relationship("structural", "includes", "f"),),
    )
    assert validate_premis(build_premis([file_object, item], [], [])) == []


def test_schema_imports_come_from_package_data_only() -> None:
    """A schema import is served from preserve/data or refused; never fetched."""
    from preserve.premis import _parser

    def importing(location: str) -> bytes:
        return (
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">'
            f'<xs:import namespace="{NS}" schemaLocation="{location}"/></xs:schema>'
        ).encode()

    shipped = etree.fromstring(importing("http://example.org/premis-v3.xsd"), _parser())
    etree.XMLSchema(shipped)  # resolved from package data
    missing = etree.fromstring(importing("http://www.w3.org/1999/xlink.xsd"), _parser())
    with pytest.raises(etree.XMLSchemaParseError):
        etree.XMLSchema(missing)


def test_validation_in_threads(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    good = build_premis(*package(tmp_path))
    bad = good.replace(b"<premis:size>", b"<premis:size>x", 1)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(validate_premis, [good, bad] * 20))
    assert all(r == [] for r in results[::2])
    assert all(r and "size" in r[0] for r in results[1::2])


def test_object_for_file_records_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Les élèves de l'école reçoivent à Noël des crêpes.\n".encode("latin-1"))
    digests, _ = digest_file(path, ("sha256",))
    obj = object_for_file("o1", "latin.txt", identify(path), digests, content_location="data/x")
    assert obj.fixity == (Fixity("sha256", digests["sha256"]),)
    assert obj.format_registry_key == "x-fmt/111"
    assert obj.format_notes[0].startswith("encoding: cp1252 (charset-normalizer guess")
    xml = build_premis([obj], [], [])
    assert validate_premis(xml) == []
    assert b"SHA-256</premis:messageDigestAlgorithm>" in xml


_XML_TEXT = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00\ufffe\uffff").filter(
        lambda char: char in "\t\n\r" or ord(char) >= 0x20
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(
    detail=_XML_TEXT,
    outcome_detail=_XML_TEXT,
    type_=st.sampled_from(["ingestion", "validation", "virus check", "local event"]) | _XML_TEXT,
    when=st.datetimes(timezones=st.timezones()),
)
def test_any_event_text_round_trips(
    detail: str, outcome_detail: str, type_: str, when: datetime
) -> None:
    obj = PremisObject("o", "a.txt", 1, (Fixity("SHA-256", "00"),))
    event = Event("e", type_, when, detail, "success", outcome_detail, objects=(("o", "source"),))
    xml = build_premis([obj], [event], [])
    [parsed] = parse_events(xml)
    # The same instant and UTC offset; a zone name (Europe/Paris) is not kept, and
    # Python never calls a time in a repeated DST hour equal to one in another zone.
    assert parsed.datetime.timestamp() == when.timestamp()
    assert parsed.datetime.utcoffset() == when.utcoffset()
    assert replace(parsed, datetime=when) == event
