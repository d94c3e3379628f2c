"""Named write of a user account with its role and region (house rule 2), for ``manage.py
create_user`` on a fresh install, where no one can sign in to the admin yet.

A role is an auth group (projects/roles.py). County roles read and act in their region, so they
need one; city roles are city-wide (projects/scope.py: no region is no restriction), so they
take none: a city leader with a region would silently see one county only.
"""

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from projects.audit import field_error, save_audited
from projects.choices import Role
from projects.models import Region, User
from projects.roles import ensure_role_groups

COUNTY_ROLES = (Role.COUNTY_STAFF, Role.COUNTY_LEADER)


@transaction.atomic
def user_create(
    *,
    username: str,
    role: Role | str,
    by,
    region: Region | None = None,
    email: str = "",
    password: str | None = None,
    first_name: str = "",
) -> User:
    """Create an active user in ``role``'s group. Without a password the account cannot sign in
    with one (an API-only account, or one that sets its password by the reset e-mail)."""
    try:
        role = Role(role)
    except ValueError:
        raise field_error(
            "role",
            _("Unknown role “%(role)s”; choose one of %(roles)s.")
            % {"role": role, "roles": ", ".join(Role.values)},
            "unknown_role",
        ) from None
    if role in COUNTY_ROLES and region is None:
        raise field_error(
            "region",
            _("The role “%(role)s” works in one region; give the region.") % {"role": role.label},
            "required",
        )
    if role not in COUNTY_ROLES and region is not None:
        raise field_error(
            "region",
            _("The role “%(role)s” works for the whole city and takes no region.") % {"role": role.label},
            "city_role",
        )
    username = (username or "").strip()
    if User.objects.filter(username__iexact=username).exists():
        raise field_error("username", _("A user with this username already exists."), "exists")
    user = User(
        username=username,
        email=(email or "").strip(),
        first_name=(first_name or "").strip(),
        region=region,
        # The admin pages are part of every role's work (they are scoped like the API).
        is_staff=True,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.error_list}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    save_audited(user, by=by, reason="created")
    group = Group.objects.filter(name=role.value).first()
    if group is None:  # a database whose groups were never set up (they are made after migrate)
        ensure_role_groups()
        group = Group.objects.get(name=role.value)
    user.groups.add(group)
    return user
