"""``manage.py generate_bulletin --kind weekly --date 2024-06-11``: what the scheduled job does, by hand.

It runs ``bulletin_generate`` in this process (no broker needed), for the period
of ``--kind`` that contains ``--date``; without ``--date``, the last period
that has ended, as the job does. ``--draft`` leaves it unpublished.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from supervision.choices import PeriodKind
from supervision.periods import last_complete_period, period_containing
from supervision.ranking.bulletins import bulletin_generate


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}.") from exc


class Command(BaseCommand):
    help = "Generate (and publish) the bulletin of one period."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=PeriodKind.values)
        parser.add_argument(
            "--date", type=_date, help="Any day of the period; default: the last period that ended."
        )
        parser.add_argument("--draft", action="store_true", help="Generate without publishing.")

    def handle(self, *args, kind, date=None, draft=False, **options):
        if isinstance(date, str):  # call_command(date="...") skips the argument parser
            date = _date(date)
        period = period_containing(kind, date) if date else last_complete_period(kind, timezone.localdate())
        bulletin = bulletin_generate(period=period, publish=not draft)
        state = bulletin.get_status_display()
        self.stdout.write(
            f"{bulletin.get_kind_display()} {period.label} ({period.start} – {period.end}): "
            f"revision {bulletin.revision}, {state}, {len(bulletin.rows)} regions, id {bulletin.pk}"
        )
