"""Receipts: what was handed to whom, when, with which digests, and how it checked out.

Each delivery attempt is one row of the catalog's ``deliveries`` table and, for a package
the catalog knows, one PREMIS ``replication`` event (outcome ``success`` or ``fail``, the
destination as its detail, the organization and preserve as agents). A re-run that finds
the copy already there records nothing new when a receipt already says so.

:func:`audit_destination` reads every delivered copy back later and flags one that changed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from preserve.catalog import Catalog, DeliveryRecord, PackageRecord, now_utc
from preserve.handoff.core import EVENT_TYPE, Delivery, DeliveryError, Destination
from preserve.premis import Event

AUDIT_EVENT = "fixity check"


def replication_event(
    delivery: Delivery,
    agents: Sequence[str],
    when: datetime | None = None,
    objects: Sequence[str] = (),
) -> Event:
    """The PREMIS ``replication`` event of a delivery: the destination (never a password)
    in the detail, how it went in the outcome detail, ``objects`` (e.g. the package's
    ``data/original/...`` files) as its sources. :func:`preserve.premis.append_events`
    can add it to a package's premis.xml, where those objects are described."""
    organization, *software = list(agents) or ["preserve"]
    return Event(
        identifier=str(uuid.uuid4()),
        type=EVENT_TYPE,
        datetime=when or now_utc(),
        detail=f"handed off to {delivery.destination} as {delivery.location or '(nothing)'}",
        outcome="success" if delivery.ok else "fail",
        outcome_detail=json.dumps(
            {
                "outcome": delivery.outcome,
                "serialization": delivery.serialization,
                "algorithm": delivery.algorithm,
                "bytes": delivery.bytes,
                "reasons": delivery.reasons,
            }
        ),
        agents=((organization, "implementer"), *((a, "executing program") for a in software)),
        objects=tuple((identifier, "source") for identifier in objects),
    )


def record_delivery(catalog: Catalog, delivery: Delivery, agents: Sequence[str]) -> bool:
    """Store the receipt and its PREMIS event; False when nothing new had to be said (the
    copy was already there and a receipt already records it)."""
    package = catalog.package(delivery.package)
    if delivery.outcome == "already-delivered" and any(
        r.location == delivery.location
        for r in catalog.deliveries(
            destination=delivery.destination, package_name=delivery.package, delivered_only=True
        )
    ):
        return False
    event = replication_event(delivery, agents)
    with catalog.transaction():
        catalog.record_event(
            package_id=package.id if package else None,
            event_type=event.type,
            outcome=event.outcome,
            detail=event.detail,
            outcome_detail=json.loads(event.outcome_detail),
            agents=[agent for agent, _role in event.agents],
            when=event.datetime,
            identifier=event.identifier,
        )
        catalog.add_delivery(
            package_id=package.id if package else None,
            package_name=delivery.package,
            destination=delivery.destination,
            location=delivery.location,
            serialization=delivery.serialization,
            outcome=delivery.outcome,
            algorithm=delivery.algorithm,
            sent=delivery.sent,
            reasons=delivery.reasons,
            size=delivery.bytes,
            event_identifier=event.identifier,
            when=event.datetime,
        )
    return True


def undelivered(catalog: Catalog, destination: str) -> list[PackageRecord]:
    """Catalogued packages with no proved copy at ``destination`` yet, oldest first."""
    done = {
        r.package_name for r in catalog.deliveries(destination=destination, delivered_only=True)
    }
    return [p for p in catalog.packages() if p.name not in done]


@dataclass
class CopyCheck:
    """One delivered copy read back again."""

    package: str
    location: str
    status: str = "pass"
    """``pass`` or ``changed`` (or ``missing``, ``unreachable``)."""
    problems: list[str] = field(default_factory=list)
    delivered_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "location": self.location,
            "status": self.status,
            "problems": list(self.problems),
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
        }


def latest_deliveries(catalog: Catalog, destination: str) -> list[DeliveryRecord]:
    """The newest proved receipt of each package at ``destination``."""
    latest: dict[str, DeliveryRecord] = {}
    for record in catalog.deliveries(destination=destination, delivered_only=True):
        latest[record.package_name] = record
    return list(latest.values())


def audit_destination(
    catalog: Catalog, destination: Destination, agents: Sequence[str]
) -> list[CopyCheck]:
    """Read back every copy delivered to ``destination`` and compare it with its receipt;
    each check is a PREMIS ``fixity check`` event on the package."""
    display = destination.address.display
    checks: list[CopyCheck] = []
    for record in latest_deliveries(catalog, display):
        check = CopyCheck(record.package_name, record.location, delivered_at=record.delivered_at)
        try:
            check.problems = destination.verify(record.location, record.sent, record.algorithm)
        except DeliveryError as error:
            check.status, check.problems = "unreachable", [str(error)]
        except OSError as error:
            check.status, check.problems = "unreachable", [f"{record.location}: {error}"]
        if check.problems and check.status == "pass":
            gone = any("no longer at the destination" in p for p in check.problems)
            check.status = "missing" if gone else "changed"
        checks.append(check)
        with catalog.transaction():
            catalog.record_event(
                package_id=record.package_id,
                event_type=AUDIT_EVENT,
                outcome="success" if check.status == "pass" else "fail",
                detail=f"copy at {display} ({record.location}) read back and re-hashed",
                outcome_detail={"status": check.status, "problems": check.problems[:50]},
                agents=list(agents),
            )
    return checks
