"""What the supervision pages share: scoping, permissions, paging and putting a service's
refusal back on its form. The pages themselves are in views_problems.py, views_projects.py
and views_visits.py.

Who may do what is decided exactly as the API decides it (zhaoqing_tracker/api/permissions.py):
the role groups' model permissions for the verb (403), ``visible_to(user)`` for the row (404).
The permission is checked first, so a 403 does not tell whether a record exists.
"""

from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required as auth_login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from projects.models import Project, Region
from supervision.admin.forms import add_service_error
from supervision.forms import date_input

PAGE_SIZE = 25

STALE_MESSAGE = _(
    "Someone else changed this record while you were working on it. The page now shows its "
    "current state and what you typed is kept: check it and send it again."
)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def login_required(view):
    """Django's login_required, except that an htmx request whose session has ended sends the
    browser to the sign-in page (HX-Redirect) rather than swapping that page into a panel."""
    guarded = auth_login_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_htmx(request) and not request.user.is_authenticated:
            response = HttpResponse()
            response["HX-Redirect"] = redirect_to_login(request.get_full_path())["Location"]
            return response
        return guarded(request, *args, **kwargs)

    return wrapper


def project_page(project) -> str:
    return reverse("projects:detail", args=[project.pk])


def require_perms(request, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied


def visible_project(request, pk) -> Project:
    """The project, or 404 when it does not exist or lies outside the user's region."""
    queryset = Project.objects.visible_to(request.user).select_related("region__parent", "enterprise")
    return get_object_or_404(queryset, pk=pk)


def error_codes(error: ValidationError) -> set:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def apply_service_error(form, error: ValidationError, *, current_version=None, model=None) -> None:
    """Put a service's refusal on ``form``: next to the field it names, or above the form.

    A stale write (code "stale") changed nothing. The form keeps every value typed, and its
    hidden version moves to the record's current one: the page shows the current state, and
    sending the form again is then a decision taken with that state in view.
    """
    if "stale" in error_codes(error):
        form.add_error(None, ValidationError(STALE_MESSAGE, code="stale"))
        if current_version is not None and "version" in form.fields:
            data = form.data.copy()
            data["version"] = str(current_version)
            form.data = data
        return
    if model is None:
        add_service_error(form, error)
    else:
        add_service_error(form, error, model=model)


def page_of(request, queryset):
    """One page of ``queryset`` and whether another follows, without COUNT(*): a list may
    be long, and reading one row more tells whether there is a next page."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    rows = list(queryset[start : start + PAGE_SIZE + 1])
    return {
        "rows": rows[:PAGE_SIZE],
        "number": number,
        "has_next": len(rows) > PAGE_SIZE,
        "has_previous": number > 1,
    }


ALL = _("All")
OVERDUE_CHOICES = [("", ALL), ("true", _("Overdue only")), ("false", _("Not overdue"))]


def prepare_filter_form(filterset, request, *, shown: list[str]):
    """Make the shared FilterSet's form fit a page: pickers for dates and true/false, "All"
    as the empty choice, only the user's own regions on offer, no API help texts, and hidden
    inputs for filters set but not shown (such as ``project``), so that changing another
    filter keeps them. Call it before the form is validated."""
    form = filterset.form
    form.label_suffix = ""
    for name in list(form.fields):
        field = form.fields[name]
        field.required = False
        if name not in shown:
            if form.data.get(name):
                field.widget = forms.HiddenInput()
            else:
                del form.fields[name]  # an empty hidden input would only clutter the URL
            continue
        field.help_text = ""
        if isinstance(field, forms.DateField):
            field.widget = date_input()
        elif name == "overdue":
            field.widget = forms.Select(choices=OVERDUE_CHOICES)
        elif isinstance(field, forms.ModelChoiceField):
            field.empty_label = ALL
        elif isinstance(field, forms.ChoiceField):
            field.choices = [("", ALL), *[c for c in field.choices if c[0] != ""]]
        if name == "region":
            user = request.user
            regions = Region.objects.all() if user.region_id is None else Region.objects.subtree(user.region)
            field.queryset = regions.order_by("code")
    return form
