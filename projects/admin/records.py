"""The admin of regions, parks, industries, enterprises, projects, their stage transitions and
investment reports, and annual targets.

Writes that have a service go through it (house rule 2); stages move only through the
changelist actions, which call lifecycle (house rule 1). County users see and choose
only rows of their own region (``visible_to``), as in the API."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from projects import industries, services
from projects.admin.actions import PROJECT_ACTIONS
from projects.admin.base import BaseAdmin, RegionFilter, ScopedAdmin, wan_yuan
from projects.admin.forms import (
    AnnualTargetAdminForm,
    EnterpriseAdminForm,
    InvestmentReportAdminForm,
    InvestmentReportInlineForm,
    ProjectAdminForm,
)
from projects.choices import STAGE_DATE_FIELDS
from projects.models import (
    AnnualTarget,
    Enterprise,
    Industry,
    InvestmentReport,
    Park,
    Project,
    Region,
    StageTransition,
)
from zhaoqing_tracker.admin import (
    NoDeleteMixin,
    ReadOnlyInline,
    ReadOnlyMixin,
    ServiceRefused,
    ServiceSaveMixin,
    refused_form,
)


@admin.register(Region)
class RegionAdmin(BaseAdmin):
    list_display = ("code", "name", "name_en", "kind", "parent", "is_ranked")
    list_filter = ("kind", "is_ranked")
    search_fields = ("code", "name", "name_en")
    list_select_related = ("parent",)


@admin.register(Park)
class ParkAdmin(ScopedAdmin):
    list_display = ("name", "name_en", "region")
    list_filter = (("region", RegionFilter),)
    search_fields = ("name", "name_en")
    list_select_related = ("region",)


class DivisionFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("division", _("GB/T 4754 divisions")), ("strategic", _("industries under a division"))]

    def queryset(self, request, queryset):
        if self.value() in ("division", "strategic"):
            return queryset.filter(parent__isnull=self.value() == "division")
        return queryset


@admin.register(Industry)
class IndustryAdmin(ServiceSaveMixin, BaseAdmin):
    list_display = ("code", "name", "name_en", "parent")
    list_filter = (DivisionFilter,)
    list_select_related = ("parent",)
    search_fields = ("code", "name", "name_en")
    fields = ("code", "name", "name_en", "parent")

    def get_readonly_fields(self, request, obj=None):
        # Projects, the API and the imports name an industry by its code.
        return ("code",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Industry.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_via_service(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in ("name", "name_en", "parent")}
        if change:
            return industries.industry_update(industry=obj, by=request.user, **fields)
        return industries.industry_create(code=form.cleaned_data["code"], by=request.user, **fields)


@admin.register(Enterprise)
class EnterpriseAdmin(ServiceSaveMixin, NoDeleteMixin, BaseAdmin):
    form = EnterpriseAdminForm
    list_display = ("name", "credit_code", "updated_at")
    search_fields = ("name", "credit_code")
    readonly_fields = ("created_at", "updated_at")
    fields = ("name", "credit_code", "created_at", "updated_at")

    def save_via_service(self, request, obj, form, change):
        if change:
            return services.enterprise_update(
                enterprise=obj, name=obj.name, credit_code=obj.credit_code, by=request.user
            )
        return services.enterprise_create(name=obj.name, credit_code=obj.credit_code, by=request.user)


class StageTransitionInline(ReadOnlyInline, admin.TabularInline):
    """The project's stage history; written only by lifecycle, so read-only here."""

    model = StageTransition
    fields = ("from_stage", "to_stage", "on", "note", "by", "at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class InvestmentReportInline(admin.TabularInline):
    model = InvestmentReport
    form = InvestmentReportInlineForm
    fields = ("month", "amount", "note", "loaded_version", "reported_by", "updated_at")
    readonly_fields = ("reported_by", "updated_at")
    extra = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reported_by")

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = refused_form(self.form, request)
        return super().get_formset(request, obj, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False


PROJECT_STAGE_FIELDS = ("stage", "status", *STAGE_DATE_FIELDS)


@admin.register(Project)
class ProjectAdmin(ServiceSaveMixin, NoDeleteMixin, ScopedAdmin):
    form = ProjectAdminForm
    list_display = (
        *("code", "name", "region", "industry", "stage", "status", "is_major"),
        *("planned_investment_wan", "signed_on", "updated_at"),
    )
    list_filter = (("region", RegionFilter), "stage", "status", "industry", "is_major", "is_manufacturing")
    list_select_related = ("region", "industry")
    search_fields = ("code", "name", "enterprise__name", "enterprise__credit_code")
    date_hierarchy = "signed_on"
    autocomplete_fields = ("enterprise",)
    actions = PROJECT_ACTIONS

    @admin.display(description=_("Planned investment (10k yuan)"), ordering="planned_investment")
    def planned_investment_wan(self, obj):
        return wan_yuan(obj.planned_investment)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": services.PROJECT_CREATE_FIELDS})]
        return [
            (None, {"fields": ("code", *services.PROJECT_EDITABLE_FIELDS, "loaded_version")}),
            (
                _("Stage and status"),
                {
                    "fields": PROJECT_STAGE_FIELDS,
                    "description": _(
                        "Stages and status change only through the actions on the project list "
                        "(advance, go back, cancel, reactivate), which keep the stage history."
                    ),
                },
            ),
            (_("Record"), {"fields": ("is_major", "version", "created_at", "updated_at")}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("code", *PROJECT_STAGE_FIELDS, "is_major", "version", "created_at", "updated_at")

    # The supervision app adds its read-only inlines (team, problems, milestones) to these by
    # registering a subclass (supervision/admin/projects.py): projects never imports supervision.
    project_inlines = [StageTransitionInline, InvestmentReportInline]

    def get_inlines(self, request, obj):
        # A project being added has no history or investment yet.
        if obj is None:
            return []
        return self.project_inlines

    def save_via_service(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            fields = services.PROJECT_CREATE_FIELDS
            return services.project_create(by=request.user, **{f: data[f] for f in fields})
        changes = {f: data[f] for f in form.changed_data if f in services.PROJECT_EDITABLE_FIELDS}
        if not changes:
            return None
        return services.project_update(
            project=obj, by=request.user, version=data.get("loaded_version"), **changes
        )

    def save_formset(self, request, form, formset, change):
        new, changed = [], []
        if formset.model is InvestmentReport:
            for inline_form in formset.forms:
                if not inline_form.has_changed():
                    continue
                report = inline_form.instance
                is_new = report.pk is None
                try:
                    saved = services.investment_report(
                        project=form.instance,
                        month=report.month,
                        amount=report.amount,
                        note=report.note,
                        by=request.user,
                        version=None if is_new else inline_form.cleaned_data.get("loaded_version"),
                    )
                except ValidationError as exc:
                    raise ServiceRefused(exc, prefix=inline_form.prefix) from exc
                if is_new:
                    new.append(saved)
                else:
                    changed.append((saved, inline_form.changed_data))
        # Stage transitions are never saved from here: lifecycle writes them.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = new, changed, []


@admin.register(StageTransition)
class StageTransitionAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ("project", "from_stage", "to_stage", "on", "note", "by", "at")
    list_filter = ("to_stage", ("project__region", RegionFilter))
    list_select_related = ("project", "by")
    search_fields = ("project__code", "project__name", "note")
    date_hierarchy = "on"


@admin.register(InvestmentReport)
class InvestmentReportAdmin(ServiceSaveMixin, NoDeleteMixin, ScopedAdmin):
    form = InvestmentReportAdminForm
    list_display = ("project", "month_display", "amount_wan", "reported_by", "updated_at")
    list_filter = (("project__region", RegionFilter),)
    list_select_related = ("project", "reported_by")
    search_fields = ("project__code", "project__name")
    date_hierarchy = "month"
    autocomplete_fields = ("project",)

    @admin.display(description=_("Month"), ordering="month")
    def month_display(self, obj):
        return f"{obj.month:%Y-%m}"

    @admin.display(description=_("Amount (10k yuan)"), ordering="amount")
    def amount_wan(self, obj):
        return wan_yuan(obj.amount)

    def get_fields(self, request, obj=None):
        fields = ("project", "month", "amount", "note", "loaded_version")
        return fields if obj is None else (*fields, "reported_by", "version", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # A saved report is identified by its project and month; a correction changes the amount.
        return () if obj is None else ("project", "month", "reported_by", "version", "updated_at")

    def save_via_service(self, request, obj, form, change):
        return services.investment_report(
            project=obj.project,
            month=obj.month,
            amount=obj.amount,
            note=obj.note,
            by=request.user,
            version=form.cleaned_data.get("loaded_version") if change else None,
        )


@admin.register(AnnualTarget)
class AnnualTargetAdmin(ServiceSaveMixin, NoDeleteMixin, ScopedAdmin):
    form = AnnualTargetAdminForm
    list_display = (
        *("region", "year", "investment_wan", "investment_h1_wan"),
        *("signed", "started", "completed", "in_production", "updated_at"),
    )
    list_filter = (("region", RegionFilter), "year")
    list_select_related = ("region",)

    @admin.display(description=_("Investment target (10k yuan)"), ordering="investment")
    def investment_wan(self, obj):
        return wan_yuan(obj.investment)

    @admin.display(description=_("First-half target (10k yuan)"), ordering="investment_h1")
    def investment_h1_wan(self, obj):
        return wan_yuan(obj.investment_h1)

    def get_fields(self, request, obj=None):
        fields = ("region", "year", *services.TARGET_FIGURES, "loaded_version")
        return fields if obj is None else (*fields, "version", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # target_set keys a target by region and year; changing either would make a new one.
        return () if obj is None else ("region", "year", "version", "updated_at")

    def save_via_service(self, request, obj, form, change):
        return services.target_set(
            region=obj.region,
            year=obj.year,
            **{field: getattr(obj, field) for field in services.TARGET_FIGURES},
            by=request.user,
            version=form.cleaned_data.get("loaded_version") if change else None,
        )
