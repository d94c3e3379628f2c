"""Celery tasks of the supervision app: thin wrappers that take a date and call one function.

Called directly (``.apply()`` or a plain call) they do the same work as the function.
With a real Redis broker (``redis`` mark, REDIS_URL set), a worker runs the reminder
task twice and exactly one set of reminders exists.
"""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from projects import services as project_services
from projects.choices import Role, Status
from projects.models import Project, StatusChange
from supervision import services
from supervision.models import Reminder
from supervision.ranking.tasks import finish_requested_bulletins_task, generate_bulletin_task
from supervision.tasks import detect_stalled_projects, send_overdue_reminders_task
from tests.fixtures.supervision import DAY
from zhaoqing_tracker.celery import app

# A queue of its own, so the in-process worker never picks up another run's messages.
WORKER_QUEUE = "zhaoqing-tracker-supervision-tests"


def with_email(user, email):
    user.email = email
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def overdue(make_problem, unit, county_leader, make_user, region, today):
    """An overdue problem whose assignee and county leader both have an address."""
    leader = with_email(county_leader, "leader@duanzhou.example.cn")
    assignee = with_email(make_user(Role.COUNTY_STAFF, region=region, username="assignee"), "a@example.cn")
    problem = make_problem()
    services.problem_assign(
        problem=problem, unit=unit, due_on=today - DAY, by=leader, assignee=assignee, on=today - 20 * DAY
    )
    return {"problem": problem, "leader": leader, "assignee": assignee}


def reminder_rows():
    return set(Reminder.objects.values_list("kind", "object_id", "recipient_id", "sent_on"))


# The stalled check


def test_detect_stalled_projects_apply(make_project, today, settings):
    settings.STALLED_DAYS_WITHOUT_STAGE_CHANGE = 180
    settings.STALLED_MONTHS_WITHOUT_INVESTMENT = 3
    stale = make_project(signed_on=today - 181 * DAY)
    make_project(signed_on=today - 180 * DAY, name="刚好180天")
    result = detect_stalled_projects.apply(kwargs={"today": today.isoformat()})
    assert result.successful()
    assert result.get() == {"flagged": [stale.pk], "unflagged": []}
    assert Project.objects.get(pk=stale.pk).status == Status.STALLED
    # Again: nothing to do.
    assert detect_stalled_projects.apply(kwargs={"today": today.isoformat()}).get() == {
        "flagged": [],
        "unflagged": [],
    }
    assert StatusChange.objects.filter(project=stale, to_status=Status.STALLED).count() == 1


def test_detect_stalled_projects_plain_call_unflags(make_project, county_staff, today, settings):
    settings.STALLED_DAYS_WITHOUT_STAGE_CHANGE = 180
    settings.STALLED_MONTHS_WITHOUT_INVESTMENT = 3
    project = make_project(signed_on=today - 200 * DAY)
    assert detect_stalled_projects(today=today.isoformat()) == {"flagged": [project.pk], "unflagged": []}
    project_services.investment_report(
        project=project, month=today, amount=Decimal("1000000"), by=county_staff
    )
    assert detect_stalled_projects(today=today.isoformat()) == {"flagged": [], "unflagged": [project.pk]}
    assert Project.objects.get(pk=project.pk).status == Status.ACTIVE


def test_detect_stalled_projects_without_a_date_uses_today(make_project, today, settings):
    settings.STALLED_DAYS_WITHOUT_STAGE_CHANGE = 10
    settings.STALLED_MONTHS_WITHOUT_INVESTMENT = 1
    stale, fresh = (
        make_project(signed_on=today - 11 * DAY),
        make_project(signed_on=today - 10 * DAY, name="新项目"),
    )
    assert detect_stalled_projects.apply().get() == {"flagged": [stale.pk], "unflagged": []}
    assert Project.objects.get(pk=fresh.pk).status == Status.ACTIVE


def test_detect_stalled_projects_with_a_date_in_the_future(make_project, today, settings):
    settings.STALLED_DAYS_WITHOUT_STAGE_CHANGE = 180
    settings.STALLED_MONTHS_WITHOUT_INVESTMENT = 3
    project = make_project(signed_on=today)
    assert detect_stalled_projects(today=(today + 180 * DAY).isoformat())["flagged"] == []
    assert detect_stalled_projects(today=(today + 181 * DAY).isoformat())["flagged"] == [project.pk]


# The reminders


def test_send_overdue_reminders_task_apply_twice_sends_once(overdue, today, mailoutbox):
    result = send_overdue_reminders_task.apply(kwargs={"today": today.isoformat()})
    assert result.successful() and result.get() == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([overdue["leader"].email, overdue["assignee"].email])
    rows = reminder_rows()
    assert len(rows) == 2
    assert send_overdue_reminders_task.apply(kwargs={"today": today.isoformat()}).get() == 0
    assert len(mailoutbox) == 2
    assert reminder_rows() == rows


def test_send_overdue_reminders_task_plain_call_and_the_next_day(overdue, today, mailoutbox):
    assert send_overdue_reminders_task(today=today.isoformat()) == 2
    assert send_overdue_reminders_task(today=today.isoformat()) == 0
    assert send_overdue_reminders_task(today=(today + DAY).isoformat()) == 2
    assert len(mailoutbox) == 4
    assert Reminder.objects.filter(sent_on=today + DAY).count() == 2


def test_send_overdue_reminders_task_without_a_date_uses_today(overdue, today, mailoutbox):
    assert send_overdue_reminders_task.apply().get() == 2
    assert {row[3] for row in reminder_rows()} == {today}


def test_the_beat_schedule_names_registered_tasks():
    schedule = app.conf.beat_schedule
    names = {entry["task"] for entry in schedule.values()}
    assert names == {
        detect_stalled_projects.name,
        send_overdue_reminders_task.name,
        generate_bulletin_task.name,
        finish_requested_bulletins_task.name,
    }
    assert names <= set(app.tasks)
    assert detect_stalled_projects.name == "supervision.tasks.detect_stalled_projects"
    assert send_overdue_reminders_task.name == "supervision.tasks.send_overdue_reminders_task"


# A real worker on a real broker


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_running_the_reminder_task_twice_sends_one_set(overdue, today, mailoutbox):
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    finished = []
    lock = threading.Lock()

    def on_postrun(sender=None, task_id=None, state=None, **kwargs):
        if sender is not None and sender.name == send_overdue_reminders_task.name:
            with lock:
                finished.append((state, threading.current_thread() is threading.main_thread()))
        # The worker thread's own connection must not outlive the test (the database is dropped at the end).
        connection.close()

    assert not app.conf.task_always_eager  # the tasks below go through the broker
    task_postrun.connect(on_postrun, weak=False)
    try:
        with app.connection_for_write() as conn:
            app.amqp.queues.select_add(WORKER_QUEUE)
            queue = app.amqp.queues[WORKER_QUEUE].bind(conn.default_channel)
            queue.declare()
            queue.purge()  # nothing left over from an interrupted earlier run
        with start_worker(
            app,
            queues=[WORKER_QUEUE],
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=30,
            loglevel="WARNING",
        ):
            for _ in range(2):
                send_overdue_reminders_task.apply_async(
                    kwargs={"today": today.isoformat()}, queue=WORKER_QUEUE
                )
            deadline = time.monotonic() + 60
            while len(finished) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        task_postrun.disconnect(on_postrun)

    # Both ran, in the worker's thread, and the second found everything already sent.
    assert finished == [("SUCCESS", False), ("SUCCESS", False)]
    assert reminder_rows() == {
        ("problem", overdue["problem"].pk, overdue["assignee"].pk, today),
        ("problem", overdue["problem"].pk, overdue["leader"].pk, today),
    }
    assert sorted(m.to[0] for m in mailoutbox) == sorted([overdue["leader"].email, overdue["assignee"].email])
