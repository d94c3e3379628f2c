"""The sweeper catches up: every overdue period without a bulletin gets exactly one.

A bulletin job whose message cannot be sent (the broker down at Monday 08:00 longer
than Celery's publish retries) leaves no trace; the sweeper (every five minutes)
asks for the bulletin of every complete period since the install's first project
that has none, from 09:00 the day after the period ends. The clock is passed in:
``finish_requested_bulletins(now=...)``.
"""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from celery.beat import ScheduleEntry, Scheduler, SchedulingError
from celery.schedules import crontab
from django.conf import settings

from projects.models import Project, Region
from supervision.choices import BulletinStatus, PeriodKind, RequestStatus
from supervision.models_ranking import Bulletin, BulletinRequest
from supervision.periods import Period, last_complete_period
from supervision.ranking import bulletins as bulletins_module
from supervision.ranking.bulletins import (
    CATCH_UP_FROM,
    bulletin_generate,
    finish_requested_bulletins,
    overdue_periods,
)
from supervision.ranking.tasks import finish_requested_bulletins_task
from tests.fixtures.concurrency import race
from tests.fixtures.ranking import D
from tests.fixtures.worker import Worker, broker, closed_port, wait_for
from zhaoqing_tracker.celery import app

SHANGHAI = ZoneInfo("Asia/Shanghai")
INSTALLED = datetime.datetime(2025, 5, 20, 10, 0, tzinfo=SHANGHAI)  # the first project was recorded
NOW = datetime.datetime(2025, 7, 15, 10, 0, tzinfo=SHANGHAI)  # a Tuesday

# What NOW is owed: every period that ended on or after 20 May and before today.
WEEKS = [D(2025, 5, 19) + datetime.timedelta(weeks=n) for n in range(8)]  # 19 May .. 7 July
MONTHS = [D(2025, 5, 1), D(2025, 6, 1)]
QUARTERS = [D(2025, 4, 1)]
OWED = (
    [(PeriodKind.WEEKLY, start) for start in WEEKS]
    + [(PeriodKind.MONTHLY, start) for start in MONTHS]
    + [(PeriodKind.QUARTERLY, start) for start in QUARTERS]
)


def shanghai(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def bulletins() -> list[tuple[str, datetime.date]]:
    return sorted(Bulletin.objects.values_list("kind", "period_start"))


@pytest.fixture
def installed(make_project, other_region):
    """An install in use since 20 May 2025: projects signed through June, recorded then."""
    make_project(signed_on=D(2025, 5, 21), name="新材料一期")
    make_project(signed_on=D(2025, 6, 10), name="新材料二期")
    make_project(signed_on=D(2025, 6, 11), name="鼎湖电子项目", region=other_region)
    Project.objects.update(created_at=INSTALLED)


# When a period is owed (pure)


def test_a_period_is_owed_once_it_ended_on_or_after_the_first_project():
    weeks = overdue_periods(PeriodKind.WEEKLY, since=D(2025, 5, 20), today=D(2025, 7, 15))
    assert [week.start for week in weeks] == WEEKS
    assert weeks[-1].end == D(2025, 7, 13)
    months = overdue_periods(PeriodKind.MONTHLY, since=D(2025, 5, 20), today=D(2025, 7, 15))
    assert months == [
        Period(PeriodKind.MONTHLY, D(2025, 5, 1), D(2025, 5, 31)),
        Period(PeriodKind.MONTHLY, D(2025, 6, 1), D(2025, 6, 30)),
    ]
    # A period that ended before the first project is not owed; the running one is not either.
    assert overdue_periods(PeriodKind.QUARTERLY, since=D(2025, 7, 1), today=D(2025, 7, 15)) == []
    assert overdue_periods(PeriodKind.WEEKLY, since=D(2025, 7, 14), today=D(2025, 7, 15)) == []


def test_the_catch_up_starts_after_the_scheduled_bulletin_jobs():
    # It must not run ahead of the 08:00 jobs: they include what staff entered that morning.
    for name in ("weekly-bulletin", "monthly-bulletin", "quarterly-bulletin"):
        schedule = app.conf.beat_schedule[name]["schedule"]
        assert isinstance(schedule, crontab)
        assert max(schedule.hour) < CATCH_UP_FROM.hour, name


# The catch-up


def test_periods_missed_while_the_broker_was_down_get_one_bulletin_each(installed):
    assert finish_requested_bulletins(now=NOW) == len(OWED)

    assert bulletins() == sorted(OWED)
    for bulletin in Bulletin.objects.all():
        assert bulletin.is_current and bulletin.revision == 1
        assert bulletin.status == BulletinStatus.PUBLISHED
        assert bulletin.generated_by is None  # the schedule's bulletin, nobody's request
    requests = BulletinRequest.objects.all()
    assert sorted(requests.values_list("kind", "period_start")) == sorted(OWED)
    assert {(r.status, r.attempts, r.publish, r.error) for r in requests} == {
        (RequestStatus.DONE, 1, True, "")
    }

    # Oldest first, so each week's rank changes count from the week before.
    weekly = list(Bulletin.objects.filter(kind=PeriodKind.WEEKLY).order_by("period_start"))
    assert weekly[0].previous is None
    assert [b.previous_id for b in weekly[1:]] == [b.pk for b in weekly[:-1]]
    # The figures are the period's own: W24 (9–15 June) saw one signing in 端州区 and one in 鼎湖区.
    w24 = Bulletin.objects.get(kind=PeriodKind.WEEKLY, period_start=D(2025, 6, 9))
    rows = {row["region"]: row for row in w24.rows}
    assert rows["441202"]["indicators"]["signed"]["period_value"] == 1
    assert rows["441203"]["indicators"]["signed"]["period_value"] == 1
    assert sorted(rows) == sorted(Region.objects.ranked().values_list("code", flat=True))


def test_a_second_sweep_generates_nothing(installed):
    finish_requested_bulletins(now=NOW)
    generated = dict(Bulletin.objects.values_list("pk", "generated_at"))

    assert finish_requested_bulletins(now=NOW) == 0
    assert finish_requested_bulletins(now=NOW + datetime.timedelta(hours=5)) == 0
    assert dict(Bulletin.objects.values_list("pk", "generated_at")) == generated
    assert all(bulletin.history.count() == 1 for bulletin in Bulletin.objects.all())


def test_the_week_just_ended_is_left_to_its_monday_job_until_nine(installed):
    monday = shanghai(2025, 7, 14, 8, 30)  # the week of 7–13 July ended last night
    finish_requested_bulletins(now=monday)
    assert (PeriodKind.WEEKLY, D(2025, 7, 7)) not in bulletins()
    assert (PeriodKind.WEEKLY, D(2025, 6, 30)) in bulletins()

    assert finish_requested_bulletins(now=shanghai(2025, 7, 14, 9, 0)) == 1
    assert (PeriodKind.WEEKLY, D(2025, 7, 7)) in bulletins()


def test_a_fresh_install_catches_up_nothing_it_did_not_live_through(make_project, today):
    assert finish_requested_bulletins() == 0  # no project: nothing to rank
    # A ledger import brings signing dates of years ago, recorded today.
    make_project(signed_on=D(2021, 3, 1))
    make_project(signed_on=today - datetime.timedelta(days=30))
    assert finish_requested_bulletins() == 0
    assert not Bulletin.objects.exists() and not BulletinRequest.objects.exists()


def test_bulletins_that_exist_are_left_as_they_are(installed, city_admin):
    draft = bulletin_generate(
        period=Period(PeriodKind.MONTHLY, D(2025, 6, 1), D(2025, 6, 30)), by=city_admin, publish=False
    )
    published = bulletin_generate(
        period=Period(PeriodKind.WEEKLY, D(2025, 6, 2), D(2025, 6, 8)), by=city_admin
    )

    assert finish_requested_bulletins(now=NOW) == len(OWED) - 2
    assert bulletins() == sorted(OWED)
    draft.refresh_from_db()
    assert draft.status == BulletinStatus.DRAFT  # the city admin may still be editing it
    assert draft.history.count() == 1 and published.history.count() == 1


def test_a_period_that_fails_holds_back_the_later_ones_of_its_kind(installed, monkeypatch):
    real = bulletins_module.compute_ranking
    broken_week = D(2025, 6, 16)

    def failing(period, **kwargs):
        if period.start == broken_week and period.kind == PeriodKind.WEEKLY:
            raise RuntimeError("数据库连接中断")
        return real(period, **kwargs)

    monkeypatch.setattr(bulletins_module, "compute_ranking", failing)
    made = finish_requested_bulletins(now=NOW)

    weekly = [start for kind, start in bulletins() if kind == PeriodKind.WEEKLY]
    assert weekly == [start for start in WEEKS if start < broken_week]
    assert made == len(weekly) + len(MONTHS) + len(QUARTERS)  # the other kinds went on
    request = BulletinRequest.objects.get(kind=PeriodKind.WEEKLY, period_start=broken_week)
    assert (request.status, request.attempts, request.bulletin) == (RequestStatus.PENDING, 1, None)
    assert "数据库连接中断" in request.error
    # Still broken a sweep later: nothing new, the later weeks wait behind it.
    assert finish_requested_bulletins(now=NOW + datetime.timedelta(minutes=5)) == 0

    monkeypatch.setattr(bulletins_module, "compute_ranking", real)
    assert finish_requested_bulletins(now=NOW + datetime.timedelta(minutes=10)) == len(WEEKS) - len(weekly)
    assert bulletins() == sorted(OWED)
    weekly = list(Bulletin.objects.filter(kind=PeriodKind.WEEKLY).order_by("period_start"))
    assert [b.previous_id for b in weekly[1:]] == [b.pk for b in weekly[:-1]]


def test_a_request_left_for_a_person_stops_its_kind_until_it_is_done(installed, city_admin):
    stuck = BulletinRequest.objects.create(
        kind=PeriodKind.MONTHLY,
        period_start=D(2025, 5, 1),
        requested_at=INSTALLED,
        status=RequestStatus.FAILED,
        attempts=5,
        error="数据库连接中断",
    )
    finish_requested_bulletins(now=NOW)
    assert not Bulletin.objects.filter(kind=PeriodKind.MONTHLY).exists()

    bulletin_generate(period=Period(PeriodKind.MONTHLY, D(2025, 5, 1), D(2025, 5, 31)), by=city_admin)
    stuck.refresh_from_db()
    assert stuck.status == RequestStatus.DONE
    assert finish_requested_bulletins(now=NOW) == 1  # June
    assert bulletins() == sorted(OWED)


# Concurrent sweeps (two beat processes by mistake, or a sweep running long)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_make_one_bulletin_per_period(installed):
    results, errors = race(4, lambda i: finish_requested_bulletins(now=NOW))

    assert errors == [None] * 4
    assert sum(results) == len(OWED)  # each period generated by one sweep
    assert bulletins() == sorted(OWED)
    assert BulletinRequest.objects.count() == len(OWED)
    assert all(bulletin.history.count() == 1 for bulletin in Bulletin.objects.all())
    assert set(BulletinRequest.objects.values_list("status", "attempts")) == {(RequestStatus.DONE, 1)}


# A real worker on Redis, the broker down at the scheduled time


@pytest.fixture
def worker(transactional_db, queue, tmp_path):
    """A ``celery worker`` process on the private queue, stopped (with its connections) afterwards."""
    started = Worker(queue=queue, redis_url=settings.REDIS_URL, log_path=tmp_path / "worker.log")
    try:
        yield started.start()
    finally:
        started.stop()
        started.close_database_backends()
        print(f"----- worker log -----\n{started.log()}")  # shown by pytest when the test failed


def sweeps_in_log(worker: Worker) -> list[int]:
    """What each run of the sweeper task in the worker returned, from its log."""
    pattern = re.escape(finish_requested_bulletins_task.name) + r"\[[^\]]+\] succeeded in [\d.]+s: (\d+)"
    return [int(count) for count in re.findall(pattern, worker.log())]


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_bulletin_job_lost_to_a_broker_outage_arrives_once_the_broker_is_back(
    make_project, other_region, today, worker, queue
):
    week = last_complete_period(PeriodKind.WEEKLY, today).previous()  # overdue whatever the hour
    make_project(signed_on=week.end, name="新材料一期")
    make_project(signed_on=week.end, name="鼎湖电子项目", region=other_region)
    Project.objects.update(created_at=datetime.datetime.combine(week.start, datetime.time(10), SHANGHAI))

    # Monday 08:00: beat sends the weekly job as it sends every entry, and the broker is down.
    entry = ScheduleEntry(name="weekly-bulletin", app=app, **app.conf.beat_schedule["weekly-bulletin"])
    with broker(f"redis://127.0.0.1:{closed_port()}/0"), pytest.raises(SchedulingError):
        Scheduler(app=app, lazy=True).apply_async(entry, advance=False)
    assert not Bulletin.objects.exists() and not BulletinRequest.objects.exists()  # no trace left

    # The broker is back: the next sweep, run by the worker, asks for what was missed.
    finish_requested_bulletins_task.apply_async(queue=queue)
    (made,) = wait_for(
        lambda: sweeps_in_log(worker),
        timeout=60,
        message=lambda: f"the sweeper did not finish\n{worker.log()}",
    )
    bulletin = Bulletin.objects.get(kind=PeriodKind.WEEKLY, period_start=week.start)
    assert bulletin.status == BulletinStatus.PUBLISHED and bulletin.period_end == week.end
    rows = {row["region"]: row for row in bulletin.rows}
    assert rows["441202"]["indicators"]["signed"]["period_value"] == 1
    assert rows["441203"]["indicators"]["signed"]["period_value"] == 1
    # Also last week's (and a month's or quarter's that ended since): one bulletin each.
    assert made == Bulletin.objects.count() == BulletinRequest.objects.count()
    assert set(BulletinRequest.objects.values_list("status", flat=True)) == {RequestStatus.DONE}

    # The next sweep finds nothing to do.
    finish_requested_bulletins_task.apply_async(queue=queue)
    wait_for(
        lambda: len(sweeps_in_log(worker)) == 2,
        timeout=60,
        message=lambda: f"the second sweep did not finish\n{worker.log()}",
    )
    assert sweeps_in_log(worker) == [made, 0]
    assert Bulletin.objects.filter(kind=PeriodKind.WEEKLY, period_start=week.start).count() == 1
