"""The demo logins: one per role (a county staff login per ranked region), all with one password."""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from projects.choices import Role
from projects.models import User
from supervision.demo import project_data as demo_data


def demo_user_specs(regions):
    """(username, role, region or None, display name) of every demo login."""
    specs = [
        ("city_admin", Role.CITY_ADMIN, None, "市招商局系统管理员"),
        ("city_leader", Role.CITY_LEADER, None, "市领导"),
    ]
    for region in regions:
        slug = demo_data.REGIONS[region.code]["slug"]
        if region.code == "441202":
            specs.append((f"leader_{slug}", Role.COUNTY_LEADER, region, f"{region.name}分管领导"))
        specs.append((f"staff_{slug}", Role.COUNTY_STAFF, region, f"{region.name}招商专员"))
    return specs


def ensure_users(regions) -> dict[str, User]:
    """Create the missing demo logins; existing ones are left exactly as they are."""
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    password = None
    users = {}
    for username, role, region, display in demo_user_specs(regions):
        user = User.objects.filter(username=username).select_related("region").first()
        if user is None:
            # One hash for all: the password hasher is deliberately slow.
            password = password or make_password(demo_data.DEMO_PASSWORD)
            user = User.objects.create(
                username=username,
                password=password,
                first_name=display,
                email=f"{username}@demo.zhaoqing.invalid",
                region=region,
                is_staff=True,
                is_superuser=role == Role.CITY_ADMIN,
            )
        user.groups.add(groups[role.value])
        users[username] = user
    return users


def find_users(regions) -> dict[str, User]:
    """The demo logins this database has, in the order ensure_users() gives them; writes nothing."""
    usernames = [username for username, *_ in demo_user_specs(regions)]
    found = User.objects.filter(username__in=usernames).select_related("region").prefetch_related("groups")
    by_name = {user.username: user for user in found}
    return {username: by_name[username] for username in usernames if username in by_name}


def users_by_region(users: dict[str, User], role: Role) -> dict[str, User]:
    """The demo users with ``role``, by their region's code (city-level users have no region)."""
    return {u.region.code: u for u in users.values() if u.region_id and u.has_role(role)}


def login_lines(users: dict[str, User]) -> list[str]:
    """The table of demo logins the command prints, or a note when the database has none."""
    if not users:
        return ["No demo logins in this database (it was not seeded by seed_demo)."]
    password = demo_data.DEMO_PASSWORD
    lines = [
        f"Demo logins ({len(users)}), all with the password {password!r}:",
        f"  {'username':<17} {'role':<14} {'region':<8} password",
    ]
    for user in users.values():
        role = next((g.name for g in user.groups.all() if g.name in Role.values), "-")
        region = user.region.code if user.region_id else "-"
        lines.append(f"  {user.username:<17} {role:<14} {region:<8} {password}")
    return lines
