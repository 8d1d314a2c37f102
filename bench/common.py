"""Shared measuring tools: wrk runs, a bare HTTP server baseline, percentiles."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import statistics
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from werkzeug.datastructures import Headers

from gateway.http import HttpRequest, HttpResponse
from gateway.server import HttpServer


@dataclass
class LoadResult:
    rps: float
    p50_ms: float
    p99_ms: float

    def __str__(self) -> str:
        return f"{self.rps:8.0f} req/s  p50 {self.p50_ms:6.3f} ms  p99 {self.p99_ms:6.3f} ms"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    assert match, text
    return float(match.group(1)) * _UNIT[match.group(2)]


def wrk(url: str, connections: int, seconds: int = 5, headers: Optional[dict[str, str]] = None,
        method: str = "GET", body: Optional[bytes] = None) -> LoadResult:
    """Keep-alive load with wrk (C, so the client costs little CPU)."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (make bench installs it with apt-get)")
    command = ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    script = None
    if method != "GET" or body is not None:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write(f"wrk.method = {json.dumps(method)}\nwrk.body = {json.dumps((body or b'').decode())}\n")
        script.close()
        command += ["-s", script.name]
    try:
        output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    finally:
        if script is not None:
            os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50_match, p99_match = (re.search(rf"^\s+{q}%\s+([\d.]+\w+)", output, re.M) for q in (50, 99))
    p50 = _ms(p50_match.group(1)) if p50_match else float("nan")
    p99 = _ms(p99_match.group(1)) if p99_match else float("nan")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{non_2xx.group(1)} error responses from {url}:\n{output}")
    return LoadResult(rps, p50, p99)


@contextmanager
def bare_server(body: bytes = b'{"Functions":[]}') -> Iterator[str]:
    """The same HTTP server the gateway uses, answering a constant: the floor
    against which the gateway's own cost is measured."""

    def handler(_request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, Headers({"Content-Type": "application/json"}), body)

    server = HttpServer("127.0.0.1", 0, handler)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def signed_headers(service: str, region: str = "us-east-1", access_key: str = "test") -> dict[str, str]:
    """Headers that identify a request as signed for ``service`` (the gateway
    does not verify signatures, so a fixed one is fine for load generators)."""
    return {
        "Authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/20240101/{region}/{service}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0",
        "X-Amz-Date": "20240101T000000Z",
    }


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds per call, one entry per call."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def in_thread(function: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=function, daemon=True)
    thread.start()
    return thread
