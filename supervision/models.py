"""The work that moves projects along: problems, service teams, visits, service logs, milestones.

Writes go through supervision/services.py; the constraints below refuse what
must never be stored even when a write bypasses it.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.choices import Stage
from projects.models import BilingualNameMixin, Project, Region
from projects.querysets import ProjectChildQuerySet, RegionChildQuerySet
from projects.validators import validate_not_before_2000
from supervision.choices import (
    ExtensionStatus,
    ProblemCategory,
    ProblemEventKind,
    ProblemStatus,
    ReminderKind,
    ServiceKind,
    Severity,
    WarningColour,
)
from supervision.querysets import MilestoneQuerySet, ProblemQuerySet, ServiceTeamQuerySet

USER = settings.AUTH_USER_MODEL


class Unit(BilingualNameMixin, models.Model):
    """A department responsible for problems and teams (责任单位), e.g. 德庆县自然资源局."""

    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        help_text=_("Empty for city-level departments."),
    )
    # Optimistic concurrency (ETag / If-Match in the API): every write through a service bumps it.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = RegionChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="unit_name_unique_in_region",
                violation_error_message=_("This region already has a unit with this name."),
            )
        ]


class Person(models.Model):
    """An official who serves projects; optionally linked to a user account."""

    name = models.CharField(_("full name"), max_length=50)
    title = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    user = models.OneToOneField(
        USER,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    objects = RegionChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}（{self.title}）" if self.title else self.name


class SupervisionVisit(models.Model):
    """A Project Landing Supervision Day (督导日) visit by a leader to a region's projects."""

    on = models.DateField(_("date"), validators=[validate_not_before_2000])
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="visits"
    )
    leader = models.ForeignKey(
        Person, verbose_name=_("leading official"), on_delete=models.PROTECT, related_name="visits_led"
    )
    projects = models.ManyToManyField(
        Project, verbose_name=_("projects visited"), related_name="visits", blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        USER,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = RegionChildQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[projects])

    class Meta:
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")
        ordering = ["-on", "-id"]

    def __str__(self):
        return f"{self.on} {self.region} · {self.leader}"


class Problem(models.Model):
    """A problem blocking a project (问题台账): raised → assigned → resolved → verified."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="problems"
    )
    category = models.CharField(_("category"), max_length=20, choices=ProblemCategory.choices)
    description = models.TextField(_("description"))
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    raised_on = models.DateField(_("raised on"), validators=[validate_not_before_2000])
    raised_by = models.ForeignKey(
        USER, verbose_name=_("raised by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visit = models.ForeignKey(
        SupervisionVisit,
        verbose_name=_("supervision visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    # Everything below is written only by supervision/services.py.
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProblemStatus.choices,
        default=ProblemStatus.RAISED,
        editable=False,
    )
    responsible_unit = models.ForeignKey(
        Unit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
        editable=False,
    )
    assignee = models.ForeignKey(
        USER,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_problems",
        editable=False,
    )
    due_on = models.DateField(
        _("due on"), null=True, blank=True, editable=False, validators=[validate_not_before_2000]
    )
    resolved_on = models.DateField(
        _("resolved on"), null=True, blank=True, editable=False, validators=[validate_not_before_2000]
    )
    resolution = models.TextField(_("resolution"), blank=True, editable=False)
    resolved_by = models.ForeignKey(
        USER,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    verified_on = models.DateField(
        _("verified on"), null=True, blank=True, editable=False, validators=[validate_not_before_2000]
    )
    verified_by = models.ForeignKey(
        USER,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = ProblemQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-raised_on", "-id"]
        indexes = [models.Index(fields=["status", "due_on"], name="problem_status_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProblemStatus.values),
                name="problem_status_valid",
                violation_error_message=_("Unknown problem status."),
            ),
            models.CheckConstraint(
                condition=Q(category__in=ProblemCategory.values),
                name="problem_category_valid",
                violation_error_message=_("Unknown problem category."),
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values),
                name="problem_severity_valid",
                violation_error_message=_("Unknown severity."),
            ),
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(due_on__gte=F("raised_on")),
                name="problem_due_not_before_raised",
                violation_error_message=_("The due date cannot be before the date the problem was raised."),
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("raised_on")),
                name="problem_resolved_not_before_raised",
                violation_error_message=_("A problem cannot be resolved before it was raised."),
            ),
            models.CheckConstraint(
                condition=Q(verified_on__isnull=True) | Q(verified_on__gte=F("resolved_on")),
                name="problem_verified_not_before_resolved",
                violation_error_message=_("A problem cannot be verified before it was resolved."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=ProblemStatus.RAISED, resolved_on__isnull=True, verified_on__isnull=True)
                    | Q(
                        status=ProblemStatus.ASSIGNED,
                        responsible_unit__isnull=False,
                        due_on__isnull=False,
                        resolved_on__isnull=True,
                        verified_on__isnull=True,
                    )
                    | Q(
                        status=ProblemStatus.RESOLVED,
                        responsible_unit__isnull=False,
                        resolved_on__isnull=False,
                        verified_on__isnull=True,
                    )
                    | Q(
                        status=ProblemStatus.VERIFIED,
                        responsible_unit__isnull=False,
                        resolved_on__isnull=False,
                        verified_on__isnull=False,
                    )
                ),
                name="problem_fields_match_status",
                violation_error_message=_(
                    "An assigned problem needs a unit and a due date; a resolved one a resolution date; "
                    "a verified one a verification date."
                ),
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_category_display()} · {self.description[:30]}"


class ProblemEvent(models.Model):
    """One entry of a problem's timeline, written with each move in the same transaction."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=24, choices=ProblemEventKind.choices)
    from_status = models.CharField(_("from status"), max_length=10, choices=ProblemStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=10, choices=ProblemStatus.choices)
    on = models.DateField(_("date"), validators=[validate_not_before_2000])
    due_on = models.DateField(_("due on"), null=True, blank=True, validators=[validate_not_before_2000])
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        USER, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("problem timeline entry")
        verbose_name_plural = _("problem timeline")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.on}"


class ExtensionRequest(models.Model):
    """A request to move a problem's due date, decided by a leader."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    due_on = models.DateField(_("requested due date"), validators=[validate_not_before_2000])
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("decision"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        USER,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        USER, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem"],
                condition=Q(status=ExtensionStatus.PENDING),
                name="extension_one_pending_per_problem",
                violation_error_message=_(
                    "This problem already has an extension request waiting for a decision."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ExtensionStatus.values),
                name="extension_status_valid",
                violation_error_message=_("Unknown decision."),
            ),
        ]

    def __str__(self):
        return f"{self.problem_id} → {self.due_on} ({self.get_status_display()})"


class ServiceTeam(models.Model):
    """The "five-one" team (五个一) of one project."""

    project = models.OneToOneField(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="service_team"
    )
    county_leader = models.ForeignKey(
        Person,
        verbose_name=_("county leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    chief_officer = models.ForeignKey(
        Person,
        verbose_name=_("chief service officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    specialist = models.ForeignKey(
        Person,
        verbose_name=_("enterprise service specialist"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    plan = models.TextField(_("service plan"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = ServiceTeamQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service team")
        verbose_name_plural = _("service teams")
        ordering = ["project_id"]

    def __str__(self):
        return str(self.project)

    @property
    def is_complete(self) -> bool:
        return all(
            [
                self.county_leader_id,
                self.chief_officer_id,
                self.specialist_id,
                self.unit_id,
                self.plan.strip(),
            ]
        )


class ServiceLog(models.Model):
    """One matter handled for an enterprise (服务日志)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="service_logs"
    )
    on = models.DateField(_("date"), validators=[validate_not_before_2000])
    kind = models.CharField(_("kind of service"), max_length=24, choices=ServiceKind.choices)
    description = models.TextField(_("what was done"))
    person = models.ForeignKey(
        Person,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_logs",
    )
    hours = models.DecimalField(
        _("time spent (hours)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("240"))],
    )
    recorded_by = models.ForeignKey(
        USER,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = ProjectChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service log")
        verbose_name_plural = _("service logs")
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=0),
                name="service_log_hours_not_negative",
                violation_error_message=_("Time spent cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ServiceKind.values),
                name="service_log_kind_valid",
                violation_error_message=_("Unknown kind of service."),
            ),
        ]

    def __str__(self):
        return f"{self.on} {self.get_kind_display()}"


class Milestone(models.Model):
    """A reverse-scheduled work item (倒排工期节点)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title"), max_length=200)
    responsible = models.ForeignKey(
        Person,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="milestones",
    )
    due_on = models.DateField(_("due on"), validators=[validate_not_before_2000])
    done_on = models.DateField(_("done on"), null=True, blank=True, validators=[validate_not_before_2000])
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = MilestoneQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project_id", "due_on", "order", "id"]

    def __str__(self):
        return f"{self.title} ({self.due_on})"

    @property
    def warning_label(self) -> str:
        """The colour's name, on a milestone read with ``with_warning``."""
        return WarningColour(self.warning).label


class MilestoneTemplate(BilingualNameMixin, models.Model):
    """A step of the default reverse schedule, counted back from the target production date."""

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    name = models.CharField(_("title (Chinese)"), max_length=200)
    name_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    working_days_before = models.PositiveIntegerField(
        _("working days before production"),
        help_text=_("How many working days before the target production date this step is due."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone template")
        verbose_name_plural = _("milestone templates")
        ordering = ["-working_days_before", "id"]


class Reminder(models.Model):
    """One overdue reminder sent; the unique key makes "once per item per day" hold under retries."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    object_id = models.PositiveBigIntegerField(_("item"))
    recipient = models.ForeignKey(
        USER, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    sent_on = models.DateField(_("sent on"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    # No field history: a reminder row is written once and never changed; it is itself the log.

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "recipient", "sent_on"],
                name="reminder_once_per_item_recipient_day",
                violation_error_message=_("This reminder was already sent today."),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.object_id} → {self.recipient_id} ({self.sent_on})"


# Rankings and bulletins live in their own module; importing them here registers them with the app.
from supervision.models_ranking import Bulletin, BulletinRequest, RankingScheme, RankingWeight  # noqa: E402, F401
