"""The beat schedule: bulletins every Monday, every 1st and every quarter's 1st at 08:00 Asia/Shanghai.

The schedule lives in zhaoqing_tracker/celery.py (house rule 7); beat keeps it in
django-celery-beat's tables, where zhaoqing_tracker.beat.AdminEditableScheduler
installs the missing entries and leaves alone what the city admin changed. Runs on
any database, no broker needed: the job itself is run eagerly with ``.apply()``.
"""

import contextlib
import datetime
import json
from zoneinfo import ZoneInfo

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from projects.models import Region
from supervision.choices import BulletinStatus, PeriodKind
from supervision.models_ranking import Bulletin
from supervision.ranking.tasks import generate_bulletin_task
from zhaoqing_tracker.beat import AdminEditableScheduler
from zhaoqing_tracker.celery import app

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC
DAY = datetime.timedelta(days=1)

BULLETIN_ENTRIES = {
    "weekly-bulletin": PeriodKind.WEEKLY,
    "monthly-bulletin": PeriodKind.MONTHLY,
    "quarterly-bulletin": PeriodKind.QUARTERLY,
}
EVERY_DAY_OF_MONTH, EVERY_MONTH, EVERY_WEEKDAY = set(range(1, 32)), set(range(1, 13)), set(range(7))


def shanghai(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@contextlib.contextmanager
def clock(schedule, now: datetime.datetime):
    """The schedule's idea of "now" is ``now`` inside the block.

    The schedule object itself is used, not a copy: copying a crontab rebuilds it
    from its fields and would lose a time zone set on the object.
    """
    saved = schedule.nowfun
    schedule.nowfun = lambda: now
    try:
        yield schedule
    finally:
        schedule.nowfun = saved


def next_run(schedule, after: datetime.datetime) -> datetime.datetime:
    """When ``schedule`` fires next after ``after`` (its last run), as beat computes it, in Shanghai time."""
    with clock(schedule, after):
        return (after + schedule.remaining_estimate(after)).astimezone(SHANGHAI)


def is_due(schedule, *, last_run: datetime.datetime, now: datetime.datetime) -> bool:
    with clock(schedule, now):
        return schedule.is_due(last_run)[0]


# Beat runs in autocommit, and django-celery-beat closes the connection when it finds
# one inside a transaction (close_old_connections), as the plain ``db`` fixture's is.
beat_database = pytest.mark.django_db(transaction=True)


@pytest.fixture
def start_beat():
    """``start_beat()``: what ``celery beat`` does when it starts, with the project's scheduler."""
    schedulers = []

    def start():
        scheduler = AdminEditableScheduler(app=app)  # not lazy: installs the schedule now
        schedulers.append(scheduler)
        return scheduler

    yield start
    for scheduler in schedulers:
        scheduler._finalize.cancel()  # no sync against a dropped test database at exit


# The entries in celery.py


def test_the_bulletin_entries_call_the_bulletin_task_with_their_kind():
    schedule = app.conf.beat_schedule
    app.loader.import_default_modules()
    for name, kind in BULLETIN_ENTRIES.items():
        entry = schedule[name]
        assert entry["task"] == generate_bulletin_task.name == "supervision.tasks.generate_bulletin_task"
        assert entry["task"] in app.tasks
        # Only the kind: the task works out the period that has just ended when it runs.
        assert entry["kwargs"] == {"kind": kind} and not entry.get("args")


def test_the_schedule_runs_in_asia_shanghai():
    assert app.conf.timezone == "Asia/Shanghai"
    assert app.timezone == SHANGHAI
    for name in BULLETIN_ENTRIES:
        assert app.conf.beat_schedule[name]["schedule"].tz == SHANGHAI, name


def test_the_crontab_fields():
    schedule = app.conf.beat_schedule
    weekly, monthly, quarterly = (schedule[name]["schedule"] for name in BULLETIN_ENTRIES)
    for crontab in (weekly, monthly, quarterly):
        assert (crontab.minute, crontab.hour) == ({0}, {8})
    assert (weekly.day_of_week, weekly.day_of_month, weekly.month_of_year) == (
        {1},
        EVERY_DAY_OF_MONTH,
        EVERY_MONTH,
    )
    assert (monthly.day_of_week, monthly.day_of_month, monthly.month_of_year) == (
        EVERY_WEEKDAY,
        {1},
        EVERY_MONTH,
    )
    assert (quarterly.day_of_week, quarterly.day_of_month, quarterly.month_of_year) == (
        EVERY_WEEKDAY,
        {1},
        {1, 4, 7, 10},
    )


@pytest.mark.parametrize(
    "name, after, expected",
    [
        # 2024-06-17 is a Monday.
        ("weekly-bulletin", shanghai(2024, 6, 16, 23, 0), shanghai(2024, 6, 17, 8, 0)),
        ("weekly-bulletin", shanghai(2024, 6, 12, 9, 0), shanghai(2024, 6, 17, 8, 0)),
        # 23:59 UTC on Sunday is 07:59 on Monday in Shanghai: one minute to go.
        ("weekly-bulletin", datetime.datetime(2024, 6, 16, 23, 59, tzinfo=UTC), shanghai(2024, 6, 17, 8, 0)),
        # Just run: next Monday. 08:00 UTC (16:00 in Shanghai) is no run time.
        ("weekly-bulletin", shanghai(2024, 6, 17, 8, 0), shanghai(2024, 6, 24, 8, 0)),
        ("weekly-bulletin", datetime.datetime(2024, 6, 17, 0, 1, tzinfo=UTC), shanghai(2024, 6, 24, 8, 0)),
        ("monthly-bulletin", shanghai(2024, 1, 31, 12, 0), shanghai(2024, 2, 1, 8, 0)),
        ("monthly-bulletin", shanghai(2024, 2, 1, 8, 0), shanghai(2024, 3, 1, 8, 0)),
        ("monthly-bulletin", datetime.datetime(2024, 2, 29, 23, 30, tzinfo=UTC), shanghai(2024, 3, 1, 8, 0)),
        ("quarterly-bulletin", shanghai(2024, 2, 15, 12, 0), shanghai(2024, 4, 1, 8, 0)),
        ("quarterly-bulletin", shanghai(2024, 4, 1, 8, 0), shanghai(2024, 7, 1, 8, 0)),
        ("quarterly-bulletin", shanghai(2024, 12, 31, 12, 0), shanghai(2025, 1, 1, 8, 0)),
        (
            "quarterly-bulletin",
            datetime.datetime(2024, 9, 30, 23, 0, tzinfo=UTC),
            shanghai(2024, 10, 1, 8, 0),
        ),
    ],
)
def test_the_next_run_after(name, after, expected):
    assert next_run(app.conf.beat_schedule[name]["schedule"], after) == expected


def test_the_weekly_entry_is_due_on_monday_at_eight_in_shanghai():
    weekly = app.conf.beat_schedule["weekly-bulletin"]["schedule"]
    last_run = shanghai(2024, 6, 10, 8, 0)
    assert not is_due(weekly, last_run=last_run, now=shanghai(2024, 6, 17, 7, 59))
    assert is_due(weekly, last_run=last_run, now=shanghai(2024, 6, 17, 8, 0, 30))
    assert is_due(weekly, last_run=last_run, now=datetime.datetime(2024, 6, 17, 0, 0, 30, tzinfo=UTC))


# The scheduler: the entries in the database


def crontab_fields(crontab) -> tuple[str, ...]:
    """The five fields as written: a CrontabSchedule row's, or a celery crontab's before expansion."""
    names = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")
    if isinstance(crontab, CrontabSchedule):
        return tuple(str(getattr(crontab, name)) for name in names)
    return tuple(str(getattr(crontab, f"_orig_{name}")) for name in names)


@beat_database
def test_beat_installs_every_entry_of_the_schedule(start_beat):
    schedule = app.conf.beat_schedule
    assert not PeriodicTask.objects.filter(name__in=list(schedule)).exists()
    start_beat()

    for name, entry in schedule.items():
        task = PeriodicTask.objects.get(name=name)
        assert task.task == entry["task"] and task.enabled, name
        assert json.loads(task.kwargs) == entry.get("kwargs", {}), name
        code = entry["schedule"]
        assert crontab_fields(task.crontab) == crontab_fields(code), name
        assert str(task.crontab.timezone) == "Asia/Shanghai", name
    # The schedule beat reads back from the database fires at the same times.
    weekly = PeriodicTask.objects.get(name="weekly-bulletin").schedule
    assert next_run(weekly, shanghai(2024, 6, 16, 23, 0)) == shanghai(2024, 6, 17, 8, 0)
    quarterly = PeriodicTask.objects.get(name="quarterly-bulletin").schedule
    assert next_run(quarterly, shanghai(2024, 4, 1, 8, 0)) == shanghai(2024, 7, 1, 8, 0)


@beat_database
def test_a_restart_keeps_what_the_admin_changed_and_puts_back_what_is_missing(start_beat):
    start_beat()
    # The city admin moves the weekly bulletin to 09:00, switches the monthly one off
    # and deletes the quarterly one.
    weekly = PeriodicTask.objects.get(name="weekly-bulletin")
    weekly.crontab.hour = "9"
    weekly.crontab.save()
    PeriodicTask.objects.filter(name="monthly-bulletin").update(enabled=False)
    PeriodicTask.objects.filter(name="quarterly-bulletin").delete()
    tasks, crontabs = PeriodicTask.objects.count(), CrontabSchedule.objects.count()

    start_beat()  # beat restarts (a deployment)

    weekly = PeriodicTask.objects.get(name="weekly-bulletin")
    assert weekly.crontab.hour == "9"
    assert next_run(weekly.schedule, shanghai(2024, 6, 16, 23, 0)) == shanghai(2024, 6, 17, 9, 0)
    assert PeriodicTask.objects.get(name="monthly-bulletin").enabled is False
    # Deleting an entry does not stop the job for good: the next start installs it
    # again (an admin who wants a job off disables it).
    quarterly = PeriodicTask.objects.get(name="quarterly-bulletin")
    assert quarterly.enabled and json.loads(quarterly.kwargs) == {"kind": "quarterly"}
    assert crontab_fields(quarterly.crontab) == ("0", "8", "*", "1", "1,4,7,10")
    # Nothing else was added: one row per entry, the quarterly crontab row reused.
    assert (PeriodicTask.objects.count(), CrontabSchedule.objects.count()) == (tasks + 1, crontabs)


# The job as beat sends it: only the kind, no date


def last_complete(kind: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period that ended most recently before ``today``, worked out by hand."""
    if kind == PeriodKind.WEEKLY:
        monday = today - today.weekday() * DAY
        return monday - 7 * DAY, monday - DAY
    if kind == PeriodKind.MONTHLY:
        end = today.replace(day=1) - DAY
        return end.replace(day=1), end
    quarter_start = datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    end = quarter_start - DAY
    return datetime.date(end.year, end.month - 2, 1), end


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(BULLETIN_ENTRIES))
def test_the_job_as_beat_sends_it_publishes_the_period_just_ended(name, regions, today):
    from django.utils import timezone

    result = generate_bulletin_task.apply(kwargs=app.conf.beat_schedule[name]["kwargs"])
    assert result.successful(), result.traceback
    bulletin = Bulletin.objects.get(pk=result.get())

    kind = BULLETIN_ENTRIES[name]
    # Around midnight the day may have changed during the call.
    expected = {last_complete(kind, today), last_complete(kind, timezone.localdate())}
    assert bulletin.kind == kind
    assert (bulletin.period_start, bulletin.period_end) in expected
    assert bulletin.status == BulletinStatus.PUBLISHED and bulletin.is_current
    assert sorted(row["region"] for row in bulletin.rows) == sorted(
        Region.objects.ranked().values_list("code", flat=True)
    )
    assert Bulletin.objects.count() == 1
