"""``manage.py create_api_token USERNAME [--name N] [--expires-days D]``: a token for another system.

The raw token is printed once and never stored (only its hash is); lose it and create another.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from projects.tokens import token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it once."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument(
            "--name",
            help="Which system uses the token (unique per user); default: 'cli' and the current time.",
        )
        parser.add_argument(
            "--expires-days", type=int, help="Days until the token expires; default: it does not expire."
        )

    def handle(self, *args, username, name=None, expires_days=None, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive; a token of theirs would be refused.")
        if expires_days is not None and expires_days <= 0:
            raise CommandError("--expires-days must be a positive number of days.")
        name = name if name is not None else f"cli {timezone.localtime():%Y-%m-%d %H:%M:%S}"
        try:
            token, raw = token_create(user=user, name=name, by=None, expires_days=expires_days)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        expiry = (
            f"expires {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}"
            if token.expires_at
            else ("does not expire")
        )
        # The token alone on stdout, so a script can capture it; the explanation on stderr.
        self.stdout.write(raw)
        self.stderr.write(
            f"Token {token.name!r} for {user.username} ({expiry}). It is shown only this once.\n"
            "Send it with every request as the header:  Authorization: Token <the token above>"
        )
