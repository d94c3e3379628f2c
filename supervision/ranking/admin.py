"""The admin of ranking schemes, bulletins and bulletin requests.

A scheme is saved only through ``ranking_scheme_set``; bulletins are never edited,
only published, corrected or generated again through supervision/bulletins.py.
Every signed-in staff user may read all three (DESIGN "Roles": rankings and
bulletins are readable by everyone); only the city admin may change anything. That
is checked here by role rather than by model permission, because the role groups
(projects/roles.py) grant these models view permission only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import ModelFormMetaclass
from django.http import Http404, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from projects.admin.base import BaseAdmin
from supervision.admin.actions import _render_form_page
from supervision.admin.bulk import write_each
from supervision.admin.forms import TEXTAREA
from supervision.choices import DEFAULT_WEIGHTS, LOWER_IS_BETTER, Indicator
from supervision.models_ranking import Bulletin, BulletinRequest, RankingScheme
from supervision.ranking.bulletins import (
    bulletin_generate,
    bulletin_publish,
    bulletin_revise,
    finish_requested_bulletins,
)
from supervision.ranking.exports import pdf_available
from supervision.ranking.schemes import WEIGHTABLE, can_set_schemes, ranking_scheme_set
from supervision.ranking.tables import plain, scheme_weights, table_from_bulletin
from zhaoqing_tracker.admin import ReadOnlyMixin, ServiceForm, ServiceSaveMixin
from zhaoqing_tracker.forms import add_service_error

# The files of a bulletin, served by the REST API at /api/v1/bulletins/<id>/<kind>/.
DOWNLOADS = (("xlsx", _("Excel")), ("html", _("Printable page")), ("pdf", _("PDF")))

WEIGHTS_HELP = _(
    "The score of a region is the sum, over the weighted indicators, of weight × value ÷ the "
    "largest value among the ranked regions. 0 leaves an indicator out. %(excluded)s cannot be "
    "weighted: a smaller value is better there, and the score rewards large values."
)


class RankingSchemeFormBase(ServiceForm):
    class Meta:
        model = RankingScheme
        fields = ["year", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            saved = {w.indicator: w.weight for w in self.instance.weights.all()}
        else:
            saved = {str(k): v for k, v in DEFAULT_WEIGHTS.items()}
        for name in WEIGHTABLE:
            self.initial.setdefault(name, saved.get(name, 0))

    def weights(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in WEIGHTABLE}


def _weight_field(indicator: Indicator) -> forms.DecimalField:
    # No bounds here: ranking_scheme_set is the one place that decides what a weight may be,
    # and its messages come back onto these fields (they carry the indicator's name).
    return forms.DecimalField(label=indicator.label, required=False)


# Declared (not added in __init__) so that the admin's modelform_factory knows the fields.
RankingSchemeForm = ModelFormMetaclass(
    "RankingSchemeForm",
    (RankingSchemeFormBase,),
    {"__module__": __name__, **{str(name): _weight_field(name) for name in WEIGHTABLE}},
)


@admin.register(RankingScheme)
class RankingSchemeAdmin(ServiceSaveMixin, BaseAdmin):
    form = RankingSchemeForm
    list_display = ("year", "weights_summary", "note", "version", "updated_at")
    ordering = ("-year",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("weights")

    @admin.display(description=_("weights"))
    def weights_summary(self, obj):
        weights = sorted(obj.weights.all(), key=lambda w: Indicator.values.index(w.indicator))
        return "; ".join(f"{w.get_indicator_display()} {w.weight.normalize():f}" for w in weights) or "—"

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only page: the weight fields exist only on the form, so show the summary.
            return [(None, {"fields": ("year", "note", "weights_summary", "version", "updated_at")})]
        excluded = ", ".join(
            str(Indicator(name).label) for name in Indicator.values if name in LOWER_IS_BETTER
        )
        record = ("version", "updated_at") if obj is not None else ()
        return [
            (None, {"fields": ("year", "note", "loaded_version", *record)}),
            (
                _("Weights"),
                {
                    "fields": [str(name) for name in WEIGHTABLE],
                    "description": WEIGHTS_HELP % {"excluded": excluded},
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        # A scheme is the scheme of its year: changing the year would make another one.
        return () if obj is None else ("year", "weights_summary", "version", "updated_at")

    def has_add_permission(self, request):
        return can_set_schemes(request.user)

    def has_change_permission(self, request, obj=None):
        return can_set_schemes(request.user)

    def has_delete_permission(self, request, obj=None):
        # Without a scheme DESIGN's default applies; set the default weights instead of deleting.
        return False

    def save_via_service(self, request, obj, form, change):
        if change and not form.has_changed():
            return None
        return ranking_scheme_set(
            year=obj.year,
            weights=form.weights(),
            note=form.cleaned_data.get("note", ""),
            by=request.user,
            version=form.cleaned_data.get("loaded_version") if change else None,
        )


# Bulletins.


class CorrectionForm(forms.Form):
    # Not required here: bulletin_revise refuses an empty reason with its own message.
    reason = forms.CharField(label=_("Reason for the correction"), required=False, widget=TEXTAREA)


@admin.action(description=_("Publish the selected bulletins"), permissions=["manage"])
def publish_bulletins(modeladmin, request, queryset):
    def publish(bulletin):
        bulletin_publish(bulletin=bulletin, by=request.user)

    def done(count):
        return ngettext("Published %(count)d bulletin.", "Published %(count)d bulletins.", count) % {
            "count": count
        }

    write_each(modeladmin, request, queryset, publish, done)


@admin.action(description=_("Correct the selected bulletin (new revision)"), permissions=["manage"])
def correct_bulletin(modeladmin, request, queryset):
    # Each correction has its own reason, so one bulletin at a time, on its own page.
    selected = list(queryset[:2])
    if len(selected) != 1:
        modeladmin.message_user(request, _("Select exactly one bulletin to correct."), messages.WARNING)
        return None
    return HttpResponseRedirect(reverse("admin:supervision_bulletin_correct", args=[selected[0].pk]))


@admin.action(description=_("Generate the selected drafts again"), permissions=["manage"])
def generate_again(modeladmin, request, queryset):
    drafts = []
    for bulletin in queryset:
        if bulletin.is_published or not bulletin.is_current:
            modeladmin.message_user(
                request,
                _("%(item)s: only a current draft is generated again; correct a published bulletin.")
                % {"item": bulletin},
                messages.WARNING,
            )
        else:
            drafts.append(bulletin)

    def generate(bulletin):
        bulletin_generate(period=bulletin.period, by=request.user, publish=False)

    def done(count):
        return ngettext(
            "Generated %(count)d draft again.", "Generated %(count)d drafts again.", count
        ) % {"count": count}

    write_each(modeladmin, request, drafts, generate, done)


class ManagedByCityAdmin(ReadOnlyMixin):
    """Read-only for everyone; the actions (``permissions=["manage"]``) for the city admin."""

    def has_manage_permission(self, request):
        return can_set_schemes(request.user)


BULLETIN_FIELDS = (
    *("kind", "period_label", "period_start", "period_end", "revision", "is_current", "status"),
    *("reason", "generated_at", "generated_by", "published_at", "previous"),
    *("weights_display", "downloads", "ranking_table"),
)


@admin.register(Bulletin)
class BulletinAdmin(ManagedByCityAdmin, BaseAdmin):
    list_display = (
        "kind",
        "period_label",
        "revision",
        "status",
        "is_current",
        "generated_at",
        "published_at",
    )
    list_display_links = ("kind", "period_label")
    list_filter = ("kind", "status", "is_current")
    list_select_related = ("generated_by",)
    date_hierarchy = "period_end"
    fields = BULLETIN_FIELDS
    readonly_fields = BULLETIN_FIELDS
    actions = [publish_bulletins, correct_bulletin, generate_again]

    def get_queryset(self, request):
        # The list never needs the rows; a national bulletin's are a few hundred kilobytes each.
        queryset = super().get_queryset(request)
        view = getattr(request.resolver_match, "url_name", "")
        return queryset if view == "supervision_bulletin_change" else queryset.defer("rows")

    @admin.display(description=_("period"), ordering="period_start")
    def period_label(self, obj):
        return obj.period.label

    @admin.display(description=_("weights"))
    def weights_display(self, obj):
        weights = "; ".join(f"{label} {plain(weight)}" for _n, label, weight in scheme_weights(obj.scheme))
        if obj.scheme.get("is_default"):
            return format_html("{} ({})", weights, _("default weights"))
        return weights

    @admin.display(description=_("downloads"))
    def downloads(self, obj):
        links = [(f"/api/v1/bulletins/{obj.pk}/{kind}/", label) for kind, label in DOWNLOADS]
        if not pdf_available():
            links = links[:-1]
        html = format_html_join(" · ", '<a href="{}">{}</a>', links)
        if obj.is_current and obj.is_published:
            url = reverse("admin:supervision_bulletin_correct", args=[obj.pk])
            html = format_html('{} · <a href="{}">{}</a>', html, url, _("Correct this bulletin"))
        return html

    @admin.display(description=_("ranking"))
    def ranking_table(self, obj):
        # The same table partial as the bulletin's page and its printable page.
        return render_to_string(
            "supervision/_bulletin_table.html",
            {"table": table_from_bulletin(obj), "table_class": "bulletin-rows", "link_regions": False},
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/correct/",
                self.admin_site.admin_view(self.correct_view),
                name="supervision_bulletin_correct",
            ),
            *super().get_urls(),
        ]

    def correct_view(self, request, object_id):
        bulletin = self.get_object(request, unquote(object_id))
        if bulletin is None:
            raise Http404
        if not self.has_manage_permission(request):
            raise PermissionDenied
        form = CorrectionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                revision = bulletin_revise(
                    bulletin=bulletin, reason=form.cleaned_data["reason"], by=request.user
                )
            except ValidationError as exc:
                add_service_error(form, exc, model=Bulletin)
            else:
                self.message_user(
                    request,
                    _("Revision %(number)s of the bulletin was computed and published.")
                    % {"number": revision.revision},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:supervision_bulletin_change", args=[revision.pk]))
        return _render_form_page(
            self,
            request,
            form=form,
            title=_("Correct the bulletin: %(bulletin)s") % {"bulletin": bulletin},
            original=bulletin,
            submit=_("Correct and publish"),
            intro=_(
                "The ranking of this period is computed again from the current data and published as a "
                "new revision with the reason given. The present revision stays readable."
            ),
        )


# Bulletin requests.


@admin.action(description=_("Generate every waiting bulletin now"), permissions=["manage"])
def finish_now(modeladmin, request, queryset):
    # The sweeper works through all waiting requests, not only the selected ones: a request
    # is only a note that a bulletin is still missing.
    finished = finish_requested_bulletins(older_than_seconds=0)
    modeladmin.message_user(
        request,
        ngettext("Generated %(count)d bulletin.", "Generated %(count)d bulletins.", finished)
        % {"count": finished},
        messages.SUCCESS if finished else messages.WARNING,
    )


@admin.register(BulletinRequest)
class BulletinRequestAdmin(ManagedByCityAdmin, admin.ModelAdmin):
    list_display = (
        *("kind", "period_start", "status", "publish", "attempts", "short_error"),
        *("requested_at", "requested_by", "finished_at", "bulletin"),
    )
    list_filter = ("status", "kind")
    list_select_related = ("requested_by", "bulletin")
    date_hierarchy = "requested_at"
    actions = [finish_now]

    def get_queryset(self, request):
        # The bulletin is listed by its name only; its rows are not read.
        return super().get_queryset(request).defer("bulletin__rows")

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.error if len(obj.error) <= 120 else f"{obj.error[:120]}…"
