"""Serializers of /api/v1/ for regions, projects and their moves and history (the figures,
investment reports and targets, are in figure_serializers.py).

They validate the shape of a request and hand the values to the service functions
(projects/services.py, projects/lifecycle.py), which hold the rules; a rule a service
refuses comes back as a 400 through the API's exception handler. Money is a string
with 2 decimals, regions are their 6-digit codes, dates are YYYY-MM-DD.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from projects import lifecycle, services
from projects.choices import STAGE_DATE_FIELDS, Stage
from projects.models import MONEY, Enterprise, Industry, Park, Project, Region
from projects.validators import validate_credit_code
from zhaoqing_tracker.api.fields import RegionCodeField, ScopedPrimaryKeyField, SlugField

MAX_INT = 2**31 - 1
NOTE_MAX_LENGTH = 2000


def money_field(help_text, **kwargs):
    return serializers.DecimalField(
        max_digits=MONEY["max_digits"],
        decimal_places=MONEY["decimal_places"],
        min_value=Decimal("0"),
        help_text=help_text,
        **kwargs,
    )


def acting_user(serializer):
    return serializer.context["request"].user


def immutable(serializer, attrs, fields, message):
    """On an update, fields that identify the record may be sent back unchanged, not changed."""
    instance = serializer.instance
    if instance is None:
        return
    errors = {
        field: [message] for field in fields if field in attrs and attrs[field] != getattr(instance, field)
    }
    if errors:
        raise serializers.ValidationError(errors)


class RegionSerializer(serializers.ModelSerializer):
    parent = RegionCodeField(
        read_only=True, allow_null=True, help_text=_("Code of the parent region; null for the city.")
    )

    class Meta:
        model = Region
        fields = ["code", "name", "name_en", "kind", "parent", "is_ranked"]
        extra_kwargs = {
            "code": {"help_text": _("6-digit administrative division code, e.g. 441202.")},
            "name": {"help_text": _("Chinese name.")},
            "name_en": {"help_text": _("English name (may be empty).")},
            "kind": {"help_text": _("Kind of region.")},
            "is_ranked": {"help_text": _("Whether the region takes part in the rankings.")},
        }


# --- projects -----------------------------------------------------------------------------


class ProjectEnterpriseSerializer(serializers.Serializer):
    """The project's enterprise. Reads as ``{id, name, credit_code}``; on writes either
    ``{"id": …}`` names an existing enterprise, or ``{"name": …, "credit_code": …}`` without
    ``id`` registers a new one (services.enterprise_create)."""

    id = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_INT,
        help_text=_(
            "Id of an existing enterprise. Leave it out, and give name (and credit_code), "
            "to register a new enterprise."
        ),
    )
    name = serializers.CharField(
        max_length=200,
        required=False,
        help_text=_(
            "Name of the enterprise. Required for a new enterprise; with id it may only repeat "
            "the stored name (an enterprise is not renamed through a project)."
        ),
    )
    credit_code = serializers.CharField(
        max_length=18,
        required=False,
        allow_blank=True,
        help_text=_(
            "Unified social credit code (统一社会信用代码), 18 characters; may be empty until the "
            "company is registered. Must be unique."
        ),
    )

    def validate_credit_code(self, value):
        value = value.strip().upper()
        if value:
            try:
                validate_credit_code(value)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages) from exc
        return value

    def validate(self, attrs):
        if "id" in attrs:
            enterprise = Enterprise.objects.filter(pk=attrs["id"]).first()
            if enterprise is None:
                raise serializers.ValidationError({"id": [_("Unknown enterprise.")]})
            errors = {
                key: [
                    _(
                        "An existing enterprise is not edited through a project: leave out name and "
                        "credit_code, or leave out id to register a new enterprise."
                    )
                ]
                for key in ("name", "credit_code")
                if key in attrs and attrs[key] != getattr(enterprise, key)
            }
            if errors:
                raise serializers.ValidationError(errors)
            return {"existing": enterprise}
        name = attrs.get("name", "").strip()
        if not name:
            raise serializers.ValidationError(
                {"name": [_("Give the id of an existing enterprise, or the name of a new one.")]}
            )
        credit_code = attrs.get("credit_code", "")
        if credit_code:
            existing = Enterprise.objects.filter(credit_code=credit_code).values_list("pk", flat=True).first()
            if existing is not None:
                raise serializers.ValidationError(
                    {
                        "credit_code": [
                            _(
                                "An enterprise with this credit code already exists (id %(id)s); "
                                "refer to it by id."
                            )
                            % {"id": existing}
                        ]
                    }
                )
        return {"new": {"name": name, "credit_code": credit_code}}


PROJECT_EXAMPLE = {
    "id": 17,
    "code": "441202-2025-0003",
    "name": "年产10万吨新材料项目",
    "enterprise": {"id": 8, "name": "肇庆某新材料有限公司", "credit_code": "91441200MA4UJ8XW24"},
    "region": "441202",
    "park": None,
    "industry": "C26",
    "is_manufacturing": True,
    "planned_investment": "300000000.00",
    "first_contact_on": "2024-11-20",
    "signed_on": "2025-01-15",
    "stage": "land_supplied",
    "land_supplied_on": "2025-03-02",
    "started_on": None,
    "completed_on": None,
    "in_production_on": None,
    "above_scale_on": None,
    "status": "active",
    "is_major": False,
    "version": 3,
    "created_at": "2025-01-15T09:12:44.120000+08:00",
    "updated_at": "2025-03-02T16:40:03.551000+08:00",
}


# The dates of the stages after signing: a create may carry them (the project reaches its stage
# in the same call, each stage an audited advance); afterwards only advance and revert change them.
STAGE_DATE_INPUTS = STAGE_DATE_FIELDS[1:]
# What a client reads of a project but changes only through the actions (lifecycle, status).
PROJECT_RECORD_FIELDS = ("stage", "status", "is_major", "version", "created_at", "updated_at")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A project of a new enterprise",
            summary="Create, registering the enterprise",
            request_only=True,
            value={
                "name": "年产10万吨新材料项目",
                "enterprise": {"name": "肇庆某新材料有限公司", "credit_code": "91441200MA4UJ8XW24"},
                "region": "441202",
                "industry": "C26",
                "planned_investment": "300000000.00",
                "signed_on": "2025-01-15",
            },
        ),
        OpenApiExample(
            "A project of an existing enterprise",
            summary="Create or edit, naming the enterprise by id",
            request_only=True,
            value={
                "name": "二期扩产项目",
                "enterprise": {"id": 8},
                "region": "441202",
                "park": None,
                "industry": "C26",
                "is_manufacturing": True,
                "planned_investment": "1200000000.00",
                "first_contact_on": "2024-11-20",
                "signed_on": "2025-01-15",
            },
        ),
        OpenApiExample(
            "A project entered with its history",
            summary="Create at its current stage: one audited advance per dated stage",
            request_only=True,
            value={
                "name": "年产2GWh储能电池项目",
                "enterprise": {"id": 8},
                "region": "441203",
                "industry": "energy-storage",
                "planned_investment": "1500000000.00",
                "signed_on": "2024-03-18",
                "land_supplied_on": "2024-05-06",
                "started_on": "2024-07-01",
            },
        ),
        OpenApiExample("A project", response_only=True, value=PROJECT_EXAMPLE),
    ]
)
class ProjectSerializer(serializers.ModelSerializer):
    code = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=_(
            "Project code, unique. Left out on create, it is assigned as REGION-YEAR-NUMBER; "
            "it cannot be changed afterwards."
        ),
    )
    enterprise = ProjectEnterpriseSerializer(
        help_text=_(
            'The enterprise. Read: {id, name, credit_code}. Write: {"id": 8} for an existing '
            'enterprise, or {"name": …, "credit_code": …} (no id) to register a new one. '
            "Sending back what was read keeps the enterprise."
        ),
    )
    region = RegionCodeField(
        help_text=_("6-digit code of the project's region; county users may only name their own region.")
    )
    park = ScopedPrimaryKeyField(
        queryset=Park.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Id of the industrial park, in the project's region; null for none."),
    )
    industry = SlugField(
        slug_field="code",
        queryset=Industry.objects.all(),
        help_text=_("Industry code (GET /api/v1/industries/), e.g. C26 or new-energy-vehicles."),
    )
    planned_investment = money_field(
        _("Planned investment in yuan, a decimal string with 2 decimals, not negative.")
    )
    signed_on = serializers.DateField(
        help_text=_(
            "Date of signing (YYYY-MM-DD), not in the future; the project starts at stage signed. "
            "It cannot be changed afterwards."
        )
    )

    land_supplied_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "Date land was supplied (供地). On create, optional: the project is advanced to each dated "
            "stage in turn. Afterwards it changes only through advance and revert."
        ),
    )
    started_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "Date construction started (开工); on create optional (needs land_supplied_on), then read-only."
        ),
    )
    completed_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "Date construction was completed (竣工); on create optional (needs started_on), then read-only."
        ),
    )
    in_production_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "Date production started (投产); on create optional (needs completed_on), then read-only."
        ),
    )
    above_scale_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "Date it became above designated size (上规); on create optional (needs in_production_on), "
            "then read-only."
        ),
    )

    class Meta:
        model = Project
        fields = ["id", *services.PROJECT_CREATE_FIELDS, *STAGE_DATE_INPUTS, *PROJECT_RECORD_FIELDS]
        read_only_fields = ["id", *PROJECT_RECORD_FIELDS]
        extra_kwargs = {
            "id": {"help_text": _("Project id.")},
            "name": {"help_text": _("Project name.")},
            "is_manufacturing": {"help_text": _("Whether it is a manufacturing project (default true).")},
            "first_contact_on": {"help_text": _("Date of first contact, not after signing; may be null.")},
            "stage": {"help_text": _("Current stage; changes only through the advance and revert actions.")},
            "status": {"help_text": _("active, stalled (半拉子) or cancelled (清退, not counted).")},
            "is_major": {"help_text": _("Major project: planned investment of at least 1,000,000,000 yuan.")},
            "version": {"help_text": _("Bumped by every change; also the ETag. Send it back in If-Match.")},
            "created_at": {"help_text": _("When the project was entered.")},
            "updated_at": {
                "help_text": _("When the project last changed (any write); use with updated_after to sync.")
            },
        }

    def validate(self, attrs):
        immutable(self, attrs, ["code", "signed_on"], _("This cannot be changed once the project exists."))
        immutable(
            self,
            attrs,
            STAGE_DATE_INPUTS,
            _("Stage dates change only through the advance and revert actions."),
        )
        if self.instance is not None:
            for field in ("code", "signed_on", *STAGE_DATE_INPUTS):
                attrs.pop(field, None)
        first_contact = attrs.get("first_contact_on", getattr(self.instance, "first_contact_on", None))
        signed_on = attrs.get("signed_on", getattr(self.instance, "signed_on", None))
        if first_contact and signed_on and first_contact > signed_on:
            raise serializers.ValidationError(
                {"first_contact_on": [_("The first contact cannot be after the signing date.")]}
            )
        return attrs

    def _enterprise(self, reference):
        if "existing" in reference:
            return reference["existing"]
        return services.enterprise_create(**reference["new"], by=acting_user(self))

    def create(self, validated_data):
        validated_data.pop("version", None)
        stage_dates = {
            Stage(field.removesuffix("_on")): validated_data.pop(field)
            for field in STAGE_DATE_INPUTS
            if field in validated_data
        }
        with transaction.atomic():
            validated_data["enterprise"] = self._enterprise(validated_data["enterprise"])
            project = services.project_create(by=acting_user(self), **validated_data)
            if any(stage_dates.values()):
                # In the same transaction: a refused date (a gap, a date before the stage before,
                # a future one) leaves no project behind, only the 400 on that date's field.
                project = lifecycle.advance_through(
                    project=project, stage_dates=stage_dates, by=acting_user(self)
                )
            return project

    def update(self, instance, validated_data):
        version = validated_data.pop("version", None)
        with transaction.atomic():
            if "enterprise" in validated_data:
                validated_data["enterprise"] = self._enterprise(validated_data["enterprise"])
            changes = {
                field: value
                for field, value in validated_data.items()
                if field in services.PROJECT_EDITABLE_FIELDS and getattr(instance, field) != value
            }
            if not changes:
                return instance  # a PUT of what was read: nothing to write, the version stays
            return services.project_update(project=instance, by=acting_user(self), version=version, **changes)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Land supplied",
            request_only=True,
            value={"stage": "land_supplied", "on": "2025-03-02", "note": "土地挂牌成交"},
        )
    ]
)
class AdvanceSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(
        choices=Stage.choices,
        help_text=_(
            "The stage to move to: exactly the project's next stage (a stale request asking for a "
            "stage the project already has is refused, not applied twice)."
        ),
    )
    on = serializers.DateField(
        help_text=_(
            "Date the stage was reached (YYYY-MM-DD): not before the current stage's date, not in the future."
        )
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Optional note, kept in the stage history."),
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample("Cancel", request_only=True, value={"reason": "企业撤资，项目清退"}),
        OpenApiExample("Reactivate", request_only=True, value={"reason": "企业重新洽谈，恢复推进"}),
    ]
)
class StatusReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Why the project's status changes (required); kept with the status change."),
    )


@extend_schema_serializer(
    examples=[OpenApiExample("Entered by mistake", request_only=True, value={"reason": "误录开工日期"})]
)
class RevertSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Why the project goes back one stage (required); kept in the stage history."),
    )


@extend_schema_field(
    {
        "description": "Value as this API shows the field: a region or industry as its code, an "
        "enterprise or park as its id, money as a 2-decimal string, dates as YYYY-MM-DD.",
        "nullable": True,
    }
)
class HistoryValueField(serializers.JSONField):
    pass


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text=_("Name of the changed field."))
    old = HistoryValueField(help_text=_("Value before the change."))
    new = HistoryValueField(help_text=_("Value after the change."))


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Advanced to land supplied",
            response_only=True,
            value={
                "at": "2025-03-02T16:40:03.551000+08:00",
                "by": "staff-duanzhou",
                "reason": "土地挂牌成交",
                "type": "changed",
                "version": 2,
                "changes": [
                    {"field": "land_supplied_on", "old": None, "new": "2025-03-02"},
                    {"field": "stage", "old": "signed", "new": "land_supplied"},
                ],
            },
        )
    ]
)
class ProjectHistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text=_("When the change was saved."))
    by = serializers.CharField(allow_null=True, help_text=_("Username of who made it; null for the system."))
    reason = serializers.CharField(allow_null=True, help_text=_("Reason or note given with the change."))
    type = serializers.ChoiceField(
        choices=["created", "changed", "deleted"], help_text=_("What happened to the record.")
    )
    version = serializers.IntegerField(help_text=_("The project's version after the change."))
    changes = HistoryChangeSerializer(
        many=True, help_text=_("Fields changed against the previous entry; empty for the creation.")
    )


# --- investment reports -------------------------------------------------------------------
