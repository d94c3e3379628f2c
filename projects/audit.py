"""The one way service functions save a row: validated, attributed, and never an IntegrityError."""

import contextlib
import contextvars
import functools

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Reasons that the system writes into history rows are stored as these codes (so
# the stored value does not depend on the language of whoever made the change)
# and shown translated; any other reason is a person's own words, shown as typed.
CHANGE_REASONS = {
    "created": gettext_lazy("created"),
    "edited": gettext_lazy("edited"),
    "advanced": gettext_lazy("stage advanced"),
    "revoked": gettext_lazy("revoked"),
    "raised": gettext_lazy("problem raised"),
    "assigned": gettext_lazy("problem assigned"),
    "resolved": gettext_lazy("problem resolved"),
    "verified": gettext_lazy("problem verified"),
    "reverse_schedule": gettext_lazy("reverse schedule generated"),
    "generated": gettext_lazy("bulletin generated"),
    "published": gettext_lazy("bulletin published"),
}


def change_reason_label(reason: str | None) -> str:
    # A ledger import writes "import #12" (LedgerImport.reason): shown in the reader's language.
    if reason and reason.startswith("import #") and reason[8:].isdigit():
        return gettext_lazy("ledger import #%(number)s") % {"number": reason[8:]}
    return str(CHANGE_REASONS.get(reason, reason or ""))


def save_audited(instance, *, by, reason: str = "", **save_kwargs):
    """Validate and save, recording who and why in the history row; never an IntegrityError.

    The fields are checked in Python first (``full_clean`` without the constraints, and without
    asking the database whether a related record exists when the caller handed in the loaded
    record). The constraints (CheckConstraint, UniqueConstraint) are the database's own, and
    Django checks each of them with a query of its own: about ten a project, on every write,
    which made a 10,000-row ledger import take minutes. So the database checks them as it saves;
    when it refuses, ``full_clean()`` runs in full to say which rule was broken, in its own
    words. If none is (a concurrent writer slipped in between, two users saving the same month
    at once), the refusal is reported as that conflict instead of a 500.
    """
    instance.full_clean(
        exclude=_loaded_relations(instance), validate_constraints=False, validate_unique=False
    )
    instance._history_user = actor(by)
    instance._change_reason = reason or None
    keep_usable = not _whole_or_nothing.get()
    try:
        # A savepoint, so that a refused INSERT leaves the caller's transaction usable.
        with transaction.atomic(savepoint=keep_usable):
            instance.save(**save_kwargs)
    except IntegrityError as exc:
        if keep_usable:
            instance.full_clean()  # raises the broken rule's own message
        raise ValidationError(
            _("The record conflicts with one saved at the same moment; reload and try again."),
            code="integrity",
        ) from exc
    return instance


_whole_or_nothing = contextvars.ContextVar("whole_or_nothing", default=False)


@contextlib.contextmanager
def whole_or_nothing():
    """Saves inside take no savepoint of their own: for a bulk write (a ledger import) that is
    rolled back whole at its first refusal, two statements fewer a row. A refused save then
    leaves the transaction unusable, so it is reported without the rule's message: the caller
    rolls back and, to say why, writes again without this."""
    token = _whole_or_nothing.set(True)
    try:
        yield
    finally:
        _whole_or_nothing.reset(token)


def atomic(func):
    """``transaction.atomic`` for a service: its own savepoint when nested, so a refusal leaves the
    caller's transaction usable, except inside ``whole_or_nothing``, where the first refusal
    rolls everything back anyway and the savepoint's two statements a call are saved."""

    @functools.wraps(func)
    def inner(*args, **kwargs):
        with transaction.atomic(savepoint=not _whole_or_nothing.get()):
            return func(*args, **kwargs)

    return inner


def _loaded_relations(instance) -> list[str]:
    """Foreign keys whose record the caller handed in, loaded: nothing to look up (the database's
    foreign key still refuses one deleted in between)."""
    names = []
    locked = getattr(instance, "_locked_relations", {})
    for field in instance._meta.concrete_fields:
        if (
            field.is_relation
            and field.attname in locked
            and locked[field.attname] == getattr(instance, field.attname)
        ):
            names.append(field.name)
        elif field.is_relation and field.is_cached(instance):
            related = field.get_cached_value(instance)
            if related is not None and related.pk is not None and not related._state.adding:
                names.append(field.name)
    return names


def actor(by):
    """The user to record as author, or None for anonymous and system writes."""
    return by if by is not None and by.is_authenticated else None


def check_version(instance, version: int | None, message=None) -> None:
    """Optimistic concurrency: refuse a write based on an older read of ``instance``."""
    if version is not None and instance.version != version:
        raise ValidationError(
            message or _("Someone else changed this record first; reload it and try again."), code="stale"
        )


def lock(instance, version: int | None = None, *, stale_message=None):
    """Lock ``instance``'s row for the rest of the transaction and bring ``instance`` up to it.

    The caller's own object becomes the locked row: the service checks its rules against
    the current state, not a stale read, and changes and saves that same object, so a view
    that passed it renders the new values and version afterwards. Returns ``instance``.
    A model with a ``version`` refuses a write based on an older read (``version``).
    """
    instance.refresh_from_db(from_queryset=type(instance)._default_manager.select_for_update())
    # The foreign keys as the locked row has them: save_audited needs no query to know they exist.
    instance._locked_relations = {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.is_relation
    }
    if hasattr(instance, "version"):
        check_version(instance, version, stale_message)
    return instance


def lock_turns(instance) -> None:
    """Make the writers of what belongs to ``instance`` take turns, for the rest of the transaction.

    For records that have no row of their own to lock yet (a region's target for a year, the next
    code of a region's projects): of two writers creating one at once, the second waits here and
    then finds the first one's row, instead of both reading "none" and colliding on a unique key.
    FOR NO KEY UPDATE, so the lock neither waits for nor holds up the writes of rows that merely
    point at ``instance`` (their foreign key checks take a key-share lock on it).
    """
    list(type(instance)._default_manager.select_for_update(no_key=True).filter(pk=instance.pk).values("pk"))


def apply_changes(instance, changes: dict) -> list[str]:
    """Set the ``changes`` (field name → value) that differ from ``instance``; return their names.

    Foreign keys compare by id, so an edit that picks the same related row changes nothing.
    """
    changed = []
    for name, value in changes.items():
        field = instance._meta.get_field(name)
        current = getattr(instance, field.attname)
        new = value.pk if field.is_relation and value is not None else value
        if current != new:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def field_error(field: str, message, code: str) -> ValidationError:
    """A ValidationError on one field that keeps its code (a dict message alone drops it)."""
    return ValidationError({field: ValidationError(message, code=code)})


# Bookkeeping fields that change on every write and tell a reader nothing.
HISTORY_DIFF_SKIPPED = {"version", "updated_at", "created_at"}


def history_delta(newer, older, *, foreign_keys_are_objs=False):
    """What changed between two history rows, including the ``editable=False`` fields.

    simple_history's ``diff_against`` compares only editable fields (its issue
    #1019), but the stage, its dates and the status are editable=False here and
    are exactly what a project's history is read for.
    """
    from simple_history.models import ModelChange, ModelDelta

    delta = newer.diff_against(older, foreign_keys_are_objs=foreign_keys_are_objs)
    changes = list(delta.changes)
    for field in newer.tracked_fields:
        if field.editable or field.primary_key or field.name in HISTORY_DIFF_SKIPPED:
            continue
        old, new = getattr(older, field.attname), getattr(newer, field.attname)
        if old != new:
            changes.append(ModelChange(field.name, old, new))
    changes.sort(key=lambda change: change.field)
    return ModelDelta(changes, [c.field for c in changes], older, newer)
