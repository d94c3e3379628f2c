"""Serializers of /api/v1/ for the figures: monthly investment reports and annual targets.

Built like projects/api/serializers.py (whose shared field helpers they use): they validate the
shape of a request and hand the values to projects/services.py, which holds the rules."""

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from projects import services
from projects.api.serializers import MAX_INT, acting_user, immutable, money_field
from projects.models import AnnualTarget, InvestmentReport, Project
from zhaoqing_tracker.api.fields import RegionCodeField, ScopedPrimaryKeyField

MONTH_ONLY = re.compile(r"^\s*(\d{4}-\d{2})\s*$")


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$",
        "example": "2025-03-01",
        "description": "The month: YYYY-MM, or any day of it as YYYY-MM-DD; stored and shown as its "
        "first day.",
    }
)
class MonthField(serializers.DateField):
    def to_internal_value(self, value):
        if isinstance(value, str) and (match := MONTH_ONLY.match(value)):
            value = f"{match.group(1)}-01"
        return services.first_of_month(super().to_internal_value(value))


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "March 2025",
            summary="Report a month (create), or correct it (PUT/PATCH: amount and note)",
            request_only=True,
            value={"project": 17, "month": "2025-03", "amount": "12500000.00", "note": "设备款到位"},
        ),
        OpenApiExample(
            "A report",
            response_only=True,
            value={
                "id": 230,
                "project": 17,
                "month": "2025-03-01",
                "amount": "12500000.00",
                "note": "设备款到位",
                "version": 1,
                "updated_at": "2025-04-03T10:15:00+08:00",
            },
        ),
    ]
)
class InvestmentReportSerializer(serializers.ModelSerializer):
    project = ScopedPrimaryKeyField(
        queryset=Project.objects.all(), help_text=_("Id of the project; it cannot be changed afterwards.")
    )
    month = MonthField(
        help_text=_(
            "The month: YYYY-MM, or any day of it as YYYY-MM-DD; stored and shown as its first day. "
            "Not a future month; it cannot be changed afterwards."
        )
    )
    amount = money_field(_("Actual investment in the month, in yuan: a decimal string with 2 decimals."))
    note = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text=_("Optional note.")
    )

    class Meta:
        model = InvestmentReport
        fields = ["id", "project", "month", "amount", "note", "version", "updated_at"]
        read_only_fields = ["id", "version", "updated_at"]
        validators = []  # one report per project and month: the service refuses a second one (409)
        extra_kwargs = {
            "id": {"help_text": _("Report id.")},
            "version": {"help_text": _("Bumped by every correction; also the ETag.")},
            "updated_at": {"help_text": _("When the report last changed; use with updated_after to sync.")},
        }

    def validate(self, attrs):
        immutable(
            self,
            attrs,
            ["project", "month"],
            _("A report belongs to one project and month; correct its amount, or report another month."),
        )
        # A second report of the same month is refused by the service, under the project's lock
        # (a check here would race a concurrent POST): 409, naming the report to correct instead.
        return attrs

    def create(self, validated_data):
        validated_data.pop("version", None)
        return services.investment_report(by=acting_user(self), **validated_data)

    def update(self, instance, validated_data):
        # PUT/PATCH names the report, so it is a correction; the service requires a version for
        # one. Without If-Match the API's writes are unchecked (docs/api.md): the version read
        # for this request stands in, and the service still refuses it if a writer slipped in.
        version = validated_data.get("version")
        return services.investment_report(
            project=instance.project,
            month=instance.month,
            amount=validated_data.get("amount", instance.amount),
            note=validated_data.get("note", instance.note),
            by=acting_user(self),
            version=instance.version if version is None else version,
        )


# --- annual targets -----------------------------------------------------------------------


def count_field(help_text):
    return serializers.IntegerField(
        min_value=0, max_value=MAX_INT, required=False, default=0, help_text=help_text
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Duanzhou 2025",
            request_only=True,
            value={
                "region": "441202",
                "year": 2025,
                "investment": "12000000000.00",
                "investment_h1": "5000000000.00",
                "signed": 40,
                "started": 30,
                "completed": 20,
                "in_production": 15,
            },
        )
    ]
)
class AnnualTargetSerializer(serializers.ModelSerializer):
    region = RegionCodeField(help_text=_("6-digit code of the region; it cannot be changed afterwards."))
    year = serializers.IntegerField(
        min_value=2000, max_value=2100, help_text=_("The year; it cannot be changed afterwards.")
    )
    investment = money_field(_("Investment target for the year, in yuan (2-decimal string)."))
    investment_h1 = money_field(
        _("Investment target for the first half-year, in yuan; not more than the year's.")
    )
    signed = count_field(_("Projects to sign in the year."))
    started = count_field(_("Projects to start construction in the year."))
    completed = count_field(_("Projects to complete in the year."))
    in_production = count_field(_("Projects to put into production in the year."))

    class Meta:
        model = AnnualTarget
        fields = ["id", "region", "year", *services.TARGET_FIGURES, "version", "updated_at"]
        read_only_fields = ["id", "version", "updated_at"]
        validators = []  # one target per region and year: checked in validate() with a clearer message
        extra_kwargs = {
            "id": {"help_text": _("Target id.")},
            "version": {"help_text": _("Bumped by every change; also the ETag.")},
            "updated_at": {"help_text": _("When the target last changed; use with updated_after to sync.")},
        }

    def validate(self, attrs):
        immutable(
            self, attrs, ["region", "year"], _("A target belongs to one region and year; change its figures.")
        )
        investment = attrs.get("investment", getattr(self.instance, "investment", None))
        investment_h1 = attrs.get("investment_h1", getattr(self.instance, "investment_h1", None))
        if investment is not None and investment_h1 is not None and investment_h1 > investment:
            raise serializers.ValidationError(
                {"investment_h1": [_("The first-half target cannot exceed the whole year's target.")]}
            )
        # A second target of the region and year is refused by the service, under the region's
        # lock (a check here would race a concurrent POST): 409, naming the target to change.
        return attrs

    def create(self, validated_data):
        validated_data.pop("version", None)
        return services.target_set(by=acting_user(self), **validated_data)

    def update(self, instance, validated_data):
        # target_set replaces every figure: a PATCH keeps the ones it does not send.
        figures = {
            name: validated_data.get(name, getattr(instance, name)) for name in services.TARGET_FIGURES
        }
        # Without If-Match the version read for this request stands in (as for reports): the
        # service still refuses the write if another one slipped in since.
        version = validated_data.get("version")
        return services.target_set(
            region=instance.region,
            year=instance.year,
            by=acting_user(self),
            version=instance.version if version is None else version,
            **figures,
        )
