"""The import pages' forms: the upload, and the correction of the column matching.

They only read the input; import_create and import_remap (services.py) decide, and their refusals
come back onto the form through zhaoqing_tracker.forms.add_service_error.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.imports.columns import COLUMNS
from projects.imports.headers import dynamic_field
from projects.imports.models import ImportKind, LedgerImport, MoneyUnit
from zhaoqing_tracker.forms import PageForm, version_field

ACCEPTED = ".xlsx,.xls,.csv"


class UploadForm(PageForm):
    service_model = LedgerImport

    kind = forms.ChoiceField(label=_("What the file holds"))
    unit = forms.ChoiceField(
        label=_("Money unit"),
        choices=MoneyUnit.choices,
        initial=MoneyUnit.WAN,
        help_text=_(
            "Amounts are read in this unit. A unit line in the file (单位：元) or a unit in a column "
            "header (计划总投资（亿元）) wins over this choice."
        ),
    )
    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        required=False,
        help_text=_(
            "For a monthly report (月报) whose columns name months without a year (3月, 1-10月累计)."
        ),
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.FileInput(attrs={"accept": ACCEPTED}),
        help_text=_("An Excel workbook (.xlsx or .xls) or a CSV file (UTF-8 or GB18030)."),
    )

    def __init__(self, *args, kinds, **kwargs):
        kwargs.setdefault("initial", {"year": timezone.localdate().year})
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0].value


def field_choices(ledger_import: LedgerImport, header: str) -> list[tuple[str, str]]:
    """What one column of the file may be matched to: nothing, a field of the kind, or (in a
    月报) the month its own header names."""
    choices = [("", _("— not imported —"))]
    choices += [(column.field, column.label) for column in COLUMNS[ImportKind(ledger_import.kind)]]
    if ledger_import.kind == ImportKind.INVESTMENT:
        dynamic = dynamic_field(header)
        if dynamic:
            prefix, month = dynamic.split(":")
            label = (
                _("Investment of month %(month)s") if prefix == "month" else _("Year to date to %(month)s")
            )
            choices.append((dynamic, label % {"month": month}))
    return choices


class MappingForm(PageForm):
    """One select per header of the file, preselected with the mapping the preview used."""

    service_model = LedgerImport

    version = version_field()

    def __init__(self, *args, ledger_import: LedgerImport, **kwargs):
        kwargs.setdefault("initial", {"version": ledger_import.version})
        super().__init__(*args, **kwargs)
        self.columns = sorted(ledger_import.headers.items(), key=lambda item: int(item[0]))
        for index, header in self.columns:
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header,
                choices=field_choices(ledger_import, header),
                required=False,
                initial=ledger_import.mapping.get(index, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {index: self.cleaned_data[f"col_{index}"] for index, _header in self.columns}

    def rows(self):
        """(header text, its bound select) for the mapping table."""
        return [(header, self[f"col_{index}"]) for index, header in self.columns]
