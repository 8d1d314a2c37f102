"""Execution-role credentials: what ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``
and ``AWS_SESSION_TOKEN`` hold in an execution environment.

As on AWS, each environment start assumes the function's execution role anew
(STS ``AssumeRole`` with ``RoleArn`` = the function's ``Role``), so concurrent
environments of one function hold different keys for the same assumed role.
The session is named after the function; a one-character name, too short for a
session name (2 to 64 characters), becomes ``<name>@lambda_function``, the name
AWS gives it. ``sts get-caller-identity`` inside the function then shows
``arn:aws:sts::<account>:assumed-role/<role-name>/<session-name>``.

The call goes to the companion STS through a botocore client aimed at the gateway
itself, as AWS's Lambda calls its own STS. The temporary key it returns acts in
the role's account: the gateway maps the keys the companion STS issued to the
account that issued them (``gateway.access_keys``).

Where STS is not served (``SERVICES`` leaves it out), environments get the
function's account id as their access key, which the gateway also maps to that
account. When the companion STS fails (an error, or no answer), the environment
does not start and the invocation fails with Lambda's ``ServiceException`` (500):
on AWS the execution role is assumed by the service before the runtime starts,
so the failure is the service's, not the function's. (AWS's exact answer for a
role it cannot assume at invoke time was not found recorded anywhere: UNVERIFIED.)
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Optional

from gateway.config import Config
from gateway.errors import ServiceError

log = logging.getLogger("lambda.credentials")

#: How long an environment's credentials last: AssumeRole's maximum. AWS ends an
#: execution environment well before that; expired sessions are forgotten by STS.
SESSION_SECONDS = 43_200
_STS_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class _Session:
    """What one function's environments assume: the same role, the same session name."""

    port: int
    account_id: str
    region: str
    role_arn: str
    name: str


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str

    def variables(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


def session_name(function_name: str) -> str:
    """The role session AWS names after the function (at least 2 characters)."""
    return function_name if len(function_name) >= 2 else f"{function_name}@lambda_function"


class ExecutionRoleCredentials:
    """Assumes execution roles through the companion STS; one botocore client per
    (gateway port, account, region), its connections kept alive.

    One session per function is kept assumed ahead: an environment start takes it
    and a new one is assumed in the background for the next start, so the STS
    round trip (a few milliseconds, a tenth of a cold start) is off the cold
    start's path except for a function's first environment. Each session still
    serves exactly one environment. Sessions kept ahead are forgotten on reset
    (the companion STS forgets them too) and after ``READY_MAX_AGE_SECONDS``."""

    READY_MAX_AGE_SECONDS = 3600.0
    READY_MAX = 1024  # functions with a session kept ahead (oldest dropped)

    def __init__(self, config: Config) -> None:
        self.sts_served = config.service_enabled("sts")
        self._clients: dict[tuple[int, str, str], Any] = {}
        self._ready: dict[_Session, tuple[Credentials, float]] = {}
        self._refilling: set[_Session] = set()
        self._generation = 0  # bumped by forget(): sessions assumed before then are gone
        self._lock = threading.Lock()

    def for_environment(self, role_arn: str, function_name: str, account_id: str, region: str,
                        port: int) -> Credentials:
        """Fresh credentials for one environment of the function (raises ServiceException)."""
        if not self.sts_served:
            return Credentials(account_id, "test", "test")
        session = _Session(port, account_id, region, role_arn, session_name(function_name))
        ready = self._take_ready(session)
        self._refill(session)
        if ready is not None:
            return ready
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self._assume(session)
        except (BotoCoreError, ClientError) as error:
            log.error("could not assume the execution role %s of function %s: %s", role_arn, function_name, error)
            raise ServiceError("ServiceException", "An internal error occurred", 500, sender_fault=False) from None

    def forget(self) -> None:
        """Reset: the sessions kept ahead no longer exist."""
        with self._lock:
            self._ready.clear()
            self._generation += 1

    def _take_ready(self, session: "_Session") -> Optional[Credentials]:
        with self._lock:
            ready = self._ready.pop(session, None)
        if ready is None or time.monotonic() - ready[1] > self.READY_MAX_AGE_SECONDS:
            return None
        return ready[0]

    def _refill(self, session: "_Session") -> None:
        """Assume the session for the function's next environment, in the background."""
        with self._lock:
            if session in self._refilling:
                return
            self._refilling.add(session)
            generation = self._generation

        def assume_ahead() -> None:
            try:
                credentials = self._assume(session)
            except Exception as error:  # noqa: BLE001 - the next start assumes on its own and says why
                log.debug("could not assume %s ahead: %s", session.role_arn, error)
                credentials = None
            with self._lock:
                self._refilling.discard(session)
                if credentials is None or generation != self._generation:
                    return
                if session not in self._ready and len(self._ready) >= self.READY_MAX:
                    del self._ready[next(iter(self._ready))]
                self._ready[session] = (credentials, time.monotonic())

        threading.Thread(target=assume_ahead, name="assume-role-ahead", daemon=True).start()

    def _assume(self, session: "_Session") -> Credentials:
        response = self._client(session.port, session.account_id, session.region).assume_role(
            RoleArn=session.role_arn, RoleSessionName=session.name, DurationSeconds=SESSION_SECONDS
        )
        issued = response["Credentials"]
        return Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])

    def warm_up(self, port: int, account_id: str = "000000000000", region: str = "us-east-1") -> None:
        """In the background: build the client and have the companion STS load (its
        first request imports moto's STS and IAM, a second or more that would
        otherwise fall on the first cold start)."""
        if not self.sts_served or not port:
            return

        def warm() -> None:
            try:
                self._client(port, account_id, region).get_caller_identity()
            except Exception as error:  # noqa: BLE001 - only a head start: the first environment will say
                log.debug("warming up the companion STS failed: %s", error)

        threading.Thread(target=warm, name="sts-warm-up", daemon=True).start()

    def _client(self, port: int, account_id: str, region: str) -> Any:
        key = (port, account_id, region)
        client = self._clients.get(key)
        if client is None:
            with self._lock:
                client = self._clients.get(key)
                if client is None:
                    import boto3
                    from botocore.config import Config as BotoConfig

                    client = self._clients[key] = boto3.session.Session().client(
                        "sts",
                        endpoint_url=f"http://127.0.0.1:{port}",
                        region_name=region,
                        aws_access_key_id=account_id,  # the function's account asks (a 12-digit key names it)
                        aws_secret_access_key="lambda-internal",
                        config=BotoConfig(retries={"max_attempts": 1}, connect_timeout=_STS_TIMEOUT_SECONDS,
                                          read_timeout=_STS_TIMEOUT_SECONDS, parameter_validation=False),
                    )
        return client
