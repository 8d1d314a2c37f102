"""Errors tell the truth: an exception that escapes moto is a 500, the
service's internal error, logged at ERROR with its traceback; only moto's own
AWS errors keep their 4xx.

moto is replaced here by a WSGI application that fails the way moto fails
(a ``KeyError`` from an unguarded lookup, a ``TypeError``, a moto
``ServiceException`` raised outside its response layer); everything of ours
(the provider, the classification, the serializers) is real, and the answer is
read back with botocore's own response parser for the service's protocol.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import botocore.session
import pytest
from botocore.parsers import create_parser

from gateway.context import RequestContext
from gateway.http import HttpRequest, HttpResponse
from providers.companions import services
from providers.companions.moto_provider import MotoProvider
from tests.support.captured import capture
from tests.unit.test_moto_bridge import StandInGateway, context_for

_MODELS = botocore.session.get_session()


def failing_app(error: BaseException) -> Callable[..., Any]:
    def app(environ: dict, start_response: Callable[..., Any]) -> Any:
        raise error

    return app


def answer(provider_class: type[MotoProvider], request: HttpRequest, error: BaseException) -> HttpResponse:
    provider = provider_class(StandInGateway())  # type: ignore[arg-type]
    provider._app = failing_app(error)  # type: ignore[assignment] - moto's Flask app, failing
    context: RequestContext = context_for(request)
    context.service = provider.service
    return provider.handle(context, request)


def parsed_error(service: str, operation: str, response: HttpResponse) -> dict[str, Any]:
    model = _MODELS.get_service_model(service)
    parser = create_parser(model.metadata["protocol"])
    result = parser.parse(
        {"status_code": response.status, "headers": dict(response.headers.items()), "body": response.read_body()},
        model.operation_model(operation).output_shape,
    )
    return result["Error"]


@pytest.mark.parametrize(
    "provider_class, service, operation, params, code",
    [
        (services.KinesisProvider, "kinesis", "ListStreams", {}, "InternalFailure"),
        (services.DynamoDBProvider, "dynamodb", "DescribeTable", {"TableName": "t"}, "InternalServerError"),
        (services.LogsProvider, "logs", "DescribeLogGroups", {}, "ServiceUnavailableException"),
        (services.IamProvider, "iam", "GetRole", {"RoleName": "r"}, "ServiceFailure"),
        (services.SnsProvider, "sns", "ListTopics", {}, "InternalError"),
        (services.StsProvider, "sts", "GetCallerIdentity", {}, "InternalFailure"),
        (services.S3Provider, "s3", "GetObject", {"Bucket": "b", "Key": "k"}, "InternalError"),
    ],
)
@pytest.mark.parametrize("failure", [KeyError("t"), TypeError("unsupported operand"), ValueError("bad literal")])
def test_an_unexpected_exception_is_the_services_internal_error(
    caplog: pytest.LogCaptureFixture,
    provider_class: type[MotoProvider],
    service: str,
    operation: str,
    params: dict,
    code: str,
    failure: BaseException,
) -> None:
    request = capture(service, _snake(operation), **params)
    with caplog.at_level(logging.DEBUG, logger="gateway.companions"):
        response = answer(provider_class, request, failure)
    assert response.status == 500
    error = parsed_error(service, operation, response)
    assert error["Code"] == code
    assert "Traceback" not in error.get("Message", "") and str(failure) not in error.get("Message", "")
    logged = [record for record in caplog.records if record.exc_info and record.exc_info[1] is failure]
    assert logged and all(record.levelno == logging.ERROR for record in logged), caplog.text
    assert operation in logged[0].getMessage()


def test_the_sqs_query_protocol_gets_a_receiver_fault(caplog: pytest.LogCaptureFixture) -> None:
    body = b"Action=ListQueues&Version=2012-11-05"
    request = capture("sqs", "list_queues")
    request.headers["Content-Type"] = "application/x-www-form-urlencoded"
    request.headers.pop("X-Amz-Target", None)
    request.body = body
    with caplog.at_level(logging.ERROR, logger="gateway.companions"):
        response = answer(services.SqsProvider, request, KeyError("queue"))
    assert response.status == 500
    assert b"<Type>Receiver</Type><Code>InternalFailure</Code>" in response.body
    assert any(record.levelno == logging.ERROR and record.exc_info for record in caplog.records)


def test_a_moto_aws_error_raised_outside_its_responses_keeps_its_meaning() -> None:
    from moto.kinesis.exceptions import StreamNotFoundError

    request = capture("kinesis", "describe_stream", StreamName="gone")
    response = answer(services.KinesisProvider, request, StreamNotFoundError("gone", "000000000000"))
    assert response.status == 400
    error = parsed_error("kinesis", "DescribeStream", response)
    assert (error["Code"], error["Message"]) == ("ResourceNotFoundException", "Stream gone under account 000000000000 not found.")


def test_a_lookup_error_on_another_value_is_not_taken_for_not_found() -> None:
    """Only a moto lookup of exactly the client's value is recognised as a missing resource."""
    request = capture("dynamodb", "describe_export", ExportArn="arn:aws:dynamodb:us-east-1:000000000000:table/t/export/e")
    response = answer(services.DynamoDBProvider, request, KeyError("something-else"))
    assert response.status == 500


def _snake(name: str) -> str:
    from botocore import xform_name

    return xform_name(name)
