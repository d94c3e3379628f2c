"""Serializers of /api/v1/problems/: a problem, its timeline and extension requests, and the
bodies of its moves (assign, resolve, verify, reopen, extend, decide). Built like
supervision/api/serializers.py, whose shared fields they use."""


from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from supervision import services

# Dates a plan can be counted back from without leaving the calendar.
from supervision.api.serializers import (
    UsernameField,
    acting_user,
    project_field,
    region_of_project,
    unit_field,
    version_field,
)
from supervision.choices import (
    OPEN_PROBLEM_STATUSES,
    ExtensionStatus,
    ProblemCategory,
    ProblemEventKind,
    ProblemStatus,
    Severity,
)
from supervision.models import (
    ExtensionRequest,
    Problem,
    ProblemEvent,
    SupervisionVisit,
)
from zhaoqing_tracker.api.fields import ScopedPrimaryKeyField


class ProblemEventSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=ProblemEventKind.choices, read_only=True, help_text=_("What happened.")
    )
    from_status = serializers.CharField(
        read_only=True, help_text=_("Status before the move; empty for the raising.")
    )
    to_status = serializers.ChoiceField(
        choices=ProblemStatus.choices, read_only=True, help_text=_("Status after the move.")
    )
    on = serializers.DateField(read_only=True, help_text=_("Date the move took effect."))
    due_on = serializers.DateField(
        read_only=True, allow_null=True, help_text=_("Due date set or asked for by the move, if any.")
    )
    note = serializers.CharField(read_only=True, help_text=_("Note, reason or resolution of the move."))
    by = UsernameField(read_only=True, allow_null=True, help_text=_("Username of who made the move."))
    at = serializers.DateTimeField(read_only=True, help_text=_("When the move was recorded."))

    class Meta:
        model = ProblemEvent
        fields = ["id", "kind", "from_status", "to_status", "on", "due_on", "note", "by", "at"]
        extra_kwargs = {"id": {"help_text": _("Id of the timeline entry.")}}


class ExtensionRequestSerializer(serializers.ModelSerializer):
    due_on = serializers.DateField(read_only=True, help_text=_("The due date asked for."))
    reason = serializers.CharField(read_only=True, help_text=_("Why more time is needed."))
    status = serializers.ChoiceField(
        choices=ExtensionStatus.choices, read_only=True, help_text=_("pending, approved or rejected.")
    )
    requested_by = UsernameField(read_only=True, allow_null=True, help_text=_("Username of the requester."))
    requested_at = serializers.DateTimeField(read_only=True, help_text=_("When it was asked for."))
    decided_by = UsernameField(
        read_only=True, allow_null=True, help_text=_("Username of the leader who decided.")
    )
    decided_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("When it was decided.")
    )
    decision_note = serializers.CharField(read_only=True, help_text=_("The leader's note."))

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "due_on",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        extra_kwargs = {"id": {"help_text": _("Id of the request; give it to extend/decide.")}}


class ProblemSerializer(serializers.ModelSerializer):
    project = project_field()
    region = region_of_project()
    category = serializers.ChoiceField(choices=ProblemCategory.choices, help_text=_("Kind of problem."))
    severity = serializers.ChoiceField(
        choices=Severity.choices, default=Severity.MEDIUM, help_text=_("low, medium (default) or high.")
    )
    description = serializers.CharField(help_text=_("What blocks the project."))
    raised_on = serializers.DateField(
        required=False, help_text=_("Date the problem was raised; today when left out. Not in the future.")
    )
    raised_by = UsernameField(read_only=True, allow_null=True, help_text=_("Username of who raised it."))
    visit = ScopedPrimaryKeyField(
        queryset=SupervisionVisit.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Id of the supervision visit it was raised at, if any (same region as the project)."),
    )
    status = serializers.ChoiceField(
        choices=ProblemStatus.choices,
        read_only=True,
        help_text=_("raised → assigned → resolved → verified; changed only by the actions."),
    )
    responsible_unit = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("Id of the responsible unit (set by assign).")
    )
    assignee = UsernameField(
        read_only=True, allow_null=True, help_text=_("Username of the person it is assigned to, if any.")
    )
    due_on = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text=_("Due date (set by assign, reopen or an approved extension)."),
    )
    overdue = serializers.SerializerMethodField(
        help_text=_("Open (raised or assigned) and past its due date.")
    )
    resolved_on = serializers.DateField(read_only=True, allow_null=True, help_text=_("Date it was resolved."))
    resolution = serializers.CharField(read_only=True, help_text=_("How it was resolved."))
    resolved_by = UsernameField(read_only=True, allow_null=True, help_text=_("Username of the resolver."))
    verified_on = serializers.DateField(
        read_only=True, allow_null=True, help_text=_("Date a leader verified (closed) it.")
    )
    verified_by = UsernameField(read_only=True, allow_null=True, help_text=_("Username of the verifier."))
    version = version_field(_("Goes up with every move; send it back as If-Match."))
    created_at = serializers.DateTimeField(read_only=True, help_text=_("When the record was created."))
    updated_at = serializers.DateTimeField(read_only=True, help_text=_("When the record last changed."))

    class Meta:
        model = Problem
        fields = [
            "id",
            "project",
            "region",
            "category",
            "severity",
            "description",
            "raised_on",
            "raised_by",
            "visit",
            "status",
            "responsible_unit",
            "assignee",
            "due_on",
            "overdue",
            "resolved_on",
            "resolution",
            "resolved_by",
            "verified_on",
            "verified_by",
            "version",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"id": {"help_text": _("Id of the problem.")}}

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, problem) -> bool:
        return bool(
            problem.status in OPEN_PROBLEM_STATUSES
            and problem.due_on is not None
            and problem.due_on < timezone.localdate()
        )

    def create(self, validated_data):
        return services.problem_raise(by=acting_user(self), **validated_data)


class ProblemDetailSerializer(ProblemSerializer):
    events = ProblemEventSerializer(many=True, read_only=True, help_text=_("The timeline, oldest first."))
    extension_requests = ExtensionRequestSerializer(
        many=True, read_only=True, help_text=_("Extension requests, newest first.")
    )

    class Meta(ProblemSerializer.Meta):
        fields = [*ProblemSerializer.Meta.fields, "events", "extension_requests"]


def move_date_field():
    return serializers.DateField(
        required=False,
        help_text=_(
            "Date the move took effect; today when left out. Not in the future nor before raised_on."
        ),
    )


class ProblemAssignSerializer(serializers.Serializer):
    unit = unit_field(_("Id of the responsible unit (of your region, or city-level)."))
    assignee = UsernameField(
        required=False,
        allow_null=True,
        help_text=_("Username of the person responsible (of your region, or city-level); optional."),
    )
    due_on = serializers.DateField(help_text=_("Due date; not before the date of assignment."))
    on = move_date_field()
    note = serializers.CharField(required=False, allow_blank=True, help_text=_("Instructions for the unit."))


class ProblemResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(help_text=_("How the problem was resolved."))
    on = move_date_field()


class ProblemVerifySerializer(serializers.Serializer):
    on = move_date_field()
    note = serializers.CharField(required=False, allow_blank=True, help_text=_("The leader's note."))


class ProblemReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text=_("Why the problem is not solved after all."))
    due_on = serializers.DateField(
        required=False, help_text=_("A new due date; the old one is kept when left out.")
    )
    on = move_date_field()


class ExtensionAskSerializer(serializers.Serializer):
    due_on = serializers.DateField(help_text=_("The due date asked for; later than the current one."))
    reason = serializers.CharField(help_text=_("Why more time is needed."))
    on = move_date_field()


@extend_schema_field(OpenApiTypes.INT)
class ProblemExtensionRequestField(serializers.PrimaryKeyRelatedField):
    """An extension request of the problem in the URL, by id."""

    def get_queryset(self):
        return ExtensionRequest.objects.filter(problem=self.context["problem"])


class ExtensionDecisionSerializer(serializers.Serializer):
    request = ProblemExtensionRequestField(
        required=False,
        help_text=_("Id of the extension request; the problem's pending request when left out."),
    )
    approve = serializers.BooleanField(
        help_text=_("true: the due date moves to the requested one; false: it stays.")
    )
    note = serializers.CharField(required=False, allow_blank=True, help_text=_("The leader's note."))
    on = move_date_field()

    def validate(self, attrs):
        if attrs.get("request") is None:
            pending = (
                self.context["problem"].extension_requests.filter(status=ExtensionStatus.PENDING).first()
            )
            if pending is None:
                raise serializers.ValidationError(
                    {"request": _("This problem has no extension request waiting for a decision.")}
                )
            attrs["request"] = pending
        return attrs


# Five-one service teams
