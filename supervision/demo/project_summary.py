"""The counts seed_demo prints about the demo projects after seeding."""

from collections import Counter
from decimal import Decimal

from django.db.models import Sum

from projects.choices import Stage, Status
from projects.models import AnnualTarget, InvestmentReport, StageTransition


def project_summary_lines(demo) -> list[str]:
    """Projects by stage and status, their history, investment and the annual targets."""
    by_stage = Counter(demo.values_list("stage", flat=True))
    by_status = Counter(demo.values_list("status", flat=True))
    reports = InvestmentReport.objects.filter(project__in=demo)
    total = reports.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return [
        f"Projects: {demo.count()} ({demo.major().count()} major)",
        *(f"  {stage.value:<14} {by_stage.get(stage.value, 0):>4}" for stage in Stage),
        "  " + ", ".join(f"{status.value} {by_status.get(status.value, 0)}" for status in Status),
        f"Stage transitions: {StageTransition.objects.filter(project__in=demo).count()}",
        f"Investment reports: {reports.count()} (total {total / Decimal('1e8'):.2f} 亿元)",
        f"Annual targets: {AnnualTarget.objects.count()}",
    ]
