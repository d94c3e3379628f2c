"""Shapes of the ranking and bulletin resources.

The ranking is computed by supervision.ranking and returned as ranking_as_json
builds it; these serializers validate the query and describe that shape in the
OpenAPI schema, indicator by indicator, so a client knows which values are JSON
numbers (counts) and which are decimal strings (money, rates, days, scores).
"""

import datetime

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..choices import Indicator, PeriodKind
from ..models import Bulletin

# The years a ranking can be asked for; outside them the period math has no meaning here.
DATE_RANGE = (datetime.date(2000, 1, 1), datetime.date(2100, 12, 31))

COUNT_INDICATORS = {
    Indicator.SIGNED,
    Indicator.LAND_SUPPLIED,
    Indicator.STARTED,
    Indicator.COMPLETED,
    Indicator.IN_PRODUCTION,
    Indicator.ABOVE_SCALE,
    Indicator.PROBLEMS_RAISED,
    Indicator.PROBLEMS_RESOLVED,
    Indicator.PROBLEMS_OVERDUE,
}


class RankingQuerySerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False,
        help_text=_(
            "Any day of the period (YYYY-MM-DD); default: today. The ranking is as of the period's last day."
        ),
    )
    kind = serializers.ChoiceField(
        choices=PeriodKind.choices, default=PeriodKind.WEEKLY, help_text=_("weekly, monthly or quarterly.")
    )

    def validate_date(self, value):
        if not DATE_RANGE[0] <= value <= DATE_RANGE[1]:
            raise serializers.ValidationError(_("Give a date between 2000 and 2100."))
        return value


class CountCellSerializer(serializers.Serializer):
    value = serializers.IntegerField(help_text=_("Year to date, up to the period's last day."))
    rank = serializers.IntegerField(help_text=_("Standard competition rank among the ranked regions."))
    period_value = serializers.IntegerField(allow_null=True, help_text=_("Within the period itself."))


class DecimalCellSerializer(serializers.Serializer):
    value = serializers.DecimalField(
        max_digits=24,
        decimal_places=4,
        allow_null=True,
        help_text=_("A decimal string; null when undefined."),
    )
    rank = serializers.IntegerField(help_text=_("Standard competition rank; null values rank last."))
    period_value = serializers.DecimalField(
        max_digits=24, decimal_places=4, allow_null=True, help_text=_("Within the period itself.")
    )


IndicatorsSerializer = type(
    "IndicatorsSerializer",
    (serializers.Serializer,),
    {
        str(indicator): (CountCellSerializer if indicator in COUNT_INDICATORS else DecimalCellSerializer)(
            help_text=indicator.label
        )
        for indicator in Indicator
    },
)


class SchemeSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    weights = serializers.DictField(
        child=serializers.DecimalField(max_digits=6, decimal_places=2),
        help_text=_("Weight per indicator, as decimal strings."),
    )
    is_default = serializers.BooleanField(
        help_text=_("true: DESIGN's default scheme (no scheme set for the year).")
    )


class RankingRowSerializer(serializers.Serializer):
    region = serializers.CharField(help_text=_("6-digit administrative code."))
    region_name = serializers.CharField()
    region_name_en = serializers.CharField()
    rank = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=12, decimal_places=2)
    investment_target = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        allow_null=True,
        help_text=_("The year's investment target; null without one."),
    )
    indicators = IndicatorsSerializer()


class RankingSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PeriodKind.choices)
    period = serializers.CharField(help_text=_("2024-W24, 2024-06 or 2024-Q2."))
    period_start = serializers.DateField()
    period_end = serializers.DateField(help_text=_("The as-of date."))
    scheme = SchemeSerializer()
    rows = RankingRowSerializer(many=True, help_text=_("Every ranked region, by rank then code."))


class BulletinRowSerializer(RankingRowSerializer):
    previous_rank = serializers.IntegerField(allow_null=True)
    rank_change = serializers.IntegerField(
        allow_null=True, help_text=_("Previous rank minus this rank: positive means the region moved up.")
    )
    investment_last_year = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        required=False,
        help_text=_("Quarterly only: same window a year earlier."),
    )
    investment_yoy = serializers.DecimalField(
        max_digits=12, decimal_places=4, allow_null=True, required=False, help_text=_("Quarterly only.")
    )


class BulletinSerializer(serializers.ModelSerializer):
    period = serializers.SerializerMethodField(help_text=_("2024-W24, 2024-06 or 2024-Q2."))
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = Bulletin
        fields = [
            "id",
            "kind",
            "period",
            "period_start",
            "period_end",
            "revision",
            "is_current",
            "status",
            "reason",
            "generated_at",
            "published_at",
            "downloads",
        ]

    def get_period(self, bulletin) -> str:
        return bulletin.period.label

    def get_downloads(self, bulletin) -> dict[str, str]:
        request = self.context.get("request")
        from ..bulletin_exports import pdf_available  # imported on use, like the downloads

        names = ["xlsx", "html"] + (["pdf"] if pdf_available() else [])
        links = {name: reverse(f"bulletin-{name}", args=[bulletin.pk]) for name in names}
        return {name: request.build_absolute_uri(url) if request else url for name, url in links.items()}


class BulletinDetailSerializer(BulletinSerializer):
    scheme = SchemeSerializer()
    rows = BulletinRowSerializer(many=True)

    class Meta(BulletinSerializer.Meta):
        fields = [*BulletinSerializer.Meta.fields, "scheme", "rows"]
