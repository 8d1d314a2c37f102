"""DynamoDB requests moto would mishandle.

- ``CreateTable`` without ``KeySchema`` or ``AttributeDefinitions`` (the model
  now calls them optional; a new table still needs them): Coral's "Value null
  ... Member must not be null", AWS's answer while the model required them.
- ``ListTagsOfResource`` with a ``NextToken`` that is not one moto issued (moto's
  token is a tag key of the resource): ``ValidationException`` "Invalid
  NextToken" (best reading: no recording found).
- ``DescribeExport``/``DescribeImport`` of an unknown ARN: the operation's
  modelled not-found error (wording: best reading, DynamoDB's "Requested resource
  not found" family).
- a PartiQL statement that is no ``SELECT``, ``INSERT``, ``UPDATE`` or
  ``DELETE``: ``ValidationException`` "Statement wasn't well formed, can't be
  processed" (DynamoDB's wording for a statement it cannot parse); one that
  is, after leading blanks moto does not skip: a 501 that says so.
- a ``TransactItems`` entry naming no operation, or several: ``ValidationException``
  "TransactItems can only contain one of Check, Put, Update or Delete" (the
  service's wording for several, which moto answers itself).
- ``ExportTableToPointInTime`` without ``S3Prefix`` and ``ListExports`` without
  ``TableArn``: AWS accepts both, moto cannot serve them: a 501 that says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from gateway.errors import ServiceError

from .common import Lookup, moto_backend, not_implemented, null_member

if TYPE_CHECKING:
    from gateway.context import RequestContext


def _table_definition(context: "RequestContext", params: dict[str, Any]) -> None:
    missing = [member for member in ("AttributeDefinitions", "KeySchema") if params.get(member) is None]
    if missing:
        raise null_member("ValidationException", *missing)


def _tags_token(context: "RequestContext", params: dict[str, Any]) -> None:
    token = params.get("NextToken")
    if not token:
        return
    try:
        tags = moto_backend("dynamodb", context).list_tags_of_resource(params.get("ResourceArn"))
    except Exception:  # noqa: BLE001 - moto answers an unknown resource itself
        return
    if token not in {tag.get("Key") for tag in tags}:
        raise ServiceError("ValidationException", "Invalid NextToken", 400)


def _export_prefix(context: "RequestContext", params: dict[str, Any]) -> None:
    if params.get("S3Prefix") is None:
        raise not_implemented("dynamodb", "ExportTableToPointInTime", "without S3Prefix")


def _exports_table(context: "RequestContext", params: dict[str, Any]) -> None:
    if params.get("TableArn") is None:
        raise not_implemented("dynamodb", "ListExports", "without TableArn")


_STATEMENT_KINDS = ("select", "insert", "update", "delete")


def _statements(*path: str) -> Callable[["RequestContext", dict[str, Any]], None]:
    """A check of the PartiQL statements at ``path`` (``Statements.Statement``: in each item)."""

    def check(context: "RequestContext", params: dict[str, Any]) -> None:
        items: list[Any] = [params]
        for name in path[:-1]:
            items = [entry for item in items for entry in (item.get(name) or [])]
        for item in items:
            statement = item.get(path[-1]) or ""
            if statement.lower().startswith(_STATEMENT_KINDS):
                continue
            if statement.lstrip().lower().startswith(_STATEMENT_KINDS):
                raise not_implemented("dynamodb", "PartiQL", "for statements with leading blanks")
            raise ServiceError("ValidationException", "Statement wasn't well formed, can't be processed", 400)

    return check


_TRANSACT_ACTIONS = ("ConditionCheck", "Put", "Delete", "Update")


def _one_action_each(context: "RequestContext", params: dict[str, Any]) -> None:
    for item in params.get("TransactItems") or []:
        if sum(1 for action in _TRANSACT_ACTIONS if item.get(action) is not None) != 1:
            raise ServiceError(
                "ValidationException", "TransactItems can only contain one of Check, Put, Update or Delete", 400
            )


BEFORE = {
    "TransactWriteItems": [_one_action_each],
    "ExecuteStatement": [_statements("Statement")],
    "BatchExecuteStatement": [_statements("Statements", "Statement")],
    "ExecuteTransaction": [_statements("TransactStatements", "Statement")],
    "CreateTable": [_table_definition],
    "ListTagsOfResource": [_tags_token],
    "ExportTableToPointInTime": [_export_prefix],
    "ListExports": [_exports_table],
}

LOOKUPS = {
    "DescribeExport": [Lookup("describe_export", "ExportArn", "ExportNotFoundException", "Export not found: {value}")],
    "DescribeImport": [Lookup("describe_import", "ImportArn", "ImportNotFoundException", "Import not found: {value}")],
}
