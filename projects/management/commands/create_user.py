"""``manage.py create_user USERNAME --role ROLE [--region CODE] [--email E] [--password-from-stdin]
[--token NAME]``: a user with a role and a region, on a fresh install or from a script.

County roles (county_staff, county_leader) need ``--region``; city roles (city_leader,
city_admin) take none. Without ``--password-from-stdin`` the account has no usable password: it
signs in by the password-reset e-mail, or is an API-only account with ``--token``, whose raw
token is printed alone on stdout (only its hash is stored).
"""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from projects.choices import Role
from projects.models import Region
from projects.tokens import token_create
from projects.users import user_create


class Command(BaseCommand):
    help = "Create a user with a role (and, for county roles, a region); optionally print an API token."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=f"One of: {', '.join(Role.values)}.")
        parser.add_argument(
            "--region", help="6-digit region code; required for county roles, refused for city roles."
        )
        parser.add_argument("--email", default="", help="E-mail address (for the password-reset e-mail).")
        parser.add_argument("--first-name", default="", help="Name shown in the app.")
        parser.add_argument(
            "--password-from-stdin",
            action="store_true",
            help="Read the password from the first line of stdin (never from the command line, "
            "where other users of the machine could read it).",
        )
        parser.add_argument(
            "--token", metavar="NAME", help="Also create an API token named NAME and print it."
        )

    def handle(self, *args, username, role, region=None, email="", first_name="", **options):
        if role not in Role.values:
            raise CommandError(f"Unknown role {role!r}; choose one of: {', '.join(Role.values)}.")
        region_obj = None
        if region is not None:
            region_obj = Region.objects.filter(code=region.strip()).first()
            if region_obj is None:
                raise CommandError(f"No region with the code {region!r}.")
        password = None
        if options["password_from_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("--password-from-stdin read an empty password.")
        try:
            # The user and its token together, or neither: a failed token leaves no half-made account.
            with transaction.atomic():
                user = user_create(
                    username=username,
                    role=role,
                    region=region_obj,
                    email=email,
                    password=password,
                    first_name=first_name,
                    by=None,
                )
                raw = None
                if options["token"]:
                    _token, raw = token_create(user=user, name=options["token"], by=None)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        where = f"region {region_obj.code} {region_obj.name}" if region_obj else "the whole city"
        self.stderr.write(f"Created {user.username} ({role}, {where}).")
        if raw:
            # The token alone on stdout, so that a script can capture it.
            self.stdout.write(raw)
            self.stderr.write(
                "The token above is shown only this once. "
                "Send it as the header:  Authorization: Token <token>"
            )


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)
