"""Forms of the projects admin: model forms saved by services, and the confirmation forms of the
project actions. How a service's refusal gets back onto them is zhaoqing_tracker/admin.py's."""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from projects.models import AnnualTarget, Enterprise, InvestmentReport, Project
from projects.services import PROJECT_CREATE_FIELDS, TARGET_FIGURES, first_of_month
from zhaoqing_tracker.admin import (
    ServiceForm,
    ServiceSaveMixin,  # noqa: F401  (still imported from here by supervision/admin/problems.py)
)
from zhaoqing_tracker.forms import MoneyField


def money_field(label):
    """Money typed in 万元 here as on every page (DESIGN "Vocabulary"); the models keep yuan. The
    label is capitalised as the admin does for a model field's verbose name."""
    return MoneyField(label=capfirst(label))


class ProjectAdminForm(ServiceForm):
    planned_investment = money_field(_("planned investment (10k yuan)"))

    class Meta:
        model = Project
        fields = PROJECT_CREATE_FIELDS

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
    amount = money_field(_("amount (10k yuan)"))

    class Meta:
        model = InvestmentReport
        fields = ["project", "month", "amount", "note"]
        help_texts = {"month": _("Any day of the month; it is stored as the first day.")}


class InvestmentReportInlineForm(MonthFormMixin, ServiceForm):
    amount = money_field(_("amount (10k yuan)"))

    class Meta:
        model = InvestmentReport
        fields = ["month", "amount", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # The month identifies a saved report; a correction changes its amount or note.
            self.fields["month"].disabled = True


class AnnualTargetAdminForm(ServiceForm):
    investment = money_field(_("investment target (10k yuan)"))
    investment_h1 = money_field(_("first-half investment target (10k yuan)"))

    class Meta:
        model = AnnualTarget
        fields = ["region", "year", *TARGET_FIGURES]


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
