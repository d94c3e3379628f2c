"""Keeping InvestmentRollup equal to the raw investment reports.

Every change is an additive delta (``amount = amount + delta``) applied with an
UPDATE, so two transactions touching the same region and month serialise on the
row lock and neither loses the other's change; recomputing the sum from the raw
rows instead would let the later of two concurrent writers overwrite the
earlier one's figure with a sum taken before that one committed.

Callers are the services in projects.services, inside their transaction.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum

from projects.choices import Status
from projects.models import InvestmentReport, InvestmentRollup, Project

ZERO = Decimal("0")


def rollup_add(*, region_id: int, month: datetime.date, delta: Decimal) -> None:
    if not delta:
        return
    updated = InvestmentRollup.objects.filter(region_id=region_id, month=month).update(
        amount=F("amount") + delta
    )
    if updated:
        return
    try:
        # The savepoint keeps the caller's transaction usable if another
        # transaction inserted the same row first; then the UPDATE applies.
        with transaction.atomic():
            InvestmentRollup.objects.create(region_id=region_id, month=month, amount=delta)
    except IntegrityError:
        InvestmentRollup.objects.filter(region_id=region_id, month=month).update(amount=F("amount") + delta)


def rollup_move_project(*, project: Project, from_region_id: int | None, to_region_id: int | None) -> None:
    """Take a project's reports out of one region's sums and add them to another's.

    ``None`` on one side means "not counted": cancelling passes ``to_region_id=None``,
    reactivating ``from_region_id=None``. Months go in order so that two such moves
    lock rollup rows in the same order and cannot deadlock.
    """
    months = (
        InvestmentReport.objects.filter(project=project)
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by("month")
    )
    for row in months:
        if from_region_id is not None:
            rollup_add(region_id=from_region_id, month=row["month"], delta=-row["total"])
        if to_region_id is not None:
            rollup_add(region_id=to_region_id, month=row["month"], delta=row["total"])


def raw_totals() -> dict[tuple[int, datetime.date], Decimal]:
    """Region × month sums computed from the raw reports: what the rollup must equal."""
    rows = (
        InvestmentReport.objects.exclude(project__status=Status.CANCELLED)
        .values("project__region_id", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(row["project__region_id"], row["month"]): row["total"] for row in rows}


def rollup_mismatches() -> list[tuple[int, datetime.date, Decimal, Decimal]]:
    """(region id, month, rollup, raw) for every cell where the two disagree."""
    raw = raw_totals()
    stored = defaultdict(lambda: ZERO)
    for region_id, month, amount in InvestmentRollup.objects.values_list("region_id", "month", "amount"):
        stored[(region_id, month)] = amount
    keys = sorted(set(raw) | set(stored))
    return [
        (region_id, month, stored[(region_id, month)], raw.get((region_id, month), ZERO))
        for region_id, month in keys
        if stored[(region_id, month)] != raw.get((region_id, month), ZERO)
    ]


@transaction.atomic
def rollup_rebuild() -> int:
    """Recompute the whole table from the raw reports in one statement; returns the rows written.

    For repair and for bulk loads (bench/ranking.py). It locks the table so no
    service adds a delta to a row that is about to be replaced.
    """
    table = InvestmentRollup._meta.db_table
    reports = InvestmentReport._meta.db_table
    projects = Project._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f"INSERT INTO {table} (region_id, month, amount) "
            f"SELECT p.region_id, r.month, SUM(r.amount) FROM {reports} r "
            f"JOIN {projects} p ON p.id = r.project_id "
            "WHERE p.status <> %s GROUP BY p.region_id, r.month",
            [Status.CANCELLED.value],
        )
        return cursor.rowcount
