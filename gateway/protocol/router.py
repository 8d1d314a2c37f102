"""Operation router for the rest protocols (``rest-json``, ``rest-xml``).

Built once per service from each operation's ``http.method`` and
``http.requestUri`` template; nothing here is hand-written per service.

A template such as ``/2015-03-31/functions/{FunctionName}/invocations`` or
``/{Bucket}/{Key+}?uploads`` is split into path segments and literal query
constraints. The segments go into a trie, so matching costs one dictionary
lookup per path segment rather than one regex per operation.

Precedence, when several templates could match a request:

1. A literal segment beats a label (``/functions/{Name}/versions`` beats
   ``/functions/{Name}/{Other}``), a label beats a greedy label ``{Key+}``;
   the search backtracks, so the most specific template that matches wins.
2. Among templates with the same path, the one with more query-string
   literals wins (``GET /{Bucket}?list-type=2`` is ListObjectsV2, plain
   ``GET /{Bucket}`` is ListObjects). A literal is a key that must be present
   (``?uploads``) or a key with a required value (``?list-type=2``).
3. Then the one with more *required* members bound to the query string or a
   header, if the request has them all: S3's ``PUT /{Bucket}/{Key+}`` is
   UploadPartCopy with ``partNumber``, ``uploadId`` and ``x-amz-copy-source``,
   UploadPart without the header, CopyObject with only the header, else
   PutObject. If no operation at that path has its required members present,
   the most specific one by literals is taken anyway (so a request missing a
   required parameter reaches its operation and gets a validation error there).
   Deprecated operations lose ties (GetBucketLifecycleConfiguration over
   GetBucketLifecycle); a remaining tie goes to the operation that binds more
   of the request's query parameters (``GET /?max-directory-buckets=1`` is
   ListDirectoryBuckets, plain ``GET /`` ListBuckets).
4. The HTTP method must match exactly.

Paths are matched on their raw, percent-encoded form and labels are decoded
afterwards, so ``%2F`` inside a label stays part of that label. A trailing
slash is ignored (``/2015-03-31/functions/`` matches ``/2015-03-31/functions``)
except that a greedy label at the end keeps it (S3 key ``folder/``). Empty
segments are kept, so ``/bucket//key`` yields the key ``/key``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Container, Mapping, Sequence
from urllib.parse import parse_qsl, unquote

from botocore.model import OperationModel, ServiceModel

from .errors import OperationNotFoundError
from .validation.messages import echo

__all__ = ["OperationRouter", "Route"]


@dataclass(frozen=True)
class Route:
    """One operation's HTTP binding, compiled from its ``requestUri``."""

    operation: OperationModel
    method: str
    template: str
    labels: tuple[str, ...]
    query: tuple[tuple[str, str | None], ...]
    required_query: tuple[str, ...] = ()
    required_headers: tuple[str, ...] = ()
    deprecated: bool = False
    optional_query: frozenset[str] = frozenset()
    #: Most specific first: more query literals, then more required members.
    sort_key: tuple[int, int, bool] = field(init=False)

    def __post_init__(self) -> None:
        required = len(self.required_query) + len(self.required_headers)
        object.__setattr__(self, "sort_key", (-len(self.query), -required, self.deprecated))

    def matches_literals(self, query_args: Mapping[str, Sequence[str]]) -> bool:
        for key, value in self.query:
            values = query_args.get(key)
            if values is None or (value is not None and value not in values):
                return False
        return True

    def has_required(self, query_args: Mapping[str, Sequence[str]], headers: Container[str]) -> bool:
        for key in self.required_query:
            if key not in query_args:
                return False
        for name in self.required_headers:
            if name not in headers:
                return False
        return True

    @property
    def query_keys(self) -> frozenset[str]:
        return frozenset(key for key, _ in self.query)


class _Choices:
    """The routes ending at one trie node for one HTTP method, most specific
    first, indexed by a query literal so S3's forty ``GET /{Bucket}?<sub>``
    operations cost one dictionary lookup per query parameter."""

    __slots__ = ("keyed", "plain")

    def __init__(self, routes: list[Route]) -> None:
        self.keyed: dict[str, list[Route]] = {}
        self.plain: list[Route] = []
        for route in sorted(routes, key=lambda route: route.sort_key):
            if route.query:
                self.keyed.setdefault(route.query[0][0], []).append(route)
            else:
                self.plain.append(route)

    def candidates(self, query_args: Mapping[str, Sequence[str]]) -> list[Route]:
        if not self.keyed or not query_args:
            return self.plain
        found = [route for key in query_args if key in self.keyed for route in self.keyed[key]]
        if not found:
            return self.plain
        found.sort(key=lambda route: route.sort_key)
        return found + self.plain


class _Node:
    __slots__ = ("literals", "label", "greedy", "routes", "choices")

    def __init__(self) -> None:
        self.literals: dict[str, _Node] = {}
        self.label: _Node | None = None
        self.greedy: _Node | None = None
        self.routes: list[Route] = []
        self.choices: dict[str, _Choices] = {}

    def has_children(self) -> bool:
        return bool(self.literals) or self.label is not None or self.greedy is not None


def split_path(path: str) -> tuple[list[str], bool]:
    """Raw path -> (segments, had_trailing_slash). ``/`` -> ``([], False)``."""
    raw = path[1:] if path.startswith("/") else path
    if not raw:
        return [], False
    segments = raw.split("/")
    if segments[-1] == "":
        segments.pop()
        return segments, True
    return segments, False


def _compile(operation: OperationModel) -> tuple[Route, list[tuple[str, str]]]:
    http = operation.http
    template = http.get("requestUri", "/")
    path, _, query = template.partition("?")
    query_constraints = tuple(
        (key, value or None) for key, value in parse_qsl(query, keep_blank_values=True)
    )
    segments, _ = split_path(path)
    required_query: list[str] = []
    required_headers: list[str] = []
    optional_query: set[str] = set()
    shape = operation.input_shape
    if shape is not None:
        required = set(shape.required_members)
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "querystring" and member.type_name != "map":
                (required_query.append if name in required else optional_query.add)(wire)
            elif location == "header" and name in required:
                required_headers.append(wire.lower())
    parts: list[tuple[str, str]] = []
    labels: list[str] = []
    for segment in segments:
        if segment.startswith("{") and segment.endswith("}"):
            name = segment[1:-1]
            if name.endswith("+"):
                parts.append(("greedy", name[:-1]))
                labels.append(name[:-1])
            else:
                parts.append(("label", name))
                labels.append(name)
        else:
            parts.append(("literal", segment))
    route = Route(
        operation=operation,
        method=http.get("method", "POST").upper(),
        template=template,
        labels=tuple(labels),
        query=query_constraints,
        required_query=tuple(required_query),
        required_headers=tuple(required_headers),
        deprecated=bool(operation.deprecated),
        optional_query=frozenset(optional_query),
    )
    return route, parts


class OperationRouter:
    """Finds the operation (and its decoded URI labels) for a rest request."""

    def __init__(self, service: ServiceModel) -> None:
        self.service = service
        self._root = _Node()
        for name in service.operation_names:
            route, parts = _compile(service.operation_model(name))
            node = self._root
            for kind, value in parts:
                if kind == "literal":
                    node = node.literals.setdefault(value, _Node())
                elif kind == "label":
                    node.label = node.label or _Node()
                    node = node.label
                else:
                    node.greedy = node.greedy or _Node()
                    node = node.greedy
            node.routes.append(route)
        self._compile_choices(self._root)

    def _compile_choices(self, node: _Node) -> None:
        # ``sorted`` is stable: model order decides between identical templates.
        by_method: dict[str, list[Route]] = {}
        for route in node.routes:
            by_method.setdefault(route.method, []).append(route)
        node.choices = {method: _Choices(routes) for method, routes in by_method.items()}
        for child in node.literals.values():
            self._compile_choices(child)
        for child in (node.label, node.greedy):
            if child is not None:
                self._compile_choices(child)

    def match(
        self,
        method: str,
        path: str,
        query_args: Mapping[str, Sequence[str]],
        headers: Container[str] = (),
    ) -> tuple[Route, dict[str, str]]:
        """The best route for the request and its percent-decoded labels.

        ``headers`` holds the request's header names, lowercased.

        Raises ``OperationNotFoundError`` (404) when no template matches.
        """
        segments, trailing = split_path(path or "/")
        spans: list[tuple[int, int, bool]] = []
        request = _Request(method.upper(), query_args, headers, trailing)
        route = self._search(self._root, segments, 0, request, spans)
        if route is None:
            raise OperationNotFoundError(
                f"No operation of service {self.service.service_name!r} matches "
                f"{method.upper()} {echo(path)}",
                code="UnknownOperationException",
                status=404,
            )
        labels = {}
        for name, (start, stop, greedy) in zip(route.labels, spans):
            value = "/".join(segments[start:stop]) if greedy else segments[start]
            if greedy and trailing and stop == len(segments):
                value += "/"  # S3 key "folder/"
            labels[name] = unquote(value)
        return route, labels

    def _search(
        self,
        node: _Node,
        segments: list[str],
        index: int,
        request: "_Request",
        spans: list[tuple[int, int, bool]],
    ) -> Route | None:
        """Depth first, most specific branch first; ``spans`` collects the
        segment range (start, stop, greedy) of each label on the branch."""
        end = len(segments)
        if index == end:
            return request.select(node)
        segment = segments[index]
        child = node.literals.get(unquote(segment) if "%" in segment else segment)
        if child is not None:
            found = self._search(child, segments, index + 1, request, spans)
            if found is not None:
                return found
        if node.label is not None and segment:
            spans.append((index, index + 1, False))
            found = self._search(node.label, segments, index + 1, request, spans)
            if found is not None:
                return found
            spans.pop()
        greedy = node.greedy
        if greedy is not None:
            if greedy.has_children():
                # Something follows the greedy label: try the longest span first,
                # only where the next segment can continue the template.
                literal_only = greedy.label is None and greedy.greedy is None
                for stop in range(end - 1, index, -1):
                    following = segments[stop]
                    if literal_only and (unquote(following) if "%" in following else following) not in greedy.literals:
                        continue
                    spans.append((index, stop, True))
                    found = self._search(greedy, segments, stop, request, spans)
                    if found is not None:
                        return found
                    spans.pop()
            route = request.select(greedy)
            if route is not None:
                spans.append((index, end, True))
                return route
        return None


@dataclass(frozen=True)
class _Request:
    method: str
    query_args: Mapping[str, Sequence[str]]
    headers: Container[str]
    trailing: bool

    def select(self, node: _Node) -> Route | None:
        """The most specific route whose query literals match and whose
        required members are all present, else the most specific whose
        literals match."""
        choices = node.choices.get(self.method)
        if choices is None:
            return None
        routes = choices.candidates(self.query_args)
        fallback = None
        for index, route in enumerate(routes):
            if route.matches_literals(self.query_args):
                if route.has_required(self.query_args, self.headers):
                    return self._break_tie(route, routes[index + 1 :])
                fallback = fallback or route
        return fallback

    def _break_tie(self, best: Route, rest: list[Route]) -> Route:
        if not rest or rest[0].sort_key != best.sort_key or not self.query_args:
            return best
        score = len(best.optional_query.intersection(self.query_args))
        for route in rest:
            if route.sort_key != best.sort_key:
                break
            if route.matches_literals(self.query_args) and route.has_required(self.query_args, self.headers):
                route_score = len(route.optional_query.intersection(self.query_args))
                if route_score > score:
                    best, score = route, route_score
        return best
