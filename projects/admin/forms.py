"""Forms of the projects admin: model forms saved by services (and how a service's refusal
gets back onto them), and the confirmation forms of the project actions."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import AnnualTarget, Enterprise, InvestmentReport, Project
from projects.services import first_of_month


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
REFUSAL_ATTR = "_projects_admin_refusal"


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
    hands it to the service, so saving over someone else's newer change is refused with a
    message instead of silently overwriting it.
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
            self._add_refusal(refusal.error)

    def _add_refusal(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            if field in self.fields and not self.fields[field].disabled:
                self.add_error(field, errors)
            elif field == NON_FIELD_ERRORS:
                self.add_error(None, errors)
            else:
                # A field shown read-only here: name it, so the message still makes sense.
                label = self._field_label(field)
                messages = ValidationError(errors).messages
                self.add_error(
                    None, [_("%(field)s: %(message)s") % {"field": label, "message": m} for m in messages]
                )

    def _field_label(self, name: str) -> str:
        try:
            return str(self._meta.model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return name


class ProjectAdminForm(ServiceForm):
    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "enterprise",
            "region",
            "park",
            "industry",
            "is_manufacturing",
            "planned_investment",
            "first_contact_on",
            "signed_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "code" in self.fields:
            # project_create assigns REGION-YEAR-NUMBER to a project added without a code.
            self.fields["code"].required = False


class MonthFormMixin:
    def clean_month(self):
        month = self.cleaned_data.get("month")
        # Stored as the first day, so uniqueness per month is checked on the stored value.
        return first_of_month(month) if month else month


class InvestmentReportAdminForm(MonthFormMixin, ServiceForm):
    class Meta:
        model = InvestmentReport
        fields = ["project", "month", "amount", "note"]
        help_texts = {"month": _("Any day of the month; it is stored as the first day.")}


class InvestmentReportInlineForm(MonthFormMixin, ServiceForm):
    class Meta:
        model = InvestmentReport
        fields = ["month", "amount", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # The month identifies a saved report; a correction changes its amount or note.
            self.fields["month"].disabled = True


class AnnualTargetAdminForm(ServiceForm):
    class Meta:
        model = AnnualTarget
        fields = [
            "region",
            "year",
            "investment",
            "investment_h1",
            "signed",
            "started",
            "completed",
            "in_production",
        ]


class EnterpriseAdminForm(ServiceForm):
    class Meta:
        model = Enterprise
        fields = ["name", "credit_code"]

    def clean_credit_code(self):
        # Codes are printed in capitals; people type them in any case and with stray spaces.
        return (self.cleaned_data.get("credit_code") or "").strip().upper()


# Confirmation forms of the project changelist actions. They only collect input:
# whether a stage move or a cancellation is allowed is decided by lifecycle/services.


class AdvanceStageForm(forms.Form):
    on = forms.DateField(
        label=_("Date reached"),
        widget=AdminDateWidget,
        help_text=_("The date the projects reached their next stage."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class ReasonForm(forms.Form):
    # Required (and stripped), so a blank reason is refused here; the services refuse it too.
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
