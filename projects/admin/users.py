"""The admin of users and their API tokens (the city admin's)."""


from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from projects.admin.base import BaseAdmin, RegionFilter
from projects.choices import Role
from projects.models import (
    User,
)
from projects.roles import user_has_role
from projects.tokens import ApiToken, token_create, token_revoke
from zhaoqing_tracker.admin import NoDeleteMixin, ServiceSaveMixin


@admin.register(User)
class UserAdmin(NoDeleteMixin, BaseAdmin, DjangoUserAdmin):
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
