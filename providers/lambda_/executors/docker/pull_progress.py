"""Progress of an image pull, from the Docker engine's pull stream, as log lines:

    pulling public.ecr.aws/lambda/python:3.12 (linux/amd64)
    pulling public.ecr.aws/lambda/python:3.12: 48.1 of 182.7 MB, 2 of 7 layers done
    pulled public.ecr.aws/lambda/python:3.12: 7 layers, 182.7 MB in 21.4 s

The engine reports each layer's ``Downloading`` bytes (``progressDetail``:
``current`` of ``total``) and its ``Pull complete`` / ``Already exists``; a line
is due every ``EVERY_SECONDS`` while bytes arrive.
"""

from __future__ import annotations

import time
from typing import Optional

EVERY_SECONDS = 5.0
DONE = ("Pull complete", "Already exists")


class PullProgress:
    def __init__(self, image: str, clock=time.monotonic) -> None:
        self.image = image
        self._clock = clock
        self._started = self._last = clock()
        self._layers: dict[str, tuple[int, int]] = {}  # id -> (bytes downloaded, size)
        self._done: set[str] = set()

    def feed(self, event: dict) -> Optional[str]:
        """Take one event of the stream; a progress line when one is due."""
        layer, status = event.get("id"), event.get("status") or ""
        if not layer or status.startswith(("Pulling from", "Digest", "Status")):
            return None
        if status == "Pulling fs layer" or status == "Waiting":
            self._layers.setdefault(layer, (0, 0))
        elif status == "Downloading":
            detail = event.get("progressDetail") or {}
            self._layers[layer] = (int(detail.get("current") or 0), int(detail.get("total") or 0))
        elif status in DONE or status == "Download complete":
            current, total = self._layers.get(layer, (0, 0))
            self._layers[layer] = (total or current, total or current)
            if status in DONE:
                self._done.add(layer)
        now = self._clock()
        if now - self._last < EVERY_SECONDS:
            return None
        self._last = now
        current, total = self._bytes()
        return (f"pulling {self.image}: {current / 1e6:.1f} of {total / 1e6:.1f} MB, "
                f"{len(self._done)} of {len(self._layers)} layers done")

    def finished(self) -> str:
        _current, total = self._bytes()
        return (f"pulled {self.image}: {len(self._layers)} layers, {total / 1e6:.1f} MB in "
                f"{self._clock() - self._started:.1f} s")

    def _bytes(self) -> tuple[int, int]:
        return (sum(current for current, _ in self._layers.values()),
                sum(total for _, total in self._layers.values()))
