"""Turning templates into answers: Jinja2 with autoescaping on every value.

Function names, tags, configuration values, payloads and log lines are hostile
input: the environment escapes everything a template prints (``autoescape``),
and no template marks a value safe. URLs are built by ``Page.url`` from quoted
path segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from gateway.http import HttpRequest, HttpResponse

from .api import Scope
from .forms import Form
from .safety import protect

BASE = "/_gateway/ui"
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class Page:
    """One request to the pages, and what every template needs of it."""

    request: HttpRequest
    scope: Scope
    token: str
    nonce: str
    form: Optional[Form] = None

    def query(self, name: str) -> str:
        values = self.request.query_args.get(name)
        return values[0] if values else ""

    def url(self, path: str = "/", **query: str) -> str:
        """A link to another page in the same account and region."""
        params = {} if self.scope.is_default() else {"account": self.scope.account, "region": self.scope.region}
        params.update({key: value for key, value in query.items() if value})
        return BASE + path + ("?" + urlencode(params) if params else "")


def segment(value: str) -> str:
    """One path segment, percent-encoded (function and layer names)."""
    return quote(value, safe="")


class Renderer:
    def __init__(self) -> None:
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.filters["segment"] = segment

    def page(self, page: Page, template: str, status: int = 200, **values: Any) -> HttpResponse:
        body = self.env.get_template(template).render(page=page, scope=page.scope, **values)
        response = HttpResponse(status, body=body.encode())
        response.headers["Content-Type"] = "text/html; charset=utf-8"
        return protect(response, page.nonce)

    @staticmethod
    def redirect(page: Page, location: str) -> HttpResponse:
        """303 See Other: after a post that changed something, the browser GETs the result."""
        response = HttpResponse(303)
        response.headers["Location"] = location
        return protect(response, page.nonce)
