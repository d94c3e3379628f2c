"""Regions, enterprises, projects and the figures reported on them.

What must never be stored is refused by the database itself (CheckConstraint,
UniqueConstraint), not only by forms: ``full_clean()`` runs the same constraints
first, so a bad write surfaces as a ValidationError with a message.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.choices import STAGE_DATE_FIELDS, RegionKind, Role, Stage, Status
from projects.querysets import (
    CityWideQuerySet,
    ProjectChildQuerySet,
    ProjectQuerySet,
    RegionChildQuerySet,
    RegionQuerySet,
)
from projects.validators import (
    REGION_CODE_PATTERN,
    validate_credit_code,
    validate_not_before_2000,
    validate_region_code,
)

# 10 亿元: the threshold of a major project (重大项目).
MAJOR_PROJECT_THRESHOLD = Decimal("1000000000")
MONEY = {"max_digits": 16, "decimal_places": 2}


class BilingualNameMixin:
    """Shows ``name_en`` to English readers and the Chinese ``name`` to everyone else."""

    def __str__(self):
        if (get_language() or "").startswith("en") and getattr(self, "name_en", ""):
            return self.name_en
        return self.name


class Region(BilingualNameMixin, models.Model):
    code = models.CharField(
        _("code"),
        max_length=6,
        unique=True,
        validators=[validate_region_code],
        help_text=_("6-digit administrative division code, e.g. 441202."),
    )
    name = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=RegionKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_ranked = models.BooleanField(
        _("ranked"), default=False, help_text=_("Whether the region takes part in the rankings.")
    )

    objects = RegionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=REGION_CODE_PATTERN),
                name="region_code_six_digits",
                violation_error_message=_("A region code is 6 digits, e.g. 441202."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RegionKind.values),
                name="region_kind_valid",
                violation_error_message=_("Unknown region kind."),
            ),
        ]


class User(AbstractUser):
    """A signed-in person. County users carry their region; city-level users have none."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("Empty for city-level users."),
    )
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)

    # Password hashes and login times are not field history anyone needs to read.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.value).exists()

    @property
    def role_names(self) -> list[str]:
        return [Role(g.name).label for g in self.groups.all() if g.name in Role.values]


class Park(BilingualNameMixin, models.Model):
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="parks"
    )

    objects = RegionChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("industrial park")
        verbose_name_plural = _("industrial parks")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="park_name_unique_in_region",
                violation_error_message=_("This region already has a park with this name."),
            )
        ]


class Industry(BilingualNameMixin, models.Model):
    """An industry of two levels: a division of the national classification GB/T 4754-2017
    (C13 … C43, no parent), and under it the city's strategic industries (新能源汽车 under C36).
    Both come with the migrations (0007_national_industries); the city admin adds more."""

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_(
            "GB/T 4754 division code (C36), or a short code of letters and hyphens (energy-storage)."
        ),
    )
    name = models.CharField(_("name (Chinese)"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("The GB/T 4754 division a strategic industry belongs to; empty for a division."),
    )
    # Optimistic concurrency (ETag / If-Match in the API): every write through a service bumps it.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = CityWideQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["code"]


class Enterprise(models.Model):
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters; may stay empty until the company is registered."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CityWideQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="enterprise_credit_code_unique",
                violation_error_message=_("An enterprise with this credit code already exists."),
            )
        ]

    def __str__(self):
        return self.name


def _stage_dates_match_stage() -> Q:
    """Exactly the dates of the current stage and the stages before it are filled."""
    stages = Stage.ordered()
    q = Q()
    for i, stage in enumerate(stages):
        reached = {f"{s.date_field}__isnull": False for s in stages[: i + 1]}
        not_reached = {f"{s.date_field}__isnull": True for s in stages[i + 1 :]}
        q |= Q(stage=stage, **reached, **not_reached)
    return q


def _stage_dates_in_order() -> Q:
    """Each filled stage date is on or after the one before it (two stages may share a date)."""
    q = Q()
    for earlier, later in zip(STAGE_DATE_FIELDS[:-1], STAGE_DATE_FIELDS[1:], strict=True):
        q &= Q(**{f"{later}__isnull": True}) | Q(**{f"{later}__gte": F(earlier)})
    return q


class Project(models.Model):
    code = models.CharField(
        _("project code"),
        max_length=32,
        unique=True,
        help_text=_("Left empty, it is assigned as REGION-YEAR-NUMBER."),
    )
    name = models.CharField(_("project name"), max_length=200)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="projects"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="projects"
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("industrial park"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    industry = models.ForeignKey(
        Industry, verbose_name=_("industry"), on_delete=models.PROTECT, related_name="projects"
    )
    is_manufacturing = models.BooleanField(_("manufacturing project"), default=True)
    planned_investment = models.DecimalField(
        _("planned investment (yuan)"), validators=[MinValueValidator(Decimal("0"))], **MONEY
    )
    first_contact_on = models.DateField(
        _("first contact on"), null=True, blank=True, validators=[validate_not_before_2000]
    )

    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.SIGNED, editable=False
    )
    # Stage dates are written only by projects/lifecycle.py.
    signed_on = models.DateField(_("signed on"), validators=[validate_not_before_2000])
    land_supplied_on = models.DateField(
        _("land supplied on"), null=True, blank=True, editable=False, validators=[validate_not_before_2000]
    )
    started_on = models.DateField(
        _("construction started on"),
        null=True,
        blank=True,
        editable=False,
        validators=[validate_not_before_2000],
    )
    completed_on = models.DateField(
        _("completed on"), null=True, blank=True, editable=False, validators=[validate_not_before_2000]
    )
    in_production_on = models.DateField(
        _("in production on"), null=True, blank=True, editable=False, validators=[validate_not_before_2000]
    )
    above_scale_on = models.DateField(
        _("above designated size on"),
        null=True,
        blank=True,
        editable=False,
        validators=[validate_not_before_2000],
    )

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE, editable=False
    )
    # Derived from planned_investment in save(); a constraint keeps the two in step
    # even for writes that bypass save() (bulk updates, raw SQL).
    is_major = models.BooleanField(_("major project"), default=False, editable=False)
    # Optimistic concurrency: every write through a service bumps it.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-signed_on", "-id"]
        indexes = [
            models.Index(fields=["region", "status"], name="project_region_status"),
            models.Index(fields=["updated_at", "id"], name="project_sync"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_investment__gte=0),
                name="project_planned_investment_not_negative",
                violation_error_message=_("Planned investment cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values),
                name="project_stage_valid",
                violation_error_message=_("Unknown stage."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="project_status_valid",
                violation_error_message=_("Unknown status."),
            ),
            models.CheckConstraint(
                condition=_stage_dates_match_stage(),
                name="project_stage_dates_match_stage",
                violation_error_message=_(
                    "The project needs a date for its current stage and every stage before it, "
                    "and none for later stages."
                ),
            ),
            # One constraint for the whole chain: full_clean() runs one query per
            # constraint, and a project is validated on every save.
            models.CheckConstraint(
                condition=_stage_dates_in_order(),
                name="project_stage_dates_in_order",
                violation_error_message=_("Stage dates must not go back in time."),
            ),
            models.CheckConstraint(
                condition=Q(first_contact_on__isnull=True) | Q(first_contact_on__lte=F("signed_on")),
                name="project_first_contact_not_after_signing",
                violation_error_message=_("The first contact cannot be after the signing date."),
            ),
            models.CheckConstraint(
                condition=Q(is_major=True, planned_investment__gte=MAJOR_PROJECT_THRESHOLD)
                | Q(is_major=False, planned_investment__lt=MAJOR_PROJECT_THRESHOLD),
                name="project_is_major_matches_investment",
                violation_error_message=_(
                    "A project is major exactly when its planned investment is at least 1 billion yuan."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.is_major = self.planned_investment is not None and (
            Decimal(self.planned_investment) >= MAJOR_PROJECT_THRESHOLD
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "planned_investment" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_major"}
        super().save(*args, **kwargs)

    def full_clean(self, *args, **kwargs):
        # Derive before validating so the is_major constraint checks the value save() will write.
        if self.planned_investment is not None:
            try:
                self.is_major = Decimal(self.planned_investment) >= MAJOR_PROJECT_THRESHOLD
            except (ArithmeticError, TypeError, ValueError):
                pass  # the field validation below reports the bad number
        super().full_clean(*args, **kwargs)

    @property
    def stage_enum(self) -> Stage:
        return Stage(self.stage)

    def stage_date(self, stage: Stage):
        return getattr(self, stage.date_field)


class StageTransition(models.Model):
    """One move of a project's stage: creation (from empty), advance, or revert."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_stage = models.CharField(_("from stage"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to stage"), max_length=20, choices=Stage.choices)
    # The date the project reached ``to_stage`` (for a revert: the date it had reached it before).
    on = models.DateField(_("date"), validators=[validate_not_before_2000])
    note = models.TextField(_("note or reason"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ProjectChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stage transition")
        verbose_name_plural = _("stage transitions")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_stage=F("to_stage")),
                name="transition_changes_stage",
                violation_error_message=_("A transition must change the stage."),
            ),
        ]

    def __str__(self):
        from_label = self.get_from_stage_display() if self.from_stage else "-"
        return f"{self.project_id}: {from_label} → {self.get_to_stage_display()} ({self.on})"

    @property
    def is_revert(self) -> bool:
        return bool(self.from_stage) and Stage(self.to_stage).index < Stage(self.from_stage).index


class InvestmentReport(models.Model):
    """Actual investment of one project in one calendar month (实际投资)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="investment_reports"
    )
    month = models.DateField(
        _("month"), help_text=_("The first day of the month."), validators=[validate_not_before_2000]
    )
    amount = models.DecimalField(_("amount (yuan)"), validators=[MinValueValidator(Decimal("0"))], **MONEY)
    note = models.CharField(_("note"), max_length=500, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = ProjectChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("investment report")
        verbose_name_plural = _("investment reports")
        ordering = ["-month", "project_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month"],
                name="investment_report_one_per_month",
                violation_error_message=_("This project already has a report for this month."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="investment_report_amount_not_negative",
                violation_error_message=_("Investment cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="investment_report_month_first_day",
                violation_error_message=_("The month is stored as its first day."),
            ),
        ]

    def __str__(self):
        return f"{self.project_id} {self.month:%Y-%m}: {self.amount}"


class InvestmentRollup(models.Model):
    """Sum of the investment reports of one region's counted projects for one month.

    Rankings read investment from here: summing 20 million raw reports for every
    ranking takes seconds, this table is region × month (DESIGN "Scale"). It is
    derived data, kept current by projects.rollups in the same transaction as
    every write that changes the sum (a report, a cancellation, a move to another
    region), and ``check_rollups`` proves it equal to the raw reports.
    Cancelled projects are not in it, as they are not counted.
    """

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=20, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("investment roll-up")
        verbose_name_plural = _("investment roll-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "month"],
                name="investment_rollup_one_per_month",
                violation_error_message=_("This region already has a roll-up row for this month."),
            ),
        ]

    def __str__(self):
        return f"{self.region_id} {self.month:%Y-%m}: {self.amount}"


class AnnualTarget(models.Model):
    """A region's task for a year (年度任务)."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    investment = models.DecimalField(
        _("investment target (yuan)"), validators=[MinValueValidator(Decimal("0"))], **MONEY
    )
    investment_h1 = models.DecimalField(
        _("first-half investment target (yuan)"),
        validators=[MinValueValidator(Decimal("0"))],
        **MONEY,
    )
    signed = models.PositiveIntegerField(_("projects to sign"), default=0)
    started = models.PositiveIntegerField(_("projects to start"), default=0)
    completed = models.PositiveIntegerField(_("projects to complete"), default=0)
    in_production = models.PositiveIntegerField(_("projects to put into production"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = RegionChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("annual target")
        verbose_name_plural = _("annual targets")
        ordering = ["-year", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year"],
                name="annual_target_one_per_region_year",
                violation_error_message=_("This region already has a target for this year."),
            ),
            models.CheckConstraint(
                condition=Q(investment__gte=0) & Q(investment_h1__gte=0),
                name="annual_target_money_not_negative",
                violation_error_message=_("Investment targets cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(investment_h1__lte=F("investment")),
                name="annual_target_h1_within_year",
                violation_error_message=_("The first-half target cannot exceed the whole year's target."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="annual_target_year_sane",
                violation_error_message=_("The year must be between 2000 and 2100."),
            ),
        ]

    def __str__(self):
        return f"{self.region} {self.year}"


class StatusChange(models.Model):
    """One change of a project's status (cancel, reactivate, stalled flag and unflag), with its reason."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from status"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("to status"), max_length=20, choices=Status.choices)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the daily stalled-project check made the change."),
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ProjectChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.project_id}: {self.get_from_status_display()} → {self.get_to_status_display()}"


# Defined in their own modules with their services (API tokens; the ledger import's upload,
# rows and remembered mappings); imported here so Django registers them in this app.
from projects.imports.models import ImportMapping, ImportRow, LedgerImport  # noqa: E402, F401
from projects.tokens import ApiToken  # noqa: E402, F401
