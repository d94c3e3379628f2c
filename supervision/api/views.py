"""The supervision resources of /api/v1/. Viewsets are declarative; each extra verb is an
@action that reads its input, takes the version from If-Match and calls one service."""

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.models import Project
from supervision import problem_flow, services
from supervision.api import problem_serializers as ps
from supervision.api import serializers as s
from supervision.filtersets import (
    MilestoneFilterSet,
    ProblemFilterSet,
    ServiceLogFilterSet,
    ServiceTeamFilterSet,
    VisitFilterSet,
)
from supervision.milestones import milestone_plan_generate
from supervision.models import (
    ExtensionRequest,
    Milestone,
    Problem,
    ProblemEvent,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
)
from zhaoqing_tracker.api.concurrency import check_if_match
from zhaoqing_tracker.api.viewsets import ReadOnlyScopedViewSet, VersionedViewSet

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        'The ETag of the record as you last read it, e.g. "3". Optional; when it is stale the '
        "write is refused with 412 and nothing changes."
    ),
)
ORDERING_FIELDS = ["id", "updated_at"]
# One team in the examples: as formed, then as changed by a PUT of all its members.
TEAM_EXAMPLE = {
    "project": 12,
    "county_leader": 4,
    "chief_officer": 5,
    "specialist": 6,
    "unit": 3,
    "plan": "每月走访一次，协调用地、用电和融资",
}


def _move(summary, description, request, examples):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={200: ps.ProblemDetailSerializer},
        parameters=[IF_MATCH],
        examples=examples,
    )


@extend_schema_view(
    list=extend_schema(summary="List problems", description="Problems of the projects you can see."),
    retrieve=extend_schema(summary="A problem with its timeline and extension requests"),
    create=extend_schema(
        summary="Raise a problem",
        examples=[
            OpenApiExample(
                "Raise",
                request_only=True,
                value={
                    "project": 12,
                    "category": "land_use",
                    "severity": "high",
                    "description": "用地指标未落实，影响供地进度",
                    "raised_on": "2025-03-03",
                },
            )
        ],
    ),
)
class ProblemViewSet(VersionedViewSet):
    """Problems (问题台账): raise, then the closed loop assign → resolve → verify, reopen, extend.

    There is no PUT/PATCH: a problem changes only through its actions, each of which
    writes a timeline entry.
    """

    queryset = Problem.objects.select_related(
        "project__region", "raised_by", "assignee", "resolved_by", "verified_by"
    )
    serializer_class = ps.ProblemSerializer
    filterset_class = ProblemFilterSet
    ordering_fields = ORDERING_FIELDS
    http_method_names = ["get", "post", "head", "options"]
    # Who may take each move: supervision/problem_flow.py, as on the staff pages and in the admin.
    action_permissions = problem_flow.ACTION_PERMISSIONS
    action_roles = problem_flow.ACTION_ROLES

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = with_timeline(queryset)
        return queryset

    def get_serializer_class(self):
        return ps.ProblemSerializer if self.action == "list" else ps.ProblemDetailSerializer

    def _input(self, serializer_class):
        """The problem (404 outside one's scope), the If-Match version (412 if stale) and the body."""
        problem = self.get_object()
        version = check_if_match(self.request, problem)
        serializer = serializer_class(
            data=self.request.data, context={**self.get_serializer_context(), "problem": problem}
        )
        serializer.is_valid(raise_exception=True)
        return problem, version, serializer.validated_data

    def _moved(self, problem):
        return self.action_response(with_timeline(self.get_queryset()).get(pk=problem.pk))

    @_move(
        "Assign (交办)",
        "Hand a raised problem to a responsible unit with a due date; also re-assigns an assigned one.",
        ps.ProblemAssignSerializer,
        [
            OpenApiExample(
                "Assign",
                request_only=True,
                value={
                    "unit": 3,
                    "assignee": "li.ming",
                    "due_on": "2025-03-31",
                    "on": "2025-03-04",
                    "note": "请于月底前落实用地指标",
                },
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        problem, version, data = self._input(ps.ProblemAssignSerializer)
        return self._moved(services.problem_assign(problem=problem, by=request.user, version=version, **data))

    @_move(
        "Resolve (办结)",
        "The responsible unit reports an assigned problem solved.",
        ps.ProblemResolveSerializer,
        [
            OpenApiExample(
                "Resolve",
                request_only=True,
                value={"resolution": "已协调自然资源局调剂用地指标", "on": "2025-03-20"},
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        problem, version, data = self._input(ps.ProblemResolveSerializer)
        return self._moved(
            services.problem_resolve(problem=problem, by=request.user, version=version, **data)
        )

    @_move(
        "Verify (销号)",
        "A leader checks the resolution and closes the problem. Leaders only (403 otherwise); "
        "the person who resolved it cannot verify it (400).",
        ps.ProblemVerifySerializer,
        [
            OpenApiExample(
                "Verify", request_only=True, value={"on": "2025-03-22", "note": "经现场核实，已解决"}
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        problem, version, data = self._input(ps.ProblemVerifySerializer)
        return self._moved(services.problem_verify(problem=problem, by=request.user, version=version, **data))

    @_move(
        "Reopen",
        "Send a resolved or verified problem back to its unit (status assigned); the timeline keeps "
        "the earlier resolution.",
        ps.ProblemReopenSerializer,
        [
            OpenApiExample(
                "Reopen",
                request_only=True,
                value={"reason": "企业反映指标仍未到位", "due_on": "2025-04-15", "on": "2025-03-25"},
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        problem, version, data = self._input(ps.ProblemReopenSerializer)
        return self._moved(services.problem_reopen(problem=problem, by=request.user, version=version, **data))

    @_move(
        "Ask for an extension",
        "Ask for a later due date of an assigned problem. The due date moves only when a leader "
        "approves the request with POST extend/decide; the response lists the request under "
        "extension_requests. Asking does not change the problem's version (ETag).",
        ps.ExtensionAskSerializer,
        [
            OpenApiExample(
                "Ask",
                request_only=True,
                value={"due_on": "2025-04-30", "reason": "需等待省厅批复用地指标", "on": "2025-03-25"},
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        problem, version, data = self._input(ps.ExtensionAskSerializer)
        services.problem_request_extension(problem=problem, by=request.user, version=version, **data)
        return self._moved(problem)

    @_move(
        "Decide on an extension",
        "A leader approves (the due date moves to the requested one) or rejects an extension "
        "request; `request` defaults to the problem's pending one. Leaders only (403 otherwise). "
        "An approval changes the problem's version (ETag); a rejection does not.",
        ps.ExtensionDecisionSerializer,
        [
            OpenApiExample(
                "Approve", request_only=True, value={"request": 7, "approve": True, "note": "同意"}
            ),
            OpenApiExample("Reject", request_only=True, value={"approve": False, "note": "请按原期限办结"}),
        ],
    )
    @action(detail=True, methods=["post"], url_path="extend/decide", url_name="extend-decide")
    def decide_extension(self, request, pk=None):
        problem, version, data = self._input(ps.ExtensionDecisionSerializer)
        services.problem_decide_extension(by=request.user, version=version, **data)
        return self._moved(problem)


def with_timeline(queryset):
    return queryset.prefetch_related(
        Prefetch("events", queryset=ProblemEvent.objects.select_related("by")),
        Prefetch(
            "extension_requests",
            queryset=ExtensionRequest.objects.select_related("requested_by", "decided_by"),
        ),
    )


@extend_schema_view(
    list=extend_schema(summary="List five-one service teams"),
    retrieve=extend_schema(summary="A service team"),
    create=extend_schema(
        summary="Form a project's service team (one per project)",
        examples=[
            OpenApiExample("Team", request_only=True, value=TEAM_EXAMPLE)
        ],
    ),
    update=extend_schema(
        summary="Change a service team",
        parameters=[IF_MATCH],
        examples=[
            OpenApiExample(
                "Team",
                request_only=True,
                value={**TEAM_EXAMPLE, "specialist": 7, "plan": "每两周走访一次，协调用电增容"},
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Change some members of a service team; the others keep their values",
        parameters=[IF_MATCH],
        examples=[OpenApiExample("New specialist", request_only=True, value={"specialist": 7})],
    ),
)
class ServiceTeamViewSet(VersionedViewSet):
    """Five-one service teams (五个一): leader, chief officer, specialist, unit and plan of a project."""

    queryset = ServiceTeam.objects.select_related("project__region")
    serializer_class = s.ServiceTeamSerializer
    filterset_class = ServiceTeamFilterSet
    ordering_fields = ORDERING_FIELDS


@extend_schema_view(
    list=extend_schema(summary="List supervision visits"),
    retrieve=extend_schema(summary="A supervision visit"),
    create=extend_schema(
        summary="Record a supervision visit (督导日)",
        examples=[
            OpenApiExample(
                "Visit",
                request_only=True,
                value={
                    "on": "2025-03-03",
                    "region": "441202",
                    "leader": 4,
                    "projects": [12, 15],
                    "notes": "现场督导项目用地和开工准备",
                },
            )
        ],
    ),
)
class VisitViewSet(mixins.CreateModelMixin, ReadOnlyScopedViewSet):
    """Supervision visits (督导日); recorded once, not changed (no version)."""

    queryset = SupervisionVisit.objects.select_related("region", "created_by").prefetch_related(
        Prefetch("projects", queryset=Project.objects.only("id"))
    )
    serializer_class = s.VisitSerializer
    filterset_class = VisitFilterSet
    ordering_fields = ORDERING_FIELDS


@extend_schema_view(
    list=extend_schema(summary="List service logs"),
    retrieve=extend_schema(summary="A service log entry"),
    create=extend_schema(
        summary="Record a service log entry (服务日志)",
        examples=[
            OpenApiExample(
                "Log",
                request_only=True,
                value={
                    "project": 12,
                    "on": "2025-03-05",
                    "kind": "construction_permit",
                    "description": "协助企业办理施工许可证",
                    "person": 5,
                    "hours": "2.5",
                },
            )
        ],
    ),
)
class ServiceLogViewSet(mixins.CreateModelMixin, ReadOnlyScopedViewSet):
    """Service logs (服务日志): one matter handled for an enterprise; recorded once (no version)."""

    queryset = ServiceLog.objects.select_related("project__region", "recorded_by")
    serializer_class = s.ServiceLogSerializer
    filterset_class = ServiceLogFilterSet
    ordering_fields = ORDERING_FIELDS


@extend_schema_view(
    list=extend_schema(summary="List milestones with their warning colour"),
    retrieve=extend_schema(summary="A milestone"),
    create=extend_schema(
        summary="Add a milestone",
        examples=[
            OpenApiExample(
                "Milestone",
                request_only=True,
                value={"project": 12, "title": "完成施工图审查", "responsible": 5, "due_on": "2025-05-30"},
            )
        ],
    ),
    update=extend_schema(
        summary="Change a milestone",
        parameters=[IF_MATCH],
        examples=[
            OpenApiExample(
                "Milestone",
                request_only=True,
                value={
                    "project": 12,
                    "title": "完成施工图审查",
                    "responsible": 5,
                    "due_on": "2025-06-15",
                    "done_on": None,
                    "order": 0,
                },
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Change part of a milestone, e.g. mark it done",
        parameters=[IF_MATCH],
        examples=[OpenApiExample("Done", request_only=True, value={"done_on": "2025-05-28"})],
    ),
)
class MilestoneViewSet(VersionedViewSet):
    """Reverse-scheduled milestones (倒排工期) with their green / yellow / red warning."""

    queryset = Milestone.objects.select_related("project__region")
    serializer_class = s.MilestoneSerializer
    filterset_class = MilestoneFilterSet
    ordering_fields = ORDERING_FIELDS
    action_permissions = {"plan": ["supervision.add_milestone"]}

    def get_queryset(self):
        return super().get_queryset().with_warning(timezone.localdate())

    @extend_schema(
        summary="Generate the default plan (倒排工期)",
        description=(
            "Count the city's milestone templates back from a target production date, in working "
            "days, skipping stages the project has reached and titles it already has. Returns the "
            "milestones created (an empty list when there is nothing to add)."
        ),
        request=s.MilestonePlanSerializer,
        responses={201: s.MilestoneSerializer(many=True)},
        examples=[
            OpenApiExample(
                "Plan",
                request_only=True,
                value={"project": 12, "target_production_on": "2026-06-30", "responsible": 5},
            )
        ],
    )
    # Not a list: the created milestones come back whole, without pages or filters.
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def plan(self, request):
        serializer = s.MilestonePlanSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        milestones = milestone_plan_generate(by=request.user, **serializer.validated_data)
        data = s.MilestoneSerializer(milestones, many=True, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)
