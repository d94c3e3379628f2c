"""The API's throttles, and where they keep their counts.

The counts live in the shared cache (Redis with REDIS_URL), so that all web workers share one
budget per token. Redis down or hung must not take the API down with it: while it fails, each
process counts on its own (a budget per process instead of one in all, which is a looser limit,
not none), says so once in the log, and asks Redis again after a pause.
"""

import logging
import time

from django.core.cache import cache as default_cache
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError
from rest_framework import throttling

logger = logging.getLogger(__name__)


class FallbackCounters:
    """The ``get``/``set`` a SimpleRateThrottle needs: the shared cache while it answers, this
    process's memory while it does not.

    A failed call opens the breaker for ``pause`` seconds, so that while Redis is silent only
    one request per pause waits for the socket timeout rather than every one of them. Races
    between threads at most let two requests try Redis or log twice; no lock is worth that.
    """

    def __init__(self, shared, *, pause: float = 15.0, warn_every: float = 300.0):
        self.shared = shared  # the proxy of the "default" cache, so a changed CACHES is followed
        self.local = LocMemCache("throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self.pause, self.warn_every = pause, warn_every
        self.reset()

    def reset(self):
        self.local.clear()
        self.failing_until = 0.0
        self.warned_at = None

    def get(self, key, default=None):
        return self._call("get", key, default)

    def set(self, key, value, timeout):
        return self._call("set", key, value, timeout)

    def _call(self, method, *args):
        now = time.monotonic()
        if now >= self.failing_until:
            try:
                value = getattr(self.shared, method)(*args)
            except (RedisError, OSError) as error:
                self._failed(now, error)
            else:
                if self.warned_at is not None:
                    self.warned_at = None  # the next outage is told at once
                    logger.info("API throttles reach Redis again; counting in it for all processes.")
                return value
        return getattr(self.local, method)(*args)

    def _failed(self, now, error):
        self.failing_until = now + self.pause
        # One line per outage (and a reminder every warn_every while it lasts), not one per request.
        if self.warned_at is None or now - self.warned_at >= self.warn_every:
            self.warned_at = now
            logger.warning(
                "API throttles cannot reach Redis (%s: %s); counting per process, retrying every %.0f s.",
                type(error).__name__,
                error,
                self.pause,
            )


counters = FallbackCounters(default_cache)


class PerTokenRateThrottle(throttling.SimpleRateThrottle):
    """Each API token has its own budget; a browser session is limited per user."""

    scope = "token"
    cache = counters

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # AnonThrottle handles those
        token = getattr(request, "api_token", None)
        ident = f"token-{token.pk}" if token is not None else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonRateThrottle(throttling.AnonRateThrottle):
    cache = counters


__all__ = ["AnonRateThrottle", "PerTokenRateThrottle", "counters"]
