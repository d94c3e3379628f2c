"""The Django admin of the projects app.

Writes that have a service go through it (house rule 2); stages move only through the
changelist actions, which call lifecycle (house rule 1). County users see and choose
only rows of their own region (``visible_to``), as in the API.
"""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from supervision.admin_inlines import PROJECT_INLINES

from . import services
from .admin_actions import PROJECT_ACTIONS
from .admin_forms import (
    AnnualTargetAdminForm,
    EnterpriseAdminForm,
    InvestmentReportAdminForm,
    InvestmentReportInlineForm,
    ProjectAdminForm,
    ServiceRefused,
    ServiceSaveMixin,
    refused_form,
)
from .audit import change_reason_label, history_delta
from .choices import STAGE_DATE_FIELDS, Role
from .models import (
    AnnualTarget,
    Enterprise,
    Industry,
    InvestmentReport,
    Park,
    Project,
    Region,
    StageTransition,
    User,
)
from .roles import user_has_role
from .tokens import ApiToken, token_create, token_revoke

TEN_THOUSAND = Decimal(10000)
CENT = Decimal("0.01")


def wan_yuan(amount) -> str:
    """Yuan as 万元 with 2 decimals, computed in Decimal."""
    if amount is None:
        return "-"
    value = (Decimal(amount) / TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP)
    return number_format(value, decimal_pos=2, force_grouping=True)


class RegionFilter(admin.RelatedFieldListFilter):
    """Offers a county user only the regions of their own subtree."""

    def field_choices(self, field, request, model_admin):
        if request.user.region_id is None:
            return super().field_choices(field, request, model_admin)
        ordering = self.field_admin_ordering(field, request, model_admin)
        subtree = Region.objects.subtree(request.user.region).values("pk")
        return field.get_choices(include_blank=False, ordering=ordering, limit_choices_to={"pk__in": subtree})


# Bumped or stamped on every write: listing them would add a line to every history entry.


class HistoryContextHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.choices and value is not None:
            return dict(field.flatchoices).get(value, value)  # "Land supplied", not "land_supplied"
        return super().prepare_delta_change_value(change, value)


class BaseAdmin(SimpleHistoryAdmin):
    """History for every model; foreign-key choices limited to what the user may see."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related, user = db_field.remote_field.model, request.user
        if related is Region and user.region_id is not None:
            kwargs.setdefault("queryset", Region.objects.subtree(user.region))
        elif related is Project:
            kwargs.setdefault("queryset", Project.objects.visible_to(user))
        elif related is Park:
            kwargs.setdefault("queryset", Park.objects.visible_to(user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryContextHelper(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        # history_delta also compares the editable=False fields (stage, dates, status).
        previous = None
        for current in historical_records:
            # Shown, not saved: the stored reason stays a code (see projects.audit).
            current.history_change_reason = change_reason_label(current.history_change_reason)
            if previous is not None:
                delta = history_delta(previous, current, foreign_keys_are_objs=foreign_keys_are_objs)
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

    def revert_disabled(self, request, obj=None):
        # Restoring a past version would write around the services and their version checks.
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScopedAdmin(BaseAdmin):
    """Rows limited to ``visible_to(user)``: a county user's region subtree, all for city users."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def _check_visible(self, request, object_id):
        # simple_history falls back to the history of rows the queryset does not return;
        # a county user must not read another region's records that way.
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        if request.user.region_id is not None:
            self._check_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.user.region_id is not None:
            self._check_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        # No service deletes these rows: projects are cancelled, figures and targets corrected.
        return False


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


@admin.register(Industry)
class IndustryAdmin(BaseAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")


@admin.register(Enterprise)
class EnterpriseAdmin(ServiceSaveMixin, BaseAdmin):
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


class StageTransitionInline(admin.TabularInline):
    """The project's stage history; written only by lifecycle, so read-only here."""

    model = StageTransition
    fields = ("from_stage", "to_stage", "on", "note", "by", "at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
PROJECT_ADD_FIELDS = ("code", *services.PROJECT_EDITABLE_FIELDS, "signed_on")


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
            return [(None, {"fields": PROJECT_ADD_FIELDS})]
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

    def get_inlines(self, request, obj):
        # A project being added has no history, investment or supervision yet. The
        # supervision inlines (team, problems with their timelines, milestones) are
        # read-only: those records move through their own pages.
        if obj is None:
            return []
        return [StageTransitionInline, InvestmentReportInline, *PROJECT_INLINES]

    def save_via_service(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            return services.project_create(by=request.user, **{f: data[f] for f in PROJECT_ADD_FIELDS})
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
class StageTransitionAdmin(ScopedAdmin):
    list_display = ("project", "from_stage", "to_stage", "on", "note", "by", "at")
    list_filter = ("to_stage", ("project__region", RegionFilter))
    list_select_related = ("project", "by")
    search_fields = ("project__code", "project__name", "note")
    date_hierarchy = "on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
        fields = (
            *("region", "year", "investment", "investment_h1"),
            *("signed", "started", "completed", "in_production", "loaded_version"),
        )
        return fields if obj is None else (*fields, "version", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # target_set keys a target by region and year; changing either would make a new one.
        return () if obj is None else ("region", "year", "version", "updated_at")

    def save_via_service(self, request, obj, form, change):
        return services.target_set(
            region=obj.region,
            year=obj.year,
            investment=obj.investment,
            investment_h1=obj.investment_h1,
            signed=obj.signed,
            started=obj.started,
            completed=obj.completed,
            in_production=obj.in_production,
            by=request.user,
            version=form.cleaned_data.get("loaded_version") if change else None,
        )


@admin.register(User)
class UserAdmin(BaseAdmin, DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Region and contact"), {"fields": ("region", "phone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Region and contact"), {"classes": ("wide",), "fields": ("region", "phone")}),
    )
    list_display = ("username", "first_name", "last_name", "region", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", ("region", RegionFilter))
    list_select_related = ("region",)


# --- API tokens -------------------------------------------------------------------------------


class ApiTokenAddForm(forms.ModelForm):
    expires_days = forms.IntegerField(
        label=_("valid for (days)"),
        min_value=1,
        max_value=36500,
        required=False,
        help_text=_("Leave empty for a token that does not expire."),
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name"]


class ApiTokenStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("usable", _("usable")), ("expired", _("expired")), ("revoked", _("revoked"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "usable":
            return queryset.usable(now)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceSaveMixin, NoDeleteMixin, BaseAdmin):
    """Tokens are credentials: only the city admin (and superusers) list, create and revoke them,
    whatever view permission the role groups hand out. A token is never edited: it is revoked
    and a new one created. The raw token is shown once, in the message after adding it; only
    its hash is stored."""

    list_display = ("name", "user", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = (ApiTokenStateFilter, ("user", admin.RelatedOnlyFieldListFilter), "created_at")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    actions = ["revoke"]
    readonly_fields = ("user", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")

    def _may_manage(self, request) -> bool:
        return user_has_role(request.user, Role.CITY_ADMIN)

    def has_view_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_add_permission(self, request):
        return self._may_manage(request)

    def has_change_permission(self, request, obj=None):
        # The changelist (and its revoke action) needs it; a saved token has nothing to edit.
        return obj is None and self._may_manage(request)

    def get_fields(self, request, obj=None):
        return ("user", "name", "expires_days") if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_via_service(self, request, obj, form, change):
        if change:
            return None
        token, raw = token_create(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            by=request.user,
            expires_days=form.cleaned_data.get("expires_days"),
        )
        self.message_user(
            request,
            _(
                "The token for %(user)s is %(raw)s — copy it now: it is not stored and cannot be shown "
                "again. Send it as the header “Authorization: Token %(raw)s”."
            )
            % {"user": token.user.get_username(), "raw": raw},
            messages.WARNING,
        )
        return token

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token, by=request.user)
            revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked) % {"count": revoked},
            messages.SUCCESS,
        )
