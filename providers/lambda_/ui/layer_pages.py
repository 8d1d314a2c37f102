"""The layer pages: layers with their versions, publish a version from a zip
upload, delete selected versions after confirmation."""

from __future__ import annotations

from typing import Any, Optional

from botocore.exceptions import ClientError

from gateway.http import HttpResponse

from . import reads
from .api import GatewayApi, error_text
from .function_pages import runtime_choices
from .render import Page, Renderer


class LayerPages:
    def __init__(self, api: GatewayApi, render: Renderer) -> None:
        self.api = api
        self.render = render

    def index(self, page: Page) -> HttpResponse:
        return self.render.page(page, "layers.html", rows=reads.layer_rows(self.api.lambda_(page.scope)))

    def new(self, page: Page, values: Optional[dict] = None, error: Optional[tuple[str, str]] = None,
            status: int = 200) -> HttpResponse:
        defaults: dict[str, Any] = {"name": "", "description": "", "license": "", "runtimes": []}
        return self.render.page(page, "layer_new.html", status, values=defaults | (values or {}), error=error,
                                runtimes=runtime_choices())

    def publish(self, page: Page) -> HttpResponse:
        form = page.form
        assert form is not None
        values = {"name": form.get("name").strip(), "description": form.get("description"),
                  "license": form.get("license"), "runtimes": form.get_all("runtimes")}
        content = form.file_bytes("zip")
        if not content:
            return self.new(page, values, ("InvalidInput", "Choose a .zip file to upload"), 400)
        params: dict[str, Any] = {"LayerName": values["name"], "Content": {"ZipFile": content}}
        if values["description"]:
            params["Description"] = values["description"]
        if values["license"]:
            params["LicenseInfo"] = values["license"]
        if values["runtimes"]:
            params["CompatibleRuntimes"] = values["runtimes"]
        try:
            self.api.lambda_(page.scope).publish_layer_version(**params)
        except ClientError as error:
            return self.new(page, values, error_text(error), error.response["ResponseMetadata"]["HTTPStatusCode"])
        return self.render.redirect(page, page.url("/layers"))

    def delete(self, page: Page) -> HttpResponse:
        """Selected layer versions (``name:version``), after a confirmation page."""
        form = page.form
        assert form is not None
        chosen = [value for value in form.get_all("layer_version") if value]
        back = page.url("/layers")
        if not chosen:
            return self.render.page(page, "done.html", 400, title="Nothing selected", done=[], failed=[],
                                    back=back, kind="layer versions")
        if form.get("confirm") != "yes":
            return self.render.page(page, "confirm.html", kind="layer versions", items=chosen,
                                    field="layer_version", action=page.url("/layers/delete"), back=back)
        client = self.api.lambda_(page.scope)
        done, failed = [], []
        for value in chosen:
            name, _, number = value.rpartition(":")
            try:
                client.delete_layer_version(LayerName=name, VersionNumber=int(number))
                done.append(value)
            except ValueError:
                failed.append((value, "InvalidInput", "expected <layer name>:<version number>"))
            except ClientError as error:
                failed.append((value, *error_text(error)))
        return self.render.page(page, "done.html", title="Layer versions deleted", done=done, failed=failed,
                                back=back, kind="layer versions")
