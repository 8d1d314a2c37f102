"""Connections cannot starve the gateway (issue 8): idle and slow connections hold no
worker, heads and bodies have deadlines, chunk sizes and heads are bounded.

Each gateway here runs with few worker threads (GATEWAY_THREADS): were a slow or idle
connection holding one, health would stop answering. Latency bounds are loose sanity
checks; the figures live in bench/server_bench.py.
"""

from __future__ import annotations

import resource
import socket
import threading
import time
from typing import Iterator, Optional

import boto3
import pytest

from tests.support.gateway_process import GatewayProcess

DEADLINE = 2.0  # the short head/body/idle deadlines these gateways run with
LIMITED = {
    "GATEWAY_THREADS": "4",
    "GATEWAY_HEADER_TIMEOUT": str(DEADLINE),
    "GATEWAY_BODY_TIMEOUT": str(DEADLINE),
    "GATEWAY_IDLE_TIMEOUT": str(DEADLINE),
    "GATEWAY_MAX_BODY_BYTES": "1000000",
    "SERVICES": "lambda",
}


def _enough_files(count: int) -> None:
    """Both ends of ``count`` connections live in this process and its gateway child."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= count:
        return
    if hard != resource.RLIM_INFINITY and hard < count:
        pytest.skip(f"needs {count} file descriptors; the hard limit here is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (count, hard))


@pytest.fixture(scope="module")
def limited() -> Iterator[GatewayProcess]:
    with GatewayProcess(LIMITED) as process:
        yield process


def _connect(gateway: GatewayProcess, timeout: float = 10.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", gateway.port), timeout=timeout)


def _health(gateway: GatewayProcess) -> float:
    """Seconds for one health check on a new connection; asserts it answered 200."""
    started = time.perf_counter()
    with _connect(gateway) as sock:
        sock.sendall(b"GET /_gateway/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    return time.perf_counter() - started


def _served_meanwhile(gateway: GatewayProcess) -> None:
    """Health answers promptly (loose bound) and a real AWS call is served."""
    times = sorted(_health(gateway) for _ in range(20))
    assert times[-1] < 1.0, f"health took {times[-1]:.3f} s"
    client = boto3.client("lambda", endpoint_url=gateway.url, region_name="us-east-1")
    assert client.list_functions()["Functions"] == []


def _closed_by_server(sock: socket.socket, timeout: float) -> tuple[Optional[bytes], float]:
    """Wait for the server to close ``sock``: (what it said, seconds waited)."""
    started = time.monotonic()
    sock.settimeout(timeout)
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except ConnectionResetError:
        pass
    except socket.timeout:
        return None, time.monotonic() - started
    return answer, time.monotonic() - started


def _status(answer: Optional[bytes]) -> Optional[int]:
    return int(answer.split(b" ", 2)[1]) if answer else None


def test_a_thousand_idle_connections_leave_health_answering():
    _enough_files(2600)
    with GatewayProcess({"GATEWAY_THREADS": "8", "SERVICES": "lambda"}) as gateway:
        idle = []
        try:
            for index in range(1000):
                sock = _connect(gateway)
                if index % 2:  # half have been served once and wait on keep-alive, half never spoke
                    sock.sendall(b"GET /_gateway/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
                idle.append(sock)
            _served_meanwhile(gateway)
            # The idle connections are still open and usable.
            idle[1].sendall(b"GET /_gateway/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert idle[1].recv(65536).startswith(b"HTTP/1.1 200 ")
        finally:
            for sock in idle:
                sock.close()


def test_slowloris_heads_are_cut_at_the_deadline_and_others_are_served(limited):
    slow = []
    for _ in range(100):
        sock = _connect(limited)
        sock.sendall(b"GET /_gateway/health HTTP/1.1\r\nHost: localhost\r\n")
        slow.append(sock)
    started = time.monotonic()
    stop = threading.Event()

    def dribble() -> None:  # one header byte per connection every 0.2 s: the head never ends
        while not stop.wait(0.2):
            for sock in slow:
                try:
                    sock.send(b"X")
                except OSError:
                    pass

    driver = threading.Thread(target=dribble, daemon=True)
    driver.start()
    try:
        _served_meanwhile(limited)
        outcomes = [_closed_by_server(sock, DEADLINE + 5) for sock in slow]
    finally:
        stop.set()
        driver.join()
        for sock in slow:
            sock.close()
    elapsed = time.monotonic() - started
    assert all(answer is not None for answer, _ in outcomes), "every slow client was closed"
    assert elapsed >= DEADLINE * 0.9, "not before the deadline"
    statuses = {_status(answer) for answer, _ in outcomes}
    assert statuses <= {408, None}, statuses  # None: the close raced the client's next byte (reset)
    assert 408 in statuses


def test_a_body_that_stops_arriving_holds_no_worker(limited):
    stalled = []
    for _ in range(10):  # more than the gateway's 4 workers
        sock = _connect(limited)
        sock.sendall(b"POST /2015-03-31/functions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"FunctionName\"")
        stalled.append(sock)
    started = time.monotonic()
    try:
        _served_meanwhile(limited)
        outcomes = [_closed_by_server(sock, DEADLINE + 5) for sock in stalled]
    finally:
        for sock in stalled:
            sock.close()
    assert time.monotonic() - started >= DEADLINE * 0.9
    assert [_status(answer) for answer, _ in outcomes] == [408] * 10


def test_idle_keep_alive_and_silent_connections_are_closed(limited):
    with _connect(limited) as served, _connect(limited) as silent:
        served.sendall(b"GET /_gateway/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert served.recv(65536).startswith(b"HTTP/1.1 200 ")
        answered = time.monotonic()  # the silent one was opened before this
        for sock in (served, silent):
            answer, _ = _closed_by_server(sock, DEADLINE + 5)
            assert answer == b"", "closed without a word: no request had begun"
        assert time.monotonic() - answered >= DEADLINE * 0.9


@pytest.mark.parametrize(
    "body, status",
    [
        (b"f4241\r\n", 413),  # one chunk announcing 1,000,001 bytes: refused before any of it is read
        (b"7fffffffffffffffffff\r\n", 413),
        (b"80000\r\n" + b"x" * 524288 + b"\r\n80000\r\n", 413),  # the chunks add up past the limit
        (b"10;" + b"e" * 5000 + b"\r\n", 400),  # a chunk-size line longer than 4 KiB
    ],
    ids=["one-chunk", "huge-size", "sum-of-chunks", "long-size-line"],
)
def test_chunk_sizes_are_bounded(limited, body, status):
    with _connect(limited) as sock:
        sock.sendall(b"POST /2015-03-31/functions HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
        sock.sendall(body)
        answer, _ = _closed_by_server(sock, 5)
    assert _status(answer) == status, answer


def test_total_head_size_is_bounded(limited):
    # Each line is short; together they pass the 64 KiB head limit.
    head = b"GET /_gateway/health HTTP/1.1\r\nHost: localhost\r\n" + b"".join(
        b"X-Filler-%03d: %s\r\n" % (index, b"v" * 400) for index in range(180))
    with _connect(limited) as sock:
        sock.sendall(head)
        answer, _ = _closed_by_server(sock, 5)
    assert _status(answer) == 431, answer
