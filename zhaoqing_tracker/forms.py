"""What every form of the three interfaces (staff pages, admin, and their action pages) shares:
the browser's date and month pickers, the hidden version a form was loaded at, and the one way a
service's refusal (a ValidationError) gets back onto the form that asked for the write.

Forms only read input; the services decide. So every refusal is shown the same way: next to the
field it names when the form has that field, otherwise above the form. A stale write (code
``stale``: someone saved the record after the form was loaded) changed nothing; it is always shown
with the one message below, the form keeps every value typed, and its hidden version moves to the
record's current one, so that sending it again is a decision taken with that state in view.
"""

import datetime

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

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
