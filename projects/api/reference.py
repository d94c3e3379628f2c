"""/api/v1/ industries and enterprises: the reference data a project names.

Every signed-in user reads them whole (they belong to no region); only the city admin creates
and corrects them, through projects/industries.py and projects/services.py; nothing is deleted
(405): projects point at them. Industries are named by their code, as everywhere in the API.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers

from projects import industries, services
from projects.api.serializers import acting_user, immutable
from projects.api.views import ETAG, IF_MATCH
from projects.choices import Role
from projects.filtersets import EnterpriseFilterSet, IndustryFilterSet
from projects.models import Enterprise, Industry
from projects.validators import validate_credit_code
from zhaoqing_tracker.api.fields import SlugField
from zhaoqing_tracker.api.viewsets import VersionedViewSet

ADMIN_ONLY = [Role.CITY_ADMIN]


def admin_writes(model: str) -> tuple[dict, dict]:
    """The permissions and roles of create, update and partial_update of reference data: the city
    admin's alone (county staff may add enterprises, but only through a project)."""
    perms = {
        "create": [f"projects.add_{model}"],
        "update": [f"projects.change_{model}"],
        "partial_update": [f"projects.change_{model}"],
    }
    return perms, {action: ADMIN_ONLY for action in perms}


# --- industries ---------------------------------------------------------------------------------


INDUSTRY_EXAMPLE = {
    "code": "new-energy-vehicles",
    "name": "新能源汽车及零部件",
    "name_en": "New energy vehicles and parts",
    "parent": "C36",
    "version": 1,
}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A strategic industry under its division",
            request_only=True,
            value={"code": "photovoltaics", "name": "光伏", "name_en": "Photovoltaics", "parent": "C38"},
        ),
        OpenApiExample("An industry", response_only=True, value=INDUSTRY_EXAMPLE),
    ]
)
class IndustrySerializer(serializers.ModelSerializer):
    code = serializers.SlugField(
        max_length=40,
        help_text=_(
            "The industry's code: a GB/T 4754 division (C13 … C43) or a short code of letters, digits "
            "and hyphens. Projects name their industry by it; it cannot be changed afterwards."
        ),
    )
    parent = SlugField(
        slug_field="code",
        queryset=Industry.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Code of the GB/T 4754 division the industry is filed under; null for a division."),
    )

    class Meta:
        model = Industry
        fields = ["code", "name", "name_en", "parent", "version"]
        read_only_fields = ["version"]
        extra_kwargs = {
            "name": {"help_text": _("Chinese name, unique.")},
            "name_en": {"help_text": _("English name (may be empty).")},
            "version": {"help_text": _("Bumped by every change; also the ETag. Send it back in If-Match.")},
        }

    def validate(self, attrs):
        immutable(
            self, attrs, ["code"], _("An industry's code cannot be changed: projects are filed under it.")
        )
        # A second industry of the same code is refused by industry_create (its unique constraint,
        # under the save), with the code named: no check here that a concurrent create could pass.
        return attrs

    def create(self, validated_data):
        validated_data.pop("version", None)
        return industries.industry_create(by=acting_user(self), **validated_data)

    def update(self, instance, validated_data):
        return industries.industry_update(
            industry=instance,
            name=validated_data.get("name", instance.name),
            name_en=validated_data.get("name_en", instance.name_en),
            parent=validated_data.get("parent", instance.parent),
            version=validated_data.get("version"),
            by=acting_user(self),
        )


INDUSTRY_CODE = OpenApiParameter(
    "code",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    pattern="^[A-Za-z0-9_-]+$",
    description=_("The industry's code, e.g. C36 or new-energy-vehicles."),
)
INDUSTRY_PERMISSIONS, INDUSTRY_ROLES = admin_writes("industry")


@extend_schema_view(
    list=extend_schema(
        summary=_("List industries"),
        description=_(
            "The GB/T 4754-2017 manufacturing divisions (C13 … C43, parent null) and the city's "
            "strategic industries under them. ?is_division=true for the divisions only, ?parent=C38 "
            "for the industries under one."
        ),
    ),
    retrieve=extend_schema(summary=_("Read an industry"), parameters=[INDUSTRY_CODE, ETAG]),
    create=extend_schema(summary=_("Add an industry (city admin)"), parameters=[ETAG]),
    update=extend_schema(
        summary=_("Correct an industry (city admin)"), parameters=[INDUSTRY_CODE, IF_MATCH, ETAG]
    ),
    partial_update=extend_schema(
        summary=_("Correct part of an industry (city admin)"), parameters=[INDUSTRY_CODE, IF_MATCH, ETAG]
    ),
)
class IndustryViewSet(VersionedViewSet):
    """Industries, looked up by code. Every signed-in user reads them; the city admin writes."""

    queryset = Industry.objects.select_related("parent")
    serializer_class = IndustrySerializer
    filterset_class = IndustryFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9_-]+"
    ordering = ("code",)
    ordering_fields = ("code", "id")
    action_permissions = INDUSTRY_PERMISSIONS
    action_roles = INDUSTRY_ROLES


# --- enterprises --------------------------------------------------------------------------------


ENTERPRISE_EXAMPLE = {
    "id": 8,
    "name": "肇庆某新材料有限公司",
    "credit_code": "91441200MA4UJ8XW24",
    "version": 2,
    "created_at": "2025-01-15T09:12:44.120000+08:00",
    "updated_at": "2025-02-03T11:02:10.004000+08:00",
}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Register an enterprise",
            request_only=True,
            value={"name": "肇庆某新材料有限公司", "credit_code": "91441200MA4UJ8XW24"},
        ),
        OpenApiExample("An enterprise", response_only=True, value=ENTERPRISE_EXAMPLE),
    ]
)
class EnterpriseSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=200, help_text=_("The enterprise's registered name."))
    credit_code = serializers.CharField(
        max_length=18,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "Unified social credit code (统一社会信用代码), 18 characters with a valid check character; "
            "may be empty until the company is registered. Unique."
        ),
    )

    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code", "version", "created_at", "updated_at"]
        read_only_fields = ["id", "version", "created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": _("Enterprise id; a project names its enterprise by it.")},
            "version": {"help_text": _("Bumped by every change; also the ETag. Send it back in If-Match.")},
            "created_at": {"help_text": _("When the enterprise was registered here.")},
            "updated_at": {"help_text": _("When the enterprise last changed.")},
        }

    def validate_credit_code(self, value):
        value = value.strip().upper()
        if not value:
            return value
        try:
            validate_credit_code(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        others = Enterprise.objects.filter(credit_code=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        existing = others.values_list("pk", flat=True).first()
        if existing is not None:
            raise serializers.ValidationError(
                _("An enterprise with this credit code already exists (id %(id)s).") % {"id": existing}
            )
        return value

    def create(self, validated_data):
        validated_data.pop("version", None)
        return services.enterprise_create(by=acting_user(self), **validated_data)

    def update(self, instance, validated_data):
        return services.enterprise_update(
            enterprise=instance,
            name=validated_data.get("name", instance.name),
            credit_code=validated_data.get("credit_code", instance.credit_code),
            version=validated_data.get("version"),
            by=acting_user(self),
        )


ENTERPRISE_PERMISSIONS, ENTERPRISE_ROLES = admin_writes("enterprise")


@extend_schema_view(
    list=extend_schema(
        summary=_("List enterprises"),
        description=_("Every enterprise, for every signed-in user; ?name= and ?credit_code= find one."),
    ),
    retrieve=extend_schema(summary=_("Read an enterprise"), parameters=[ETAG]),
    create=extend_schema(summary=_("Register an enterprise (city admin)"), parameters=[ETAG]),
    update=extend_schema(summary=_("Correct an enterprise (city admin)"), parameters=[IF_MATCH, ETAG]),
    partial_update=extend_schema(
        summary=_("Correct part of an enterprise (city admin)"), parameters=[IF_MATCH, ETAG]
    ),
)
class EnterpriseViewSet(VersionedViewSet):
    """Enterprises (投资主体). County staff register one with a project (POST /projects/ with
    ``enterprise: {name, credit_code}``); here the city admin registers and corrects them."""

    queryset = Enterprise.objects.all()
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    ordering_fields = ("id", "name", "updated_at")
    action_permissions = ENTERPRISE_PERMISSIONS
    action_roles = ENTERPRISE_ROLES
