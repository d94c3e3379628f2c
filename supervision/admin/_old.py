"""The Django admin of the supervision app.

Built like projects/admin.py: writes that have a service go through it, and a refusal
is shown on the form; county users see and choose only rows of their own region.
A problem is never edited: it is raised on the add form, then moved by the buttons
of its page (supervision/admin_actions.py), each calling one service.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.admin import BaseAdmin, RegionFilter, ScopedAdmin, ServiceSaveMixin
from projects.audit import save_audited
from projects.models import Project, User
from projects.querysets import region_subtree_q

from . import services
from .admin_actions import (
    ExtensionDecisionMixin,
    MilestonePlanMixin,
    ProblemMovesMixin,
    approve_extensions,
    reject_extensions,
)
from .admin_forms import (
    MilestoneAdminForm,
    ProblemRaiseForm,
    ServiceLogAdminForm,
    ServiceTeamAdminForm,
    VisitAdminForm,
    people_for,
    projects_for,
    units_for,
    users_for,
    visits_for,
)
from .admin_inlines import ExtensionRequestInline, ProblemEventInline, overdue_badge, warning_badge
from .choices import ExtensionStatus, WarningColour
from .models import (
    ExtensionRequest,
    Milestone,
    MilestoneTemplate,
    Person,
    Problem,
    ProblemEvent,
    Reminder,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
    Unit,
)

# The submit row of a page whose record only services change.
NO_SAVE_BUTTONS = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}


class ChoicesMixin:
    """Foreign-key choices of supervision models limited to the user's scope (projects' BaseAdmin
    already limits regions, projects and parks)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related, user = db_field.remote_field.model, request.user
        if related is Unit:
            kwargs.setdefault("queryset", units_for(user))
        elif related is Person:
            kwargs.setdefault("queryset", people_for(user))
        elif related is SupervisionVisit:
            kwargs.setdefault("queryset", visits_for(user))
        elif related is User:
            kwargs.setdefault("queryset", users_for(user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.remote_field.model is Project:
            kwargs.setdefault("queryset", projects_for(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class SupervisionAdmin(ChoicesMixin, ScopedAdmin):
    """Rows scoped by ``visible_to(user)`` (project or region children)."""


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedByPathAdmin(SupervisionAdmin):
    """For rows without ``visible_to``: scoped through the region at ``region_path``."""

    region_path = ""

    def get_queryset(self, request):
        queryset = super(ScopedAdmin, self).get_queryset(request)
        user = request.user
        if not user.is_authenticated:
            return queryset.none()
        if user.region_id is None:
            return queryset
        return queryset.filter(region_subtree_q(user.region, prefix=self.region_path))


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        overdue = Problem.objects.overdue(timezone.localdate()).values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset


PROBLEM_FIELDSETS = [
    (None, {"fields": ("project", "category", "severity", "description", "raised_on", "raised_by", "visit")}),
    (_("Handling"), {"fields": ("status", "responsible_unit", "assignee", "due_on")}),
    (_("Resolution"), {"fields": ("resolved_on", "resolved_by", "resolution", "verified_on", "verified_by")}),
    (_("Record"), {"fields": ("version", "created_at", "updated_at")}),
]
PROBLEM_FIELDS = [name for _title, fieldset in PROBLEM_FIELDSETS for name in fieldset["fields"]]


@admin.register(Problem)
class ProblemAdmin(ProblemMovesMixin, ServiceSaveMixin, SupervisionAdmin):
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
        data = form.cleaned_data
        return services.problem_raise(
            project=data["project"],
            category=data["category"],
            severity=data["severity"],
            description=data["description"],
            raised_on=data["raised_on"],
            visit=data["visit"],
            by=request.user,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return HttpResponseRedirect(request.path)
        problem = self.get_object(request, unquote(object_id))
        extra = dict(NO_SAVE_BUTTONS)
        if problem is not None:
            extra["problem_moves"] = self.available_moves(request, problem)
            pending = problem.extension_requests.filter(status=ExtensionStatus.PENDING).first()
            if pending is not None and request.user.has_perm("supervision.change_extensionrequest"):
                extra["pending_extension_url"] = reverse(
                    "admin:supervision_extensionrequest_decide", args=[pending.pk]
                )
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
        if pending and self.has_change_permission(request, extension):
            extra["decide_url"] = reverse("admin:supervision_extensionrequest_decide", args=[extension.pk])
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


class WarningFilter(admin.SimpleListFilter):
    title = _("warning")
    parameter_name = "warning"

    def lookups(self, request, model_admin):
        return WarningColour.choices

    def queryset(self, request, queryset):
        if self.value() in WarningColour.values:
            return queryset.filter(warning=self.value())
        return queryset


@admin.register(Milestone)
class MilestoneAdmin(MilestonePlanMixin, ServiceSaveMixin, SupervisionAdmin):
    form = MilestoneAdminForm
    autocomplete_fields = ("project",)
    change_list_template = "admin/supervision/milestone/change_list.html"
    list_display = ("title", "project", "responsible", "due_on", "done_on", "warning_badge")
    list_filter = (WarningFilter, ("project__region", RegionFilter))
    list_select_related = ("project", "responsible")
    search_fields = ("title", "project__name", "project__code")
    date_hierarchy = "due_on"

    def get_queryset(self, request):
        # The colour is computed in the query, so the list costs no query per row.
        return super().get_queryset(request).with_warning(timezone.localdate())

    @admin.display(description=_("warning"), ordering="warning")
    def warning_badge(self, obj):
        return warning_badge(obj.warning)

    def get_fields(self, request, obj=None):
        fields = [*MilestoneAdminForm.Meta.fields, "loaded_version"]
        return fields if obj is None else [*fields, "version", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # milestone_save keeps a milestone on its project.
        return () if obj is None else ("project", "version", "updated_at")

    def save_via_service(self, request, obj, form, change):
        data = form.cleaned_data
        return services.milestone_save(
            project=obj.project,
            title=data["title"],
            due_on=data["due_on"],
            done_on=data["done_on"],
            responsible=data["responsible"],
            order=data["order"],
            milestone=obj if change else None,
            version=data.get("loaded_version") if change else None,
            by=request.user,
        )


@admin.register(MilestoneTemplate)
class MilestoneTemplateAdmin(BaseAdmin):
    list_display = ("name", "name_en", "stage", "working_days_before")
    list_filter = ("stage",)
    search_fields = ("name", "name_en")


class CompleteFilter(admin.SimpleListFilter):
    title = _("complete")
    parameter_name = "complete"

    def lookups(self, request, model_admin):
        return [("yes", _("Complete")), ("no", _("Incomplete"))]

    def queryset(self, request, queryset):
        complete = ServiceTeam.objects.complete().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=complete)
        if self.value() == "no":
            return queryset.exclude(pk__in=complete)
        return queryset


@admin.register(ServiceTeam)
class ServiceTeamAdmin(ServiceSaveMixin, SupervisionAdmin):
    form = ServiceTeamAdminForm
    autocomplete_fields = ("project",)
    list_display = (
        *("project", "county_leader", "chief_officer", "specialist", "unit"),
        *("has_plan", "complete"),
    )
    list_filter = (CompleteFilter, ("project__region", RegionFilter))
    list_select_related = ("project", "county_leader", "chief_officer", "specialist", "unit")
    search_fields = ("project__name", "project__code", "plan")

    @admin.display(description=_("service plan"), boolean=True)
    def has_plan(self, obj):
        return bool(obj.plan.strip())

    @admin.display(description=_("complete"), boolean=True)
    def complete(self, obj):
        return obj.is_complete

    def get_fields(self, request, obj=None):
        fields = [*ServiceTeamAdminForm.Meta.fields, "loaded_version"]
        return fields if obj is None else [*fields, "version", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # One team per project: a team is never moved to another project.
        return () if obj is None else ("project", "version", "updated_at")

    def save_via_service(self, request, obj, form, change):
        data = form.cleaned_data
        return services.service_team_save(
            project=obj.project,
            county_leader=data["county_leader"],
            chief_officer=data["chief_officer"],
            specialist=data["specialist"],
            unit=data["unit"],
            plan=data["plan"],
            version=data.get("loaded_version") if change else None,
            by=request.user,
        )


@admin.register(ServiceLog)
class ServiceLogAdmin(ServiceSaveMixin, SupervisionAdmin):
    form = ServiceLogAdminForm
    autocomplete_fields = ("project",)
    list_display = ("on", "project", "kind", "person", "hours", "recorded_by")
    list_filter = ("kind", ("project__region", RegionFilter))
    list_select_related = ("project", "person", "recorded_by")
    search_fields = ("description", "project__name", "project__code")
    date_hierarchy = "on"

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("project", "recorded_by", "created_at", "updated_at")

    def get_fields(self, request, obj=None):
        fields = list(ServiceLogAdminForm.Meta.fields)
        return fields if obj is None else [*fields, "recorded_by", "created_at", "updated_at"]

    def save_via_service(self, request, obj, form, change):
        if change:
            # There is no service_log_update service yet; save_audited validates and attributes.
            return save_audited(obj, by=request.user, reason="edited")
        data = form.cleaned_data
        return services.service_log_record(
            project=data["project"],
            on=data["on"],
            kind=data["kind"],
            description=data["description"],
            person=data["person"],
            hours=data["hours"],
            by=request.user,
        )


@admin.register(SupervisionVisit)
class SupervisionVisitAdmin(ServiceSaveMixin, SupervisionAdmin):
    form = VisitAdminForm
    list_display = ("on", "region", "leader", "created_by")
    list_filter = (("region", RegionFilter),)
    list_select_related = ("region", "leader", "created_by")
    search_fields = ("notes", "leader__name")
    date_hierarchy = "on"
    filter_horizontal = ("projects",)

    def get_fields(self, request, obj=None):
        fields = list(VisitAdminForm.Meta.fields)
        return fields if obj is None else [*fields, "created_by", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # The visited projects must be of the visit's region (visit_record), so the region stays.
        return () if obj is None else ("region", "created_by", "created_at", "updated_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "projects" in form.base_fields:
            form.base_fields["projects"].queryset = Project.objects.filter(region=obj.region_id)
        return form

    def save_via_service(self, request, obj, form, change):
        if change:
            # There is no visit_update service yet; save_audited validates and attributes,
            # and the project choices above keep the visit inside its region.
            return save_audited(obj, by=request.user, reason="edited")
        data = form.cleaned_data
        return services.visit_record(
            on=data["on"],
            region=data["region"],
            leader=data["leader"],
            projects=list(data["projects"]),
            notes=data["notes"],
            by=request.user,
        )

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)
        # A new visit's projects were set by visit_record.


@admin.register(Unit)
class UnitAdmin(SupervisionAdmin):
    list_display = ("name", "name_en", "region")
    list_filter = (("region", RegionFilter),)
    list_select_related = ("region",)
    search_fields = ("name", "name_en")


@admin.register(Person)
class PersonAdmin(SupervisionAdmin):
    list_display = ("name", "title", "unit", "region", "phone", "user")
    list_filter = (("region", RegionFilter),)
    list_select_related = ("unit", "region", "user")
    search_fields = ("name", "title", "phone")


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The log of overdue reminders sent; written only by the daily job."""

    list_display = ("kind", "object_id", "recipient", "sent_on", "sent_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)
    date_hierarchy = "sent_on"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if user.region_id is None:
            return queryset
        return queryset.filter(region_subtree_q(user.region, prefix="recipient__region"))


from . import admin_ranking  # noqa: E402,F401
