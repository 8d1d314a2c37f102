"""Which account an access key acts in.

A 12-digit access key id is its own account: the convention LocalStack users
rely on (``AWS_ACCESS_KEY_ID=111111111111``). Any other key is the default
account, unless a plugin knows better: on AWS an access key belongs to the
account that issued it, and a provider that issues keys (the companion STS,
whose ``AssumeRole`` hands out temporary ``ASIA...`` keys in the role's
account) registers a resolver that names the account of each key it issued.

Answers are cached (bounded, oldest first out): identification runs on every
request and most requests repeat the same few keys. The cache is emptied when a
resolver registers (it may claim keys answered before) and on reset (the keys
issued are forgotten).
"""

from __future__ import annotations

import re
import threading
from typing import Callable, Optional

DEFAULT_ACCOUNT = "000000000000"
_ACCOUNT_KEY = re.compile(r"^\d{12}$")
MAX_KEY_LENGTH = 128  # IAM's AccessKeyId is 16 to 128 characters: longer keys were never issued

#: access key id -> the account that issued it, or None when the resolver did not issue it.
AccessKeyResolver = Callable[[str], Optional[str]]


def account_from_access_key(access_key_id: Optional[str]) -> str:
    """The account a key names by itself: 12 digits are the account, anything else the default."""
    if access_key_id and _ACCOUNT_KEY.match(access_key_id):
        return access_key_id
    return DEFAULT_ACCOUNT


class AccessKeyAccounts:
    """The access key -> account mapping of one gateway (see the module docstring)."""

    def __init__(self, cache_size: int = 10_000) -> None:
        self._resolvers: list[AccessKeyResolver] = []
        self._cache: dict[str, str] = {}
        self._cache_size = cache_size
        self._generation = 0  # bumped whenever answers given so far may be stale
        self._lock = threading.Lock()

    def register(self, resolver: AccessKeyResolver) -> None:
        """Ask ``resolver`` about keys that are not 12 digits (once per resolver)."""
        with self._lock:
            if resolver not in self._resolvers:
                self._resolvers = [*self._resolvers, resolver]
            self._forget()

    def account_of(self, access_key_id: Optional[str]) -> str:
        if (not access_key_id or _ACCOUNT_KEY.match(access_key_id) or not self._resolvers
                or len(access_key_id) > MAX_KEY_LENGTH):
            return account_from_access_key(access_key_id)
        account = self._cache.get(access_key_id)
        if account is not None:
            return account
        generation = self._generation
        account = self._resolve(access_key_id)
        with self._lock:
            if generation == self._generation:  # not answered from a world that changed meanwhile
                if len(self._cache) >= self._cache_size:
                    del self._cache[next(iter(self._cache))]
                self._cache[access_key_id] = account
        return account

    def forget(self) -> None:
        """Reset: keys issued so far no longer exist."""
        with self._lock:
            self._forget()

    def _forget(self) -> None:
        self._cache.clear()
        self._generation += 1

    def _resolve(self, access_key_id: str) -> str:
        for resolver in self._resolvers:
            account = resolver(access_key_id)
            if account is not None and _ACCOUNT_KEY.match(account):
                return account
        return DEFAULT_ACCOUNT
