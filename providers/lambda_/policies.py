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


# Evaluating a function's resource-based policy for a direct call ----------------------------
#
# A caller from another account is identified by its account only (the gateway
# derives the account from the access key), so the principal making the request
# is the account root ``arn:aws:iam::<account>:root``. The request context of a
# direct API call holds no ``aws:SourceArn`` / ``aws:SourceAccount`` (only AWS
# services calling on behalf of a resource carry those), no
# ``lambda:FunctionUrlAuthType`` / ``lambda:InvokedViaFunctionUrl`` (function URL
# requests only) and no ``lambda:EventSourceToken``: a condition on an absent key
# does not match, so statements limited that way grant nothing to a direct call,
# as on AWS. Explicit ``Deny`` statements win over ``Allow`` ones.

def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM wildcards: ``*`` any run of characters, ``?`` one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL
    return re.fullmatch(regex, value, flags) is not None


def _action_matches(patterns: Any, actions: tuple[str, ...]) -> bool:
    # Action names are case-insensitive in IAM.
    return any(_wildcard(str(p), a, ignore_case=True) for p in _as_list(patterns) for a in actions)


def _principal_matches(element: Any, caller_account: str) -> bool:
    if element == "*":
        return True
    if not isinstance(element, dict):
        return False
    root = f"arn:aws:iam::{caller_account}:root"
    return any(p in ("*", caller_account, root) for p in _as_list(element.get("AWS")))


def _resource_matches(patterns: Any, resource: str) -> bool:
    return any(_wildcard(str(p), resource) for p in _as_list(patterns))


_STRING_TESTS = {
    "StringEquals": lambda want, got: want == got,
    "StringEqualsIgnoreCase": lambda want, got: want.lower() == got.lower(),
    "StringLike": lambda want, got: _wildcard(want, got),
    "ArnEquals": lambda want, got: _wildcard(want, got),
    "ArnLike": lambda want, got: _wildcard(want, got),
    "Bool": lambda want, got: want.lower() == got.lower(),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _condition_holds(operator: str, key: str, wanted: Any, request: dict[str, str]) -> bool:
    present = {k.lower(): v for k, v in request.items()}
    got = present.get(key.lower())
    wanted = [str(w) for w in _as_list(wanted)]
    if operator == "Null":
        return any((w.lower() == "true") == (got is None) for w in wanted)
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    if got is None:
        # A missing key: negated operators match, positive ones do not (unless ...IfExists).
        return if_exists or base in _NEGATED
    if base in _NEGATED:
        test = _STRING_TESTS[_NEGATED[base]]
        return not any(test(w, got) for w in wanted)
    test = _STRING_TESTS.get(base)
    if test is None:  # an operator not evaluated here (numeric, date, IP...): no match
        return False
    return any(test(w, got) for w in wanted)


def _conditions_hold(condition: Any, request: dict[str, str]) -> bool:
    if not condition:
        return True
    if not isinstance(condition, dict):
        return False
    for operator, tests in condition.items():
        if not isinstance(tests, dict):
            return False
        for key, wanted in tests.items():
            if key.lower() == "aws:principalorgid":
                # No organizations exist here: like the layer check
                # (``grants_account``), a statement limited to an organization is
                # taken to include the caller.
                continue
            if not _condition_holds(operator, key, wanted, request):
                return False
    return True


def _statement_applies(statement: dict[str, Any], caller_account: str, actions: tuple[str, ...],
                       resource: str, request: dict[str, str]) -> bool:
    if "Principal" in statement:
        if not _principal_matches(statement["Principal"], caller_account):
            return False
    elif "NotPrincipal" in statement:
        if _principal_matches(statement["NotPrincipal"], caller_account):
            return False
    else:
        return False
    if "Action" in statement:
        if not _action_matches(statement["Action"], actions):
            return False
    elif "NotAction" in statement:
        if _action_matches(statement["NotAction"], actions):
            return False
    else:
        return False
    if "Resource" in statement and not _resource_matches(statement["Resource"], resource):
        return False
    if "NotResource" in statement and _resource_matches(statement["NotResource"], resource):
        return False
    return _conditions_hold(statement.get("Condition"), request)


def allows_direct_call(policy: Optional[dict[str, Any]], caller_account: str, actions: tuple[str, ...],
                       resource: str) -> bool:
    """Whether ``policy`` lets the root of ``caller_account`` perform one of
    ``actions`` (``lambda:InvokeFunction`` ...) on ``resource`` (the ARN the
    policy is attached to) in a direct API call: some ``Allow`` statement
    applies and no ``Deny`` statement does."""
    if not policy:
        return False
    request = {
        "aws:PrincipalAccount": caller_account,
        "aws:PrincipalArn": f"arn:aws:iam::{caller_account}:root",
        "aws:PrincipalType": "Account",
    }
    allowed = False
    for statement in _as_list(policy.get("Statement")):
        if not isinstance(statement, dict):
            continue
        if not _statement_applies(statement, caller_account, actions, resource, request):
            continue
        effect = statement.get("Effect")
        if effect == "Deny":
            return False
        if effect == "Allow":
            allowed = True
    return allowed
