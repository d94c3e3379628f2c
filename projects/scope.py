"""THE region rule (DESIGN house rule 11): which regions a user may read and act in.

A user with a region reads and acts in that region and the regions under it, two levels down
(city → county → zone; province → city → county in the national data). City-level users (no
region) and superusers are not restricted; that is ``None`` here, never an empty list (an empty
list is "nothing": a signed-out visitor).

The answer is a list of region ids, looked up once per user object (a request's user is one
object) and filtered as ``region_id IN (ids)``: an OR over region, parent and grandparent is
served by no index, and made a county user's lists scan the whole table at national scale.

Units, officials and users serve the regions under them: a project's problem may go to a unit of
its own region, of a region above it, or to a city-level one (no region). ``serving_q`` is that
rule for one project's region, ``pickable_q`` its union over everything a user may act in (a
pick list that is not yet tied to one project).
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

UNRESTRICTED = None

# Cached on the user object as (region_id, is_superuser, ids): a test or a view that changes the
# user's region on the same object gets a fresh answer rather than a stale one.
_CACHE = "_scope_region_ids"


def _regions(model_with_region):
    # The Region model, reached through a model's own ``region`` field: every queryset asks this
    # module, and the models are built from those querysets, so it sits under projects.models.
    return model_with_region._meta.get_field("region").related_model.objects


def subtree_ids(region) -> list[int]:
    """The region and the regions up to two levels under it (the small region table, one query,
    once per region object: a region's page reads several lists of it)."""
    cached = getattr(region, "_subtree_ids", None)
    if cached is None or cached[0] != region.pk:
        cached = (region.pk, type(region).objects.subtree_ids(region.pk))
        region._subtree_ids = cached
    return cached[1]


def region_ids(user) -> list[int] | None:
    """The region ids ``user`` may read and act in; ``None`` for no restriction."""
    if user is None or not user.is_authenticated:
        return []
    key = (user.region_id, user.is_superuser)
    cached = getattr(user, _CACHE, None)
    if cached is not None and cached[:2] == key:
        return cached[2]
    if user.is_superuser or user.region_id is None:
        ids = UNRESTRICTED
    else:
        ids = _regions(user).subtree_ids(user.region_id)
    setattr(user, _CACHE, (*key, ids))
    return ids


def forget(user) -> None:
    """Drop the cached scope, so that the next question reads it afresh (a new request)."""
    for name in (_CACHE, "_scope_above_ids"):
        if hasattr(user, name):
            delattr(user, name)


def is_unrestricted(user) -> bool:
    return user is not None and user.is_authenticated and region_ids(user) is UNRESTRICTED


def scope_filter(queryset, user, field: str = "region"):
    """``queryset`` cut to the rows whose ``field`` (a path to a region) is in the user's scope."""
    ids = region_ids(user)
    if ids is UNRESTRICTED:
        return queryset
    if not ids:
        return queryset.none()
    return queryset.filter(**{f"{field}__in": ids})


def regions_for(user):
    """The Region pick list of ``user``."""
    return scope_filter(_regions(user).all(), user, field="pk")


def in_scope(user, region_id) -> bool:
    """Whether ``user`` may read and act in the region ``region_id`` (for service checks)."""
    ids = region_ids(user)
    return ids is UNRESTRICTED or region_id in ids


def serving_region_ids(region) -> list[int]:
    """Regions whose units and officials serve the projects of ``region``: itself and those above."""
    return [region.pk, *type(region).objects.ancestor_ids(region.pk)]


def serving_q(region, field: str = "region") -> Q:
    """Units, officials or users (by their ``field``) that serve the projects of ``region``."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__in": serving_region_ids(region)})


def serves(region, record_region_id) -> bool:
    """Whether a unit, official or user of ``record_region_id`` (None: city-level) serves ``region``."""
    return record_region_id is None or record_region_id in serving_region_ids(region)


def _above_ids(user) -> list[int]:
    cached = getattr(user, "_scope_above_ids", None)
    if cached is None or cached[0] != user.region_id:
        cached = (user.region_id, _regions(user).ancestor_ids(user.region_id))
        user._scope_above_ids = cached
    return cached[1]


def pickable_q(user, field: str = "region") -> Q | None:
    """Units, officials or users that serve some project ``user`` may act on; ``None`` for all.

    The union of ``serving_q`` over the user's regions: city-level ones, those of the user's
    scope and those of the regions above the user's own."""
    ids = region_ids(user)
    if ids is UNRESTRICTED:
        return None
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__in": [*ids, *_above_ids(user)]})


def pickable(queryset, user, field: str = "region"):
    """``queryset`` of units, officials or users cut to those ``user`` may pick."""
    if user is None or not user.is_authenticated:
        return queryset.none()
    q = pickable_q(user, field)
    return queryset if q is None else queryset.filter(q)


# Service checks. A write by no one (None or anonymous: imports, tasks, migrations) is the
# system's and is not scoped; a user's write is.


def check_in_scope(by, region, field: str = "region") -> None:
    """Refuse ``by``'s write in ``region`` (a region or its id) when it lies outside ``by``'s scope."""
    if by is None or not by.is_authenticated or region is None:
        return
    if not in_scope(by, getattr(region, "pk", region)):
        message = _("You can only write records of your own region.")
        raise ValidationError({field: ValidationError(message, code="outside_scope")})


def check_serves(region, record, field: str, message) -> None:
    """Refuse a unit, official or user (``record``) that does not serve the projects of ``region``."""
    if record is not None and not serves(region, record.region_id):
        raise ValidationError({field: ValidationError(message, code="other_region")})
