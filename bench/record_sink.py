"""What the event-source benches share: a loopback endpoint their function
reports to (each record it got, and when its handler started), and the
one-file zip of that function."""

from __future__ import annotations

import http.server
import io
import json
import threading
import time
import zipfile
from typing import Any


class Sink:
    """Where the function says what it got and when its handler started."""

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}  # record -> handler start (its first delivery)
        self.deliveries = 0
        self.changed = threading.Condition()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                report = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with sink.changed:
                    for record in report["records"]:
                        sink.seen.setdefault(record, report["started"])
                    sink.deliveries += len(report["records"])
                    sink.changed.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, records: set[str], timeout: float = 120.0) -> dict[str, float]:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not records <= self.seen.keys():
                if not self.changed.wait(max(0.0, deadline - time.monotonic())):
                    missing = len(records - self.seen.keys())
                    raise RuntimeError(f"{missing} records never reached the function")
            return {record: self.seen[record] for record in records}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def handler_zip(source: str) -> bytes:
    """A zip holding ``source`` as ``index.py``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()
