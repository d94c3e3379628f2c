"""The admin of problems, their timelines and extension requests.

A problem is never edited: it is raised on the add form, then moved by the buttons of its
page (supervision/admin/actions.py), each calling one service."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.admin.base import RegionFilter
from projects.admin.forms import ServiceSaveMixin
from supervision import services
from supervision.admin.actions import (
    ExtensionDecisionMixin,
    ProblemMovesMixin,
    approve_extensions,
    reject_extensions,
)
from supervision.admin.base import NO_SAVE_BUTTONS, ReadOnlyMixin, ScopedByPathAdmin, SupervisionAdmin
from supervision.admin.filters import InSubsetFilter
from supervision.admin.forms import (
    ProblemRaiseForm,
)
from supervision.admin.inlines import ExtensionRequestInline, ProblemEventInline, overdue_badge
from supervision.choices import ExtensionStatus
from supervision.models import (
    ExtensionRequest,
    Problem,
    ProblemEvent,
)
from supervision.problem_flow import DECIDE_EXTENSION, may_move
from zhaoqing_tracker.admin import NoDeleteMixin


class OverdueFilter(InSubsetFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def subset(self):
        return Problem.objects.overdue(timezone.localdate())


PROBLEM_FIELDSETS = [
    (None, {"fields": ("project", "category", "severity", "description", "raised_on", "raised_by", "visit")}),
    (_("Handling"), {"fields": ("status", "responsible_unit", "assignee", "due_on")}),
    (_("Resolution"), {"fields": ("resolved_on", "resolved_by", "resolution", "verified_on", "verified_by")}),
    (_("Record"), {"fields": ("version", "created_at", "updated_at")}),
]
PROBLEM_FIELDS = [name for _title, fieldset in PROBLEM_FIELDSETS for name in fieldset["fields"]]


@admin.register(Problem)
class ProblemAdmin(ProblemMovesMixin, ServiceSaveMixin, NoDeleteMixin, SupervisionAdmin):
    form = ProblemRaiseForm
    autocomplete_fields = ("project",)
    change_form_template = "admin/supervision/problem/change_form.html"
    list_display = (
        *("id", "project", "region", "category", "severity", "status"),
        *("responsible_unit", "due_on", "overdue"),
    )
    list_display_links = ("id", "project")
    list_filter = (("project__region", RegionFilter), "status", "category", "severity", OverdueFilter)
    list_select_related = ("project__region", "responsible_unit")
    search_fields = ("description", "project__name", "project__code")
    date_hierarchy = "raised_on"

    @admin.display(description=_("region"), ordering="project__region__code")
    def region(self, obj):
        return obj.project.region

    @admin.display(description=_("overdue"))
    def overdue(self, obj):
        return overdue_badge(obj)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ProblemRaiseForm.Meta.fields})]
        return PROBLEM_FIELDSETS

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else PROBLEM_FIELDS

    def get_inlines(self, request, obj):
        return [] if obj is None else [ProblemEventInline, ExtensionRequestInline]

    def save_via_service(self, request, obj, form, change):
        if change:
            return None  # nothing on the page is editable; moves have their own pages
        # The raise form's fields are problem_raise's keywords (its hidden loaded version is not).
        fields = {name: form.cleaned_data[name] for name in ProblemRaiseForm.Meta.fields}
        return services.problem_raise(by=request.user, **fields)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return HttpResponseRedirect(request.path)
        problem = self.get_object(request, unquote(object_id))
        extra = dict(NO_SAVE_BUTTONS)
        if problem is not None:
            # Every move problem_flow offers the user now, the extension decision included.
            extra["problem_moves"] = self.available_moves(request, problem)
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


@admin.register(ProblemEvent)
class ProblemEventAdmin(ReadOnlyMixin, ScopedByPathAdmin):
    region_path = "problem__project__region"
    list_display = ("problem", "kind", "from_status", "to_status", "on", "due_on", "by", "at")
    list_filter = ("kind", ("problem__project__region", RegionFilter))
    list_select_related = ("problem", "by")
    search_fields = ("note", "problem__description", "problem__project__code")
    date_hierarchy = "on"


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ExtensionDecisionMixin, ScopedByPathAdmin):
    region_path = "problem__project__region"
    change_form_template = "admin/supervision/extensionrequest/change_form.html"
    list_display = ("problem", "due_on", "status", "requested_by", "requested_at", "decided_by", "decided_at")
    list_filter = ("status", ("problem__project__region", RegionFilter))
    list_select_related = ("problem", "requested_by", "decided_by")
    search_fields = ("reason", "problem__description", "problem__project__code")
    readonly_fields = (
        *("problem", "due_on", "reason", "status", "requested_by", "requested_at"),
        *("decided_by", "decided_at", "decision_note"),
    )
    actions = [approve_extensions, reject_extensions]

    def has_add_permission(self, request):
        # Requested from the problem's page (problem_request_extension).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return HttpResponseRedirect(request.path)
        extra = dict(NO_SAVE_BUTTONS)
        extension = self.get_object(request, unquote(object_id))
        pending = extension is not None and extension.status == ExtensionStatus.PENDING
        decides = may_move(request.user, DECIDE_EXTENSION)
        if pending and decides and self.has_change_permission(request, extension):
            extra["decide_url"] = reverse("admin:supervision_extensionrequest_decide", args=[extension.pk])
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})
