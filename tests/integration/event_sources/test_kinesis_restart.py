"""A Kinesis mapping's checkpoint survives ``kill -9`` with ``PERSISTENCE=1``
(``restart_scenario.py``): every record is delivered after the restart, in
order; none checkpointed before the kill comes again, only the batch in
flight at the kill may."""

from __future__ import annotations

from .restart_scenario import killed_and_restarted
from .streams_support import Clients


def test_a_killed_gateway_resumes_a_kinesis_mapping_at_its_checkpoint(tmp_path):
    def put(clients: Clients, name: str, data: str) -> None:
        clients.kinesis.put_record(StreamName=name, Data=data.encode(), PartitionKey="k")

    delivered = killed_and_restarted(tmp_path, ("KINESIS",), lambda clients: clients.stream(), put)
    first_seen = sorted(set(delivered), key=delivered.index)
    assert first_seen == [f"r{index}" for index in range(5)]
    assert [delivered.count(f"r{index}") for index in (0, 2, 3, 4)] == [1, 1, 1, 1], delivered  # r1 may come twice
