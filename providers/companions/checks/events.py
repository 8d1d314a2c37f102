"""EventBridge requests moto would mishandle.

- partner event sources that do not exist (``DescribeEventSource``,
  ``DescribePartnerEventSource``, ``DeletePartnerEventSource``,
  ``PutPartnerEvents``): ``ResourceNotFoundException`` "Event source <name> does
  not exist." (best reading, after EventBridge's recorded "Event bus <name> does
  not exist.");
- ``PutPartnerEvents`` with an entry that has no ``Source``: AWS reports that
  entry as failed and delivers the others; moto cannot, so a 501 says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .common import Lookup, not_implemented

if TYPE_CHECKING:
    from gateway.context import RequestContext

_NO_SOURCE = "Event source {value} does not exist."


def _entries_have_sources(context: "RequestContext", params: dict[str, Any]) -> None:
    if any(not entry.get("Source") for entry in params.get("Entries") or []):
        raise not_implemented("events", "PutPartnerEvents", "for entries without Source")


BEFORE = {"PutPartnerEvents": [_entries_have_sources]}

LOOKUPS = {
    "DescribeEventSource": [Lookup("describe_event_source", "Name", "ResourceNotFoundException", _NO_SOURCE)],
    "DescribePartnerEventSource": [
        Lookup("describe_partner_event_source", "Name", "ResourceNotFoundException", _NO_SOURCE)
    ],
    "DeletePartnerEventSource": [
        Lookup("delete_partner_event_source", "Name", "ResourceNotFoundException", _NO_SOURCE)
    ],
    "PutPartnerEvents": [Lookup("put_partner_events", "Entries.Source", "ResourceNotFoundException", _NO_SOURCE)],
}
