"""The lines Lambda itself writes into a function's log: INIT_START, START,
END and REPORT in the text format, ``platform.initStart`` / ``platform.start``
/ ``platform.report`` records in the JSON format (``LoggingConfig.LogFormat``),
filtered by ``SystemLogLevel`` as AWS filters them."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from typing import Any, Optional

# Platform errors AWS names in REPORT's Status (a handler's own exception is not one).
PLATFORM_ERRORS = ("Runtime.ExitError", "Runtime.OutOfMemory", "Runtime.Unknown", "Runtime.InvalidEntrypoint")
_LEVELS = {"DEBUG": 0, "INFO": 1, "WARN": 2}


def _now() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def runtime_version(runtime: Optional[str]) -> str:
    """``python3.12`` -> ``python:3.12.v1`` (the form AWS prints; our versions do not change)."""
    match = re.match(r"^([a-z]+)(.*?)(\.x)?$", runtime or "")
    if not match:
        return "image"
    family, number = match.group(1), match.group(2)
    return f"{family}:{number.lstrip('.')}.v1"


class PlatformLog:
    def __init__(self, config: dict) -> None:
        logging_config = config.get("LoggingConfig") or {}
        self.json = logging_config.get("LogFormat") == "JSON"
        self.level = _LEVELS.get(logging_config.get("SystemLogLevel") or "INFO", 1)
        self.memory = int(config.get("MemorySize", 128))
        self.runtime = config.get("Runtime")
        self.runtime_arn = (config.get("RuntimeVersionConfig") or {}).get("RuntimeVersionArn", "")

    def _record(self, kind: str, record: dict[str, Any], level: int = 1) -> list[str]:
        if self.level > level:
            return []
        return [json.dumps({"time": _now(), "type": kind, "record": record}, separators=(",", ":"))]

    def init_start_record(self, initialization_type: str) -> dict[str, Any]:
        """``platform.initStart``'s record (the JSON log format's, the Telemetry API's)."""
        return {"initializationType": initialization_type, "phase": "init",
                "runtimeVersion": runtime_version(self.runtime), "runtimeVersionArn": self.runtime_arn}

    def init_start(self, initialization_type: str) -> list[str]:
        version = runtime_version(self.runtime)
        if self.json:
            return self._record("platform.initStart", self.init_start_record(initialization_type))
        return [f"INIT_START Runtime Version: {version}\tRuntime Version ARN: {self.runtime_arn}"]

    def start(self, request_id: str, version: str) -> list[str]:
        if self.json:
            return self._record("platform.start", {"requestId": request_id, "version": version})
        return [f"START RequestId: {request_id} Version: {version}"]

    def end(self, request_id: str) -> list[str]:
        return [] if self.json else [f"END RequestId: {request_id}"]

    def report(self, request_id: str, duration_ms: float, max_memory_mb: int, init_ms: Optional[float],
               timed_out: bool, error_type: Optional[str]) -> list[str]:
        billed = max(1, math.ceil(duration_ms))
        status = "timeout" if timed_out else ("error" if error_type in PLATFORM_ERRORS else None)
        if self.json:
            metrics: dict[str, Any] = {"durationMs": round(duration_ms, 2), "billedDurationMs": billed,
                                       "memorySizeMB": self.memory, "maxMemoryUsedMB": max_memory_mb or 1}
            if init_ms is not None:
                metrics["initDurationMs"] = round(init_ms, 2)
            record: dict[str, Any] = {"requestId": request_id, "metrics": metrics, "status": status or "success"}
            if status == "error":
                record["errorType"] = error_type
            return self._record("platform.report", record)
        line = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
            f"Memory Size: {self.memory} MB\tMax Memory Used: {max_memory_mb or 1} MB\t"
        )
        if init_ms is not None:
            line += f"Init Duration: {init_ms:.2f} ms\t"
        if status == "timeout":
            line += "Status: timeout"
        elif status == "error":
            line += f"Status: error\tError Type: {error_type}"
        return [line]

    def init_report(self, duration_ms: float, status: str, error_type: Optional[str] = None) -> list[str]:
        """INIT_REPORT: an Init phase that did not succeed (the lifecycle documentation's
        "Failures during the Init phase")."""
        if self.json:
            record: dict[str, Any] = {"initializationType": "on-demand", "phase": "init", "status": status,
                                      "metrics": {"durationMs": round(duration_ms, 2)}}
            if error_type:
                record["errorType"] = error_type
            return self._record("platform.initReport", record)
        line = f"INIT_REPORT Init Duration: {duration_ms:.2f} ms\tPhase: init\tStatus: {status}"
        return [line + (f"\tError Type: {error_type}" if error_type else "")]

    def timed_out(self, request_id: str, seconds: int) -> list[str]:
        return [f"{_now()} {request_id} Task timed out after {seconds:.2f} seconds"]
