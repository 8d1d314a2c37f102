"""A stream mapping's checkpoint across a ``kill -9`` of the gateway, with ``PERSISTENCE=1``.

The stream lives in a second gateway (``LAMBDA_EVENT_SOURCE_ENDPOINT_<SERVICE>``),
which stays up while the gateway running the mapping is killed and started
again on the same ``DATA_DIR``. AWS's delivery is at least once: the batch
in flight at the kill may come again; nothing may be skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from tests.support.gateway_process import GatewayProcess

from .streams_support import Clients, Reports, data_of, end_runtimes_of, wait_until



def killed_and_restarted(tmp_path: Path, endpoints: tuple[str, ...], source: Callable[[Clients], tuple[str, str]],
                         write: Callable[[Clients, str, str], None]) -> list[str]:
    """Payloads delivered, in the order their handlers started, for r0..r4 written
    around a ``kill -9`` (r0 done and r1 in flight at the kill, r3 and r4 written
    while the gateway is down)."""
    with GatewayProcess() as origin:
        streams = Clients(origin.url)
        results_url, _ = streams.queue()
        reports = Reports(streams, results_url)
        name, arn = source(streams)
        env = {"PERSISTENCE": "1", "DATA_DIR": str(tmp_path / "data")}
        env.update({f"LAMBDA_EVENT_SOURCE_ENDPOINT_{service}": origin.url for service in endpoints})
        try:
            first = GatewayProcess(env).start()
            try:
                lam = Clients(first.url)
                function = lam.reporter(results_url, RESULTS_ENDPOINT=origin.url, PAUSE="1")
                lam.mapping(function, arn, BatchSize=1, StartingPosition="LATEST")
                for index in range(3):
                    write(streams, name, f"r{index}")
                # r1's handler started: r0 reached its outcome and was checkpointed, r1 is in flight.
                reports.records(arn, 2)
            finally:
                first.kill()
            for index in (3, 4):
                write(streams, name, f"r{index}")
            with GatewayProcess(env):
                wanted = {f"r{index}" for index in range(5)}
                wait_until(lambda: wanted <= {data_of(r) for r in reports.records(arn, 1)}, timeout=60,
                           message="every record delivered after the restart")
                return [data_of(r) for report in reports.of(arn) for r in report["event"]["Records"]]
        finally:
            end_runtimes_of(results_url)
