"""Version tokens in the shared cache, read together once per request.

Each worker process keeps derived data (rendered content, the public facts of certificates) in
its own memory, tagged with the version of the data it was built from. A version is a random
token in the default cache (Redis or the database cache) that is replaced whenever the data
changes. A request reads all tokens in one round trip (`get_many`) the first time it needs
any of them and ignores everything kept under another token.

Tokens are random and never reused, so a lost token (cache flushed, culled or restarted) just
becomes a new one and nothing kept before can come back to life. Without a reachable cache
every request gets tokens of its own: data is then read from the database each time, slower
but never stale.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

# What may change, and where its token lives in the shared cache.
KEYS = {
    "content": "lms:content-version",  # pages, view restrictions, sites, images, documents
    "certificates": "lms:certificate-version",  # any certificate's status or printed details
}


UNCACHED = "uncached-"  # the prefix of versions made up while the shared cache is unreachable

# Changes made by this process, per name: part of the version this process sees, so its own
# change shows at once, before the commit renews the shared token for everybody.
_changes_here: dict[str, int] = {}


def current(name: str, request=None) -> str:
    """The current version of `name`; all tokens are read on the first call for a request."""
    _settle_rolled_back_changes()
    known = getattr(request, "_lms_versions", None) if request is not None else None
    if known is None:
        known = _read_all()
        if request is not None:
            request._lms_versions = known
    changes = _changes_here.get(name)
    return f"{known[name]}+{changes}" if changes else known[name]


def renew(name: str) -> None:
    """A new token for `name` now (other processes drop what they kept under the old one)."""
    try:
        cache.set(KEYS[name], uuid.uuid4().hex, timeout=None)
    except Exception:  # never let a cache outage stop the change that caused this
        logger.error(
            "%s version not renewed: other processes may show old data until their entries expire",
            name,
            exc_info=True,
        )


def changed(name: str) -> None:
    """`name` changes in the current transaction: this process sees a new version at once, and
    every process once the transaction commits (a new shared token then; anything read before
    the commit was kept under the old one). The shared token isn't written before the commit:
    with the database cache that write would hold a row lock until then, and every concurrent
    change (a bulk issue, the render tasks) would queue behind it. One renewal per transaction
    and name is enough, however many changes it holds."""
    _changes_here[name] = _changes_here.get(name, 0) + 1
    connection = transaction.get_connection()
    pending = connection.__dict__.setdefault("_lms_version_renewals", [])
    if any(renewal.name == name and renewal.registered(connection) for renewal in pending):
        return
    renewal = _Renewal(name)
    pending.append(renewal)
    transaction.on_commit(renewal)


class _Renewal:
    """The on-commit renewal of one name; remembers whether it ran."""

    def __init__(self, name: str):
        self.name = name
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        renew(self.name)

    def registered(self, connection) -> bool:
        """Still waiting for the commit (a rolled-back savepoint or transaction drops it)."""
        return any(func is self for _savepoints, func, _robust in connection.run_on_commit)


def _settle_rolled_back_changes() -> None:
    """A change whose transaction was rolled back never renews the shared token, but this
    process may have kept what it built from the uncommitted rows under the version it saw:
    give the process a new version once more, so nothing of that is ever served."""
    connection = transaction.get_connection()
    pending = connection.__dict__.get("_lms_version_renewals")
    if not pending:
        return
    waiting = []
    for renewal in pending:
        if renewal.ran:
            continue
        if renewal.registered(connection):
            waiting.append(renewal)
        else:
            _changes_here[renewal.name] = _changes_here.get(renewal.name, 0) + 1
    connection._lms_version_renewals = waiting


def remember(request, found: dict) -> None:
    """Take the tokens from a caller that read them in its own round trip (by cache key,
    e.g. `cache.get_many(KEYS.values())` pipelined with other commands)."""
    try:
        request._lms_versions = _tokens(found)
    except Exception:
        logger.warning("version tokens unavailable, per-process caches paused", exc_info=True)
        request._lms_versions = _uncached()


def _read_all() -> dict[str, str]:
    try:
        return _tokens(cache.get_many(list(KEYS.values())))
    except Exception:  # the cache server is down: read from the database
        logger.warning("version tokens unavailable, per-process caches paused", exc_info=True)
        return _uncached()


def _tokens(found: dict) -> dict[str, str]:
    tokens = {}
    for name, key in KEYS.items():
        token = found.get(key)
        if token is None:  # never set, or lost: a new one (or the one another process set)
            token = uuid.uuid4().hex
            if not cache.add(key, token, timeout=None):
                token = cache.get(key) or token
        tokens[name] = token
    return tokens


def _uncached() -> dict[str, str]:
    return {name: f"{UNCACHED}{uuid.uuid4().hex}" for name in KEYS}
