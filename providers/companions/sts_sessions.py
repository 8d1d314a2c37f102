"""The companion STS's sessions, kept as AWS keeps them.

moto's ``AssumeRole`` issues a temporary key (``ASIA...``) in the role's account
(its IAM backend holds the key, its STS backend the session), and IAM's
``CreateAccessKey`` issues ``AKIA...`` keys in the user's account. What this
module adds, as AWS behaves:

- ``issuing_account``: the account a key moto issued belongs to. The IAM and STS
  providers register it with the gateway (``gateway.access_keys``), so a request
  signed with such a key acts in that account, for our own providers and for
  moto (which is told the account the gateway identified).
- ``role_id``: a role's id, stable. moto names the IAM role's id when the role
  exists, and a new random id on every call when it does not (``AssumeRole``
  accepts any role ARN; so does ``CreateFunction`` here): the same role must have
  one id, in ``AssumedRoleId`` and in every ``GetCallerIdentity``'s ``UserId``.
- ``caller_identity``: ``GetCallerIdentity`` for a session's key, with that id.
- ``Sessions.prune``: expired sessions and their keys are forgotten (each cold
  start of a function assumes its role: without this a long-running gateway
  would keep every session it ever issued).

moto is imported only once the companion services have loaded it: before that,
no key was issued.
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
import threading
import time
from typing import Any, Iterator, Optional

ISSUED_KEY = re.compile(r"^(ASIA|AKIA)[A-Z0-9]{16}$")  # the keys moto issues (20 characters)
PRUNE_INTERVAL_SECONDS = 60.0


def issuing_account(access_key_id: str) -> Optional[str]:
    """The account whose IAM holds ``access_key_id`` (a session's or a user's key), else None."""
    if not ISSUED_KEY.match(access_key_id) or "moto.iam.models" not in sys.modules:
        return None
    from moto.iam.models import iam_backends

    for account_id, partitions in list(iam_backends.items()):
        for backend in list(partitions.values()):
            if access_key_id in backend.access_keys:
                return account_id
    return None


def role_id(account_id: str, partition: str, role_arn: str) -> str:
    """The role's IAM id when IAM knows the role, else an id derived from its ARN
    (``AROA`` + 17 characters, the shape of AWS's role ids)."""
    from moto.iam.models import iam_backends

    backend = dict.get(iam_backends, account_id)
    iam = dict.get(backend, partition) if backend is not None else None
    if iam is not None:
        for role in list(iam.roles.values()):
            if role.arn == role_arn:
                return role.id
    digest = base64.b32encode(hashlib.sha256(role_arn.encode()).digest()).decode()
    return "AROA" + digest[:17]


def session_of(account_id: str, region: str, access_key_id: str) -> Any:
    """moto's session (``AssumedRole``) for a temporary key used in ``account_id``, else None."""
    if not ISSUED_KEY.match(access_key_id) or "moto.sts.models" not in sys.modules:
        return None
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    partitions = dict.get(sts_backends, account_id)
    backend = dict.get(partitions, get_partition(region)) if partitions is not None else None
    if backend is None:
        return None
    return backend.get_assumed_role_from_access_key(access_key_id)


def caller_identity(session: Any) -> dict[str, str]:
    """``GetCallerIdentity`` for a session: the assumed role, as AWS names it."""
    return {
        "UserId": f"{role_id(session.account_id, session.partition, session.role_arn)}:{session.session_name}",
        "Account": session.account_id,
        "Arn": session.arn,
    }


class Sessions:
    """Forgets expired sessions and their keys, at most once a minute.

    ``lock`` serialises what changes moto's session lists: the STS provider holds
    it while moto serves a request (moto appends sessions to a plain list)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._next_prune = 0.0

    def prune(self, force: bool = False) -> int:
        """Drop expired sessions (all of them with ``force``); the number dropped."""
        now_monotonic = time.monotonic()
        if not force and now_monotonic < self._next_prune:
            return 0
        if "moto.sts.models" not in sys.modules:
            return 0
        from moto.core.utils import utcnow
        from moto.iam.models import iam_backends

        with self.lock:
            self._next_prune = now_monotonic + PRUNE_INTERVAL_SECONDS
            now = utcnow()
            dropped = 0
            for backend in _sts_backends():
                sessions = list(backend.assumed_roles)
                kept = [s for s in sessions if not force and s.expiration > now]
                if len(kept) == len(sessions):
                    continue
                backend.assumed_roles[:] = kept
                for session in sessions:
                    if force or session.expiration <= now:
                        partitions = dict.get(iam_backends, session.account_id)
                        iam = dict.get(partitions, session.partition) if partitions is not None else None
                        if iam is not None:
                            iam.access_keys.pop(session.access_key_id, None)
                        dropped += 1
            return dropped


def _sts_backends() -> Iterator[Any]:
    from moto.sts.models import sts_backends

    for partitions in list(sts_backends.values()):
        yield from list(partitions.values())
