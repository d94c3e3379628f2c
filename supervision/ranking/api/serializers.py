"""Shapes of the ranking and bulletin resources.

The ranking is computed by supervision.ranking and returned as ranking_as_json
builds it; these serializers validate the query and describe that shape in the
OpenAPI schema, indicator by indicator, so a client knows which values are JSON
numbers (counts) and which are decimal strings (money, rates, days, scores).
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from supervision.choices import Indicator, PeriodKind
from supervision.models import Bulletin
from supervision.periods import rankable

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
        if not rankable(value):
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
    year = serializers.IntegerField(help_text=_("The year the weights apply to."))
    weights = serializers.DictField(
        child=serializers.DecimalField(max_digits=6, decimal_places=2),
        help_text=_("Weight per indicator, as decimal strings."),
    )
    is_default = serializers.BooleanField(
        help_text=_("true: the default scheme (no scheme set for the year).")
    )


class RankingRowSerializer(serializers.Serializer):
    region = serializers.CharField(help_text=_("6-digit administrative code."))
    region_name = serializers.CharField(help_text=_("Name in Chinese."))
    region_name_en = serializers.CharField(help_text=_("Name in English (may be empty)."))
    rank = serializers.IntegerField(help_text=_("Standard competition rank on the score (1, 2, 2, 4)."))
    score = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Composite score: sum of weight × value / max.")
    )
    investment_target = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        allow_null=True,
        help_text=_("The year's investment target; null without one."),
    )
    indicators = IndicatorsSerializer(help_text=_("Every indicator of the ranking, by name."))


class RankingSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PeriodKind.choices, help_text=_("weekly, monthly or quarterly."))
    period = serializers.CharField(help_text=_("2024-W24, 2024-06 or 2024-Q2."))
    period_start = serializers.DateField(help_text=_("First day of the period."))
    period_end = serializers.DateField(help_text=_("The as-of date."))
    scheme = SchemeSerializer(help_text=_("The weights the scores were computed with."))
    rows = RankingRowSerializer(many=True, help_text=_("Every ranked region, by rank then code."))


class BulletinRowSerializer(RankingRowSerializer):
    previous_rank = serializers.IntegerField(
        allow_null=True, help_text=_("Rank in the previous bulletin of the same kind; null if none.")
    )
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


@extend_schema_field(SchemeSerializer)
class FrozenSchemeField(serializers.JSONField):
    """The scheme exactly as it was frozen into the bulletin."""


@extend_schema_field(BulletinRowSerializer(many=True))
class FrozenRowsField(serializers.JSONField):
    """The rows exactly as published: no re-formatting of a frozen figure."""


class BulletinSerializer(serializers.ModelSerializer):
    period = serializers.SerializerMethodField(help_text=_("2024-W24, 2024-06 or 2024-Q2."))
    downloads = serializers.SerializerMethodField(
        help_text=_("Links to the workbook (xlsx), the printable page (html) and, where available, the PDF.")
    )

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
        extra_kwargs = {
            "id": {"help_text": _("Bulletin id.")},
            "kind": {"help_text": _("weekly, monthly or quarterly.")},
            "period_start": {"help_text": _("First day of the period.")},
            "period_end": {"help_text": _("Last day of the period: the as-of date of the ranking.")},
            "revision": {"help_text": _("1 for the original; a correction is a new revision.")},
            "is_current": {"help_text": _("false for a revision replaced by a correction.")},
            "status": {"help_text": _("draft or published.")},
            "reason": {"help_text": _("Why this revision corrects the previous one (empty for revision 1).")},
            "generated_at": {"help_text": _("When the figures were computed.")},
            "published_at": {"help_text": _("When it was published; null for a draft.")},
        }

    def get_period(self, bulletin) -> str:
        return bulletin.period.label

    def get_downloads(self, bulletin) -> dict[str, str]:
        request = self.context.get("request")
        from supervision.ranking.exports import pdf_available  # imported on use, like the downloads

        names = ["xlsx", "html"] + (["pdf"] if pdf_available() else [])
        links = {name: reverse(f"bulletin-{name}", args=[bulletin.pk]) for name in names}
        return {name: request.build_absolute_uri(url) if request else url for name, url in links.items()}


class BulletinDetailSerializer(BulletinSerializer):
    scheme = FrozenSchemeField(read_only=True, help_text=_("The weights the scores were computed with."))
    rows = FrozenRowsField(read_only=True, help_text=_("One row per ranked region, by rank, as published."))

    class Meta(BulletinSerializer.Meta):
        fields = [*BulletinSerializer.Meta.fields, "scheme", "rows"]
