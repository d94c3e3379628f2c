"""/api/v1/units/: the responsible units (责任单位) a problem is assigned to and a service team names.

Read by every signed-in user within the unit rule of projects/scope.py (``pickable``): the units
of one's own region and the regions under it, of the regions above it, and the city-level ones
(no region); another county's unit is a 404. Written by the city admin alone, through
supervision/units.py; never deleted (405): problems and teams point at them.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers

from projects import scope
from projects.choices import Role
from supervision import units
from supervision.api.serializers import acting_user
from supervision.api.views import IF_MATCH
from supervision.filtersets import UnitFilterSet
from supervision.models import Unit
from zhaoqing_tracker.api.fields import RegionCodeField
from zhaoqing_tracker.api.viewsets import VersionedViewSet

UNIT_EXAMPLE = {"id": 3, "name": "德庆县自然资源局", "name_en": "Deqing County Natural Resources Bureau"}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A county's unit",
            request_only=True,
            value={**{k: v for k, v in UNIT_EXAMPLE.items() if k != "id"}, "region": "441226"},
        ),
        OpenApiExample(
            "A city-level unit",
            request_only=True,
            value={
                "name": "肇庆市投资促进局",
                "name_en": "Zhaoqing Investment Promotion Bureau",
                "region": None,
            },
        ),
        OpenApiExample(
            "A unit", response_only=True, value={**UNIT_EXAMPLE, "region": "441226", "version": 1}
        ),
    ]
)
class UnitSerializer(serializers.ModelSerializer):
    region = RegionCodeField(
        allow_null=True,
        required=False,
        help_text=_(
            "6-digit code of the unit's region; null for a city-level unit, which serves every county."
        ),
    )

    class Meta:
        model = Unit
        fields = ["id", "name", "name_en", "region", "version"]
        read_only_fields = ["id", "version"]
        # One name per region: the service's full_clean() refuses a second one with its own message.
        validators = []
        extra_kwargs = {
            "id": {"help_text": _("Unit id; problems and service teams name their unit by it.")},
            "name": {"help_text": _("Chinese name, unique within its region.")},
            "name_en": {"help_text": _("English name (may be empty).")},
            "version": {"help_text": _("Bumped by every change; also the ETag. Send it back in If-Match.")},
        }

    def create(self, validated_data):
        validated_data.pop("version", None)
        return units.unit_create(by=acting_user(self), **validated_data)

    def update(self, instance, validated_data):
        return units.unit_update(
            unit=instance,
            name=validated_data.get("name", instance.name),
            name_en=validated_data.get("name_en", instance.name_en),
            region=validated_data.get("region", instance.region),
            version=validated_data.get("version"),
            by=acting_user(self),
        )


ADMIN_WRITES = {
    "create": ["supervision.add_unit"],
    "update": ["supervision.change_unit"],
    "partial_update": ["supervision.change_unit"],
}


@extend_schema_view(
    list=extend_schema(
        summary=_("List responsible units"),
        description=_(
            "The units you may pick: your region's, those of the regions above it, and the city-level "
            "ones (region null); everything for city users."
        ),
    ),
    retrieve=extend_schema(summary=_("Read a responsible unit")),
    create=extend_schema(summary=_("Add a responsible unit (city admin)")),
    update=extend_schema(summary=_("Correct a responsible unit (city admin)"), parameters=[IF_MATCH]),
    partial_update=extend_schema(
        summary=_("Correct part of a responsible unit (city admin)"), parameters=[IF_MATCH]
    ),
)
class UnitViewSet(VersionedViewSet):
    """Responsible units. County staff may keep their units in the admin; through the API, which
    other systems use, the city admin alone writes them (DESIGN "Roles")."""

    queryset = Unit.objects.select_related("region")
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    ordering_fields = ("id", "name")
    action_permissions = ADMIN_WRITES
    action_roles = {action: [Role.CITY_ADMIN] for action in ADMIN_WRITES}

    def get_queryset(self):
        # The unit rule, not the region rule: a county also calls on city-level units and on those
        # of the regions above it.
        return scope.pickable(self.queryset.all(), self.request.user)
