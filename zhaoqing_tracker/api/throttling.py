from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class PerTokenRateThrottle(SimpleRateThrottle):
    """Each API token has its own budget; a browser session is limited per user."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # AnonThrottle handles those
        token = getattr(request, "api_token", None)
        ident = f"token-{token.pk}" if token is not None else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


__all__ = ["AnonRateThrottle", "PerTokenRateThrottle"]
