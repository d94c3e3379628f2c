"""What every admin page of the projects share: scoped rows and choices, a region filter that
offers only the user's regions, the 万元 column. What needs no model of an app (history, service
saves, refusals) is in zhaoqing_tracker/admin.py."""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.formats import number_format

from projects import scope
from projects.audit import change_reason_label, history_delta
from projects.models import (
    Park,
    Project,
    Region,
)
from zhaoqing_tracker.admin import HistoryAdmin

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
        ids = scope.region_ids(request.user)
        if ids is scope.UNRESTRICTED:
            return super().field_choices(field, request, model_admin)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, ordering=ordering, limit_choices_to={"pk__in": ids})


class BaseAdmin(HistoryAdmin):
    """History for every model; foreign-key choices limited to what the user may see."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related, user = db_field.remote_field.model, request.user
        if related is Region:
            kwargs.setdefault("queryset", scope.regions_for(user))
        elif related is Project:
            kwargs.setdefault("queryset", Project.objects.visible_to(user))
        elif related is Park:
            kwargs.setdefault("queryset", Park.objects.visible_to(user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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
        if not scope.is_unrestricted(request.user):
            self._check_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not scope.is_unrestricted(request.user):
            self._check_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


