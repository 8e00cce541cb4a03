"""PREMIS 3 preservation metadata: objects, events and agents, written and read with lxml.

Controlled values use the Library of Congress preservation vocabularies
(id.loc.gov/vocabulary/preservation/…): a known label such as ``ingestion`` is
written with ``authority``, ``authorityURI`` and ``valueURI``; any other label is
written as plain text. Output is deterministic: objects and agents are sorted by
identifier, events by time then identifier, so the same input gives the same bytes.
The PREMIS 3.0 schema ships in ``preserve/data`` and validation never touches the
network.

>>> from datetime import datetime, timezone
>>> when = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
>>> xml = build_premis(
...     [PremisObject("obj-1", "a.txt", 3, (Fixity("SHA-256", "ba78"),), "Plain Text File",
...                   format_registry_key="x-fmt/111")],
...     [Event("ev-1", "ingestion", when, "taken in", "success",
...            agents=(("preserve", "executing program"),), objects=(("obj-1", "source"),))],
...     [Agent("preserve", "preserve", "software", version="0.1.0")],
... )
>>> validate_premis(xml)
[]
>>> [(e.type, e.outcome) for e in parse_events(xml)]
[('ingestion', 'success')]
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

from lxml import etree

from preserve.errors import PackageError
from preserve.fixity import PREMIS_NAMES

if TYPE_CHECKING:
    from preserve.identification import Identification

NS = "http://www.loc.gov/premis/v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
VERSION = "3.0"
SCHEMA_LOCATION = f"{NS} https://www.loc.gov/standards/premis/premis.xsd"
SCHEMA_RESOURCE = "premis-v3.xsd"
_NSMAP = {"premis": NS, "xsi": XSI}
_P = f"{{{NS}}}"

VOCABULARY = "http://id.loc.gov/vocabulary/preservation/"

# label -> code, per vocabulary (checked against id.loc.gov, November 2026).
EVENT_TYPES = {
    "accession": "acc",
    "appraisal": "app",
    "capture": "cap",
    "compiling": "cop",
    "compression": "com",
    "creation": "cre",
    "deaccession": "dea",
    "decompression": "dec",
    "decryption": "der",
    "deletion": "del",
    "digital signature generation": "dsg",
    "digital signature validation": "dig",
    "displaying": "dsp",
    "dissemination": "dis",
    "encryption": "enc",
    "execution": "exe",
    "exporting": "exp",
    "extraction": "ext",
    "filename change": "fil",
    "fixity check": "fix",
    "forensic feature analysis": "ffa",
    "format identification": "for",
    "imaging": "ima",
    "information package creation": "ipc",
    "information package merging": "ipm",
    "information package splitting": "ips",
    "ingestion": "ing",
    "ingestion end": "ine",
    "ingestion start": "ins",
    "interpreting": "int",
    "message digest calculation": "mes",
    "metadata extraction": "mee",
    "metadata modification": "mem",
    "migration": "mig",
    "modification": "mod",
    "normalization": "nor",
    "packing": "pac",
    "policy assignment": "poa",
    "printing": "prt",
    "quarantine": "qua",
    "recovery": "rec",
    "redaction": "red",
    "refreshment": "ref",
    "rendering": "ren",
    "replication": "rep",
    "transfer": "tra",
    "unpacking": "unp",
    "unquarantine": "unq",
    "validation": "val",
    "virus check": "vir",
}
AGENT_TYPES = {"organization": "org", "person": "per", "software": "sof", "hardware": "har"}
EVENT_OUTCOMES = {"success": "suc", "fail": "fai", "warning": "war"}
AGENT_ROLES = {
    "authorizer": "aut",
    "executing program": "exe",
    "implementer": "imp",
    "validator": "val",
}
OBJECT_ROLES = {"source": "sou", "outcome": "out"}
RELATIONSHIP_TYPES = {"derivation": "der", "structural": "str"}
RELATIONSHIP_SUBTYPES = {"has source": "hss", "is source of": "iso", "includes": "inc"}
HASH_FUNCTIONS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}
_VOCABULARIES: dict[str, dict[str, str]] = {
    "eventType": EVENT_TYPES,
    "agentType": AGENT_TYPES,
    "eventOutcome": EVENT_OUTCOMES,
    "eventRelatedAgentRole": AGENT_ROLES,
    "eventRelatedObjectRole": OBJECT_ROLES,
    "relationshipType": RELATIONSHIP_TYPES,
    "relationshipSubType": RELATIONSHIP_SUBTYPES,
    "cryptographicHashFunctions": HASH_FUNCTIONS,
}

OBJECT_CATEGORIES = ("file", "representation", "intellectualEntity")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Agent:
    """Who or what acted: the organization, a person, or a program with its version."""

    identifier: str
    name: str
    type: str
    """``organization``, ``person``, ``software`` or ``hardware`` (LoC agentType)."""
    identifier_type: str = "local"
    note: str = ""
    version: str | None = None


@dataclass(frozen=True)
class Fixity:
    algorithm: str
    """PREMIS name (``SHA-256``); hashlib names (``sha256``) are accepted and converted."""
    digest: str
    originator: str = "preserve"


@dataclass(frozen=True)
class Relationship:
    type: str
    """e.g. ``derivation``."""
    subtype: str
    """e.g. ``has source``."""
    related_object: str
    related_event: str | None = None
    """The event that made the relationship (e.g. the normalization), if described."""


@dataclass(frozen=True)
class PremisObject:
    """A file (or representation / intellectual entity) and what is known about it."""

    identifier: str
    original_name: str
    size: int
    fixity: tuple[Fixity, ...]
    format_name: str | None = None
    format_version: str | None = None
    format_registry_key: str | None = None
    """PRONOM identifier (``x-fmt/111``)."""
    content_location: str | None = None
    """Where the file is stored, e.g. its path inside the package (``data/a.txt``)."""
    relationships: tuple[Relationship, ...] = ()
    category: str = "file"
    identifier_type: str = "local"
    format_notes: tuple[str, ...] = ()
    """Free text on the format, e.g. the detected encoding and why."""


@dataclass(frozen=True)
class Event:
    """Something done to objects, when, by which agents, and how it went."""

    identifier: str
    type: str
    """LoC eventType label: ``ingestion``, ``message digest calculation``, ``validation`` …"""
    datetime: datetime
    """Timezone-aware; written in ISO 8601."""
    detail: str
    outcome: str
    """``success``, ``fail`` or ``warning`` (LoC eventOutcome); other text is kept as is."""
    outcome_detail: str = ""
    agents: tuple[tuple[str, str], ...] = ()
    """(agent identifier, role), role e.g. ``executing program`` or ``implementer``."""
    objects: tuple[tuple[str, str], ...] = ()
    """(object identifier, role), role ``source`` or ``outcome``."""
    identifier_type: str = "UUID"


def object_for_file(
    identifier: str,
    original_name: str,
    identification: Identification,
    digests: Mapping[str, str],
    *,
    content_location: str | None = None,
    relationships: tuple[Relationship, ...] = (),
) -> PremisObject:
    """A file object from an :class:`~preserve.identification.Identification` and digests.

    ``digests`` maps hashlib names to hex digests (``{"sha256": "…"}``), as
    :func:`preserve.fixity.digest_file` returns them. The encoding and its basis
    become format notes.
    """
    notes = []
    if identification.encoding is not None:
        notes.append(f"encoding: {identification.encoding} ({identification.encoding_basis})")
    notes.append(f"identified by siegfried: {identification.basis}")
    notes.extend(f"warning: {warning}" for warning in identification.warnings)
    return PremisObject(
        identifier=identifier,
        original_name=original_name,
        size=identification.size,
        fixity=tuple(Fixity(name, digest) for name, digest in sorted(digests.items())),
        format_name=identification.format_name,
        format_version=identification.format_version,
        format_registry_key=identification.puid,
        content_location=content_location,
        relationships=relationships,
        format_notes=tuple(notes),
    )


# ---------------------------------------------------------------- writing


def _text(value: str, what: str) -> str:
    found = _NOT_XML.search(value)
    if found:
        raise PackageError(
            f"{what} {value!r} holds character {found.group()!r}, which XML cannot carry; "
            "rename the file (or give a safe name) before ingesting it"
        )
    return value


def _add(parent: Any, name: str, text: str | None = None, vocabulary: str | None = None) -> Any:
    element = etree.SubElement(parent, _P + name)
    if text is not None:
        element.text = _text(text, name)
        code = _VOCABULARIES[vocabulary].get(text) if vocabulary else None
        if code is not None:
            element.set("authority", str(vocabulary))
            element.set("authorityURI", f"{VOCABULARY}{vocabulary}")
            element.set("valueURI", f"{VOCABULARY}{vocabulary}/{code}")
    return element


def _premis_algorithm(name: str) -> str:
    return PREMIS_NAMES.get(name.lower(), name)


def _object_element(obj: PremisObject, types: Mapping[str, str], event_types: Any) -> Any:
    if obj.category not in OBJECT_CATEGORIES:
        raise ValueError(
            f"object category must be one of {OBJECT_CATEGORIES}, not {obj.category!r}"
        )
    element = etree.Element(_P + "object", nsmap=_NSMAP)
    element.set(f"{{{XSI}}}type", f"premis:{obj.category}")
    identifier = _add(element, "objectIdentifier")
    _add(identifier, "objectIdentifierType", obj.identifier_type)
    _add(identifier, "objectIdentifierValue", obj.identifier)
    if obj.category == "file":
        characteristics = _add(element, "objectCharacteristics")
        _add(characteristics, "compositionLevel", "0")
        for fixity in sorted(obj.fixity, key=lambda f: _premis_algorithm(f.algorithm)):
            fixity_element = _add(characteristics, "fixity")
            algorithm = _premis_algorithm(fixity.algorithm)
            _add(fixity_element, "messageDigestAlgorithm", algorithm, "cryptographicHashFunctions")
            _add(fixity_element, "messageDigest", fixity.digest)
            if fixity.originator:
                _add(fixity_element, "messageDigestOriginator", fixity.originator)
        _add(characteristics, "size", str(obj.size))
        format_element = _add(characteristics, "format")
        if obj.format_name or not obj.format_registry_key:
            designation = _add(format_element, "formatDesignation")
            _add(designation, "formatName", obj.format_name or "unknown")
            if obj.format_version:
                _add(designation, "formatVersion", obj.format_version)
        if obj.format_registry_key:
            registry = _add(format_element, "formatRegistry")
            _add(registry, "formatRegistryName", "PRONOM")
            _add(registry, "formatRegistryKey", obj.format_registry_key)
        for note in obj.format_notes:
            _add(format_element, "formatNote", note)
    elif obj.fixity or obj.format_name or obj.format_registry_key or obj.format_notes:
        raise ValueError(
            f"a PREMIS {obj.category} has no fixity or format; describe its files instead"
        )
    if obj.original_name:
        _add(element, "originalName", obj.original_name)
    if obj.content_location and obj.category != "intellectualEntity":
        storage = _add(element, "storage")
        location = _add(storage, "contentLocation")
        _add(location, "contentLocationType", "relative path in package")
        _add(location, "contentLocationValue", obj.content_location)
    for relationship in obj.relationships:
        related = _add(element, "relationship")
        _add(related, "relationshipType", relationship.type, "relationshipType")
        _add(related, "relationshipSubType", relationship.subtype, "relationshipSubType")
        target = _add(related, "relatedObjectIdentifier")
        _add(target, "relatedObjectIdentifierType", types.get(relationship.related_object, "local"))
        _add(target, "relatedObjectIdentifierValue", relationship.related_object)
        if relationship.related_event is not None:
            event = _add(related, "relatedEventIdentifier")
            _add(
                event,
                "relatedEventIdentifierType",
                event_types.get(relationship.related_event, "UUID"),
            )
            _add(event, "relatedEventIdentifierValue", relationship.related_event)
    return element


def _event_element(
    event: Event, agent_types: Mapping[str, str], object_types: Mapping[str, str]
) -> Any:
    if event.datetime.tzinfo is None:
        raise ValueError(f"event {event.identifier}: give a timezone-aware datetime")
    element = etree.Element(_P + "event", nsmap=_NSMAP)
    identifier = _add(element, "eventIdentifier")
    _add(identifier, "eventIdentifierType", event.identifier_type)
    _add(identifier, "eventIdentifierValue", event.identifier)
    _add(element, "eventType", event.type, "eventType")
    _add(element, "eventDateTime", event.datetime.isoformat())
    if event.detail:
        _add(_add(element, "eventDetailInformation"), "eventDetail", event.detail)
    if event.outcome or event.outcome_detail:
        outcome = _add(element, "eventOutcomeInformation")
        if event.outcome:
            _add(outcome, "eventOutcome", event.outcome, "eventOutcome")
        if event.outcome_detail:
            _add(
                _add(outcome, "eventOutcomeDetail"), "eventOutcomeDetailNote", event.outcome_detail
            )
    for agent, role in event.agents:
        if agent not in agent_types:
            raise PackageError(
                f"event {event.identifier} names agent {agent!r} that is not described; "
                "pass that agent too"
            )
        link = _add(element, "linkingAgentIdentifier")
        _add(link, "linkingAgentIdentifierType", agent_types[agent])
        _add(link, "linkingAgentIdentifierValue", agent)
        if role:
            _add(link, "linkingAgentRole", role, "eventRelatedAgentRole")
    for obj, role in event.objects:
        if obj not in object_types:
            raise PackageError(
                f"event {event.identifier} names object {obj!r} that is not described; "
                "describe the object first"
            )
        link = _add(element, "linkingObjectIdentifier")
        _add(link, "linkingObjectIdentifierType", object_types[obj])
        _add(link, "linkingObjectIdentifierValue", obj)
        if role:
            _add(link, "linkingObjectRole", role, "eventRelatedObjectRole")
    return element


def _agent_element(agent: Agent) -> Any:
    element = etree.Element(_P + "agent", nsmap=_NSMAP)
    identifier = _add(element, "agentIdentifier")
    _add(identifier, "agentIdentifierType", agent.identifier_type)
    _add(identifier, "agentIdentifierValue", agent.identifier)
    _add(element, "agentName", agent.name)
    _add(element, "agentType", agent.type, "agentType")
    if agent.version:
        _add(element, "agentVersion", agent.version)
    if agent.note:
        _add(element, "agentNote", agent.note)
    return element


def _event_order(event: Event) -> tuple[datetime, str]:
    return (event.datetime, event.identifier)


def _serialize(root: Any) -> bytes:
    body: bytes = etree.tostring(root, encoding="UTF-8", pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _unique(kind: str, identifiers: Iterable[str]) -> None:
    seen: set[str] = set()
    for identifier in identifiers:
        if identifier in seen:
            raise PackageError(f"two {kind}s have identifier {identifier!r}; give each its own")
        seen.add(identifier)


def build_premis(
    objects: Iterable[PremisObject], events: Iterable[Event], agents: Iterable[Agent]
) -> bytes:
    """One ``<premis version="3.0">`` document: pretty UTF-8 with an XML declaration.

    Every agent and object an event names must be among those given. Raises
    :class:`PackageError` for a dangling link, a duplicate identifier, a name XML
    cannot hold, or (a bug) a result the schema rejects.
    """
    objects = sorted(objects, key=lambda o: o.identifier)
    events = sorted(events, key=_event_order)
    agents = sorted(agents, key=lambda a: a.identifier)
    if not objects:
        raise PackageError("a PREMIS document needs at least one object; describe the files first")
    _unique("object", (o.identifier for o in objects))
    _unique("event", (e.identifier for e in events))
    _unique("agent", (a.identifier for a in agents))
    object_types = {o.identifier: o.identifier_type for o in objects}
    event_types = {e.identifier: e.identifier_type for e in events}
    agent_types = {a.identifier: a.identifier_type for a in agents}
    root = etree.Element(_P + "premis", nsmap=_NSMAP)
    root.set("version", VERSION)
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    for obj in objects:
        root.append(_object_element(obj, object_types, event_types))
    for event in events:
        root.append(_event_element(event, agent_types, object_types))
    for agent in agents:
        root.append(_agent_element(agent))
    return _checked(_serialize(root))


def _checked(xml: bytes) -> bytes:
    problems = validate_premis(xml)
    if problems:
        raise PackageError(f"the PREMIS written is not valid ({problems[0]}); report this as a bug")
    return xml


# ---------------------------------------------------------------- reading


class _OfflineResolver(etree.Resolver):  # type: ignore[misc]
    """Serve schema imports from package data; never fetch anything."""

    def resolve(self, url: str, public_id: str, context: Any) -> Any:
        name = url.rsplit("/", 1)[-1] if url else ""
        resource = resources.files("preserve.data") / name
        if name and resource.is_file():
            return self.resolve_string(resource.read_bytes(), context)
        raise PackageError(
            f"the PREMIS schema asks for {url!r}, which is not shipped in preserve/data; "
            "add it there (validation never uses the network)"
        )


def _parser() -> Any:
    parser = etree.XMLParser(
        no_network=True, resolve_entities=False, load_dtd=False, remove_blank_text=True
    )
    parser.resolvers.add(_OfflineResolver())
    return parser


_SCHEMAS = threading.local()


def premis_schema() -> Any:
    """The PREMIS 3.0 schema from package data, offline; one per thread (~3 ms to load),
    since an lxml validator keeps its error log and must not be shared between threads."""
    schema = getattr(_SCHEMAS, "schema", None)
    if schema is None:
        source = resources.files("preserve.data") / SCHEMA_RESOURCE
        document = etree.fromstring(source.read_bytes(), _parser(), base_url=SCHEMA_RESOURCE)
        schema = _SCHEMAS.schema = etree.XMLSchema(document)
    return schema


def _parse(xml: bytes) -> Any:
    try:
        return etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as error:
        raise PackageError(f"the PREMIS is not well-formed XML ({error}); rewrite it") from None


def validate_premis(xml: bytes) -> list[str]:
    """Every schema problem as ``line N: message``; ``[]`` when valid PREMIS 3.0.

    >>> validate_premis(b"<premis/>")[0]
    "line 1: Element 'premis': No matching global declaration available for the validation root."
    >>> validate_premis(b"<premis")[0].startswith("not well-formed XML")
    True
    """
    try:
        document = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    schema = premis_schema()
    if schema.validate(document):
        return []
    return [f"line {entry.line}: {entry.message}" for entry in schema.error_log]


def _find_text(element: Any, path: str) -> str:
    found = element.find(path, _NSMAP)
    return (found.text or "") if found is not None else ""


def _event_from_element(element: Any) -> Event:
    identifier = _find_text(element, "premis:eventIdentifier/premis:eventIdentifierValue")
    stamp = _find_text(element, "premis:eventDateTime")
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        raise PackageError(
            f"event {identifier!r} has date {stamp!r}, not ISO 8601; fix the PREMIS by hand"
        ) from None
    agents: list[tuple[str, str]] = []
    for link in element.findall("premis:linkingAgentIdentifier", _NSMAP):
        value = _find_text(link, "premis:linkingAgentIdentifierValue")
        roles = [r.text or "" for r in link.findall("premis:linkingAgentRole", _NSMAP)] or [""]
        agents.extend((value, role) for role in roles)
    objects: list[tuple[str, str]] = []
    for link in element.findall("premis:linkingObjectIdentifier", _NSMAP):
        value = _find_text(link, "premis:linkingObjectIdentifierValue")
        roles = [r.text or "" for r in link.findall("premis:linkingObjectRole", _NSMAP)] or [""]
        objects.extend((value, role) for role in roles)
    return Event(
        identifier=identifier,
        type=_find_text(element, "premis:eventType"),
        datetime=when,
        detail=_find_text(element, "premis:eventDetailInformation/premis:eventDetail"),
        outcome=_find_text(element, "premis:eventOutcomeInformation/premis:eventOutcome"),
        outcome_detail=_find_text(
            element,
            "premis:eventOutcomeInformation/premis:eventOutcomeDetail/premis:eventOutcomeDetailNote",
        ),
        agents=tuple(agents),
        objects=tuple(objects),
        identifier_type=_find_text(element, "premis:eventIdentifier/premis:eventIdentifierType"),
    )


def parse_events(xml: bytes) -> list[Event]:
    """The events of a PREMIS document, in document order."""
    root = _parse(xml)
    return [_event_from_element(e) for e in root.iterfind("premis:event", _NSMAP)]


def _identifier_types(root: Any, kind: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in root.iterfind(f"premis:{kind}/premis:{kind}Identifier", _NSMAP):
        value = _find_text(element, f"premis:{kind}IdentifierValue")
        found.setdefault(value, _find_text(element, f"premis:{kind}IdentifierType"))
    return found


def append_events(xml: bytes, events: Iterable[Event], agents: Iterable[Agent] = ()) -> bytes:
    """Add events (after those present) and the agents not yet described.

    An event already in the document with the same identifier and content is
    skipped, so appending twice is harmless; the same identifier with other
    content raises :class:`PackageError`. The result is checked against the schema.
    """
    root = _parse(xml)
    if root.tag != _P + "premis":
        raise PackageError("append events to a <premis> document, not a lone entity")
    existing = {
        e.identifier: e for e in map(_event_from_element, root.iterfind("premis:event", _NSMAP))
    }
    agent_types = _identifier_types(root, "agent")
    object_types = _identifier_types(root, "object")
    new_agents = []
    for agent in sorted(agents, key=lambda a: a.identifier):
        if agent.identifier not in agent_types:
            agent_types[agent.identifier] = agent.identifier_type
            new_agents.append(agent)
    new_events = []
    for event in sorted(events, key=_event_order):
        before = existing.get(event.identifier)
        if before is None:
            existing[event.identifier] = event
            new_events.append(event)
        elif before != event:
            raise PackageError(
                f"event {event.identifier!r} is already recorded with other content; "
                "give the new event its own identifier"
            )
    last_event = root.findall("premis:event", _NSMAP) or root.findall("premis:object", _NSMAP)
    anchor = last_event[-1]
    for event in new_events:
        element = _event_element(event, agent_types, object_types)
        anchor.addnext(element)
        anchor = element
    last_agent = root.findall("premis:agent", _NSMAP)
    anchor = last_agent[-1] if last_agent else anchor
    for agent in new_agents:
        element = _agent_element(agent)
        anchor.addnext(element)
        anchor = element
    return _checked(_serialize(root))
