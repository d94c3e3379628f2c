"""Overdue reminders: one e-mail per recipient per day, never twice for the same item and day.

Recipients of an overdue problem are its assignee and the county leaders of the
project's region; of an overdue milestone, its responsible person's user and the
same leaders. Mail goes through Django's mail backend (pytest-django's locmem
``mailoutbox``).
"""

from collections import Counter

import pytest

from projects import services as project_services
from projects.choices import Role
from supervision import services
from supervision.choices import ReminderKind
from supervision.models import Milestone, Person, Problem, Reminder
from supervision.reminders import send_overdue_reminders
from tests.fixtures.supervision import DAY


def with_email(user, email):
    user.email = email
    user.save(update_fields=["email"])
    return user


def mails_by_recipient(outbox) -> dict:
    assert all(len(m.to) == 1 for m in outbox)
    counts = Counter(m.to[0] for m in outbox)
    assert all(n == 1 for n in counts.values()), counts
    return {m.to[0]: m for m in outbox}


def problem_ref(problem: Problem) -> str:
    return f"#{problem.pk} "


class World:
    """An overdue problem, a problem due today, an overdue milestone, and the people around them."""

    def __init__(
        self, make_problem, make_project, make_user, unit, region, other_region, county_leader, today
    ):
        self.leader = with_email(county_leader, "leader@duanzhou.example.cn")
        self.assignee = with_email(
            make_user(Role.COUNTY_STAFF, region=region, username="assignee"), "a@example.cn"
        )
        self.no_mail = make_user(Role.COUNTY_STAFF, region=region, username="no-mail")
        self.silent_leader = make_user(Role.COUNTY_LEADER, region=region, username="leader-no-mail")
        self.elsewhere = with_email(
            make_user(Role.COUNTY_LEADER, region=other_region, username="leader-dinghu"),
            "leader@dinghu.example.cn",
        )
        inactive = with_email(
            make_user(Role.COUNTY_LEADER, region=region, username="retired"), "old@example.cn"
        )
        inactive.is_active = False
        inactive.save(update_fields=["is_active"])
        self.owner = with_email(
            make_user(Role.COUNTY_STAFF, region=region, username="owner"), "owner@example.cn"
        )
        raised_on = today - 30 * DAY

        def assigned(due_on, assignee, **kwargs):
            problem = make_problem(**kwargs)
            return services.problem_assign(
                problem=problem, unit=unit, due_on=due_on, by=self.leader, assignee=assignee, on=raised_on
            )

        self.overdue = assigned(today - DAY, self.assignee, description="供电线路未接入")
        self.due_today = assigned(today, self.assignee, description="排污许可未批")
        self.overdue_no_mail = assigned(today - 3 * DAY, self.no_mail, description="融资担保未落实")
        resolved = assigned(today - 5 * DAY, self.assignee, description="已解决的问题")
        services.problem_resolve(problem=resolved, resolution="已解决", by=self.assignee, on=today - 6 * DAY)
        self.never_assigned = make_problem(description="尚未交办")

        person = Person.objects.create(name="张伟", region=region, user=self.owner)
        self.milestone = Milestone.objects.create(
            project=self.overdue.project, title="取得施工许可证", due_on=today - 2 * DAY, responsible=person
        )
        self.milestone_done = Milestone.objects.create(
            project=self.overdue.project,
            title="完成土地摘牌",
            due_on=today - 9 * DAY,
            done_on=today - 8 * DAY,
            responsible=person,
        )
        self.milestone_due_today = Milestone.objects.create(
            project=self.overdue.project, title="完成项目备案", due_on=today, responsible=person
        )


@pytest.fixture
def world(make_problem, make_project, make_user, unit, region, other_region, county_leader, today):
    return World(make_problem, make_project, make_user, unit, region, other_region, county_leader, today)


def test_a_run_twice_on_the_same_day_sends_once(world, today, mailoutbox):
    assert send_overdue_reminders(today=today) == 3
    mails = mails_by_recipient(mailoutbox)
    assert set(mails) == {world.assignee.email, world.leader.email, world.owner.email}

    assignee_mail = mails[world.assignee.email].body
    assert problem_ref(world.overdue) in assignee_mail
    assert problem_ref(world.due_today) not in assignee_mail  # due today is not yet overdue
    assert problem_ref(world.overdue_no_mail) not in assignee_mail

    leader_mail = mails[world.leader.email].body
    assert problem_ref(world.overdue) in leader_mail
    assert (
        problem_ref(world.overdue_no_mail) in leader_mail
    )  # the assignee has no address; the leader is told
    assert world.milestone.title in leader_mail  # milestones are included
    assert problem_ref(world.due_today) not in leader_mail
    assert world.milestone_due_today.title not in leader_mail
    assert world.milestone_done.title not in leader_mail

    owner_mail = mails[world.owner.email].body
    assert world.milestone.title in owner_mail
    assert problem_ref(world.overdue) not in owner_mail

    rows = set(Reminder.objects.values_list("kind", "object_id", "recipient_id", "sent_on"))
    assert rows == {
        (ReminderKind.PROBLEM, world.overdue.pk, world.assignee.pk, today),
        (ReminderKind.PROBLEM, world.overdue.pk, world.leader.pk, today),
        (ReminderKind.PROBLEM, world.overdue_no_mail.pk, world.leader.pk, today),
        (ReminderKind.MILESTONE, world.milestone.pk, world.owner.pk, today),
        (ReminderKind.MILESTONE, world.milestone.pk, world.leader.pk, today),
    }

    # The same day again: nobody gets anything, nothing is written.
    assert send_overdue_reminders(today=today) == 0
    assert len(mailoutbox) == 3
    assert Reminder.objects.count() == 5


def test_the_next_day_sends_again(world, today, mailoutbox):
    send_overdue_reminders(today=today)
    mailoutbox.clear()
    tomorrow = today + DAY
    assert send_overdue_reminders(today=tomorrow) == 3
    mails = mails_by_recipient(mailoutbox)
    assert set(mails) == {world.assignee.email, world.leader.email, world.owner.email}
    # What was due today is overdue tomorrow.
    assert problem_ref(world.due_today) in mails[world.assignee.email].body
    assert problem_ref(world.overdue) in mails[world.assignee.email].body
    assert world.milestone_due_today.title in mails[world.owner.email].body
    assert Reminder.objects.filter(sent_on=tomorrow).count() == 9
    assert send_overdue_reminders(today=tomorrow) == 0
    assert len(mailoutbox) == 3


def test_users_without_an_address_or_inactive_are_skipped(world, today, mailoutbox):
    send_overdue_reminders(today=today)
    recipients = set(Reminder.objects.values_list("recipient__username", flat=True))
    assert recipients == {world.assignee.username, world.leader.username, world.owner.username}
    assert not {"no-mail", "leader-no-mail", "retired", "leader-dinghu"} & recipients
    assert "leader@dinghu.example.cn" not in {m.to[0] for m in mailoutbox}
    assert "old@example.cn" not in {m.to[0] for m in mailoutbox}


def test_nothing_overdue_sends_nothing(make_problem, unit, county_leader, county_staff, today, mailoutbox):
    with_email(county_leader, "leader@duanzhou.example.cn")
    with_email(county_staff, "staff@duanzhou.example.cn")
    problem = make_problem()
    services.problem_assign(problem=problem, unit=unit, due_on=today, by=county_leader, assignee=county_staff)
    assert send_overdue_reminders(today=today) == 0
    assert mailoutbox == []
    assert not Reminder.objects.exists()


def test_only_new_items_are_sent_later_the_same_day(world, make_problem, unit, today, mailoutbox):
    send_overdue_reminders(today=today)
    mailoutbox.clear()
    late = make_problem(description="新发现的逾期问题")
    services.problem_assign(
        problem=late,
        unit=unit,
        due_on=today - DAY,
        by=world.leader,
        assignee=world.assignee,
        on=today - 2 * DAY,
    )
    assert send_overdue_reminders(today=today) == 2
    mails = mails_by_recipient(mailoutbox)
    assert set(mails) == {world.assignee.email, world.leader.email}
    for mail in mails.values():
        assert problem_ref(late) in mail.body
        assert problem_ref(world.overdue) not in mail.body


def test_a_resolved_problem_is_no_longer_reminded(world, today, mailoutbox):
    services.problem_resolve(problem=world.overdue, resolution="已接入", by=world.assignee)
    send_overdue_reminders(today=today)
    assert not Reminder.objects.filter(kind=ReminderKind.PROBLEM, object_id=world.overdue.pk).exists()
    assert world.assignee.email not in {m.to[0] for m in mailoutbox}


def test_a_failed_mail_writes_no_reminder_and_is_sent_on_the_next_run(world, today, mailoutbox, monkeypatch):
    from supervision import reminders

    real_send_mail = reminders.send_mail

    def flaky(subject, body, sender, to, **kwargs):
        if to == [world.leader.email]:
            raise ConnectionError("the mail server is down")
        return real_send_mail(subject, body, sender, to, **kwargs)

    monkeypatch.setattr(reminders, "send_mail", flaky)
    send_overdue_reminders(today=today)
    # The leader's mailbox failed; everyone else was still told.
    assert not Reminder.objects.filter(recipient=world.leader).exists()
    assert mailoutbox and world.leader.email not in {m.to[0] for m in mailoutbox}
    monkeypatch.setattr(reminders, "send_mail", real_send_mail)
    mailoutbox.clear()
    send_overdue_reminders(today=today)
    assert world.leader.email in {m.to[0] for m in mailoutbox}
    assert Reminder.objects.filter(recipient=world.leader).count() == 3


def test_an_assignee_who_is_also_the_county_leader_gets_one_mail(
    make_problem, unit, county_leader, today, mailoutbox
):
    """The leader assigned the problem to himself: he is both recipients, and must still be told once."""
    leader = with_email(county_leader, "leader@duanzhou.example.cn")
    problem = make_problem()
    services.problem_assign(
        problem=problem, unit=unit, due_on=today - DAY, by=leader, assignee=leader, on=today - 2 * DAY
    )
    assert send_overdue_reminders(today=today) == 1
    (mail,) = mailoutbox
    assert mail.to == [leader.email]
    assert mail.body.count(problem_ref(problem)) == 1
    assert Reminder.objects.filter(recipient=leader, object_id=problem.pk).count() == 1


def test_a_milestone_owner_who_is_also_the_county_leader_gets_one_mail(
    project, county_leader, today, mailoutbox
):
    leader = with_email(county_leader, "leader@duanzhou.example.cn")
    person = Person.objects.create(name="县领导", region=project.region, user=leader)
    Milestone.objects.create(project=project, title="竣工验收", due_on=today - DAY, responsible=person)
    assert send_overdue_reminders(today=today) == 1
    (mail,) = mailoutbox
    assert mail.body.count("竣工验收") == 1


def test_items_of_cancelled_projects_are_not_reminded(world, county_staff, today, mailoutbox):
    """A cancelled (清退) project is kept but no longer worked on: neither its problems nor its milestones."""
    project_services.project_cancel(project=world.overdue.project, reason="清退", by=county_staff)
    assert send_overdue_reminders(today=today) == 0
    assert not Reminder.objects.exists()
    assert mailoutbox == []


def test_milestones_of_cancelled_projects_are_not_reminded(world, county_staff, today, mailoutbox):
    project_services.project_cancel(project=world.overdue.project, reason="清退", by=county_staff)
    send_overdue_reminders(today=today)
    assert not Reminder.objects.filter(kind=ReminderKind.MILESTONE).exists()
    assert world.owner.email not in {m.to[0] for m in mailoutbox}
