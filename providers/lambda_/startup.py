"""Start-up hook (entry point group ``gateway.startup``): with ``PERSISTENCE=1``
and Lambda state under ``DATA_DIR``, the Lambda provider loads at gateway start
instead of at the first Lambda request, so that damaged state files and code are
reported at start (log and ``/_gateway/health``) and queued asynchronous events
are delivered without waiting for a request.

Kept free of heavy imports: it runs in every gateway start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.app import Gateway

# What a previous run leaves under DATA_DIR/lambda (store.py, event_journal.py).
PERSISTED = ("state", "async-events.log")


def load_persisted_state(gateway: "Gateway") -> None:
    config = gateway.config
    if not config.persistence or gateway.providers.selected.get("lambda") != "default":
        return
    root = config.data_dir / "lambda"
    if any((root / name).exists() for name in PERSISTED):
        gateway.providers.get("lambda")
