"""Changelist actions that call one service per selected row (extension decisions, bulletins)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def report_refusal(modeladmin, request, item, error: ValidationError) -> None:
    modeladmin.message_user(
        request, _("%(item)s: %(error)s") % {"item": item, "error": " ".join(error.messages)}, messages.ERROR
    )


def write_each(modeladmin, request, items, write, done, *, name=str) -> int:
    """``write(item)`` for each item. A refusal is reported with ``name(item)`` and the rest go
    on, since each write is its own decision; then one message, worded by ``done(count)``, counts
    the items written. Returns that count."""
    count = 0
    for item in items:
        try:
            write(item)
        except ValidationError as exc:
            report_refusal(modeladmin, request, name(item), exc)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, done(count), messages.SUCCESS)
    return count
