"""The admin base classes every app builds on: history without a way around the services, model
forms saved by a service, and the one way a service's refusal is shown on an admin form.

Region scoping (which rows and choices a user gets) needs the apps' models and stays with them
(projects/admin/base.py).
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from zhaoqing_tracker.forms import add_service_error


class HistoryContextHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.choices and value is not None:
            return dict(field.flatchoices).get(value, value)  # "Land supplied", not "land_supplied"
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """Every model's history, read-only: restoring a past version would write around the
    services and their version checks."""

    # The package's list, less its one inline style (the Content-Security-Policy allows none).
    object_history_list_template = "admin/history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryContextHelper(self.model, historical_record)

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        # No service deletes these rows: records are cancelled, withdrawn or corrected.
        return False


class ReadOnlyMixin:
    """Rows only services write (transitions, events, reminders, bulletins): shown here, never
    added, changed or deleted, so the admin has no write path of its own (house rule 2).
    ``obj`` is optional because ModelAdmin asks ``has_add_permission(request)`` and an inline
    asks ``has_add_permission(request, obj)``."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin):
    """An inline of ReadOnlyMixin rows: no empty extra forms, no delete boxes."""

    extra = 0
    can_delete = False


@dataclass(frozen=True)
class Refusal:
    """A service's ValidationError, and the prefix of the (inline) form whose save it refused."""

    error: ValidationError
    prefix: str | None = None


class ServiceRefused(Exception):
    """Raised by an admin's save path when a service refuses the write (see ServiceSaveMixin)."""

    def __init__(self, error: ValidationError, prefix: str | None = None):
        super().__init__(error)
        self.refusal = Refusal(error, prefix)


# Where a refused save is kept on the request while the form is shown again.
REFUSAL_ATTR = "_admin_service_refusal"


def refused_form(form_class, request):
    """``form_class``, or after a refusal a subclass of it that reports the refusal when validated."""
    refusal = getattr(request, REFUSAL_ATTR, None)
    if refusal is None:
        return form_class
    return type(form_class.__name__, (form_class,), {"service_refusal": refusal})


class ServiceSaveMixin:
    """Saves through a service function and shows its ValidationError on the form.

    The admin validates the form and inlines before ``save_model``/``save_related`` and has no
    way back to the form from there. So a refusal raises ServiceRefused: the transaction that
    ``changeform_view`` opens rolls the whole attempt back, and the view runs once more with
    the refusal attached to the form classes, which report it while validating. That run
    writes nothing (the form is invalid) and renders the page as for any invalid form.
    """

    def save_via_service(self, request, obj, form, change):
        """Write ``obj`` through a service; return the saved instance (or None if nothing to save)."""
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        try:
            saved = self.save_via_service(request, obj, form, change)
        except ValidationError as exc:
            raise ServiceRefused(exc) from exc
        if saved is not None and saved is not obj:
            # The admin goes on with ``obj`` (messages, log entry, redirect): give it the saved state.
            for field in obj._meta.concrete_fields:
                setattr(obj, field.attname, getattr(saved, field.attname))
            obj._state.adding, obj._state.db = False, saved._state.db

    def get_form(self, request, obj=None, change=False, **kwargs):
        return refused_form(super().get_form(request, obj, change, **kwargs), request)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            setattr(request, REFUSAL_ATTR, refused.refusal)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # Only if the refused form could not be found again; keep the message, not a 500.
            self.message_user(request, " ".join(refused.refusal.error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class VersionField(forms.IntegerField):
    """The version a form was loaded at: never a change of its own (a newer row is not an edit)."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data):
        return False


class ServiceForm(forms.ModelForm):
    """A ModelForm whose instance a service function saves; ``form.save()`` is never used to write.

    ``loaded_version`` carries the version of the record the user opened, and the admin
    hands it to the service, so saving over someone else's newer change is refused with the
    stale message instead of silently overwriting it.
    """

    loaded_version = VersionField(label=_("version loaded"), required=False)
    # Set (on a subclass, see refused_form) when the admin re-runs a refused save.
    service_refusal: Refusal | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and hasattr(self.instance, "version"):
            self.initial.setdefault("loaded_version", self.instance.version)

    def _post_clean(self):
        super()._post_clean()
        refusal = self.service_refusal
        if refusal is not None and refusal.prefix == self.prefix:
            # The re-run reads the record afresh, so the instance carries the stored version.
            add_service_error(self, refusal.error)
