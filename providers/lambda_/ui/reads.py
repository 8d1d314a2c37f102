"""What the pages show, gathered with Lambda and CloudWatch Logs API calls.

Each function returns plain data for a template; API errors propagate as
botocore's ``ClientError`` (the pages show their code and message).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

#: Functions per page of the list (each costs four API calls to the gateway).
FUNCTIONS_PER_PAGE = 50
LOG_STREAMS_LOOKED_AT = 50
LOG_STREAMS_READ = 5
LOG_EVENTS_SHOWN = 100


@dataclass
class FunctionRow:
    name: str
    runtime: str
    state: str
    last_modified: str
    versions: list[str]
    aliases: list[str]
    urls: list[str]
    mappings: list[str]
    tags: dict[str, str]


@dataclass
class LogEvent:
    timestamp: int
    stream: str
    message: str

    @property
    def shown_time(self) -> str:
        seconds, millis = divmod(int(self.timestamp), 1000)
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


@dataclass
class LayerRow:
    name: str
    arn: str
    versions: list[dict] = field(default_factory=list)


def _all(client: Any, operation: str, key: str, **params: Any) -> list[dict]:
    items: list[dict] = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(key, []))
    return items


def _function_name_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 else arn


def state_of(configuration: dict) -> str:
    state = configuration.get("State") or "Active"
    update = configuration.get("LastUpdateStatus")
    return state if update in (None, "Successful") else f"{state} (update {update})"


def function_rows(client: Any, marker: Optional[str]) -> tuple[list[FunctionRow], Optional[str]]:
    params: dict[str, Any] = {"MaxItems": FUNCTIONS_PER_PAGE}
    if marker:
        params["Marker"] = marker
    page = client.list_functions(**params)
    mappings: dict[str, list[str]] = {}
    if page.get("Functions"):
        for mapping in _all(client, "list_event_source_mappings", "EventSourceMappings"):
            source = mapping.get("EventSourceArn") or "(self-managed source)"
            mappings.setdefault(_function_name_of(mapping.get("FunctionArn", "")), []).append(
                f"{source} ({mapping.get('State', '?')})")
    rows = []
    for function in page.get("Functions", []):
        name = function["FunctionName"]
        versions = [v["Version"] for v in _all(client, "list_versions_by_function", "Versions", FunctionName=name)]
        rows.append(FunctionRow(
            name=name,
            runtime=function.get("Runtime") or function.get("PackageType", ""),
            state=state_of(function),
            last_modified=function.get("LastModified", ""),
            versions=[v for v in versions if v != "$LATEST"],
            aliases=[a["Name"] for a in _all(client, "list_aliases", "Aliases", FunctionName=name)],
            urls=[u["FunctionUrl"] for u in _all(client, "list_function_url_configs", "FunctionUrlConfigs",
                                                 FunctionName=name)],
            mappings=mappings.get(name, []),
            tags=client.list_tags(Resource=function["FunctionArn"]).get("Tags", {}),
        ))
    return rows, page.get("NextMarker")


def function_details(client: Any, name: str, qualifier: str) -> dict:
    """Everything the function page shows about ``name`` at version ``qualifier``."""
    got = client.get_function(FunctionName=name, Qualifier=qualifier)
    versions = _all(client, "list_versions_by_function", "Versions", FunctionName=name)
    return {
        "configuration": got["Configuration"],
        "code": got.get("Code", {}),
        "tags": got.get("Tags", {}),
        "versions": versions,
        "aliases": _all(client, "list_aliases", "Aliases", FunctionName=name),
        "urls": _all(client, "list_function_url_configs", "FunctionUrlConfigs", FunctionName=name),
        "mappings": _all(client, "list_event_source_mappings", "EventSourceMappings", FunctionName=name),
    }


def configuration_items(configuration: dict) -> list[tuple[str, str]]:
    """The configuration as (key, shown value) rows; structures as indented JSON."""
    rows = []
    for key, value in configuration.items():
        if key == "ResponseMetadata":
            continue
        if isinstance(value, str):
            shown = value
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            shown = ", ".join(value)
        else:
            shown = json.dumps(value, indent=2, default=str)
        rows.append((key, shown))
    return rows


def log_group_of(configuration: dict) -> str:
    return (configuration.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{configuration['FunctionName']}"


def recent_log_events(logs: Any, group: str, version: str) -> list[LogEvent]:
    """The newest events of ``version``'s environments (their streams are named ``.../[<version>]<id>``)."""
    try:
        streams = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True,
                                            limit=LOG_STREAMS_LOOKED_AT).get("logStreams", [])
    except logs.exceptions.ResourceNotFoundException:
        return []
    marker = f"[{version}]"
    chosen = [s["logStreamName"] for s in streams if marker in s["logStreamName"]][:LOG_STREAMS_READ]
    events: list[LogEvent] = []
    for stream in chosen:
        answer = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=LOG_EVENTS_SHOWN,
                                     startFromHead=False)
        events.extend(LogEvent(e["timestamp"], stream, e["message"].rstrip("\n")) for e in answer.get("events", []))
    events.sort(key=lambda event: event.timestamp)
    return events[-LOG_EVENTS_SHOWN:]


def layer_rows(client: Any) -> list[LayerRow]:
    rows = []
    for layer in _all(client, "list_layers", "Layers"):
        name = layer["LayerName"]
        versions = _all(client, "list_layer_versions", "LayerVersions", LayerName=name)
        versions.sort(key=lambda v: v.get("Version", 0), reverse=True)
        rows.append(LayerRow(name=name, arn=layer.get("LayerArn", ""), versions=versions))
    return rows


def qualifiers(details: dict) -> Iterable[str]:
    """What an invoke can name: versions, then aliases."""
    yield from (v["Version"] for v in details["versions"])
    yield from (a["Name"] for a in details["aliases"])
