"""The admin of milestones and their templates, five-one service teams, service logs,
supervision visits, units, officials and reminders. Every add and edit goes through a service
(supervision/services.py, milestones.py, units.py) and nothing is deleted: the admin has no write
path of its own."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects import scope
from projects.admin.base import BaseAdmin, RegionFilter
from projects.models import Project
from supervision import services, units
from supervision.admin.actions import (
    MilestonePlanMixin,
)
from supervision.admin.base import ReadOnlyMixin, SupervisionAdmin
from supervision.admin.filters import InSubsetFilter
from supervision.admin.forms import (
    MilestoneAdminForm,
    PersonAdminForm,
    ServiceLogAdminForm,
    ServiceTeamAdminForm,
    UnitAdminForm,
    VisitAdminForm,
)
from supervision.admin.inlines import warning_badge
from supervision.choices import WarningColour
from supervision.milestones import milestone_save
from supervision.models import (
    Milestone,
    MilestoneTemplate,
    Person,
    Reminder,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
    Unit,
)
from zhaoqing_tracker.admin import NoDeleteMixin, ServiceSaveMixin


class WarningFilter(admin.SimpleListFilter):
    title = _("warning")
    parameter_name = "warning"

    def lookups(self, request, model_admin):
        return WarningColour.choices

    def queryset(self, request, queryset):
        if self.value() in WarningColour.values:
            return queryset.filter(warning=self.value())
        return queryset


class ProjectRecordAdmin(ServiceSaveMixin, NoDeleteMixin, SupervisionAdmin):
    """A versioned record of one project (a milestone, a five-one team), saved by its service.
    Once added it stays on its project (one team per project; milestone_save keeps a milestone
    where it is), and the version the page was loaded at goes back to the service, which
    refuses a stale save; the stored version and last change are shown, not edited."""

    def get_fields(self, request, obj=None):
        fields = [*self.form.Meta.fields, "loaded_version"]
        return fields if obj is None else [*fields, "version", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("project", "version", "updated_at")

    def service_input(self, form, change) -> dict:
        """The form's fields, named as the service's keywords, and the version it was loaded at."""
        data = form.cleaned_data
        fields = {name: data[name] for name in self.form.Meta.fields if name != "project"}
        return {**fields, "version": data.get("loaded_version") if change else None}


@admin.register(Milestone)
class MilestoneAdmin(MilestonePlanMixin, ProjectRecordAdmin):
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

    def save_via_service(self, request, obj, form, change):
        fields = self.service_input(form, change)
        milestone = obj if change else None
        return milestone_save(project=obj.project, milestone=milestone, by=request.user, **fields)


@admin.register(MilestoneTemplate)
class MilestoneTemplateAdmin(BaseAdmin):
    list_display = ("name", "name_en", "stage", "working_days_before")
    list_filter = ("stage",)
    search_fields = ("name", "name_en")


class CompleteFilter(InSubsetFilter):
    title = _("complete")
    parameter_name = "complete"
    options = [("yes", _("Complete")), ("no", _("Incomplete"))]

    def subset(self):
        return ServiceTeam.objects.complete()


@admin.register(ServiceTeam)
class ServiceTeamAdmin(ProjectRecordAdmin):
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

    def save_via_service(self, request, obj, form, change):
        fields = self.service_input(form, change)
        return services.service_team_save(project=obj.project, by=request.user, **fields)


@admin.register(ServiceLog)
class ServiceLogAdmin(ServiceSaveMixin, NoDeleteMixin, SupervisionAdmin):
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
        data = form.cleaned_data
        fields = {name: data[name] for name in ("on", "kind", "description", "person", "hours")}
        if change:
            return services.service_log_update(log=obj, by=request.user, **fields)
        return services.service_log_record(project=data["project"], by=request.user, **fields)


@admin.register(SupervisionVisit)
class SupervisionVisitAdmin(ServiceSaveMixin, NoDeleteMixin, SupervisionAdmin):
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
        data = form.cleaned_data
        fields = {name: data[name] for name in ("on", "leader", "notes")}
        projects = list(data["projects"])
        if change:
            return services.visit_update(
                visit=obj, region=obj.region, projects=projects, by=request.user, **fields
            )
        return services.visit_record(region=data["region"], projects=projects, by=request.user, **fields)

    def save_related(self, request, form, formsets, change):
        # The visited projects were set, and checked, by visit_record or visit_update;
        # form.save_m2m() would write them again around the service. The page has no inlines.
        pass


@admin.register(Unit)
class UnitAdmin(ServiceSaveMixin, NoDeleteMixin, SupervisionAdmin):
    form = UnitAdminForm
    fields = UnitAdminForm.Meta.fields
    list_display = ("name", "name_en", "region")
    list_filter = (("region", RegionFilter),)
    list_select_related = ("region",)
    search_fields = ("name", "name_en")

    def save_via_service(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in self.fields}
        if change:
            return units.unit_update(unit=obj, by=request.user, **fields)
        return units.unit_create(by=request.user, **fields)


@admin.register(Person)
class PersonAdmin(ServiceSaveMixin, NoDeleteMixin, SupervisionAdmin):
    form = PersonAdminForm
    fields = PersonAdminForm.Meta.fields
    list_display = ("name", "title", "unit", "region", "phone", "user")
    list_filter = (("region", RegionFilter),)
    list_select_related = ("unit", "region", "user")
    search_fields = ("name", "title", "phone")

    def save_via_service(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in self.fields}
        if change:
            return units.person_update(person=obj, by=request.user, **fields)
        return units.person_create(by=request.user, **fields)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The log of overdue reminders sent; written only by the daily job."""

    list_display = ("kind", "object_id", "recipient", "sent_on", "sent_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)
    date_hierarchy = "sent_on"

    def get_queryset(self, request):
        return scope.scope_filter(super().get_queryset(request), request.user, "recipient__region")
