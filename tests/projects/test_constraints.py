"""Every CheckConstraint / UniqueConstraint of projects/models.py, three ways.

1. ``full_clean()`` refuses a violating instance with a ValidationError carrying the
   constraint's own message (or, where a field validator catches the same mistake first
   and Django therefore skips the constraint, an error on that field, while
   ``validate_constraints()`` still names the constraint's message);
2. the service layer (``save_audited`` and the services) refuses it with a
   ValidationError, never an IntegrityError, and nothing is written;
3. the database itself refuses the row when it is written around validation
   (``bulk_create`` / ``QuerySet.update``): the rule lives in the schema.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from projects import lifecycle, services
from projects.audit import save_audited
from projects.choices import STAGE_DATE_FIELDS, Stage
from projects.imports.models import ImportMapping, ImportRow, LedgerImport
from projects.models import (
    MAJOR_PROJECT_THRESHOLD,
    AnnualTarget,
    Enterprise,
    InvestmentReport,
    InvestmentRollup,
    Park,
    Project,
    Region,
    StageTransition,
)
from projects.validators import credit_code_check_char

pytestmark = pytest.mark.usefixtures("english")

DAY = datetime.timedelta(days=1)


@pytest.fixture
def project(make_project):
    """Signed before the months these tests report for: no investment is reported before a signing."""
    return make_project(signed_on=datetime.date(2023, 12, 1))


def credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def constraint(model, name):
    (found,) = [c for c in model._meta.constraints if c.name == name]
    return found


def constraint_message(model, name) -> str:
    return str(constraint(model, name).get_violation_error_message())


@dataclass
class Ctx:
    project: Project
    user: object
    region: Region
    other_region: Region


@pytest.fixture
def ctx(project, county_staff, region, other_region) -> Ctx:
    return Ctx(
        project=Project.objects.get(pk=project.pk),
        user=county_staff,
        region=region,
        other_region=other_region,
    )


# Each builder returns a violating instance: a new one (to be inserted) or a saved one
# changed in memory (to be updated).


def _project_with_dates(ctx, **changes):
    p = ctx.project
    for field, value in changes.items():
        setattr(p, field, value)
    return p


def _dates_out_of_order(later_index):
    """A project at stage ``later_index`` whose date is one day before the stage before it."""

    def build(ctx):
        p = ctx.project
        later_stage = Stage.ordered()[later_index]
        base = p.signed_on + 10 * DAY
        for field in STAGE_DATE_FIELDS[1:later_index]:
            setattr(p, field, base)
        previous = getattr(p, STAGE_DATE_FIELDS[later_index - 1])
        setattr(p, later_stage.date_field, previous - DAY)
        p.stage = later_stage
        return p

    return build


def _new_park(ctx):
    Park.objects.create(name="肇庆高新区产业园", region=ctx.region)
    return Park(name="肇庆高新区产业园", region=ctx.region)


def _new_enterprise_same_code(ctx):
    code = credit_code("91441200MA4" + "UQ1234")
    Enterprise.objects.create(name="甲公司", credit_code=code)
    return Enterprise(name="乙公司", credit_code=code)


def _report(ctx, **kwargs):
    values = {"project": ctx.project, "month": datetime.date(2024, 3, 1), "amount": Decimal("1000.00")}
    values.update(kwargs)
    return InvestmentReport(**values)


def _duplicate_report(ctx):
    services.investment_report(
        project=ctx.project, month=datetime.date(2024, 3, 9), amount=Decimal("5.00"), by=ctx.user
    )
    return _report(ctx)


def _duplicate_rollup(ctx):
    # The report writes the region's row for March; a second row for it is refused.
    _duplicate_report(ctx)
    return InvestmentRollup(region=ctx.region, month=datetime.date(2024, 3, 1), amount=Decimal("1.00"))


def _target(ctx, **kwargs):
    values = {
        "region": ctx.region,
        "year": 2025,
        "investment": Decimal("100"),
        "investment_h1": Decimal("40"),
    }
    values.update(kwargs)
    return AnnualTarget(**values)


def _duplicate_target(ctx):
    services.target_set(
        region=ctx.region, year=2025, investment=Decimal("10"), investment_h1=Decimal("5"), by=ctx.user
    )
    return _target(ctx)


def _duplicate_mapping(ctx):
    ImportMapping.objects.create(bureau=ctx.region.code, kind="projects", columns={"项目": "name"})
    return ImportMapping(bureau=ctx.region.code, kind="projects", columns={})


def _duplicate_import_row(ctx):
    ledger_import = LedgerImport.objects.create(kind="projects", filename="台账.xlsx", created_by=ctx.user)
    ImportRow.objects.create(ledger_import=ledger_import, number=6, action="new")
    return ImportRow(ledger_import=ledger_import, number=6, action="error")


# name -> (model, builder, where full_clean reports it: None = the constraint message itself,
#          or the field whose own validator reports the mistake first)
CASES = {
    "region_code_six_digits": (Region, lambda c: Region(code="44120A", name="某区", kind="district"), "code"),
    "region_kind_valid": (Region, lambda c: Region(code="441299", name="某区", kind="village"), "kind"),
    "park_name_unique_in_region": (Park, _new_park, None),
    "enterprise_credit_code_unique": (Enterprise, _new_enterprise_same_code, None),
    "project_planned_investment_not_negative": (
        Project,
        lambda c: _project_with_dates(c, planned_investment=Decimal("-1.00")),
        "planned_investment",
    ),
    # Stage and status are not editable, so Django skips their choices check and the constraint speaks.
    "project_stage_valid": (Project, lambda c: _project_with_dates(c, stage="finished"), None),
    "project_status_valid": (Project, lambda c: _project_with_dates(c, status="paused"), None),
    "project_stage_dates_match_stage": (
        # At "started" without a date for it (nor for land supply).
        Project,
        lambda c: _project_with_dates(c, stage=Stage.STARTED),
        None,
    ),
    "project_stage_dates_in_order": (Project, _dates_out_of_order(1), None),
    "project_first_contact_not_after_signing": (
        Project,
        lambda c: _project_with_dates(c, first_contact_on=c.project.signed_on + DAY),
        None,
    ),
    "transition_changes_stage": (
        StageTransition,
        lambda c: StageTransition(
            project=c.project, from_stage=Stage.SIGNED, to_stage=Stage.SIGNED, on=c.project.signed_on
        ),
        None,
    ),
    "investment_report_one_per_month": (InvestmentReport, _duplicate_report, None),
    "investment_report_amount_not_negative": (
        InvestmentReport,
        lambda c: _report(c, amount=Decimal("-0.01")),
        "amount",
    ),
    "investment_report_month_first_day": (
        InvestmentReport,
        lambda c: _report(c, month=datetime.date(2024, 3, 15)),
        None,
    ),
    "annual_target_one_per_region_year": (AnnualTarget, _duplicate_target, None),
    "annual_target_money_not_negative": (
        AnnualTarget,
        lambda c: _target(c, investment=Decimal("-1"), investment_h1=Decimal("-2")),
        "investment",
    ),
    "annual_target_h1_within_year": (
        AnnualTarget,
        lambda c: _target(c, investment=Decimal("100"), investment_h1=Decimal("100.01")),
        None,
    ),
    "annual_target_year_sane": (AnnualTarget, lambda c: _target(c, year=1999), "year"),
    "investment_rollup_one_per_month": (InvestmentRollup, _duplicate_rollup, None),
    "import_mapping_unique": (ImportMapping, _duplicate_mapping, None),
    "import_row_unique_number": (ImportRow, _duplicate_import_row, None),
}
# is_major is derived by full_clean() and save(), so no validated write can get it wrong:
# it has its own tests below.
DERIVED = {"project_is_major_matches_investment"}
# Covered by tests/api/test_tokens.py (a token is named uniquely per user).
TOKENS = {"api_token_name_unique_per_user"}


def test_every_constraint_of_the_app_is_covered():
    declared = {
        c.name
        for model in apps.get_app_config("projects").get_models()
        for c in model._meta.constraints
        if isinstance(c, models.CheckConstraint | models.UniqueConstraint)
    }
    assert declared == set(CASES) | DERIVED | TOKENS


def _db_state(model, instance):
    if instance._state.adding:
        return model.objects.count()
    return model.objects.filter(pk=instance.pk).values().get()


def _write_around_validation(model, instance):
    if instance._state.adding:
        model.objects.bulk_create([instance])
    else:
        fields = {
            f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields if not f.primary_key
        }
        model.objects.filter(pk=instance.pk).update(**fields)


@pytest.mark.parametrize("name", sorted(CASES))
def test_full_clean_names_the_constraint(ctx, name):
    model, build, field = CASES[name]
    instance = build(ctx)
    message = constraint_message(model, name)

    with pytest.raises(ValidationError) as info:
        instance.full_clean()
    if field is None:
        assert message in info.value.messages
    else:
        assert info.value.message_dict[field]
        # The constraint was skipped for the field already in error; on its own it still says why.
        with pytest.raises(ValidationError) as direct:
            instance.validate_constraints()
        assert message in direct.value.messages


@pytest.mark.parametrize("later_index", range(1, len(STAGE_DATE_FIELDS)))
def test_every_pair_of_stage_dates_is_kept_in_order(ctx, later_index):
    instance = _dates_out_of_order(later_index)(ctx)
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    assert constraint_message(Project, "project_stage_dates_in_order") in excinfo.value.messages


@pytest.mark.parametrize("name", sorted(CASES))
def test_service_layer_refuses_with_a_validation_error(ctx, name):
    model, build, _field = CASES[name]
    instance = build(ctx)
    before = _db_state(model, instance)

    with pytest.raises(ValidationError) as info:
        save_audited(instance, by=ctx.user)
    assert all(m.strip() for m in info.value.messages)
    assert _db_state(model, instance) == before


@pytest.mark.parametrize("name", sorted(CASES))
def test_database_refuses_the_row_written_around_validation(ctx, name):
    model, build, _field = CASES[name]
    instance = build(ctx)
    before = _db_state(model, instance)

    with pytest.raises(IntegrityError), transaction.atomic():
        _write_around_validation(model, instance)
    assert _db_state(model, instance) == before


# The same rules through the named services, as a view or the API would call them.


def test_negative_money_through_services(project, county_staff, region):
    with pytest.raises(ValidationError) as info:
        services.investment_report(
            project=project, month=datetime.date(2024, 1, 1), amount=Decimal("-1"), by=county_staff
        )
    assert "amount" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.project_update(project=project, by=county_staff, planned_investment=Decimal("-5"))
    assert "planned_investment" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.target_set(
            region=region, year=2025, investment=Decimal("-1"), investment_h1=Decimal("0"), by=county_staff
        )
    assert not InvestmentReport.objects.exists() and not AnnualTarget.objects.exists()
    project.refresh_from_db()
    assert project.planned_investment == Decimal("300000000.00")


def test_duplicate_project_code_through_project_create(make_project):
    make_project(code="ZQ-0001")
    with pytest.raises(ValidationError) as info:
        make_project(code="ZQ-0001", name="另一个项目")
    assert "code" in info.value.message_dict
    assert Project.objects.filter(code="ZQ-0001").count() == 1


def test_duplicate_credit_code_through_enterprise_create(county_staff):
    code = credit_code("91441200MA4UQ1234")
    services.enterprise_create(name="甲公司", credit_code=code, by=county_staff)
    with pytest.raises(ValidationError) as info:
        services.enterprise_create(name="乙公司", credit_code=code.lower(), by=county_staff)
    assert constraint_message(Enterprise, "enterprise_credit_code_unique") in info.value.messages
    # Empty codes (not yet registered) do not clash with each other.
    services.enterprise_create(name="丙公司", by=county_staff)
    services.enterprise_create(name="丁公司", by=county_staff)


def test_h1_above_year_through_target_set(region, county_staff):
    with pytest.raises(ValidationError) as info:
        services.target_set(
            region=region, year=2025, investment=Decimal("100"), investment_h1=Decimal("101"), by=county_staff
        )
    assert constraint_message(AnnualTarget, "annual_target_h1_within_year") in info.value.messages


def test_an_integrity_error_at_save_time_becomes_a_validation_error(project, county_staff, monkeypatch):
    """A concurrent writer can slip in between full_clean() and the INSERT; that too is a ValidationError."""
    services.investment_report(project=project, month=datetime.date(2024, 5, 1), amount=Decimal("1"), by=None)
    duplicate = InvestmentReport(project=project, month=datetime.date(2024, 5, 1), amount=Decimal("2"))
    monkeypatch.setattr(InvestmentReport, "full_clean", lambda self, *a, **k: None)  # the race window
    with pytest.raises(ValidationError) as info:
        save_audited(duplicate, by=county_staff)
    assert "integrity" in {e.code for e in info.value.error_list}
    # The caller's transaction is still usable after the refused INSERT.
    assert InvestmentReport.objects.filter(project=project).count() == 1


# is_major: derived, and held in step with planned investment by the database.


def test_is_major_is_derived_by_full_clean_and_save(project, county_staff):
    assert project.is_major is False
    project = services.project_update(
        project=project, by=county_staff, planned_investment=MAJOR_PROJECT_THRESHOLD
    )
    project.refresh_from_db()
    assert project.is_major is True
    project = services.project_update(
        project=project, by=county_staff, planned_investment=MAJOR_PROJECT_THRESHOLD - Decimal("0.01")
    )
    project.refresh_from_db()
    assert project.is_major is False


def test_is_major_inconsistent_is_named_by_the_constraint(project):
    project.is_major = True  # with 3 亿元 planned
    message = constraint_message(Project, "project_is_major_matches_investment")
    with pytest.raises(ValidationError) as info:
        project.validate_constraints()
    assert message in info.value.messages
    # full_clean() re-derives the flag instead of refusing, so a validated save is always right.
    project.full_clean()
    assert project.is_major is False


@pytest.mark.parametrize(
    ("planned", "is_major"),
    [(Decimal("300000000"), True), (MAJOR_PROJECT_THRESHOLD, False), (Decimal("2000000000"), False)],
)
def test_database_refuses_is_major_inconsistent(project, planned, is_major):
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(planned_investment=planned, is_major=is_major)
    project.refresh_from_db()
    assert (project.planned_investment, project.is_major) == (Decimal("300000000.00"), False)


# The named DB-level cases, spelled out (the parametrized test above covers all of them too).


def test_database_refuses_negative_money(project):
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(planned_investment=Decimal("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        InvestmentReport.objects.bulk_create(
            [InvestmentReport(project=project, month=datetime.date(2024, 1, 1), amount=Decimal("-1"))]
        )


def test_database_refuses_duplicate_month(project):
    InvestmentReport.objects.create(project=project, month=datetime.date(2024, 1, 1), amount=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        InvestmentReport.objects.bulk_create(
            [InvestmentReport(project=project, month=datetime.date(2024, 1, 1), amount=Decimal("2"))]
        )


def test_database_refuses_duplicate_project_code(make_project):
    first, second = make_project(), make_project()
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=second.pk).update(code=first.code)


def test_database_refuses_stage_dates_out_of_order(project):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=project.signed_on + DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(land_supplied_on=project.signed_on - DAY)


def test_database_refuses_missing_date_for_current_stage(project):
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(stage=Stage.LAND_SUPPLIED)
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=project.signed_on)
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(land_supplied_on=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        # a date for a stage not reached
        Project.objects.filter(pk=project.pk).update(started_on=project.signed_on)
