"""Resource-based policy documents, built exactly as AWS Lambda builds them.

Function permissions (``AddPermission``) and layer version permissions
(``AddLayerVersionPermission``) share the document shape::

    {"Version": "2012-10-17", "Id": "default", "Statement": [...]}

Each statement keeps AWS's key order (``Sid``, ``Effect``, ``Principal``,
``Action``, ``Resource``, ``Condition``) and AWS's condition order
(``StringEquals`` before ``ArnLike``), because clients receive the statement
as a JSON string and snapshot-style comparisons see the order.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

POLICY_VERSION = "2012-10-17"
POLICY_ID = "default"

INVALID_PRINCIPAL = "The provided principal was invalid. Please check the principal and try again."

_ACCOUNT_ID = re.compile(r"^\d{12}$")
# IAM principals: root, users, roles, assumed roles, federated users.
_IAM_PRINCIPAL_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:(?:iam|sts)::\d{12}:\S+$")
# Service principals: s3.amazonaws.com, events.amazonaws.com, alexa-appkit.amazon.com,
# logs.<region>.amazonaws.com, *.amazonaws.com.cn ...
_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9][a-z0-9.-]*\.(?:amazonaws\.com(?:\.cn)?|amazon\.com)$")


class InvalidPrincipal(ValueError):
    """The principal is none of the forms AWS accepts."""


def new_policy() -> dict[str, Any]:
    return {"Version": POLICY_VERSION, "Id": POLICY_ID, "Statement": []}


def principal_element(principal: str) -> Any:
    """The ``Principal`` element for what a user passed: ``*``, an account id
    (becomes the account's root ARN), an IAM ARN, or a service principal."""
    if principal == "*":
        return "*"
    if _ACCOUNT_ID.match(principal):
        return {"AWS": f"arn:aws:iam::{principal}:root"}
    if _IAM_PRINCIPAL_ARN.match(principal):
        return {"AWS": principal}
    if _SERVICE_PRINCIPAL.match(principal):
        return {"Service": principal}
    raise InvalidPrincipal(principal)


def function_statement(
    sid: str,
    action: str,
    principal: str,
    resource: str,
    source_arn: Optional[str] = None,
    source_account: Optional[str] = None,
    principal_org_id: Optional[str] = None,
    event_source_token: Optional[str] = None,
    function_url_auth_type: Optional[str] = None,
    invoked_via_function_url: Optional[bool] = None,
) -> dict[str, Any]:
    """One ``AddPermission`` statement. Raises :class:`InvalidPrincipal`."""
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal_element(principal),
        "Action": action,
        "Resource": resource,
    }
    string_equals: dict[str, str] = {}
    if function_url_auth_type:
        string_equals["lambda:FunctionUrlAuthType"] = function_url_auth_type
    if event_source_token:
        string_equals["lambda:EventSourceToken"] = event_source_token
    if principal_org_id:
        string_equals["aws:PrincipalOrgID"] = principal_org_id
    if source_account:
        string_equals["AWS:SourceAccount"] = source_account
    condition: dict[str, Any] = {}
    if string_equals:
        condition["StringEquals"] = string_equals
    if source_arn:
        condition["ArnLike"] = {"AWS:SourceArn": source_arn}
    if invoked_via_function_url:
        condition["Bool"] = {"lambda:InvokedViaFunctionUrl": "true"}
    if condition:
        statement["Condition"] = condition
    return statement


def layer_statement(
    sid: str, action: str, principal: str, resource: str, organization_id: Optional[str] = None
) -> dict[str, Any]:
    """One ``AddLayerVersionPermission`` statement. Raises :class:`InvalidPrincipal`."""
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal_element(principal),
        "Action": action,
        "Resource": resource,
    }
    if organization_id:
        statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": organization_id}}
    return statement


def find_statement(policy: Optional[dict[str, Any]], sid: str) -> Optional[dict[str, Any]]:
    if not policy:
        return None
    for statement in policy.get("Statement", []):
        if statement.get("Sid") == sid:
            return statement
    return None


def remove_statement(policy: dict[str, Any], sid: str) -> bool:
    """Drops the statement ``sid``; True when it was there."""
    statements = policy.get("Statement", [])
    kept = [s for s in statements if s.get("Sid") != sid]
    policy["Statement"] = kept
    return len(kept) != len(statements)


def to_json(document: dict[str, Any]) -> str:
    """Policies and statements go over the wire as compact JSON strings."""
    return json.dumps(document, separators=(",", ":"))


def grants_account(policy: Optional[dict[str, Any]], account_id: str, action: str) -> bool:
    """Whether an Allow statement of ``policy`` lets ``account_id`` perform ``action``.

    Organization conditions cannot be checked locally (there are no
    organizations here), so a statement limited to an organization counts as
    granting access."""
    if not policy:
        return False
    for statement in policy.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if not any(a in (action, "lambda:*", "*") for a in actions):
            continue
        principal = statement.get("Principal")
        if principal == "*":
            return True
        if isinstance(principal, dict):
            aws = principal.get("AWS")
            aws = aws if isinstance(aws, list) else [aws]
            if any(p in ("*", account_id, f"arn:aws:iam::{account_id}:root") for p in aws):
                return True
    return False
