"""What every form of the three interfaces (staff pages, admin, and their action pages) shares:
the browser's date and month pickers, the money field (万元), the hidden version a form was loaded
at, and the one way a service's refusal (a ValidationError) gets back onto the form that asked for
the write.

Forms only read input; the services decide. So every refusal is shown the same way: next to the
field it names when the form has that field, otherwise above the form. A stale write (code
``stale``: someone saved the record after the form was loaded) changed nothing; it is always shown
with the one message below, the form keeps every value typed, and its hidden version moves to the
record's current one, so that sending it again is a decision taken with that state in view.
"""

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from zhaoqing_tracker.money import AmountError, in_wan_text, parse_amount

ISO_DATE = "%Y-%m-%d"
STALE = "stale"
STALE_MESSAGE = _(
    "Someone else changed this record while you were working on it. The page now shows its "
    "current state and what you typed is kept: check it and send it again."
)
# The staff pages call the hidden version field ``version``; the admin's model forms call it
# ``loaded_version`` because their model has a read-only ``version`` of its own.
VERSION_FIELDS = ("version", "loaded_version")


class DateInput(forms.DateInput):
    """The browser's own date picker; the value is always ISO (YYYY-MM-DD), whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATE)


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


def date_field(label, **kwargs):
    return forms.DateField(label=label, widget=DateInput, input_formats=[ISO_DATE], **kwargs)


class MonthField(forms.DateField):
    """``<input type="month">`` sends YYYY-MM; a full date is accepted too and means its month
    (months are stored as their first day)."""

    widget = MonthInput

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m", ISO_DATE], **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(day=1) if isinstance(value, datetime.date) else value


class MoneyInput(forms.TextInput):
    """A text input for 万元 with a live echo under it ("= 3,860,000.00 元 · 0.04 亿元"), written by
    static/js/money.js as the user types. The echo's wording comes from here, translated, so the
    script has no text of its own; a page may add ``data-money-base`` (yuan) and the two
    ``data-money-derived`` / ``data-money-negative`` texts to the input to echo ``typed − base``
    as well (the month derived from a year-to-date total)."""

    class Media:
        js = ["js/money.js"]  # the admin includes a form's media; base.html loads it for the pages

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "data-money": "", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        input_id = (attrs or {}).get("id") or self.attrs.get("id") or ""
        return html + format_html(
            '<output class="money-echo"{} aria-live="polite" data-echo="{}" data-invalid="{}" '
            'data-precision="{}" data-max="{}" data-negative="{}"></output>',
            format_html(' id="{}_echo" for="{}"', input_id, input_id) if input_id else "",
            _("= %(yuan)s yuan · %(yi)s hundred million yuan"),
            *(
                MoneyField.default_error_messages[code]
                for code in ("invalid", "precision", "max", "min_value")
            ),
        )


class MoneyField(forms.Field):
    """An amount typed in 万元 (the default: "386", "386.5", "386万"), 亿元 ("3.86亿") or 元
    ("3,860,000元"), full-width digits and commas included (zhaoqing_tracker/money.py); cleaned to
    Decimal yuan with 2 decimals, as stored. An initial value (yuan) is shown in 万元, so an edit
    sends back what it was shown. Negative amounts are refused unless ``min_value=None``."""

    widget = MoneyInput
    default_error_messages = {
        "invalid": _(
            "Enter an amount in 10k yuan (万元), such as 386 or 386.5; “3.86亿” and “3,860,000元” "
            "are understood too."
        ),
        "precision": _(
            "Amounts are kept to the fen (0.01 yuan): at most 6 decimals in 万元, 10 in 亿元 and 2 in 元."
        ),
        "max": _("This amount is too large to store."),
        "min_value": _("The amount cannot be negative."),
    }

    def __init__(self, *, min_value: Decimal | None = Decimal("0"), **kwargs):
        self.min_value = min_value
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, Decimal):  # already yuan (an initial value handed back)
            return value
        try:
            return parse_amount(str(value) if value is not None else "")
        except AmountError as exc:
            raise ValidationError(self.error_messages[exc.code], code=exc.code) from exc

    def validate(self, value):
        super().validate(value)
        if value is not None and self.min_value is not None and value < self.min_value:
            raise ValidationError(self.error_messages["min_value"], code="min_value")

    def prepare_value(self, value):
        # What the form was given (yuan, a Decimal) is shown in 万元; what the user typed, as typed.
        return in_wan_text(value) if isinstance(value, Decimal | int) else value


def version_field(*, required=True):
    """The version of the record the user read; the service refuses the write (code "stale") when
    the record has changed since, so nobody overwrites a change they have not seen. Required
    wherever there is a record to compare with: without it the service would not check."""
    return forms.IntegerField(label=_("Version"), widget=forms.HiddenInput, required=required, min_value=0)


class PageForm(forms.Form):
    """A form of the staff pages: no colon after a label, labels start with a capital (model
    verbose names are lower case), CSS classes for required and refused fields."""

    required_css_class = "required"
    error_css_class = "field--error"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.label:
                field.label = capfirst(field.label)


def error_codes(error: ValidationError) -> set:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def is_stale(error: ValidationError) -> bool:
    """The services' optimistic-concurrency refusal (audit.check_version, lifecycle's lock)."""
    return STALE in error_codes(error)


def replace_data(form, **values) -> None:
    """Change what a bound form shows for some fields (the rest stays as typed)."""
    data = form.data.copy()
    for name, value in values.items():
        data[form.add_prefix(name)] = "" if value is None else str(value)
    form.data = data


def add_service_error(form, error: ValidationError, *, current_version=None, model=None, field_map=None):
    """Put a service's refusal on ``form``: next to the field it names, or above the form.

    ``field_map`` (or the form's own ``field_map``) renames a service's field names to the form's
    (the enterprise's ``name`` is the project form's ``new_enterprise_name``). A message for a
    field the form does not show goes above the form with the field's name in front, read from
    ``model`` (or the form's ``service_model``, or a model form's model), so it still makes sense.

    A stale refusal is shown with the one stale message; the hidden version moves to
    ``current_version`` (or, on a model form, its instance's stored version).
    """
    if is_stale(error):
        form.add_error(None, ValidationError(STALE_MESSAGE, code=STALE))
        _move_version(form, current_version)
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    mapping = {**getattr(form, "field_map", {}), **(field_map or {})}
    for name, errors in error.error_dict.items():
        target = mapping.get(name, name)
        field = form.fields.get(target)
        if field is not None and not field.disabled and not field.widget.is_hidden:
            form.add_error(target, errors)
        elif name == NON_FIELD_ERRORS:
            form.add_error(None, errors)
        else:
            label = _field_label(form, name, model)
            form.add_error(
                None,
                [
                    _("%(field)s: %(message)s") % {"field": label, "message": message}
                    for message in ValidationError(errors).messages
                ],
            )


def _move_version(form, current_version) -> None:
    if current_version is None:
        instance = getattr(form, "instance", None)
        if instance is None or instance.pk is None:
            return
        current_version = getattr(instance, "version", None)
    for name in VERSION_FIELDS:
        if name in form.fields and current_version is not None:
            replace_data(form, **{name: current_version})


def _field_label(form, name: str, model) -> str:
    if model is None:
        model = getattr(form, "service_model", None) or getattr(getattr(form, "_meta", None), "model", None)
    try:
        return str(model._meta.get_field(name).verbose_name)
    except (AttributeError, FieldDoesNotExist):  # no model, or not one of its fields: the name itself
        return name
