"""ARNs and function references: building them, and resolving what users pass.

``FunctionName`` may be a name (``my-function``), a name with qualifier
(``my-function:v1``), a partial ARN (``123456789012:function:my-function``) or a
full ARN (``arn:aws:lambda:us-east-1:123456789012:function:my-function:1``).
A region or account in it that is not the caller's gets AWS's answer: 404
"Functions from '<region>' are not reachable in this region ('<caller region>')"
and 403 AccessDeniedException naming the IAM action (TestLambdaFunction::
test_get_function_wrong_region, test_function_arns) -- unless the operation
honours the owner's resource-based policy (the invoke family and
``RESOURCE_POLICY_OPERATIONS``), which then decides
(``resolve_function(..., other_accounts=True)``).

Resolution raises the Lambda backend's domain exceptions (``backend/errors.py``);
the API edge turns them into AWS's errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .backend.errors import AccessDenied, FunctionNotReachable, InvalidFunctionName, QualifierMismatch

_REGION = r"(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d"

FUNCTION_ARN = re.compile(
    rf"^(?:arn:(?P<partition>aws[a-zA-Z-]*)?:lambda:)?(?:(?P<region>{_REGION}):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9-_\.]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9-_]+))?$"
)

MAX_NAME_LENGTH = 64


def function_arn(region: str, account_id: str, name: str, qualifier: Optional[str] = None) -> str:
    arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def layer_arn(region: str, account_id: str, name: str, version: Optional[int] = None) -> str:
    arn = f"arn:aws:lambda:{region}:{account_id}:layer:{name}"
    return f"{arn}:{version}" if version is not None else arn


@dataclass
class FunctionRef:
    name: str
    qualifier: Optional[str]
    account_id: str
    region: str
    # Whether the qualifier came from the FunctionName itself (``name:1``, ``arn...:1``).
    qualified_name: bool = False

    @property
    def arn(self) -> str:
        return function_arn(self.region, self.account_id, self.name)


# IAM actions whose name differs from the API operation they authorize (Service
# Authorization Reference, "Actions, resources, and condition keys for AWS
# Lambda"; InvokeWithResponseStream: "This operation requires permission for the
# lambda:InvokeFunction action"). Every other Lambda operation is authorized by
# the action of the same name (GetFunction -> lambda:GetFunction ...).
_IAM_ACTIONS = {
    "Invoke": "InvokeFunction",
    "InvokeWithResponseStream": "InvokeFunction",
    "GetLayerVersionByArn": "GetLayerVersion",
}


# Operations that honour a function's resource-based policy when the caller is
# another account (AWS Lambda developer guide, "Using resource-based policies
# for Lambda", Cross-account APIs; the invoke family is the backend's). Every
# other operation refuses another account's function with AccessDeniedException.
RESOURCE_POLICY_OPERATIONS = frozenset({
    "GetFunction", "GetFunctionConfiguration", "UpdateFunctionCode", "DeleteFunction",
    "PublishVersion", "ListVersionsByFunction",
    "CreateAlias", "GetAlias", "ListAliases", "UpdateAlias", "DeleteAlias",
    "GetPolicy", "PutFunctionConcurrency", "DeleteFunctionConcurrency",
    "ListTags", "TagResource", "UntagResource",
})


def iam_action(operation_name: str) -> str:
    """The IAM action (without ``lambda:``) that authorizes an API operation."""
    return _IAM_ACTIONS.get(operation_name, operation_name)


def resolve_function(
    function_name: str,
    qualifier: Optional[str],
    account_id: str,
    region: str,
    action: str = "GetFunction",
    pattern: Optional[str] = None,
    other_accounts: bool = False,
) -> FunctionRef:
    """Split a FunctionName parameter into name and qualifier, checking region,
    account and a qualifier given twice (domain exceptions worded as AWS words them). ``action`` is the IAM
    action named in an AccessDeniedException; ``pattern`` is the operation's model
    pattern for the "does not match" message. With ``other_accounts`` an ARN in
    another account is no error: the reference names the owner's account
    (``ref.account_id``), and the caller checks the owner's resource policy."""
    match = FUNCTION_ARN.match(function_name)
    if not match:
        raise InvalidFunctionName(function_name, pattern)
    if match["region"] and match["region"] != region:
        raise FunctionNotReachable(match["region"], region)
    if match["account"] and match["account"] != account_id and not other_accounts:
        resource = function_arn(match["region"] or region, match["account"], match["name"],
                                match["qualifier"] or qualifier)
        raise AccessDenied(account_id, action, resource)
    derived = match["qualifier"]
    if derived and qualifier and derived != qualifier:
        raise QualifierMismatch()
    return FunctionRef(
        name=match["name"],
        qualifier=derived or qualifier,
        account_id=match["account"] or account_id,
        region=region,
        qualified_name=bool(derived),
    )
