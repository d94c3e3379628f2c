"""``manage.py seed_demo [--today YYYY-MM-DD] [--if-empty]``: a realistic, repeatable demo data set.

About 300 projects over Zhaoqing's ranked regions with two years of stage history,
monthly investment, annual targets and one login per role (``projects.demo``); and the
supervision work on them: responsible units and officials, five-one service teams,
supervision visits, about 150 problems in every status, service logs and reverse-scheduled
milestones, with the stalled projects flagged at the end (``supervision.demo``). Every write
goes through the services and the lifecycle (house rules 1 and 2), so the demo data obeys
the same rules as real data; only the "recorded at" timestamps are moved back afterwards to
the simulated day, so that history screens and date-based checks see a plausible past.

The random generators have fixed seeds: the same ``--today`` gives the same data. A second
run writes nothing; on a demo database seeded before supervision existed it adds that part.
``--if-empty`` seeds only a database without projects; either way it ends with the table of
demo logins, so ``make run`` can show them above the server's banner.
"""

import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from projects.models import Project, Region
from projects.roles import ensure_role_groups
from supervision.demo import demo_projects
from supervision.demo import project_data as demo_data
from supervision.demo.bulletins import bulletins_present, seed_bulletins
from supervision.demo.project_seeder import Seeder
from supervision.demo.project_summary import project_summary_lines
from supervision.demo.supervision_seeder import SupervisionSeeder, supervision_present
from supervision.demo.supervision_summary import supervision_summary_lines
from supervision.demo.users import ensure_users, find_users, login_lines


def parse_day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-06-15, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Fill the database with a realistic demo data set (about 300 projects and their supervision "
        "work) and one login per role."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=parse_day,
            help="Anchor all dates to this day (YYYY-MM-DD, not after the real date); default: today.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Write nothing when the database already has projects; only list the demo logins.",
        )

    def handle(self, *args, today=None, if_empty=False, **options):
        real_today = timezone.localdate()
        if isinstance(today, str):  # call_command(today="...") skips the argument parser
            try:
                today = parse_day(today)
            except argparse.ArgumentTypeError as exc:
                raise CommandError(f"--today: {exc}") from None
        today = today or real_today
        if today > real_today:
            raise CommandError(f"--today {today} is in the future (today is {real_today}).")
        regions = list(Region.objects.ranked().filter(code__in=demo_data.REGIONS).order_by("code"))
        if if_empty and Project.objects.exists():
            if options["verbosity"] > 1:
                self.stdout.write("Projects exist already; not seeding demo data.")
            self.write_lines(login_lines(find_users(regions)))
            return
        if not regions:
            raise CommandError("No ranked regions: run `manage.py migrate` first.")

        started = timezone.now()
        with transaction.atomic():
            ensure_role_groups()
            users = ensure_users(regions)
            projects_present = demo_projects().exists()
            # Checked separately, so a demo database seeded before supervision existed gets it added.
            supervision_done = projects_present and supervision_present()
            if not projects_present:
                Seeder(today=today, users=users).run(regions)
            if not supervision_done:
                SupervisionSeeder(today=today, users=users).run(regions)
            # Also added to a demo database seeded before bulletins existed.
            bulletins_done = bulletins_present()
            if not bulletins_done:
                seed_bulletins(today)
        if supervision_done and bulletins_done:
            self.stdout.write("demo data already present; nothing written.")
        else:
            seconds = (timezone.now() - started).total_seconds()
            if supervision_done:
                self.stdout.write("Demo data already present; the published bulletins added to it.")
            elif projects_present:
                self.stdout.write("Demo projects already present; supervision data added to them.")
            self.stdout.write(self.style.SUCCESS(f"Demo data seeded as of {today} in {seconds:.1f} s."))
            demo = demo_projects()
            self.write_lines(project_summary_lines(demo) + supervision_summary_lines(demo, today))
        self.write_lines(login_lines(users))

    def write_lines(self, lines: list[str]):
        for line in lines:
            self.stdout.write(line)
