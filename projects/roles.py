"""DESIGN's roles as auth groups, each with the model permissions it needs.

Row scope (a county user sees only their region) is not a permission: it is
``visible_to(user)`` on the querysets. Permissions here say what kind of record
a role may view or write at all.
"""

from projects.choices import Role

# app label -> models a role may write (add + change). Everyone in a role may view
# every model of the apps listed under VIEW_APPS.
VIEW_APPS = ("projects", "supervision")
SUPERVISION_WORK = [
    "problem",
    "problemevent",
    "extensionrequest",
    "serviceteam",
    "supervisionvisit",
    "servicelog",
    "milestone",
    "person",
    "unit",
]
WRITE = {
    Role.COUNTY_STAFF: {
        "projects": ["project", "enterprise", "investmentreport", "stagetransition", "ledgerimport"],
        "supervision": SUPERVISION_WORK,
    },
    # Leaders read; the problem moves that are theirs (assign, verify, decide an
    # extension) need change permission on problems and extension requests.
    Role.COUNTY_LEADER: {"supervision": ["problem", "problemevent", "extensionrequest", "supervisionvisit"]},
    Role.CITY_LEADER: {"supervision": ["problem", "problemevent", "extensionrequest", "supervisionvisit"]},
    Role.CITY_ADMIN: {
        "projects": [
            "project",
            "enterprise",
            "investmentreport",
            "stagetransition",
            "annualtarget",
            "region",
            "park",
            "industry",
            "user",
            "apitoken",
            "ledgerimport",
        ],
        "supervision": [
            *SUPERVISION_WORK,
            "milestonetemplate",
            "reminder",
            "rankingscheme",
            "rankingweight",
            "bulletin",
            "bulletinrequest",
        ],
    },
}
# The city admin also keeps the job schedule (django-celery-beat's models) in the admin.
ADMIN_SCHEDULE_APP = "django_celery_beat"
# Reference data the city admin may delete: every foreign key to it is PROTECT, so a deletion
# can never orphan or unlink an audited record (the database refuses one still in use).
# Audited records are never deleted, by a superuser neither (their admins refuse it): a project
# is cancelled, a problem reopened, a user deactivated (deleting one would unlink the author of
# every record they wrote: those keys are SET_NULL), a token revoked; units and people are
# audited records of their own (their admins never offered deletion).
DELETABLE = {"region", "park", "industry", "milestonetemplate"}
# Models whose view permission no role but the admin needs.
ADMIN_ONLY_VIEW = {("projects", "user"), ("projects", "apitoken")}


def role_permissions(role: Role):
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(
        content_type__app_label__in=(*VIEW_APPS, ADMIN_SCHEDULE_APP)
    ).select_related("content_type")
    wanted = []
    writes = WRITE[role]
    for perm in perms:
        app, model = perm.content_type.app_label, perm.content_type.model
        action = perm.codename.split("_", 1)[0]
        if model.startswith("historical"):
            continue
        if app == ADMIN_SCHEDULE_APP:
            if role == Role.CITY_ADMIN and action in {"view", "add", "change"}:
                wanted.append(perm)
            continue
        if action == "view" and ((app, model) not in ADMIN_ONLY_VIEW or role == Role.CITY_ADMIN):
            wanted.append(perm)
        elif action in {"add", "change"} and model in writes.get(app, []):
            wanted.append(perm)
        elif action == "delete" and role == Role.CITY_ADMIN and model in DELETABLE:
            wanted.append(perm)
    return wanted


def ensure_role_groups(sender=None, **kwargs):
    from django.contrib.auth.models import Group

    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(role_permissions(role))


LEADER_ROLES = (Role.COUNTY_LEADER, Role.CITY_LEADER, Role.CITY_ADMIN)


def user_has_role(user, *roles: Role) -> bool:
    """Superusers count as city admins. Uses the prefetched groups when there are any."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser and Role.CITY_ADMIN in roles:
        return True
    names = {group.name for group in user.groups.all()}
    return any(role.value in names for role in roles)


def is_leader(user) -> bool:
    return user_has_role(user, *LEADER_ROLES)
