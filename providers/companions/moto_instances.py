"""moto must not keep every object it ever made.

Every moto model class (``BaseModel``: a log event, an SQS message, an S3 key,
a Kinesis record...) appends each instance it creates to its class's
``instances_tracked`` list, for moto's own dashboard; only moto's reset API
empties those lists. Inside the gateway that list is a leak: a log event a
retention bound removed, a deleted message, an overwritten object all stay in
memory for the life of the process (measured: under a steady invoke load,
+0.9 MiB/s of function log events, whatever was removed from the log streams).

``track_weakly`` swaps each class's list for ``WeakInstances``, which appends
and iterates like the list (so moto's uses, the dashboard and S3's reset
disposing keys, keep working on the live objects) but holds its objects weakly.
It runs whenever a moto service is loaded (classes are defined then) and after
a reset.
"""

from __future__ import annotations

import weakref
from typing import Any, Iterator


class WeakInstances:
    """``instances_tracked``, holding its objects weakly (keyed by identity: some
    moto models define ``__eq__`` and are unhashable)."""

    def __init__(self, items: Any = ()) -> None:
        self._refs: dict[int, weakref.ref] = {}
        for item in items:
            self.append(item)

    def append(self, item: Any) -> None:
        key = id(item)
        refs = self._refs
        try:
            refs[key] = weakref.ref(item, lambda _ref, key=key: refs.pop(key, None))
        except TypeError:  # a class without weak references: not tracked (moto only shows them)
            pass

    def __iter__(self) -> Iterator[Any]:
        return iter([item for item in (ref() for ref in list(self._refs.values())) if item is not None])

    def __len__(self) -> int:
        return len(self._refs)


def track_weakly() -> int:
    """Make every moto model class defined so far track its instances weakly;
    returns how many classes were switched."""
    from moto.core.model_instances import model_data

    switched = 0
    for models in list(model_data.values()):
        for model in list(models.values()):
            tracked = getattr(model, "instances_tracked", None)
            if isinstance(tracked, list):
                model.instances_tracked = WeakInstances(tracked)  # type: ignore[attr-defined]
                switched += 1
    return switched
