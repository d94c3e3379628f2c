"""Ranking schemes (排名方案): the weights of the composite score a city admin sets per year.

``ranking_scheme_set`` is the only code that writes a RankingScheme or its weights
(house rule 2); the admin calls it. Bulletins already published keep the scheme
they were computed with (it is frozen in ``Bulletin.scheme``), so changing a
scheme changes only rankings computed afterwards.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from projects.audit import actor, check_version, field_error, save_audited
from projects.choices import Role
from projects.roles import user_has_role
from supervision.choices import LOWER_IS_BETTER, Indicator
from supervision.models_ranking import RankingScheme, RankingWeight

MAX_WEIGHT = Decimal("1000")
CENT = Decimal("0.01")

# The indicators a scheme may weight, in the order of every table.
WEIGHTABLE = [indicator for indicator in Indicator if indicator not in LOWER_IS_BETTER]


def can_set_schemes(user) -> bool:
    """DESIGN "Roles": ranking schemes are the city admin's (superusers count as city admins)."""
    return user_has_role(user, Role.CITY_ADMIN)


def _error(message: str, code: str) -> list[ValidationError]:
    return [ValidationError(message, code=code)]


def clean_weights(weights: dict) -> dict[str, Decimal]:
    """``weights`` checked and as Decimals, zeros dropped; a ValidationError keyed by indicator otherwise."""
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, Decimal] = {}
    for name, raw in weights.items():
        name = str(name)
        if name not in Indicator.values:
            errors[name] = _error(_("Unknown indicator “%(name)s”.") % {"name": name}, "unknown_indicator")
            continue
        if raw is None or raw == "":
            continue  # an empty field means "not weighted"
        try:
            weight = Decimal(str(raw))
        except InvalidOperation:
            errors[name] = _error(_("Enter a number."), "invalid")
            continue
        if not weight.is_finite():
            errors[name] = _error(_("Enter a number."), "invalid")
        elif weight < 0:
            errors[name] = _error(_("A weight cannot be negative."), "negative")
        elif weight > MAX_WEIGHT:
            errors[name] = _error(_("A weight is at most 1000."), "too_large")
        elif weight != weight.quantize(CENT):
            errors[name] = _error(_("A weight has at most 2 decimal places."), "decimal_places")
        elif weight > 0 and name in LOWER_IS_BETTER:
            # The score adds weight × value / max(value), so it grows with the value. For these
            # indicators a larger value is worse (slower land supply, more overdue problems):
            # weighting them would reward the slowest region.
            errors[name] = _error(
                _(
                    "%(indicator)s cannot be weighted: a smaller value is better here, but the score "
                    "(weight × value ÷ largest value) rewards large values, so a weight would reward "
                    "the slowest region."
                )
                % {"indicator": Indicator(name).label},
                "lower_is_better",
            )
        elif weight > 0:
            cleaned[name] = weight.quantize(CENT)
    if not errors and not cleaned:
        errors[NON_FIELD_ERRORS] = _error(
            _("Give at least one indicator a weight above zero; otherwise every region scores 0."),
            "all_zero",
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def ranking_scheme_set(
    *, year: int, weights: dict[str, Decimal], by, note: str = "", version: int | None = None
) -> RankingScheme:
    """Set the weights of ``year``'s ranking: create its scheme, or change it at the ``version`` read.

    ``weights`` maps indicator names to weights; indicators left out or at 0 are not
    weighted. ``version`` is the scheme's version the caller read: a write over a newer
    change is refused.
    """
    if not can_set_schemes(by):
        raise PermissionDenied(_("Only the city administrator may set ranking schemes."))
    cleaned = clean_weights(weights)
    # The scheme's row lock serialises two admins saving the same year; the weights
    # below are read and replaced under it.
    scheme = RankingScheme.objects.select_for_update().filter(year=year).first()
    if scheme is None:
        # Of two admins creating the year's scheme at once, the unique year refuses the second.
        scheme, reason = RankingScheme(year=year), "created"
    elif version is None:
        # A writer that read no scheme never replaces one it has not seen.
        raise field_error(
            "year",
            _("This year already has a ranking scheme (id %(id)s); change that one.") % {"id": scheme.pk},
            code="conflict",
        )
    else:
        check_version(scheme, version)
        scheme.version += 1
        reason = "edited"
    scheme.note = (note or "").strip()
    save_audited(scheme, by=by, reason=reason)

    existing = {weight.indicator: weight for weight in RankingWeight.objects.filter(scheme=scheme)}
    for name, weight_row in existing.items():
        if name not in cleaned:
            # One by one (not a queryset delete) so each removal is recorded with its author.
            weight_row._history_user = actor(by)
            weight_row.delete()
    for name, value in cleaned.items():
        weight_row = existing.get(name) or RankingWeight(scheme=scheme, indicator=name)
        if weight_row.pk is not None and weight_row.weight == value:
            continue  # unchanged: no history row
        weight_row.weight = value
        save_audited(weight_row, by=by, reason=reason)
    return scheme
