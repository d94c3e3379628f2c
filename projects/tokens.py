"""API tokens for other government systems: several per user, named, hashed at rest, revocable.

The raw token is shown once, when it is created; only its SHA-256 is stored. A
token carries 256 random bits, so a fast hash is enough (there is nothing to
brute-force as with a password) and lets every request find its token by an
indexed lookup.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.audit import lock, save_audited

TOKEN_PREFIX = "zq_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("Which system uses this token."))
    # The first characters of the raw token, to tell tokens apart in lists and logs.
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["user_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                name="api_token_name_unique_per_user",
                violation_error_message=_("This user already has a token with this name."),
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


@transaction.atomic
def token_create(*, user, name: str, by, expires_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token; returns it with the raw key, which is never stored nor shown again."""
    if expires_days is not None and expires_days <= 0:
        raise ValidationError({"expires_days": gettext("The token must stay valid for at least one day.")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=(name or "").strip(),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + datetime.timedelta(days=expires_days) if expires_days else None,
    )
    save_audited(token, by=by, reason="created")
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> ApiToken:
    token = lock(token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        save_audited(token, by=by, reason="revoked")
    return token
