"""supervision/bulletins.py: frozen rankings per (kind, period), rank changes, revisions, requests.

Figures are hand-computed in the comments. Only ``started`` is entered (no targets,
no problems), so a region's default score is 15 × started / max(started).
"""

import types
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from projects import services as project_services
from supervision.choices import BulletinStatus, PeriodKind, RequestStatus
from supervision.management.commands import generate_bulletin as command_module
from supervision.models_ranking import Bulletin, BulletinRequest
from supervision.periods import Period, period_containing
from supervision.ranking import bulletins as bulletins_module
from supervision.ranking import tasks
from supervision.ranking.bulletins import (
    bulletin_generate,
    bulletin_publish,
    bulletin_request,
    bulletin_revise,
    finish_requested_bulletins,
)
from tests.fixtures.ranking import A, B, C, D, E
from tests.fixtures.worker import broker, closed_port

W24 = Period(PeriodKind.WEEKLY, D(2025, 6, 9), D(2025, 6, 15))  # 2025-W24
W25 = Period(PeriodKind.WEEKLY, D(2025, 6, 16), D(2025, 6, 22))  # 2025-W25
W26 = Period(PeriodKind.WEEKLY, D(2025, 6, 23), D(2025, 6, 29))
Q2_2025 = Period(PeriodKind.QUARTERLY, D(2025, 4, 1), D(2025, 6, 30))


def started(build, region, on, count=1):
    for _ in range(count):
        build(region, D(2025, 1, 2), D(2025, 1, 3), on)


def by_region(bulletin):
    return {row["region"]: row for row in bulletin.rows}


def summary(bulletin):
    """(region, rank, score, started YTD, started in the period, previous rank, change) per row."""
    return [
        (
            row["region"],
            row["rank"],
            row["score"],
            row["indicators"]["started"]["value"],
            row["indicators"]["started"]["period_value"],
            row["previous_rank"],
            row["rank_change"],
        )
        for row in bulletin.rows
    ]


@pytest.fixture
def week_24(four_ranked, build):
    """A: 2 started (Feb), B: 1 started (Jun 10, in W24), C and E nothing."""
    started(build, four_ranked[A], D(2025, 2, 1), 2)
    started(build, four_ranked[B], D(2025, 6, 10))
    return four_ranked


# Rank changes


def test_rank_change_between_two_weekly_bulletins(week_24, build, city_admin):
    first = bulletin_generate(period=W24, by=city_admin)
    # A: 15*2/2 = 15.00; B: 15*1/2 = 7.50; C, E: 0.00 (tied 3rd). The first bulletin has no changes.
    assert summary(first) == [
        (A, 1, "15.00", 2, 0, None, None),
        (B, 2, "7.50", 1, 1, None, None),
        (C, 3, "0.00", 0, 0, None, None),
        (E, 3, "0.00", 0, 0, None, None),
    ]
    assert first.is_published
    assert first.previous is None
    assert first.generated_by == city_admin

    # In W25 C starts three projects and E one.
    started(build, week_24[C], D(2025, 6, 17), 3)
    started(build, week_24[E], D(2025, 6, 22), 1)
    second = bulletin_generate(period=W25, by=city_admin)
    # Max started 3: C 15.00, A 10.00, B 5.00, E 5.00.
    # Changes (previous - now): C 3 -> 1 = +2, A 1 -> 2 = -1, B 2 -> 3 = -1, E 3 -> 3 = 0.
    assert summary(second) == [
        (C, 1, "15.00", 3, 3, 3, 2),
        (A, 2, "10.00", 2, 0, 1, -1),
        (B, 3, "5.00", 1, 0, 2, -1),
        (E, 3, "5.00", 1, 1, 3, 0),
    ]
    assert second.previous == first

    # The published W24 bulletin did not move.
    first.refresh_from_db()
    assert by_region(first)[C]["indicators"]["started"]["value"] == 0
    assert by_region(first)[C]["rank"] == 3


def test_rank_changes_count_from_the_last_published_bulletin_only(week_24, build, city_admin):
    published = bulletin_generate(period=W24, by=city_admin)
    started(build, week_24[C], D(2025, 6, 17), 3)
    draft = bulletin_generate(period=W25, by=city_admin, publish=False)
    assert draft.previous == published
    third = bulletin_generate(period=W26, by=city_admin)
    # W25 is only a draft, so W26 counts from W24: C 3 -> 1 (+2).
    assert third.previous == published
    assert by_region(third)[C]["rank_change"] == 2
    # A monthly bulletin never counts from a weekly one.
    monthly = bulletin_generate(period=period_containing(PeriodKind.MONTHLY, D(2025, 6, 1)), by=city_admin)
    assert monthly.previous is None
    assert {row["rank_change"] for row in monthly.rows} == {None}


# Quarterly year on year


def test_quarterly_bulletin_has_year_on_year_investment(four_ranked, build, report, county_staff, city_admin):
    a, b, c = four_ranked[A], four_ranked[B], four_ranked[C]
    a1 = build(a, D(2023, 6, 1))
    report(a1, D(2024, 1, 1), "600.00")
    report(a1, D(2024, 6, 1), "300.00")
    report(a1, D(2024, 7, 1), "9999.00")  # after June 2024: not in last year's window
    report(a1, D(2025, 3, 1), "1000.00")
    gone = build(a, D(2023, 6, 1))
    report(gone, D(2024, 2, 1), "5000.00")
    project_services.project_cancel(project=gone, reason="清退", by=county_staff)
    b1 = build(b, D(2025, 1, 2))
    report(b1, D(2025, 4, 1), "300.00")
    c1 = build(c, D(2023, 6, 1))
    report(c1, D(2024, 5, 1), "200.00")

    bulletin = bulletin_generate(period=Q2_2025, by=city_admin)
    rows = by_region(bulletin)
    yoy = {
        code: (row["indicators"]["investment"]["value"], row["investment_last_year"], row["investment_yoy"])
        for code, row in rows.items()
    }
    assert yoy == {
        # (1000 - 900) / 900 = 0.1111..; the cancelled project's 5,000.00 does not count.
        A: ("1000.00", "900.00", "0.1111"),
        B: ("300.00", "0.00", None),  # nothing last year: no growth rate
        C: ("0.00", "200.00", "-1.0000"),
        E: ("0.00", "0.00", None),
    }
    assert bulletin.period.label == "2025-Q2"

    weekly = bulletin_generate(period=W24, by=city_admin)
    assert "investment_yoy" not in weekly.rows[0]
    assert "investment_last_year" not in weekly.rows[0]


# Idempotence (house rule 8)


def test_regenerating_a_draft_replaces_it(week_24, build, city_admin):
    draft = bulletin_generate(period=W24, by=city_admin, publish=False)
    assert draft.status == BulletinStatus.DRAFT
    assert draft.published_at is None
    assert by_region(draft)[C]["indicators"]["started"]["value"] == 0

    started(build, week_24[C], D(2025, 6, 12), 2)
    again = bulletin_generate(period=W24, by=city_admin, publish=False)
    assert again.pk == draft.pk
    assert Bulletin.objects.count() == 1
    # C now 2 started, tied with A: both 15.00, rank 1; B 7.50, rank 3.
    assert [(row["region"], row["rank"], row["score"]) for row in again.rows] == [
        (A, 1, "15.00"),
        (C, 1, "15.00"),
        (B, 3, "7.50"),
        (E, 4, "0.00"),
    ]
    stored = Bulletin.objects.get()
    assert stored.rows == again.rows
    assert stored.status == BulletinStatus.DRAFT


def test_generating_a_published_bulletin_again_changes_nothing(week_24, build, city_admin):
    published = bulletin_generate(period=W24, by=city_admin)
    frozen = Bulletin.objects.get().rows
    started(build, week_24[C], D(2025, 6, 12), 5)
    again = bulletin_generate(period=W24, by=city_admin)
    again_draft = bulletin_generate(period=W24, by=city_admin, publish=False)
    assert again.pk == again_draft.pk == published.pk
    stored = Bulletin.objects.get()
    assert stored.rows == frozen
    assert stored.is_published
    assert stored.published_at == published.published_at
    assert by_region(stored)[C]["indicators"]["started"]["value"] == 0


def test_the_database_refuses_a_second_current_bulletin_for_a_period(week_24, city_admin):
    bulletin = bulletin_generate(period=W24, by=city_admin)
    duplicate = {
        "kind": bulletin.kind,
        "period_start": bulletin.period_start,
        "period_end": bulletin.period_end,
        "scheme": bulletin.scheme,
        "rows": [],
        "generated_at": timezone.now(),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Bulletin.objects.create(**duplicate, revision=2, reason="重复", is_current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Bulletin.objects.create(**duplicate, revision=1, is_current=False)  # same revision number
    # Another kind for the same dates is a different bulletin.
    Bulletin.objects.create(**{**duplicate, "kind": PeriodKind.MONTHLY})
    assert Bulletin.objects.filter(kind=PeriodKind.WEEKLY).count() == 1


# Publishing and revising


def test_publish_a_draft_once(week_24, city_admin):
    draft = bulletin_generate(period=W24, by=city_admin, publish=False)
    published = bulletin_publish(bulletin=draft, by=city_admin)
    assert published.status == BulletinStatus.PUBLISHED
    assert published.published_at is not None
    with pytest.raises(ValidationError) as caught:
        bulletin_publish(bulletin=draft, by=city_admin)
    assert caught.value.code == "published"
    assert Bulletin.objects.get().published_at == published.published_at


def test_revise_a_published_bulletin(week_24, build, city_admin):
    original = bulletin_generate(period=W24, by=city_admin)
    started(build, week_24[C], D(2025, 6, 14), 4)  # entered late, dated inside W24

    with pytest.raises(ValidationError):
        bulletin_revise(bulletin=original, reason="   ", by=city_admin)
    assert Bulletin.objects.count() == 1

    revised = bulletin_revise(bulletin=original, reason="高要区补录4个开工项目", by=city_admin)
    assert (revised.revision, revised.is_current, revised.reason) == (2, True, "高要区补录4个开工项目")
    assert revised.is_published
    # Max started 4: C 15.00, A 15*2/4 = 7.50, B 15*1/4 = 3.75, E 0.
    assert [(row["region"], row["rank"], row["score"]) for row in revised.rows] == [
        (C, 1, "15.00"),
        (A, 2, "7.50"),
        (B, 3, "3.75"),
        (E, 4, "0.00"),
    ]
    old = Bulletin.objects.get(pk=original.pk)
    assert old.revision == 1
    assert not old.is_current
    assert old.is_published
    assert [row["region"] for row in old.rows] == [A, B, C, E]  # still readable as published
    assert Bulletin.objects.get(kind=PeriodKind.WEEKLY, period_start=W24.start, is_current=True) == revised

    # Only the current revision can be corrected; a rerun of the job keeps revision 2.
    with pytest.raises(ValidationError):
        bulletin_revise(bulletin=old, reason="再次更正", by=city_admin)
    assert bulletin_generate(period=W24, by=city_admin).pk == revised.pk
    assert Bulletin.objects.count() == 2


def test_a_draft_is_not_revised(week_24, city_admin):
    draft = bulletin_generate(period=W24, by=city_admin, publish=False)
    with pytest.raises(ValidationError):
        bulletin_revise(bulletin=draft, reason="更正", by=city_admin)
    assert Bulletin.objects.count() == 1


# Requests and the sweeper


def test_bulletin_request_runs_eagerly_and_finishes(week_24, city_admin, eager_celery):
    request = bulletin_request(period=W24, by=city_admin, publish=True)
    assert request.status == RequestStatus.DONE
    assert request.error == ""
    bulletin = request.bulletin
    assert (bulletin.kind, bulletin.period_start, bulletin.period_end) == ("weekly", W24.start, W24.end)
    assert bulletin.is_published
    assert [row["region"] for row in bulletin.rows] == [A, B, C, E]
    assert BulletinRequest.objects.count() == 1


def test_bulletin_request_for_a_draft(week_24, city_admin, eager_celery):
    request = bulletin_request(period=W24, by=city_admin)
    assert request.status == RequestStatus.DONE
    assert request.bulletin.status == BulletinStatus.DRAFT
    # Asking again (publish this time) uses the same request row and publishes the draft.
    again = bulletin_request(period=W24, by=city_admin, publish=True)
    assert again.pk == request.pk
    assert again.bulletin.pk == request.bulletin.pk
    assert again.bulletin.is_published


def _pending(period, *, minutes_ago, attempts=0, publish=True):
    return BulletinRequest.objects.create(
        kind=period.kind,
        period_start=period.start,
        status=RequestStatus.PENDING,
        publish=publish,
        requested_at=timezone.now() - timezone.timedelta(minutes=minutes_ago),
        attempts=attempts,
    )


def test_the_sweeper_finishes_waiting_requests_and_records_errors(week_24, monkeypatch):
    ok = _pending(W24, minutes_ago=120)
    broken = _pending(W25, minutes_ago=90)
    last_try = _pending(W26, minutes_ago=80, attempts=4)
    fresh = _pending(period_containing(PeriodKind.MONTHLY, D(2025, 6, 1)), minutes_ago=0)

    real = bulletins_module.compute_ranking

    def failing_for_w25_and_w26(period, **kwargs):
        if period.start in (W25.start, W26.start):
            raise RuntimeError("数据库连接中断")
        return real(period, **kwargs)

    monkeypatch.setattr(bulletins_module, "compute_ranking", failing_for_w25_and_w26)
    assert finish_requested_bulletins() == 1

    ok.refresh_from_db()
    assert ok.status == RequestStatus.DONE
    assert ok.bulletin.period_start == W24.start
    assert ok.bulletin.is_published
    assert ok.attempts == 1

    broken.refresh_from_db()
    assert (broken.status, broken.attempts) == (RequestStatus.PENDING, 1)
    assert "数据库连接中断" in broken.error
    assert broken.bulletin is None

    last_try.refresh_from_db()
    assert (last_try.status, last_try.attempts) == (RequestStatus.FAILED, 5)

    fresh.refresh_from_db()
    assert (fresh.status, fresh.attempts) == (RequestStatus.PENDING, 0)  # too recent to sweep
    # Nothing half-written for the failed periods.
    assert list(Bulletin.objects.values_list("period_start", flat=True)) == [W24.start]

    monkeypatch.setattr(bulletins_module, "compute_ranking", real)
    assert finish_requested_bulletins() == 1  # the broken one, now that it works
    broken.refresh_from_db()
    assert (broken.status, broken.error) == (RequestStatus.DONE, "")


# The command and the task


def test_generate_bulletin_command(week_24):
    call_command("generate_bulletin", kind="weekly", date=D(2025, 6, 11))
    call_command("generate_bulletin", "--kind=weekly", "--date=2025-06-15")
    bulletin = Bulletin.objects.get()
    assert (bulletin.period_start, bulletin.period_end) == (W24.start, W24.end)
    assert bulletin.is_published
    assert bulletin.revision == 1


def test_generate_bulletin_command_reports_what_it_did(week_24, capsys):
    call_command("generate_bulletin", "--kind=monthly", "--date=2025-06-30", "--draft")
    out = capsys.readouterr().out
    assert "2025-06" in out
    assert "4 regions" in out
    bulletin = Bulletin.objects.get()
    assert bulletin.kind == PeriodKind.MONTHLY
    assert bulletin.status == BulletinStatus.DRAFT


@pytest.mark.parametrize("bad", ["2025-13-01", "11/06/2025", "yesterday"])
def test_generate_bulletin_command_refuses_a_bad_date(week_24, bad):
    with pytest.raises(CommandError):
        call_command("generate_bulletin", "--kind=weekly", f"--date={bad}")
    assert not Bulletin.objects.exists()


@pytest.mark.parametrize(
    ("kind", "today", "start", "end"),
    [
        ("weekly", D(2025, 6, 16), D(2025, 6, 9), D(2025, 6, 15)),  # Monday: last week
        ("weekly", D(2025, 6, 18), D(2025, 6, 9), D(2025, 6, 15)),  # late: still last week
        ("monthly", D(2025, 7, 1), D(2025, 6, 1), D(2025, 6, 30)),
        ("quarterly", D(2025, 7, 1), D(2025, 4, 1), D(2025, 6, 30)),
    ],
)
def test_without_a_date_the_last_complete_period_is_published(week_24, monkeypatch, kind, today, start, end):
    monkeypatch.setattr(command_module, "timezone", types.SimpleNamespace(localdate=lambda: today))
    call_command("generate_bulletin", kind=kind)
    bulletin = Bulletin.objects.get()
    assert (bulletin.kind, bulletin.period_start, bulletin.period_end) == (kind, start, end)
    assert bulletin.is_published


def test_the_task_without_a_date_publishes_the_last_complete_week(week_24, monkeypatch):
    monkeypatch.setattr(tasks, "timezone", types.SimpleNamespace(localdate=lambda: D(2025, 6, 17)))
    pk = tasks.generate_bulletin_task.apply(kwargs={"kind": "weekly"}).get()
    pk_again = tasks.generate_bulletin_task.apply(kwargs={"kind": "weekly", "date": "2025-06-09"}).get()
    assert pk == pk_again
    bulletin = Bulletin.objects.get()
    assert (bulletin.period_start, bulletin.period_end) == (W24.start, W24.end)
    assert by_region(bulletin)[A]["rank"] == 1
    assert Decimal(by_region(bulletin)[B]["score"]) == Decimal("7.50")


def test_generate_bulletin_command_takes_a_date_string_from_call_command(week_24):
    # Django hands call_command's keyword options to handle() as given, without the
    # option's type=: a script or a test passing the date as text must still work.
    call_command("generate_bulletin", kind="weekly", date="2025-06-11")
    bulletin = Bulletin.objects.get()
    assert (bulletin.period_start, bulletin.period_end) == (W24.start, W24.end)
    with pytest.raises(CommandError):
        call_command("generate_bulletin", kind="weekly", date="2025-13-01")


def test_a_request_made_while_the_broker_is_down_is_finished_by_the_sweeper(week_24, city_admin):
    # A real send to a Redis URL where nothing listens.
    with broker(f"redis://127.0.0.1:{closed_port()}/0"):
        request = bulletin_request(period=W24, by=city_admin, publish=True)
    assert request.status == RequestStatus.PENDING
    assert "refused" in request.error.lower()
    assert not Bulletin.objects.exists()

    assert finish_requested_bulletins(older_than_seconds=0) == 1
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert request.bulletin.is_published
    assert [row["region"] for row in request.bulletin.rows] == [A, B, C, E]


# Two workers handed the same message at once (PostgreSQL row locks)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_generations_make_one_bulletin(week_24, city_admin):
    from tests.fixtures.concurrency import race

    results, errors = race(4, lambda i: bulletin_generate(period=W24, by=city_admin).pk)
    assert errors == [None] * 4
    assert len(set(results)) == 1
    bulletin = Bulletin.objects.get()
    assert bulletin.is_published
    assert [(row["region"], row["rank"]) for row in bulletin.rows] == [(A, 1), (B, 2), (C, 3), (E, 3)]
    assert BulletinRequest.objects.get().status == RequestStatus.DONE


def test_a_correction_counts_rank_changes_from_the_corrected_previous_bulletin(week_24, build, city_admin):
    w24 = bulletin_generate(period=W24, by=city_admin)  # A 1, B 2, C 3, E 3
    w25 = bulletin_generate(period=W25, by=city_admin)  # nothing new: A 1, B 2, C 3, E 3
    assert [row["rank_change"] for row in w25.rows] == [0, 0, 0, 0]
    # Three projects of C, started on Jun 12, are entered late; W24 is corrected.
    started(build, week_24[C], D(2025, 6, 12), 3)
    w24_r2 = bulletin_revise(bulletin=w24, reason="高要区补录开工项目", by=city_admin)
    # W24 as corrected: max 3 -> C 15.00 (1st), A 10.00 (2nd), B 5.00 (3rd), E 0 (4th).
    assert [(row["region"], row["rank"]) for row in w24_r2.rows] == [(C, 1), (A, 2), (B, 3), (E, 4)]
    # W25 is corrected too. Its ranks are W24's corrected ones (nothing else changed in W25),
    # so against the W24 bulletin now in force every change is 0, not C +2, A -1, B -1, E -1
    # (the withdrawn first revision). A draft generated now would count from W24 r2 as well.
    w25_r2 = bulletin_revise(bulletin=w25, reason="随第24周更正", by=city_admin)
    assert [(row["region"], row["rank"]) for row in w25_r2.rows] == [(C, 1), (A, 2), (B, 3), (E, 4)]
    assert [(row["region"], row["previous_rank"], row["rank_change"]) for row in w25_r2.rows] == [
        (C, 1, 0),
        (A, 2, 0),
        (B, 3, 0),
        (E, 4, 0),
    ]
    assert w25_r2.previous == w24_r2


def test_a_bulletin_can_be_corrected_more_than_once(week_24, build, city_admin):
    r1 = bulletin_generate(period=W24, by=city_admin)
    r2 = bulletin_revise(bulletin=r1, reason="第一次更正", by=city_admin)
    started(build, week_24[E], D(2025, 6, 13), 2)
    r3 = bulletin_revise(bulletin=r2, reason="第二次更正", by=city_admin)
    assert [(b.revision, b.is_current) for b in Bulletin.objects.order_by("revision")] == [
        (1, False),
        (2, False),
        (3, True),
    ]
    assert r3.reason == "第二次更正"
    # E: 2 started, tied with A at 15.00.
    assert [(row["region"], row["rank"], row["score"]) for row in r3.rows][:2] == [
        (A, 1, "15.00"),
        (E, 1, "15.00"),
    ]
    assert [row["region"] for row in Bulletin.objects.get(pk=r2.pk).rows] == [A, B, C, E]
