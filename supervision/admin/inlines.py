"""Read-only inlines of the supervision admin, and the colour badges.

Kept apart from supervision/admin.py (which builds on projects.admin) so that
projects/admin.py can import the project-page inlines without an import cycle:
``PROJECT_INLINES`` lists what a project's change page shows of its supervision.
"""

from django.contrib import admin
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from supervision.choices import OPEN_PROBLEM_STATUSES, WarningColour
from supervision.models import ExtensionRequest, Milestone, Problem, ProblemEvent, ServiceTeam
from zhaoqing_tracker.admin import ReadOnlyInline


def badge(text, colour: str):
    # Coloured by static/css/admin.css (per data-colour), not a style attribute: the
    # Content-Security-Policy allows no inline style.
    return format_html('<span class="zq-badge" data-colour="{}">{}</span>', colour, text)


def warning_badge(colour: str | None):
    if colour is None:
        return "-"
    return badge(WarningColour(colour).label, colour)


def is_overdue(problem: Problem, today) -> bool:
    return problem.status in OPEN_PROBLEM_STATUSES and problem.due_on is not None and problem.due_on < today


def overdue_badge(problem: Problem):
    return badge(_("Overdue"), WarningColour.RED) if is_overdue(problem, timezone.localdate()) else ""


class ProblemEventInline(ReadOnlyInline, admin.TabularInline):
    """The problem's timeline, in the order it happened."""

    model = ProblemEvent
    fields = ("kind", "from_status", "to_status", "on", "due_on", "note", "by", "at")
    readonly_fields = fields
    verbose_name_plural = _("timeline")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by").order_by("at", "id")


class ExtensionRequestInline(ReadOnlyInline, admin.TabularInline):
    model = ExtensionRequest
    fields = (
        *("due_on", "reason", "status", "requested_by", "requested_at"),
        *("decided_by", "decided_at", "decision_note"),
    )
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by", "decided_by")


# What a project's change page shows of its supervision (for projects/admin.py).


class ProjectProblemInline(ReadOnlyInline, admin.TabularInline):
    """Every problem of the project, each with its whole timeline."""

    model = Problem
    fields = (
        *("category", "severity", "status", "responsible_unit", "due_on", "overdue"),
        "timeline",
    )
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        events = ProblemEvent.objects.select_related("by").order_by("at", "id")
        return (
            super()
            .get_queryset(request)
            .select_related("responsible_unit")
            .prefetch_related(Prefetch("events", queryset=events))
        )

    @admin.display(description=_("overdue"))
    def overdue(self, obj):
        return overdue_badge(obj)

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        rows = ((e.on, e.get_kind_display(), f" · {e.by}" if e.by else "") for e in obj.events.all())
        return format_html_join("", "<div>{} · {}{}</div>", rows)


class ProjectServiceTeamInline(ReadOnlyInline, admin.StackedInline):
    """The five-one team; it is edited on its own page, where service_team_save keeps its version."""

    model = ServiceTeam
    fields = ("county_leader", "chief_officer", "specialist", "unit", "plan")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("county_leader", "chief_officer", "specialist", "unit")
        )


class ProjectMilestoneInline(ReadOnlyInline, admin.TabularInline):
    model = Milestone
    fields = ("title", "responsible", "due_on", "done_on", "warning_badge")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).with_warning(timezone.localdate()).select_related("responsible")

    @admin.display(description=_("warning"))
    def warning_badge(self, obj):
        return warning_badge(getattr(obj, "warning", None))


PROJECT_INLINES = [ProjectServiceTeamInline, ProjectProblemInline, ProjectMilestoneInline]
