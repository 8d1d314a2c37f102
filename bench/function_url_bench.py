"""Function URLs: the same warm Node.js function through its function URL and
through ``Invoke``, in the same run. Target: a function URL adds under 0.5 ms
(p50) to the invoke path.

Three views, each alternating the two paths so that load drift on a shared
machine hits both alike:

- wrk (keep-alive, 1 and 8 connections): requests/s and p50, median of rounds;
- one sequential client, URL and Invoke requests interleaved: p50 of each;
- in process, the function run replaced by a canned result: what the gateway
  itself spends on each path (the figure the target is about).
"""

from __future__ import annotations

import http.client
import io
import time
import zipfile

import boto3
from werkzeug.datastructures import Headers

from gateway.app import Gateway
from gateway.config import Config
from gateway.http import HttpRequest
from gateway.server import HttpServer
from providers.lambda_.invocation.models import InvocationResult
from tests.support.gateway_process import GatewayProcess

from .common import LoadResult, median, percentile
from .common import wrk as common_wrk
from .gateway_bench import AUTH

HANDLER = 'exports.handler = async () => ({statusCode: 200, headers: {"Content-Type": "text/plain"}, body: "ok"});\n'


def wrk(url: str, connections: int, seconds: int, headers: dict[str, str], method: str = "GET", body: str = "") -> LoadResult:
    return common_wrk(url, connections, seconds, headers, method, body.encode())


def interleaved_ms(port: int, requests: dict[str, tuple[str, str, dict[str, str], bytes]], repeat: int) -> dict[str, list[float]]:
    """Milliseconds per request for each named request, one keep-alive connection
    each, taking turns."""
    connections = {name: http.client.HTTPConnection("127.0.0.1", port) for name in requests}
    samples: dict[str, list[float]] = {name: [] for name in requests}
    try:
        for _ in range(repeat):
            for name, (method, path, headers, body) in requests.items():
                connection = connections[name]
                started = time.perf_counter()
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                samples[name].append((time.perf_counter() - started) * 1000)
                assert response.status == 200, (name, response.status)
    finally:
        for connection in connections.values():
            connection.close()
    return samples


def _function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.js", HANDLER)
    return buffer.getvalue()


def create_url_function(endpoint: str) -> tuple[str, str]:
    """A warm-able Node.js function with a function URL: (name, url-id)."""
    client = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    name = "bench-url"
    client.create_function(FunctionName=name, Runtime="nodejs20.x", Role="arn:aws:iam::000000000000:role/bench",
                           Handler="index.handler", Code={"ZipFile": _function_zip()})
    deadline = time.monotonic() + 60
    while client.get_function_configuration(FunctionName=name)["State"] != "Active":
        if time.monotonic() > deadline:
            raise RuntimeError("function did not become Active")
        time.sleep(0.05)
    function_url = client.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    return name, function_url.split("//")[1].split(".")[0]


def _median_result(results: list[LoadResult]) -> LoadResult:
    return LoadResult(median([r.rps for r in results]), median([r.p50_ms for r in results]),
                      median([r.p99_ms for r in results]))


def over_http(seconds: int, rounds: int = 3) -> dict[str, object]:
    figures: dict[str, object] = {}
    with GatewayProcess() as gateway:
        name, url_id = create_url_function(gateway.url)
        host = f"{url_id}.lambda-url.us-east-1.localhost.localstack.cloud:{gateway.port}"
        invoke_path = f"/2015-03-31/functions/{name}/invocations"
        invoke_headers = dict(AUTH, **{"Content-Type": "application/json"})
        url_headers = {"Host": host}

        # Warm up: environments for up to 8 concurrent clients, and both code paths.
        wrk(gateway.url + invoke_path, 8, 1, invoke_headers, "POST", "{}")
        wrk(gateway.url + "/", 8, 1, url_headers)

        for connections in (1, 8):
            invokes, urls = [], []
            for _ in range(rounds):
                invokes.append(wrk(gateway.url + invoke_path, connections, seconds, invoke_headers, "POST", "{}"))
                urls.append(wrk(gateway.url + "/", connections, seconds, url_headers))
            invoke, through_url = _median_result(invokes), _median_result(urls)
            figures[f"invoke_c{connections}"] = invoke
            figures[f"function_url_c{connections}"] = through_url
            print(f"{connections} keep-alive client(s), median of {rounds} alternating {seconds}s rounds:")
            print(f"  lambda.Invoke  {invoke}")
            print(f"  function URL   {through_url}  ({through_url.p50_ms - invoke.p50_ms:+.3f} ms p50, "
                  f"{through_url.rps / invoke.rps:.2f}x throughput)")

        samples = interleaved_ms(gateway.port, {
            "invoke": ("POST", invoke_path, invoke_headers, b"{}"),
            "url": ("GET", "/", url_headers, b""),
        }, 1000)
        invoke_p50, url_p50 = median(samples["invoke"]), median(samples["url"])
        figures["sequential_invoke_p50_ms"] = invoke_p50
        figures["sequential_url_p50_ms"] = url_p50
        print(f"one sequential client, interleaved: Invoke p50 {invoke_p50:.3f} ms "
              f"(p99 {percentile(samples['invoke'], 99):.3f}), function URL p50 {url_p50:.3f} ms "
              f"(p99 {percentile(samples['url'], 99):.3f}): {url_p50 - invoke_p50:+.3f} ms through the URL")
    return figures


def in_process(repeat: int = 3000) -> dict[str, float]:
    """The gateway's own time per request on each path, the function run stubbed out."""
    gateway = Gateway(Config.from_env({"GATEWAY_LISTEN": "127.0.0.1:0", "NO_COLOR": "1"}))
    server = HttpServer("127.0.0.1", 0, gateway.handle)
    server.start()
    try:
        name, url_id = create_url_function(f"http://127.0.0.1:{server.port}")
        invocations = gateway.providers.get("lambda").invocations
        canned = InvocationResult("bench", b'{"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"ok"}')
        invocations.invoke = lambda target, invocation: canned  # the run, stubbed
        host = f"{url_id}.lambda-url.us-east-1.localhost.localstack.cloud:{server.port}"
        invoke_path = f"/2015-03-31/functions/{name}/invocations"

        def url_request() -> HttpRequest:
            return HttpRequest("GET", "/", "", Headers({"Host": host, "User-Agent": "bench"}), b"", server_port=server.port)

        def invoke_request() -> HttpRequest:
            headers = Headers(dict(AUTH, **{"Host": f"127.0.0.1:{server.port}", "Content-Type": "application/json"}))
            return HttpRequest("POST", invoke_path, "", headers, b"{}", server_port=server.port)

        samples: dict[str, list[float]] = {"invoke": [], "url": []}
        for _ in range(repeat):
            for label, make in (("invoke", invoke_request), ("url", url_request)):
                request = make()
                started = time.perf_counter()
                response = gateway.handle(request)
                samples[label].append((time.perf_counter() - started) * 1000)
                assert response.status == 200, (label, response.status, response.body)
    finally:
        server.stop()
        gateway.stop()
    figures = {"in_process_invoke_p50_ms": median(samples["invoke"]), "in_process_url_p50_ms": median(samples["url"])}
    print(f"in process, function run stubbed: Invoke path p50 {figures['in_process_invoke_p50_ms']:.3f} ms, "
          f"function-URL path p50 {figures['in_process_url_p50_ms']:.3f} ms "
          f"({figures['in_process_url_p50_ms'] - figures['in_process_invoke_p50_ms']:+.3f} ms; target: under +0.5 ms)")
    return figures


def run(seconds: int = 3) -> dict[str, object]:
    figures = over_http(seconds)
    figures.update(in_process())
    return figures
