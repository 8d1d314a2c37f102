"""``Marker``/``MaxItems`` pagination as the Lambda list operations use it.

A marker is the key of the first item of the next page, so a page boundary
stays put when items are added or removed elsewhere in the list. A marker that
no longer names an item (it was deleted meanwhile) resumes after the last item
whose key sorts before it, which is exact for lists sorted by key and a
reasonable continuation otherwise.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence, TypeVar

T = TypeVar("T")


def paginate(
    items: Sequence[T],
    key: Callable[[T], str],
    marker: Optional[str],
    max_items: Optional[int],
    default_max: int = 50,
) -> tuple[list[T], Optional[str]]:
    """The page of ``items`` starting at ``marker`` and the marker of the next page (or None)."""
    start = 0
    if marker:
        keys = [key(item) for item in items]
        try:
            start = keys.index(marker)
        except ValueError:
            start = next((i for i, k in enumerate(keys) if k > marker), len(keys))
    size = max_items if max_items else default_max
    page = list(items[start : start + size])
    next_marker = key(items[start + size]) if start + size < len(items) else None
    return page, next_marker


def public(record: dict) -> dict:
    """A stored record without its private bookkeeping keys (those starting with ``_``)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def qualifier_order(qualifier: str) -> tuple[int, int, str]:
    """$LATEST, then versions by number, then aliases by name."""
    if qualifier == "$LATEST":
        return (0, 0, "")
    if qualifier.isdigit():
        return (1, int(qualifier), "")
    return (2, 0, qualifier)
