"""What a package says about itself: its PREMIS record, ``item.json`` and ``bag-info.txt``.

The ingest pipeline (:mod:`preserve.pipeline`) learns the facts, step by step; this module
turns them into the package's metadata, and is the one place that knows those formats. It
writes no files (the pipeline does) and calls no clock: every time is given, so the same
facts give the same bytes, and a package built twice with a pinned clock is byte-for-byte
the same. The one thing it reads is an existing package's ``item.json``
(:func:`recorded_qualities`, when a package is adopted).

>>> event_id("letters-1a2b3c4d5e", "ingestion") == event_id("letters-1a2b3c4d5e", "ingestion")
True
>>> derived_format("data/derived/letter.txt.edits.json")
'JSON edit log (preserve-edit-log/1)'
"""

from __future__ import annotations

import json
import platform
import ssl
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from preserve import __version__, premis
from preserve.bagging import PayloadFile
from preserve.config import Config
from preserve.fixity import PREMIS_NAMES
from preserve.intake import Item

if TYPE_CHECKING:
    from preserve.identification import Identification


@dataclass(frozen=True)
class Original:
    """One original file of an item, as taken in: where it was read from and its copy in the
    package's payload, with the size and digests read at intake."""

    relative: str
    """Its name inside the item, '/'-separated, as given: ``page 1.txt``, ``issue 7/p1.txt``."""
    source: Path
    """Where it was read from (never written)."""
    payload: PayloadFile
    """Its copy in the bag (``data/original/<relative>``), with the intake size and digests."""

    @property
    def bag_path(self) -> str:
        return self.payload.bag_path

    @property
    def size(self) -> int:
        return self.payload.size

    @property
    def digests(self) -> dict[str, str]:
        return self.payload.digests


@dataclass(frozen=True)
class RepairedText:
    """A text the repair step made a derived copy of, and what came of it."""

    source: str
    """The original's bag path."""
    outputs: tuple[PayloadFile, ...]
    """Repaired text, edit log, debris, review page."""
    summary: dict[str, int]
    """Edits per rule."""
    quality: dict[str, Any] | None = None
    """The OCR quality of the text (``repair.quality.Quality.to_dict()``)."""


DERIVED_FORMATS = {
    ".repaired.txt": "Plain Text (UTF-8), repaired derivative",
    ".edits.json": "JSON edit log (preserve-edit-log/1)",
    ".debris.json": "JSON, layout debris removed from the text",
    ".review.html": "HTML repair review page",
}
"""The derived files of a repaired text: their name's ending and their format."""


def derived_format(bag_path: str) -> str:
    for ending, name in DERIVED_FORMATS.items():
        if bag_path.endswith(ending):
            return name
    return "unknown"


def json_bytes(data: Any, *, compact: bool = False) -> bytes:
    """UTF-8 JSON. Edit logs (thousands of edits, read by programs; the review page is the
    human view) are written compact: indenting them cost more time than the repair itself.

    >>> json_bytes({"é": [1, 2]}, compact=True)
    b'{"\\xc3\\xa9":[1,2]}\\n'
    """
    if compact:
        return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def event_id(package: str, what: str) -> str:
    """Event identifiers derived from the package and the event, so that a package built
    twice with the same clock is byte-for-byte the same."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"preserve:{package}:{what}"))


# -- PREMIS ---------------------------------------------------------------------------------


def agents(
    config: Config, siegfried: str, repair_software: Mapping[str, str]
) -> list[premis.Agent]:
    """Who acted: the organization first, preserve second, then the programs it ran."""
    org = config.organization
    found = [
        premis.Agent(org.identifier, org.name, "organization", note=org.contact_email),
        premis.Agent("preserve", "preserve", "software", version=__version__),
        premis.Agent(
            "hashlib",
            "Python hashlib",
            "software",
            version=f"Python {platform.python_version()}, {ssl.OPENSSL_VERSION}",
        ),
        premis.Agent("siegfried", "siegfried (via pygfried)", "software", version=siegfried),
    ]
    for name, version in sorted(repair_software.items()):
        if name != "preserve":
            found.append(premis.Agent(name, name, "software", version=version))
    return found


def identification_line(bag_path: str, ident: Identification) -> str:
    return (
        f"{bag_path}: {ident.puid or 'unknown'} {ident.media_type}, "
        f"encoding {ident.encoding} ({ident.encoding_basis})"
    )


def premis_record(
    package: str,
    item: Item,
    originals: Sequence[Original],
    identities: Mapping[str, Identification],
    texts: Sequence[RepairedText],
    acting: Sequence[premis.Agent],
    algorithms: Sequence[str],
    *,
    hashed: datetime,
    copied: datetime,
    ingested: datetime,
) -> tuple[bytes, list[premis.Event]]:
    """The package's PREMIS document (schema-valid) and the events in it: an object per
    original and per derived file; the intake events (message digest calculation,
    validation of the copies, format identification), a normalization per repaired text,
    and the ingestion. ``acting``: from :func:`agents`."""
    objects = [
        premis.object_for_file(
            original.bag_path,
            original.relative,
            identities[original.bag_path],
            original.digests,
            content_location=original.bag_path,
        )
        for original in originals
    ]
    for text in texts:
        for output in text.outputs:
            objects.append(_derived_object(package, output, text.source, algorithms))
    all_originals = tuple(
        (o.identifier, "source") for o in objects if o.identifier.startswith("data/original/")
    )
    org, software = acting[0].identifier, acting[1].identifier
    events = [
        premis.Event(
            identifier=event_id(package, "message digest calculation"),
            type="message digest calculation",
            datetime=hashed,
            detail=f"{', '.join(PREMIS_NAMES[a] for a in algorithms)} of each original, "
            "in one read-only pass at intake",
            outcome="success",
            agents=((software, "executing program"), ("hashlib", "executing program")),
            objects=all_originals,
        ),
        premis.Event(
            identifier=event_id(package, "validation of copies"),
            type="validation",
            datetime=copied,
            detail="payload copies re-hashed while written and compared with the intake digests",
            outcome="success",
            agents=((software, "executing program"),),
            objects=all_originals,
        ),
        premis.Event(
            identifier=event_id(package, "format identification"),
            type="format identification",
            datetime=copied,
            detail="siegfried (PRONOM) and preserve's encoding detection",
            outcome="success",
            outcome_detail="; ".join(
                identification_line(original.bag_path, identities[original.bag_path])
                for original in originals
            ),
            agents=((software, "executing program"), ("siegfried", "executing program")),
            objects=all_originals,
        ),
    ]
    for text in texts:
        events.append(
            premis.Event(
                identifier=event_id(package, f"normalization {text.source}"),
                type="normalization",
                datetime=copied,
                detail="OCR repair into a derived copy; every edit logged and reversible",
                outcome="success",
                outcome_detail="edits per rule: " + json.dumps(text.summary, sort_keys=True),
                agents=tuple((a.identifier, "executing program") for a in acting[1:]),
                objects=((text.source, "source"), *((o.bag_path, "outcome") for o in text.outputs)),
            )
        )
    events.append(
        premis.Event(
            identifier=event_id(package, "ingestion"),
            type="ingestion",
            datetime=ingested,
            detail=f"preserved from {item.path} as package {package}",
            outcome="success",
            agents=((org, "implementer"), (software, "executing program")),
            objects=all_originals,
        )
    )
    # build_premis validates its output against the schema and raises PackageError if not.
    return premis.build_premis(objects, events, acting), events


def _derived_object(
    package: str, output: PayloadFile, source: str, algorithms: Sequence[str]
) -> premis.PremisObject:
    """A derived file, linked to its original by the normalization that made it."""
    return premis.PremisObject(
        identifier=output.bag_path,
        original_name=Path(output.bag_path).name,
        size=output.size,
        fixity=tuple(premis.Fixity(PREMIS_NAMES[a], output.digests[a]) for a in algorithms),
        format_name=derived_format(output.bag_path),
        content_location=output.bag_path,
        relationships=(
            premis.Relationship(
                "derivation",
                "has source",
                source,
                related_event=event_id(package, f"normalization {source}"),
            ),
        ),
    )


# -- item.json ------------------------------------------------------------------------------


def item_description(
    package: str,
    item: Item,
    originals: Sequence[Original],
    identities: Mapping[str, Identification],
    texts: Sequence[RepairedText],
    config: Config,
    *,
    preserved: datetime,
    previous: str | None,
) -> bytes:
    """``item.json``: the descriptive and technical metadata a person (or a repository)
    reads first; each original with its identification, repairs, derived files and OCR
    quality."""
    repaired = {text.source: text for text in texts}

    def entry(original: Original) -> dict[str, Any]:
        text = repaired.get(original.bag_path)
        return {
            "path": original.bag_path,
            "original_name": original.relative,
            "size": original.size,
            "digests": original.digests,
            "identification": identities[original.bag_path].to_dict(),
            "repairs": text.summary if text else None,
            "derived": [o.bag_path for o in text.outputs] if text else [],
            "quality": (text.quality or None) if text else None,
        }

    return json_bytes(
        {
            "package": package,
            "title": item.name,
            "source": str(item.path),
            "kind": item.kind,
            "preserved": preserved.isoformat(),
            "previous_package": previous,
            "organization": config.organization.name,
            "files": [entry(original) for original in originals],
            "software": {"preserve": __version__},
            "configuration": config.to_dict(),
        }
    )


def recorded_qualities(item_json: Path) -> dict[str, dict[str, Any]]:
    """The OCR quality each text's ``item.json`` entry carries (none from older packages)."""
    try:
        description = json.loads(item_json.read_bytes())
        return {f["path"]: f["quality"] for f in description["files"] if f.get("quality")}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


# -- bag-info.txt ---------------------------------------------------------------------------


def bag_info(package: str, item: Item, config: Config, bagged: datetime) -> list[tuple[str, str]]:
    """The tags of ``bag-info.txt`` before Payload-Oxum and Bag-Size (which bagging adds)."""
    org = config.organization
    info = [("Source-Organization", org.name)]
    if org.address:
        info.append(("Organization-Address", org.address))
    info += [
        ("Contact-Name", org.contact_name),
        ("Contact-Email", org.contact_email),
        ("External-Identifier", package),
        (
            "External-Description",
            f"{item.name}: {len(item.files)} original file(s), with repaired derivatives",
        ),
        ("Bagging-Date", bagged.date().isoformat()),
        ("Bag-Software-Agent", f"preserve {__version__}"),
        ("Bag-Producing-Organization", org.name),
        ("Bag-Group-Identifier", item.path.parent.name or str(item.path.parent)),
        ("Bag-Count", "1 of 1"),
        ("Internal-Sender-Identifier", str(item.path)),
        (
            "Internal-Sender-Description",
            "the path of the item in its source folder when it was preserved",
        ),
    ]
    if config.bagging.profile_identifier:
        info.append(("BagIt-Profile-Identifier", config.bagging.profile_identifier))
    return info
