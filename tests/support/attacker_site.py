"""Another web site, for the browser tests: pages served on 127.0.0.1 that a
headless Chromium loads under the name ``evil.example.com`` (its
``--host-resolver-rules`` maps that name to 127.0.0.1), so to the browser they
come from a foreign origin."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EVIL_HOST = "evil.example.com"


class AttackerSite:
    """``http://evil.example.com:<port>/<name>``: the pages ``add`` was given, else 404."""

    def __init__(self) -> None:
        pages: dict[str, str] = {}
        self.pages = pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body = pages.get(self.path.lstrip("/"), "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, name: str, html: str) -> str:
        """Serve ``html`` at ``/<name>``; returns its URL under the attacker's name."""
        self.pages[name] = html
        return f"http://{EVIL_HOST}:{self.port}/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
