"""The Lambda plugin's environment variables: documented for ``--help`` and the
README, and checked at gateway start-up (entry point group ``gateway.config``),
so a wrong value is a startup error naming the variable and the allowed values.

Kept light: it imports nothing of the provider."""

from __future__ import annotations

import os
import re
from importlib.metadata import entry_points

from gateway.config import Config, ConfigError

EXECUTOR_GROUP = "gateway.lambda.executors"

ENVIRONMENT: dict[str, tuple[str, str]] = {
    "LAMBDA_RUNTIME_EXECUTOR": ("sandbox", "How functions run: `sandbox` (bubblewrap namespaces, AWS's file system, user and limits; the default where it can run, else `process` with a log line), `process` (plain local processes: NO isolation between functions or from this machine), `docker`, or another plugin of group gateway.lambda.executors."),
    "LAMBDA_RUNTIME_INTERPRETERS": ("", "Interpreters for runtimes, e.g. `python3.12=/opt/py312/bin/python3.12,nodejs22.x=/usr/local/bin/node` (default: found on the machine)."),
    "LAMBDA_KEEPALIVE_MS": ("600000", "How long an idle execution environment is kept; 0 = a fresh one every time."),
    "LAMBDA_SYNCHRONOUS_CREATE": ("0", "`1` makes CreateFunction wait until the function is Active."),
    "LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT": ("20", "Seconds an environment may take to start (an on-demand init gets AWS's 10 s, or this if lower)."),
    "LAMBDA_TRUNCATE_STDOUT": ("2000", "Characters of each function output line shown in the gateway's log (`LAMBDA_LOG_FUNCTIONS=1` or `DEBUG=1`)."),
    "LAMBDA_LOG_FUNCTIONS": ("0", "`1` shows every function's output in the gateway's log at INFO, each line prefixed with `[function-name]` (`[name:version]` for a published version)."),
    "LAMBDA_DURABLE_TIME_SCALE": ("1", "Durable functions: real seconds per durable second for waits, step retry delays and callback timeouts; execution timeouts stay real time (`0.001`: a one-day wait takes 86.4 s; `0`: at once). For tests."),
    "LAMBDA_ASYNC_RETRY_BASE_MS": ("60000", "Delay before the first retry of a failed asynchronous invocation; the second waits twice it (AWS: 1 then 2 minutes). Lower it for tests."),
    "LAMBDA_STATE_TRANSITION_DELAY_MS": ("", "How long functions stay Pending/InProgress before Active/Successful."),
    "LAMBDA_LIMITS_CONCURRENT_EXECUTIONS": ("1000", "The account's concurrency limit."),
    "LAMBDA_LIMITS_MINIMUM_UNRESERVED_CONCURRENCY": ("100", "Concurrency that reservations must leave unreserved."),
    "LAMBDA_LIMITS_TOTAL_CODE_SIZE": ("80530636800", "Storage for code and layers per account (bytes)."),
    "LAMBDA_LIMITS_CODE_SIZE_ZIPPED": ("52428800", "Largest zipped deployment package (bytes)."),
    "LAMBDA_LIMITS_CODE_SIZE_UNZIPPED": ("262144000", "Largest unzipped function + layers (bytes)."),
    "LAMBDA_LIMITS_CREATE_FUNCTION_REQUEST_SIZE": ("70167211", "Largest CreateFunction / UpdateFunctionCode request body (bytes)."),
    "LAMBDA_CODE_LOCATION_EXPIRES": ("600", "Seconds a presigned `Code.Location` download URL stays valid (AWS: 600)."),
    "LAMBDA_HOT_RELOAD_ROOTS": ("", "Colon- or comma-separated absolute directories: hot reload only beneath them (default: anywhere not refused)."),
    "HOSTNAME_FROM_LAMBDA": ("(the executor's)", "Host functions use to reach the gateway (their AWS_ENDPOINT_URL); default 127.0.0.1, under `docker` this machine's address on the Docker network (e.g. 172.17.0.1)."),
    "LAMBDA_RUNTIME_IMAGE_MAPPING": ("", "`docker` executor: images for runtimes, as a pattern (`myrepo/lambda:<runtime>`) or a JSON object (`{\"python3.12\": \"myrepo/py:3.12\"}`); default AWS's `public.ecr.aws/lambda/<language>:<version>`."),
    "LAMBDA_DOCKER_NETWORK": ("bridge", "`docker` executor: the Docker network(s) function containers join (comma-separated; the first carries the Runtime API and the gateway's endpoint)."),
    "LAMBDA_DOCKER_FLAGS": ("", "`docker` executor: extra `docker run` flags (`-e`, `--env-file`, `-v`, `--add-host`, `--dns`, `-l`, `--ulimit`, `--network`, `-p`; others are refused)."),
    "LAMBDA_DOCKER_DNS": ("", "`docker` executor: DNS server(s) of function containers (comma-separated IPs)."),
    "LAMBDA_REMOVE_CONTAINERS": ("1", "`docker` executor: `0` keeps function containers (stopped) after their environment ends, for `docker logs`/`inspect`."),
    "LAMBDA_DEBUG_MODE_CONFIG_PATH": ("", "Remote debugging: a YAML or JSON file mapping functions (names or ARNs, qualified or not; unqualified = `$LATEST`) to `debug-port`, `wait-for-attach`, `enforce-timeouts` (LocalStack's Lambda debug mode file; see README \"Remote debugging\"). Read at start."),
    "LAMBDA_DEBUG_PORT": ("", "Remote debugging on this port (debugpy for Python, `--inspect` for Node.js, on 127.0.0.1) for `LAMBDA_DEBUG_FUNCTION`, or for every function, one environment at a time."),
    "LAMBDA_DEBUG_FUNCTION": ("", "The function `LAMBDA_DEBUG_PORT` debugs: a name, `name:version` or an ARN (default: every function)."),
    "LAMBDA_DEBUG_WAIT": ("0", "`1`: a function debugged through `LAMBDA_DEBUG_PORT` waits for the debugger to attach before its handler loads."),
    "BUCKET_MARKER_LOCAL": ("hot-reload", "S3 bucket name that marks S3Key as a local directory of code."),
    "ENFORCE_IAM": ("0", "`1` enforces function URL authorization (resource policies, SigV4) as AWS does."),
    "LAMBDA_EVENT_SOURCE_POLLER_<SOURCE>": ("default", "Which poller plugin reads a source (`SQS`, `KINESIS`, `DYNAMODB_STREAMS`, `KAFKA`, `SELF_MANAGED_KAFKA`, `MQ`, `DOCUMENTDB`): the variant of an entry point `<source>:<variant>` in group gateway.lambda.event_sources."),
    "LAMBDA_EVENT_SOURCE_ENDPOINT_<SERVICE>": ("(the gateway)", "Where pollers read a source service (botocore's name: `SQS`, `KINESIS`, `DYNAMODBSTREAMS`, `DYNAMODB`, `KAFKA`...), e.g. `http://localhost:9324`; default the gateway itself."),
}

_INTEGERS = {
    "LAMBDA_KEEPALIVE_MS": 0,
    "LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT": 1,
    "LAMBDA_TRUNCATE_STDOUT": 1,
    "LAMBDA_ASYNC_RETRY_BASE_MS": 0,
    "LAMBDA_STATE_TRANSITION_DELAY_MS": 0,
    "LAMBDA_LIMITS_CONCURRENT_EXECUTIONS": 1,
    "LAMBDA_LIMITS_MINIMUM_UNRESERVED_CONCURRENCY": 0,
    "LAMBDA_LIMITS_TOTAL_CODE_SIZE": 1,
    "LAMBDA_LIMITS_CODE_SIZE_ZIPPED": 1,
    "LAMBDA_LIMITS_CODE_SIZE_UNZIPPED": 1,
    "LAMBDA_LIMITS_CREATE_FUNCTION_REQUEST_SIZE": 1,
    "LAMBDA_CODE_LOCATION_EXPIRES": 1,
}
_FLAGS = ("LAMBDA_SYNCHRONOUS_CREATE", "ENFORCE_IAM", "LAMBDA_REMOVE_CONTAINERS", "LAMBDA_LOG_FUNCTIONS")


def gateway_hostnames(config: Config) -> list[str]:
    """Functions reach the gateway by HOSTNAME_FROM_LAMBDA: the gateway must answer to it."""
    return [config.string("HOSTNAME_FROM_LAMBDA", "127.0.0.1")]


def check(config: Config) -> None:
    for name, minimum in _INTEGERS.items():
        config.integer(name, 0, minimum)
    for name in _FLAGS:
        config.flag(name)
    executors = sorted(ep.name for ep in entry_points(group=EXECUTOR_GROUP))
    chosen = config.choice("LAMBDA_RUNTIME_EXECUTOR", "sandbox", executors)
    if chosen == "sandbox" and config.string("LAMBDA_RUNTIME_EXECUTOR"):  # asked for: isolation or no start
        from .executors.sandbox import unavailable_reason

        reason = unavailable_reason()
        if reason:
            raise ConfigError(f"LAMBDA_RUNTIME_EXECUTOR=sandbox cannot run here: {reason}")
    _check_docker(config)
    from .durable.config import time_scale

    time_scale(config)
    from .event_sources.plugins import check_config as check_event_sources

    check_event_sources(config)
    if not config.string("BUCKET_MARKER_LOCAL", "hot-reload"):
        raise ConfigError("BUCKET_MARKER_LOCAL must not be empty")
    for root in re.split(r"[:,]", config.string("LAMBDA_HOT_RELOAD_ROOTS")):
        if root.strip() and not os.path.isabs(root.strip()):
            raise ConfigError(f"LAMBDA_HOT_RELOAD_ROOTS: {root.strip()!r} is not an absolute directory")
    from .invocation.debug_config import DebugConfigError, load as load_debug_config

    try:
        load_debug_config(config.env)
    except DebugConfigError as error:
        raise ConfigError(str(error)) from None
    if config.integer("LAMBDA_CODE_LOCATION_EXPIRES", 600, 1) > 604_800:
        raise ConfigError("LAMBDA_CODE_LOCATION_EXPIRES must be at most 604800 (a week, as S3 allows)")


def _check_docker(config: Config) -> None:
    """The docker executor's settings are checked whichever executor runs (a
    typo must not wait for the day someone switches)."""
    from .executors.docker.flags import FlagError, parse
    from .executors.docker.images import ImageMapping, MappingError

    try:
        ImageMapping(config.string("LAMBDA_RUNTIME_IMAGE_MAPPING"))
        parse(config.string("LAMBDA_DOCKER_FLAGS"), config.env)
    except (MappingError, FlagError) as error:
        raise ConfigError(str(error)) from None
    for server in config.string("LAMBDA_DOCKER_DNS").split(","):
        if server.strip() and not re.match(r"^[0-9a-fA-F.:]+$", server.strip()):
            raise ConfigError(f"LAMBDA_DOCKER_DNS: {server.strip()!r} is not an IP address")
