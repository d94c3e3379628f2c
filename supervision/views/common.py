"""What the supervision pages share beyond the grammar of every page (zhaoqing_tracker/web.py
and forms.py): the project a page is about, and the shared FilterSets' forms shaped for a page.
The pages themselves are problems.py, projects.py and visits.py.

Who may do what is decided exactly as the API decides it (zhaoqing_tracker/api/permissions.py):
the role groups' model permissions for the verb (403), ``visible_to(user)`` for the row (404).
The permission is checked first, so a 403 does not tell whether a record exists.
"""

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from projects import scope
from projects.models import Project
from zhaoqing_tracker.forms import DateInput
from zhaoqing_tracker.forms import add_service_error as apply_service_error  # noqa: F401
from zhaoqing_tracker.web import is_htmx, login_required, page_of, require_perms  # noqa: F401

# The names marked noqa above are still imported from here by problems.py; the other pages
# import them from zhaoqing_tracker directly.


def project_page(project) -> str:
    return reverse("projects:detail", args=[project.pk])


def visible_project(request, pk) -> Project:
    """The project, or 404 when it does not exist or lies outside the user's region."""
    queryset = Project.objects.visible_to(request.user).select_related("region__parent", "enterprise")
    return get_object_or_404(queryset, pk=pk)


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
            field.widget = DateInput()
        elif name == "overdue":
            field.widget = forms.Select(choices=OVERDUE_CHOICES)
        elif isinstance(field, forms.ModelChoiceField):
            field.empty_label = ALL
        elif isinstance(field, forms.ChoiceField):
            field.choices = [("", ALL), *[c for c in field.choices if c[0] != ""]]
        if name == "region":
            field.queryset = scope.regions_for(request.user).order_by("code")
    return form
