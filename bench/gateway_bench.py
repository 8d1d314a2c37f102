"""Gateway: start-up to ``Ready.``, idle memory, and a cheap operation under load
beside a bare loopback round trip on the same HTTP server code."""

from __future__ import annotations

import boto3
import psutil

from tests.support.gateway_process import GatewayProcess

from .common import bare_server, median, timed, wrk

# A cheap, signed-looking Lambda request (signatures are not verified).
AUTH = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/lambda/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0",
    "X-Amz-Date": "20240101T000000Z",
}


def run(seconds: int = 5) -> dict[str, object]:
    figures: dict[str, object] = {}
    starts, rss = [], []
    for _ in range(3):
        with GatewayProcess() as gateway:
            starts.append(gateway.ready_seconds)
            rss.append(psutil.Process(gateway.process.pid).memory_info().rss / 2**20)
    figures["ready_s"] = median(starts)
    figures["idle_rss_mib"] = median(rss)
    print(f"start-up to Ready.: {figures['ready_s']*1000:.0f} ms (median of 3); idle RSS {figures['idle_rss_mib']:.1f} MiB")

    with GatewayProcess() as gateway, bare_server() as bare:
        url = gateway.url + "/2015-03-31/functions/"
        client = boto3.client("lambda", endpoint_url=gateway.url, region_name="us-east-1")
        client.list_functions()  # load the provider
        wrk(url, 1, 1, AUTH)  # warm up
        for connections in (1, 8):
            base = wrk(bare + "/2015-03-31/functions/", connections, seconds)
            through = wrk(url, connections, seconds, AUTH)
            figures[f"bare_c{connections}"] = base
            figures[f"gateway_c{connections}"] = through
            print(f"{connections} keep-alive client(s):")
            print(f"  bare round trip     {base}")
            print(f"  lambda.ListFunctions {through}  (+{through.p50_ms - base.p50_ms:.3f} ms p50, "
                  f"{through.rps / base.rps:.2f}x throughput)")
        boto_ms = median(timed(client.list_functions, 300))
        print(f"  boto3 list_functions p50 {boto_ms:.3f} ms")
        figures["boto3_list_functions_ms"] = boto_ms
    return figures
