"""A mapping's ``FilterCriteria`` compiled once: Lambda's checks, then any-of over its patterns.

Lambda's rules on top of the pattern language: at most ``MAX_FILTERS`` filters
(the default quota, "up to five different filters for a single event source
mapping"), each ``Pattern`` a JSON object; for Kinesis and DynamoDB Streams
the pattern for the data field (``data``, ``dynamodb``) must be an object
("The filter pattern for data properties must be in a valid JSON format",
refused when the mapping is created or updated). A record passes when one
filter matches; no filters pass everything. The length limit of a pattern
(4,096 characters) is the API model's and is checked with the request.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Iterator, Mapping, Optional, Union

from ..kinds import DYNAMODB, KINESIS
from .compiler import Node, compile_pattern, parse
from .errors import TOO_MANY_FILTERS, InvalidFilterCriteria, invalid
from .matcher import matches_root
from .rules import Rules
from .views import RecordView

MAX_FILTERS = 5
OBJECT_DATA_FIELDS: Mapping[str, str] = MappingProxyType({KINESIS: "data", DYNAMODB: "dynamodb"})


class FilterSet:
    __slots__ = ("patterns",)

    def __init__(self, patterns: tuple[Node, ...] = ()) -> None:
        self.patterns = patterns

    @classmethod
    def compile(cls, filter_criteria: Optional[Mapping[str, Any]], kind: Optional[str] = None) -> "FilterSet":
        """Raises ``InvalidFilterCriteria`` with AWS's message when Lambda would refuse the criteria."""
        filters = (filter_criteria or {}).get("Filters") or []
        if len(filters) > MAX_FILTERS:
            raise InvalidFilterCriteria(TOO_MANY_FILTERS.format(limit=MAX_FILTERS))
        patterns = []
        for item in filters:
            node = compile_pattern(parse((item or {}).get("Pattern")))
            data_field = OBJECT_DATA_FIELDS.get(kind or "")
            if data_field and any(
                isinstance(child, Rules) for name, child in _root_fields(node) if name == data_field
            ):
                raise invalid(f'The filter pattern for "{data_field}" must be a JSON object')
            patterns.append(node)
        return cls(tuple(patterns))

    def matches(self, view: RecordView) -> bool:
        if not self.patterns:
            return True
        return any(matches_root(node, view.event, view.payloads, view.mismatch) for node in self.patterns)

    def __len__(self) -> int:
        return len(self.patterns)


def _root_fields(node: Node) -> Iterator[tuple[str, Union[Node, Rules]]]:
    """The fields of the record level, including those inside root-level ``$or`` alternatives."""
    yield from node.fields.items()
    for group in node.alternatives:
        for alternative in group:
            yield from _root_fields(alternative)
