"""Hand-off: deliver packages to the repositories that keep them, prove they arrived
whole, and keep the receipt.

- :mod:`preserve.handoff.core`: the check before sending, the proof after, serialization,
  and what every destination shares;
- :mod:`preserve.handoff.folder`, :mod:`preserve.handoff.sftp`,
  :mod:`preserve.handoff.ocfl`: one module per kind of destination;
- :mod:`preserve.handoff.receipts`: the catalog's receipts, PREMIS ``replication``
  events, and re-checking delivered copies later.
"""

from preserve.handoff.core import (
    LOCKS,
    PASSWORD_ENV,
    Delivery,
    DeliveryError,
    Destination,
    DestinationAddress,
    check_destination_apart,
    configured_options,
    hand_off,
    hand_off_all,
    open_destination,
    parse_destination,
)
from preserve.handoff.receipts import audit_destination, record_delivery, undelivered

__all__ = [
    "LOCKS",
    "PASSWORD_ENV",
    "Delivery",
    "DeliveryError",
    "Destination",
    "DestinationAddress",
    "audit_destination",
    "check_destination_apart",
    "configured_options",
    "hand_off",
    "hand_off_all",
    "open_destination",
    "parse_destination",
    "record_delivery",
    "undelivered",
]
