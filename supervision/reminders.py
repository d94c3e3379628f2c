"""Overdue reminders: one e-mail per recipient per day listing their newly overdue items.

Recipients of an item: its assignee (a problem) or its responsible person's user
(a milestone), and the county leaders of the project's region. A Reminder row per
(item, recipient, day) is inserted in the same transaction as the mail is sent;
its unique constraint makes a second run on the same day - or a second worker
running at the same moment - send nothing again.
"""

import datetime
import logging
import smtplib
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from projects.choices import Role, Status
from projects.models import User
from supervision.choices import ReminderKind
from supervision.models import Milestone, Problem, Reminder

logger = logging.getLogger(__name__)


def _collect(today: datetime.date):
    problems = list(
        Problem.objects.overdue(today)
        .exclude(project__status=Status.CANCELLED)
        .select_related("project__region", "assignee")
        .order_by("due_on", "pk")
    )
    milestones = list(
        Milestone.objects.overdue(today)
        .exclude(project__status=Status.CANCELLED)
        .select_related("project__region", "responsible__user")
        .order_by("due_on", "pk")
    )
    region_ids = {item.project.region_id for item in [*problems, *milestones]}
    leaders = defaultdict(list)
    for user in User.objects.filter(
        groups__name=Role.COUNTY_LEADER, region_id__in=region_ids, is_active=True
    ).exclude(email=""):
        leaders[user.region_id].append(user)

    by_recipient = defaultdict(list)
    for problem in problems:
        recipients = [problem.assignee, *leaders[problem.project.region_id]]
        for user in recipients:
            if user is not None and user.is_active and user.email:
                by_recipient[user].append((ReminderKind.PROBLEM, problem))
    for milestone in milestones:
        owner = milestone.responsible.user if milestone.responsible else None
        for user in [owner, *leaders[milestone.project.region_id]]:
            if user is not None and user.is_active and user.email:
                by_recipient[user].append((ReminderKind.MILESTONE, milestone))
    return by_recipient


def _line(kind, item) -> str:
    if kind == ReminderKind.PROBLEM:
        return _("Problem #%(id)s of %(project)s, due %(due)s: %(text)s") % {
            "id": item.pk,
            "project": item.project,
            "due": item.due_on,
            "text": item.description[:80],
        }
    return _("Milestone “%(title)s” of %(project)s, due %(due)s") % {
        "title": item.title,
        "project": item.project,
        "due": item.due_on,
    }


def send_overdue_reminders(*, today: datetime.date | None = None) -> int:
    """Send today's reminders; returns the number of e-mails sent."""
    today = today or timezone.localdate()
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        already = set(Reminder.objects.filter(sent_on=today).values_list("kind", "object_id", "recipient_id"))
        for user, items in _collect(today).items():
            new = [(k, item) for k, item in dict.fromkeys(items) if (k, item.pk, user.pk) not in already]
            if not new:
                continue
            try:
                with transaction.atomic():
                    Reminder.objects.bulk_create(
                        [
                            Reminder(kind=kind, object_id=item.pk, recipient=user, sent_on=today)
                            for kind, item in new
                        ]
                    )
                    send_mail(
                        _("Zhaoqing Tracker: %(count)s overdue item(s)") % {"count": len(new)},
                        "\n".join(_line(kind, item) for kind, item in new),
                        None,
                        [user.email],
                    )
            except IntegrityError:
                # Another run inserted the same reminder first and sent it.
                continue
            except (OSError, smtplib.SMTPException):
                # One unreachable mailbox must not cost everyone else their reminder;
                # the rows were rolled back, so tomorrow's run (or a retry) sends it.
                logger.exception("overdue reminder to %s failed", user.email)
                continue
            sent += 1
    return sent
