"""The ``ec2`` protocol: the query protocol with EC2's naming rules.

- A member's key is its ``queryName``, else its ``locationName`` with the first
  letter capitalised, else its name (botocore's serializer). Smithy clients
  capitalise plain member names too, so the capitalised name is accepted as
  well.
- Every list is ``Name.N`` (no ``member`` level, no ``flattened`` trait);
  an empty list cannot be expressed and simply is absent.

Errors are EC2's: ``InvalidAction``/``MissingAction``, ``InvalidParameterValue``
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
"""

from __future__ import annotations

from botocore.model import Shape

from .query import QueryRequestParser, _QueryMember, _Tree


def _capitalize(name: str) -> str:
    return name[:1].upper() + name[1:]


class EC2RequestParser(QueryRequestParser):
    protocol = "ec2"
    SYNTAX_ERROR_CODE = "InvalidParameterValue"
    SYNTAX_ERROR_STATUS = 400

    def _member_table(self, shape: Shape) -> tuple[_QueryMember, ...]:
        entries = []
        for name, member in shape.members.items():
            serialization = member.serialization
            keys: list[str] = []
            if "queryName" in serialization:
                keys.append(serialization["queryName"])
            elif "name" in serialization:
                keys.append(_capitalize(serialization["name"]))
            for candidate in (name, _capitalize(name)):
                if candidate not in keys:
                    keys.append(candidate)
            entries.append((name, member, tuple(keys)))
        return tuple(entries)

    def _list_items(self, shape: Shape, node: _Tree) -> _Tree | None:
        if any(key is not None and key.isdecimal() for key in node):
            return node
        # Tolerate query-style ``Name.member.N`` from non-EC2 clients.
        return node.get(shape.member.serialization.get("name", "member"))
