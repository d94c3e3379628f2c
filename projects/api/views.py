"""Viewsets of /api/v1/ for regions, projects, investment reports and annual targets.

Declarative (house rule 5): scoping, filtering, pagination, permissions and ETags come
from zhaoqing_tracker.api; each extra verb is an ``@action`` calling one service.
"""

import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action

from projects import lifecycle, services
from projects.api.figure_serializers import AnnualTargetSerializer, InvestmentReportSerializer
from projects.api.serializers import (
    AdvanceSerializer,
    ProjectHistoryEntrySerializer,
    ProjectSerializer,
    RegionSerializer,
    RevertSerializer,
    StatusReasonSerializer,
)
from projects.audit import history_delta
from projects.filtersets import (
    AnnualTargetFilterSet,
    InvestmentReportFilterSet,
    ProjectFilterSet,
    RegionFilterSet,
)
from projects.models import AnnualTarget, Industry, InvestmentReport, Project, Region
from zhaoqing_tracker.api.concurrency import check_if_match
from zhaoqing_tracker.api.filters import StableOrderingFilter, StrictFilterBackend
from zhaoqing_tracker.api.pagination import StableCursorPagination
from zhaoqing_tracker.api.permissions import RolePermissions
from zhaoqing_tracker.api.viewsets import VersionedViewSet

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=_(
        'The ETag you last read, e.g. "3". If the record changed since, nothing is written and the '
        "answer is 412. Without it the write is not checked."
    ),
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description=_('The record\'s version, e.g. "3": send it back in If-Match to write safely.'),
)


@extend_schema_view(
    list=extend_schema(summary=_("List regions")),
    retrieve=extend_schema(
        summary=_("Read a region"),
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern="^[0-9]{6}$",
                description=_("6-digit administrative division code, e.g. 441202."),
            )
        ],
    ),
)
class RegionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Regions are public to every signed-in user (rankings name them all); looked up by code."""

    queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer
    permission_classes = [RolePermissions]
    filter_backends = [StrictFilterBackend, StableOrderingFilter]
    filterset_class = RegionFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[0-9]{6}"
    ordering = ("code",)
    ordering_fields = ("code",)


class HistoryPagination(StableCursorPagination):
    # Newest first; history ids grow with every saved change, so the order is total.
    ordering = ("-history_id",)


HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _history_value(field, value, codes):
    """A history value as the API shows the field: codes for regions and industries, ids for
    other records, money with 2 decimals, ISO dates."""
    if value is None:
        return None
    if field in codes:
        return codes[field].get(value, value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime.date):  # dates and datetimes
        return value.isoformat()
    return value


@extend_schema_view(
    list=extend_schema(
        summary=_("List projects"),
        description=_(
            "Projects within your scope, in cursor pages. Incremental sync: "
            "?updated_after=<last updated_at you hold>&ordering=updated_at, then follow next until "
            "it is null; no changed row is missed, whatever the page size."
        ),
    ),
    retrieve=extend_schema(summary=_("Read a project"), parameters=[ETAG]),
    create=extend_schema(
        summary=_("Enter a project"),
        description=_(
            "The project starts at stage signed; with stage dates (land_supplied_on, started_on, …) it "
            "is advanced to each dated stage in turn, in the same transaction, each advance checked and "
            "kept in the stage history. A gap or a date before the stage before is a 400 on that date's "
            "field, and nothing is written."
        ),
        parameters=[ETAG],
    ),
    update=extend_schema(summary=_("Replace a project's descriptive fields"), parameters=[IF_MATCH, ETAG]),
    partial_update=extend_schema(summary=_("Change some of a project's fields"), parameters=[IF_MATCH, ETAG]),
)
class ProjectViewSet(VersionedViewSet):
    """Investment projects (one enterprise's project in one region). After the create, the stage
    and its dates change only through the advance and revert actions, the status only through
    cancel and reactivate."""

    queryset = Project.objects.select_related("enterprise", "region", "industry")
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    ordering_fields = ("id", "code", "signed_on", "planned_investment", "updated_at")
    # County leaders and city leaders edit no project (DESIGN "Roles"): without change_project, 403.
    action_permissions = {
        "advance": ["projects.change_project"],
        "revert": ["projects.change_project"],
        "cancel": ["projects.change_project"],
        "reactivate": ["projects.change_project"],
    }

    @extend_schema(
        summary=_("Advance a project to its next stage"),
        description=_(
            "Only to the next stage, dated on or after the current stage's date and not in the "
            "future; a cancelled project cannot advance. Answers the project with its new ETag."
        ),
        request=AdvanceSerializer,
        responses=ProjectSerializer,
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        return self._move(request, AdvanceSerializer, lifecycle.advance)

    @extend_schema(
        summary=_("Move a project back one stage"),
        description=_(
            "Clears the date of the stage it leaves; a reason is required and kept in the stage "
            "history. Answers the project with its new ETag."
        ),
        request=RevertSerializer,
        responses=ProjectSerializer,
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def revert(self, request, pk=None):
        return self._move(request, RevertSerializer, lifecycle.revert)

    @extend_schema(
        summary=_("Cancel a project (清退)"),
        description=_(
            "The project is kept with its history but no longer counted in figures and rankings, and "
            "cannot advance or take investment reports; its investment leaves the region's totals. A "
            "reason is required and kept with the status change. Answers the project with its new ETag."
        ),
        request=StatusReasonSerializer,
        responses=ProjectSerializer,
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._move(request, StatusReasonSerializer, services.project_cancel)

    @extend_schema(
        summary=_("Reactivate a cancelled project"),
        description=_(
            "A cancelled project becomes active and is counted again, its investment with it. A reason "
            "is required and kept with the status change. Answers the project with its new ETag."
        ),
        request=StatusReasonSerializer,
        responses=ProjectSerializer,
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        return self._move(request, StatusReasonSerializer, services.project_reactivate)

    @extend_schema(
        summary=_("A project's change history, newest first"),
        description=_(
            "Every saved change of the project, with who made it, the reason, and each changed "
            "field's old and new value; in cursor pages."
        ),
        responses=ProjectHistoryEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=HistoryPagination, filter_backends=[])
    def history(self, request, pk=None):
        project = self.get_object()
        rows = self.paginate_queryset(project.history.select_related("history_user"))
        if not rows:  # a cursor past the end
            return self.get_paginated_response([])
        # Each row is compared with the one before it: the next on the page, or for the
        # page's oldest row the row just before the page (one query, whatever the page size).
        older = project.history.filter(history_id__lt=rows[-1].history_id).order_by("-history_id").first()
        pairs = list(zip(rows, [*rows[1:], older], strict=True))
        deltas = [
            history_delta(row, previous).changes if previous is not None else [] for row, previous in pairs
        ]
        codes = self._related_codes(deltas)
        entries = [
            {
                "at": row.history_date,
                "by": row.history_user.username if row.history_user else None,
                "reason": row.history_change_reason,
                "type": HISTORY_TYPES.get(row.history_type, row.history_type),
                "version": row.version,
                "changes": [
                    {
                        "field": change.field,
                        "old": _history_value(change.field, change.old, codes),
                        "new": _history_value(change.field, change.new, codes),
                    }
                    for change in changes
                ],
            }
            for (row, _previous), changes in zip(pairs, deltas, strict=True)
        ]
        return self.get_paginated_response(ProjectHistoryEntrySerializer(entries, many=True).data)

    @staticmethod
    def _related_codes(deltas):
        """Regions and industries are named by their codes in the API, so also in their history."""
        codes = {}
        for field, model in (("region", Region), ("industry", Industry)):
            ids = {v for changes in deltas for c in changes if c.field == field for v in (c.old, c.new)}
            ids.discard(None)
            if ids:
                codes[field] = dict(model.objects.filter(pk__in=ids).values_list("pk", "code"))
        return codes

    def _move(self, request, serializer_class, move):
        """A lifecycle move: the If-Match version is read first (lifecycle checks it again under
        its row lock), then the body, then ``move`` answers the project with its new ETag."""
        project = self.get_object()
        version = check_if_match(request, project)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = move(project=project, by=request.user, version=version, **serializer.validated_data)
        return self.action_response(project)


@extend_schema_view(
    list=extend_schema(summary=_("List monthly investment reports")),
    retrieve=extend_schema(summary=_("Read an investment report"), parameters=[ETAG]),
    create=extend_schema(summary=_("Report a project's investment for a month"), parameters=[ETAG]),
    update=extend_schema(summary=_("Correct a report"), parameters=[IF_MATCH, ETAG]),
    partial_update=extend_schema(summary=_("Correct part of a report"), parameters=[IF_MATCH, ETAG]),
)
class InvestmentReportViewSet(VersionedViewSet):
    """Actual investment of one project in one calendar month (实际投资), in yuan."""

    queryset = InvestmentReport.objects.all()
    serializer_class = InvestmentReportSerializer
    filterset_class = InvestmentReportFilterSet
    ordering_fields = ("id", "month", "updated_at")


@extend_schema_view(
    list=extend_schema(summary=_("List annual targets")),
    retrieve=extend_schema(summary=_("Read an annual target"), parameters=[ETAG]),
    create=extend_schema(summary=_("Set a region's target for a year (city admin)"), parameters=[ETAG]),
    update=extend_schema(summary=_("Change a target (city admin)"), parameters=[IF_MATCH, ETAG]),
    partial_update=extend_schema(
        summary=_("Change part of a target (city admin)"), parameters=[IF_MATCH, ETAG]
    ),
)
class AnnualTargetViewSet(VersionedViewSet):
    """A region's task for a year (年度任务). Everyone reads within their scope; only the city
    admin writes (the role permissions give annualtarget add/change to no one else)."""

    queryset = AnnualTarget.objects.select_related("region")
    serializer_class = AnnualTargetSerializer
    filterset_class = AnnualTargetFilterSet
    ordering_fields = ("id", "year", "updated_at")
