"""HTTP server: the bare round trip, and how the gateway keeps answering health
while 1,000 connections sit idle and 200 more send their heads one byte at a time
(issue 8: target p99 health < 50 ms)."""

from __future__ import annotations

import resource
import socket
import threading
import time

from tests.support.gateway_process import GatewayProcess

from .common import bare_server, percentile, wrk

IDLE = 1000
SLOW = 200
HEALTH = b"GET /_gateway/health HTTP/1.1\r\nHost: localhost\r\n\r\n"


def _health_latencies(port: int, seconds: float) -> list[float]:
    """Milliseconds per health check, alternating a keep-alive connection and a new one."""
    samples = []
    keep = socket.create_connection(("127.0.0.1", port))
    keep.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for fresh in (False, True):
            started = time.perf_counter()
            sock = socket.create_connection(("127.0.0.1", port)) if fresh else keep
            sock.sendall(HEALTH)
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
                answer += sock.recv(65536)
            samples.append((time.perf_counter() - started) * 1000)
            if fresh:
                sock.close()
        time.sleep(0.005)  # a steady prober, not a load generator
    keep.close()
    return samples


def _report(label: str, samples: list[float]) -> dict[str, float]:
    figures = {"p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99), "max_ms": max(samples)}
    print(f"  {label:<44} health p50 {figures['p50_ms']:6.3f} ms  p99 {figures['p99_ms']:6.3f} ms  "
          f"max {figures['max_ms']:6.1f} ms  ({len(samples)} checks)")
    return figures


def run(seconds: int = 5) -> dict[str, object]:
    figures: dict[str, object] = {}
    with bare_server() as bare:
        wrk(bare + "/", 1, 1)
        for connections in (1, 8):
            figures[f"bare_c{connections}"] = result = wrk(bare + "/", connections, seconds)
            print(f"bare round trip, {connections} keep-alive client(s): {result}")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * (IDLE + SLOW) + 200
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard) if hard > 0 else needed, hard))
    with GatewayProcess({"SERVICES": "lambda"}) as gateway:
        port = gateway.port
        _health_latencies(port, 0.5)  # warm up
        figures["health_alone"] = _report("no other connection", _health_latencies(port, seconds))
        idle = []
        for index in range(IDLE):
            sock = socket.create_connection(("127.0.0.1", port))
            if index % 2:  # half were served once and wait on keep-alive; half never spoke
                sock.sendall(HEALTH)
                sock.recv(65536)
            idle.append(sock)
        figures["health_idle"] = _report(f"{IDLE} idle connections", _health_latencies(port, seconds))

        slow = []
        for _ in range(SLOW):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"GET /_gateway/health HTTP/1.1\r\n")
            slow.append(sock)
        stop = threading.Event()

        def dribble() -> None:
            while not stop.wait(0.1):
                for sock in slow:
                    try:
                        sock.send(b"X")
                    except OSError:
                        pass

        driver = threading.Thread(target=dribble, daemon=True)
        driver.start()
        try:
            figures["health_idle_slow"] = _report(f"{IDLE} idle + {SLOW} sending heads byte by byte",
                                                  _health_latencies(port, seconds))
        finally:
            stop.set()
            driver.join()
            for sock in idle + slow:
                sock.close()
    return figures
