"""The function pages: list, details per version with recent logs, create
(zip upload or the one-file inline editor), invoke, delete after confirmation."""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from botocore.exceptions import ClientError

from gateway.http import HttpResponse

from .. import runtimes
from . import reads
from .api import GatewayApi, error_text
from .forms import one_file_zip
from .render import Page, Renderer, segment
from .safety import protect

#: What the inline editor writes, per runtime family: file name, handler, sample.
INLINE_FAMILIES = {
    "python": ("lambda_function.py", "lambda_function.lambda_handler", (
        "import json\n\n\n"
        "def lambda_handler(event, context):\n"
        "    print(\"event:\", json.dumps(event))\n"
        "    return {\"hello\": event.get(\"name\", \"world\")}\n"
    )),
    "nodejs": ("index.mjs", "index.handler", (
        "export const handler = async (event) => {\n"
        "  console.log(\"event:\", JSON.stringify(event));\n"
        "  return { hello: event.name ?? \"world\" };\n"
        "};\n"
    )),
}
DEFAULT_RUNTIME = "python3.12"
_REPORT = re.compile(r"REPORT RequestId: \S+\s+Duration: ([0-9.]+) ms(?:\s+Billed Duration: ([0-9.]+) ms)?")


@dataclass
class InvokeResult:
    """What an invoke answered, for the function page."""

    error: Optional[tuple[str, str]] = None
    status: Optional[int] = None
    executed_version: str = ""
    function_error: str = ""
    payload: str = ""
    log_tail: str = ""
    duration_ms: str = ""
    billed_ms: str = ""
    round_trip_ms: str = ""


class InputError(ValueError):
    """A form value the pages reject before calling the API."""


def family_of(runtime: str) -> Optional[str]:
    for family in INLINE_FAMILIES:
        if runtime.startswith(family):
            return family
    return None


def runtime_choices() -> list[str]:
    return [r for r in runtimes.listing("all") if runtimes.accepted(r)]


def parse_tags(text: str) -> dict[str, str]:
    tags = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, equals, value = line.partition("=")
        if not equals:
            raise InputError(f"Tags, line {number}: write one key=value per line")
        tags[key.strip()] = value.strip()
    return tags


def _whole_number(text: str, label: str) -> Optional[int]:
    if not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise InputError(f"{label} must be a whole number") from None


class FunctionPages:
    def __init__(self, api: GatewayApi, render: Renderer) -> None:
        self.api = api
        self.render = render

    # Reading ---------------------------------------------------------------------------
    def index(self, page: Page) -> HttpResponse:
        rows, next_marker = reads.function_rows(self.api.lambda_(page.scope), page.query("marker") or None)
        return self.render.page(page, "functions.html", rows=rows, next_marker=next_marker)

    def detail(self, page: Page, name: str, result: Optional[InvokeResult] = None, status: int = 200) -> HttpResponse:
        qualifier = page.query("version") or (page.form.get("version") if page.form else "") or "$LATEST"
        details = reads.function_details(self.api.lambda_(page.scope), name, qualifier)
        configuration = details["configuration"]
        version = configuration.get("Version", qualifier)
        events = reads.recent_log_events(self.api.logs(page.scope), reads.log_group_of(configuration), version)
        busy = configuration.get("State") == "Pending" or configuration.get("LastUpdateStatus") == "InProgress"
        return self.render.page(
            page, "function.html", status, name=configuration["FunctionName"], version=version, details=details,
            items=reads.configuration_items(configuration), state=reads.state_of(configuration),
            qualifiers=list(reads.qualifiers(details)), events=events, result=result, busy=busy,
            payload=page.form.get("payload") if page.form else "{}",
            invoke_qualifier=page.form.get("qualifier") if page.form else version,
        )

    def code(self, page: Page, name: str) -> HttpResponse:
        """The version's zip, fetched from its ``Code.Location`` and streamed to the
        browser from the pages' own origin (the presigned URL names the host the
        pages' API client used, which may not be the one the browser uses)."""
        got = self.api.lambda_(page.scope).get_function(FunctionName=name, Qualifier=page.query("version") or "$LATEST")
        location = got.get("Code", {}).get("Location") or ""
        try:
            upstream = self.api.open_code(location)
        except ValueError:
            return self.render.page(page, "error.html", 404, code="NoZip",
                                    message="This function's code is not a zip the gateway stores "
                                            "(a container image or a hot-reload directory)")
        if upstream.status != 200:
            upstream.release_conn()
            return self.render.page(page, "error.html", 502, code="DownloadFailed",
                                    message=f"The code location answered {upstream.status}")

        def chunks() -> Iterator[bytes]:
            try:
                yield from upstream.stream(1 << 20)
            finally:
                upstream.release_conn()

        configuration = got["Configuration"]
        file_name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{configuration['FunctionName']}-{configuration['Version']}.zip")
        response = HttpResponse(200, body=chunks())
        response.headers["Content-Type"] = "application/zip"
        response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
        if upstream.headers.get("Content-Length"):
            response.headers["Content-Length"] = upstream.headers["Content-Length"]
        return protect(response, page.nonce)

    # Creating ---------------------------------------------------------------------------
    def new(self, page: Page, values: Optional[dict] = None, error: Optional[tuple[str, str]] = None,
            status: int = 200) -> HttpResponse:
        runtime = DEFAULT_RUNTIME
        file_name, handler, sample = INLINE_FAMILIES["python"]
        defaults = {
            "name": "", "runtime": runtime, "handler": handler, "file_name": file_name, "code": sample,
            "role": f"arn:aws:iam::{page.scope.account}:role/lambda-role", "description": "", "timeout": "3",
            "memory": "128", "tags": "", "source": "inline", "publish": "",
        }
        return self.render.page(page, "function_new.html", status, values=defaults | (values or {}), error=error,
                                runtimes=runtime_choices(), families=INLINE_FAMILIES)

    def create(self, page: Page) -> HttpResponse:
        form = page.form
        assert form is not None
        fields = ("name", "runtime", "handler", "file_name", "code", "role", "description", "timeout", "memory",
                  "tags", "source", "publish")
        values = {key: form.get(key) for key in fields}
        try:
            params = self._create_params(values, form.file_bytes("zip"))
        except InputError as problem:
            return self.new(page, values, ("InvalidInput", str(problem)), 400)
        try:
            self.api.lambda_(page.scope).create_function(**params)
        except ClientError as error:
            return self.new(page, values, error_text(error), error.response["ResponseMetadata"]["HTTPStatusCode"])
        return self.render.redirect(page, page.url("/functions/" + segment(params["FunctionName"])))

    @staticmethod
    def _create_params(values: dict, uploaded: Optional[bytes]) -> dict[str, Any]:
        runtime = values["runtime"] or DEFAULT_RUNTIME
        family = family_of(runtime)
        if values["source"] == "zip":
            if not uploaded:
                raise InputError("Choose a .zip file to upload, or write the code inline")
            code = uploaded
            handler = values["handler"]
        else:
            if family is None:
                raise InputError(f"The inline editor writes Python or Node.js code; upload a zip for {runtime}")
            default_file, default_handler, _ = INLINE_FAMILIES[family]
            file_name = values["file_name"].strip() or default_file
            if "/" in file_name or "\\" in file_name or file_name in (".", ".."):
                raise InputError("The file name must be a plain name such as lambda_function.py")
            code = one_file_zip(file_name, values["code"])
            handler = values["handler"] or default_handler
        params: dict[str, Any] = {
            "FunctionName": values["name"].strip(), "Runtime": runtime, "Role": values["role"].strip(),
            "Handler": handler.strip(), "Code": {"ZipFile": code}, "Publish": values["publish"] == "on",
        }
        if values["description"]:
            params["Description"] = values["description"]
        for key, label, field in (("Timeout", "Timeout", "timeout"), ("MemorySize", "Memory", "memory")):
            number = _whole_number(values[field], label)
            if number is not None:
                params[key] = number
        tags = parse_tags(values["tags"])
        if tags:
            params["Tags"] = tags
        return params

    # Invoking ---------------------------------------------------------------------------
    def invoke(self, page: Page, name: str) -> HttpResponse:
        form = page.form
        assert form is not None
        params: dict[str, Any] = {"FunctionName": name, "LogType": "Tail",
                                  "Payload": form.get("payload").encode()}
        if form.get("qualifier"):
            params["Qualifier"] = form.get("qualifier")
        started = time.perf_counter()
        try:
            answer = self.api.lambda_(page.scope).invoke(**params)
        except ClientError as error:
            code, message = error_text(error)
            return self.detail(page, name, InvokeResult(error=(code, message)),
                               error.response["ResponseMetadata"]["HTTPStatusCode"])
        round_trip_ms = (time.perf_counter() - started) * 1000
        payload = answer["Payload"].read().decode("utf-8", "replace")
        log_tail = base64.b64decode(answer.get("LogResult") or "").decode("utf-8", "replace")
        report = _REPORT.search(log_tail)
        return self.detail(page, name, InvokeResult(
            status=answer.get("StatusCode"),
            executed_version=answer.get("ExecutedVersion", ""),
            function_error=answer.get("FunctionError", ""),
            payload=_pretty(payload),
            log_tail=log_tail,
            duration_ms=report.group(1) if report else "",
            billed_ms=(report.group(2) or "") if report else "",
            round_trip_ms=f"{round_trip_ms:.1f}",
        ))

    # Deleting ---------------------------------------------------------------------------
    def delete(self, page: Page) -> HttpResponse:
        form = page.form
        assert form is not None
        names = [name for name in form.get_all("name") if name]
        if not names:
            return self.render.page(page, "done.html", 400, title="Nothing selected", done=[], failed=[],
                                    back=page.url("/"), kind="functions")
        if form.get("confirm") != "yes":
            return self.render.page(page, "confirm.html", kind="functions", items=names,
                                    field="name", action=page.url("/functions/delete"), back=page.url("/"))
        client = self.api.lambda_(page.scope)
        done, failed = [], []
        for name in names:
            try:
                client.delete_function(FunctionName=name)
                done.append(name)
            except ClientError as error:
                failed.append((name, *error_text(error)))
        return self.render.page(page, "done.html", title="Functions deleted", done=done, failed=failed,
                                back=page.url("/"), kind="functions")


def _pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text
