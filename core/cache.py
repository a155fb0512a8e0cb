"""Short-lived, per-app caches for facts every request needs and that rarely change: who a
token stands for, which school a slug names, which modules a school has on, a person's roles.

Values are immutable snapshots, never ORM rows or school data: isolation stays with the ORM
guard and row-level security. A change made in this process invalidates its entry at once;
other processes see it within ``AUTH_CACHE_SECONDS`` (default 5).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app

_MISSING = object()


class TTLCache:
    def __init__(self, seconds: float, max_size: int = 20_000) -> None:
        self.seconds = seconds
        self.max_size = max_size
        self._data: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        if self.seconds <= 0:
            return load()
        now = time.monotonic()
        entry = self._data.get(key, _MISSING)
        if entry is not _MISSING and entry[0] > now:
            return entry[1]
        value = load()
        with self._lock:
            if len(self._data) >= self.max_size:
                self._data.clear()
            self._data[key] = (now + self.seconds, value)
        return value

    def invalidate(self, key: Hashable | None = None) -> None:
        with self._lock:
            if key is None:
                self._data.clear()
            else:
                self._data.pop(key, None)


class LRUCache(TTLCache):
    """A bounded cache for lookups with many distinct keys (one per host name, say): when full
    it forgets the entry used least recently rather than everything at once."""

    def __init__(self, seconds: float, max_size: int) -> None:
        super().__init__(seconds, max_size)
        self._data: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        if self.seconds <= 0:
            return load()
        now = time.monotonic()
        with self._lock:
            entry = self._data.get(key, _MISSING)
            if entry is not _MISSING and entry[0] > now:
                self._data.move_to_end(key)
                return entry[1]
        value = load()
        with self._lock:
            self._data[key] = (now + self.seconds, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_size:
                self._data.popitem(last=False)
        return value


_SHAPES: dict[str, Callable[[Any], TTLCache]] = {}


def declare_cache(name: str, make: Callable[[Any], TTLCache]) -> None:
    """Give the cache ``name`` its own size and lifetime: ``make(app)`` builds it for each app,
    instead of the default that lives ``AUTH_CACHE_SECONDS``."""
    _SHAPES[name] = make


def app_cache(name: str) -> TTLCache:
    caches = current_app.extensions.setdefault("houqin_caches", {})
    if (cache := caches.get(name)) is None:
        app = current_app._get_current_object()
        make = _SHAPES.get(name)
        cache = caches[name] = make(app) if make else TTLCache(app.config["AUTH_CACHE_SECONDS"])
    return cache


_PENDING = "houqin_cache_invalidations"


def invalidate(name: str, key: Hashable | None = None) -> None:
    """Forget an entry now and again when the current transaction ends: after a commit, so a
    request that refilled it from the committed past does not keep the old value; after a
    rollback, so a read of the uncommitted change does not outlive it."""
    from core.extensions import db

    cache = app_cache(name)
    cache.invalidate(key)
    db.session.info.setdefault(_PENDING, []).append((cache, key))


def _transaction_ended(session, *args) -> None:
    for cache, key in session.info.pop(_PENDING, ()):
        cache.invalidate(key)


def install(session_class=None) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    target = session_class or Session
    if not event.contains(target, "after_commit", _transaction_ended):
        event.listen(target, "after_commit", _transaction_ended)
        event.listen(target, "after_rollback", _transaction_ended)
