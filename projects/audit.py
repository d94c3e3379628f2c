"""The one way service functions save a row: validated, attributed, and never an IntegrityError."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _


def save_audited(instance, *, by, reason: str = "", **save_kwargs):
    """Validate with ``full_clean()`` and save, recording who and why in the history row.

    ``full_clean()`` runs the model's constraints first, so bad data is refused with
    the constraint's own message. A concurrent writer can still slip in between that
    check and the INSERT (two users saving the same month at once); the database then
    refuses it and we report the same kind of error instead of a 500.
    """
    instance.full_clean()
    instance._history_user = by if by is not None and by.is_authenticated else None
    instance._change_reason = reason or None
    try:
        # A savepoint, so that a refused INSERT leaves the caller's transaction usable.
        with transaction.atomic():
            instance.save(**save_kwargs)
    except IntegrityError as exc:
        raise ValidationError(
            _("The record conflicts with one saved at the same moment; reload and try again."),
            code="integrity",
        ) from exc
    return instance
