"""A third-party Lambda executor: runs no process at all, but answers every
invocation from a thread speaking the Runtime API. Proof that a package outside
the gateway can add an executor (LAMBDA_RUNTIME_EXECUTOR=inline)."""

import json
import threading
import urllib.request

from providers.lambda_.executors.base import EnvironmentSpec, Executor, RunningEnvironment


class _Inline(RunningEnvironment):
    def __init__(self, spec: EnvironmentSpec) -> None:
        self.spec = spec
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        base = f"http://{self.spec.runtime_api}/2018-06-01/runtime/invocation"
        while not self.stopped.is_set():
            try:
                with urllib.request.urlopen(f"{base}/next") as response:
                    request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
                    event = json.loads(response.read() or b"null")
            except OSError:
                break
            self.spec.on_output(f"inline executor handling {request_id}")
            answer = json.dumps({"executor": "inline", "handler": self.spec.handler, "event": event}).encode()
            urllib.request.urlopen(urllib.request.Request(f"{base}/{request_id}/response", data=answer, method="POST")).read()
        self.spec.on_exit(0)

    def stop(self) -> None:
        self.stopped.set()


class InlineExecutor(Executor):
    name = "inline"

    def start(self, spec: EnvironmentSpec) -> RunningEnvironment:
        return _Inline(spec)
