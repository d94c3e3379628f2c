"""What a ledger import keeps: the upload, its preview row by row, and each bureau's last column mapping.

Declared here to keep projects/models.py about projects; projects/models.py imports this module so
the models belong to the ``projects`` app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects import scope


class LedgerImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        # A county user sees its region's imports; city-level ones (no region) only the unrestricted.
        return scope.scope_filter(self, user, "region")


class ImportKind(models.TextChoices):
    PROJECTS = "projects", _("Projects (ledger)")
    INVESTMENT = "investment", _("Monthly investment")
    TARGETS = "targets", _("Annual targets")


class MoneyUnit(models.TextChoices):
    # Ledgers are kept in 万元; a unit line (单位：元) or a header "(亿元)" overrides the choice.
    WAN = "wan", _("10k yuan (万元)")
    YUAN = "yuan", _("yuan (元)")
    YI = "yi", _("100M yuan (亿元)")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be read")
    READING = "reading", _("Being read")
    READY = "ready", _("Ready to confirm")
    HAS_ERRORS = "has_errors", _("Has errors")
    COMMITTING = "committing", _("Being written")
    COMMITTED = "committed", _("Written")
    FAILED = "failed", _("Could not be read")


class RowAction(models.TextChoices):
    NEW = "new", _("New")
    UPDATE = "update", _("Update")
    UNCHANGED = "unchanged", _("Unchanged")
    SKIPPED = "skipped", _("Skipped (a total row)")
    ERROR = "error", _("Error")


def import_upload_path(instance, filename):
    return f"imports/{instance.created_at:%Y/%m}/{filename}"


class LedgerImport(models.Model):
    """One uploaded file: kept whatever its outcome (who, when, counts, outcome)."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    unit = models.CharField(_("money unit"), max_length=10, choices=MoneyUnit.choices, default=MoneyUnit.WAN)
    # For a 月报 sheet with only a year-to-date column: the year it reports (months come from
    # the headers, e.g. "1-10月累计").
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # The region of the bureau that imported (None: a city-level user), for its remembered mapping.
    region = models.ForeignKey(
        "projects.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    # Column index (0-based, as a string) → field name; what the preview used.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    # The header texts as read (index → text), so that the mapping can be shown and corrected.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), null=True, blank=True)
    sheet = models.CharField(_("worksheet"), max_length=100, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # The uploader's language: the row messages are written in it, also by a background job.
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    # A file-level error (unreadable, no header found): code and message.
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    committed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = LedgerImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "-created_at"], name="import_region_recent")]

    def __str__(self):
        return f"#{self.pk} {self.filename}"

    @property
    def reason(self) -> str:
        """What the history rows of its writes say (shown translated by projects.audit)."""
        return f"import #{self.pk}"


class ImportRow(models.Model):
    """One data row of the file as the preview read it."""

    ledger_import = models.ForeignKey(LedgerImport, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(_("row"))  # as Excel shows it
    action = models.CharField(_("action"), max_length=20, choices=RowAction.choices)
    # The parsed values (JSON: dates ISO, money as strings) and what the commit will do.
    data = models.JSONField(default=dict, blank=True)
    # [{"column": header text, "code": ..., "message": ...}], in the uploader's language.
    errors = models.JSONField(default=list, blank=True)
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The matched project's version when previewed: a change since is an error at confirmation.
    project_version = models.PositiveIntegerField(null=True, blank=True)
    label = models.CharField(max_length=300, blank=True)  # the project name or region, for the table

    class Meta:
        ordering = ["ledger_import", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["ledger_import", "number"],
                name="import_row_unique_number",
                violation_error_message=_("This import already has a row with this number."),
            )
        ]


class ImportMapping(models.Model):
    """The last mapping a bureau confirmed for a kind: header text → field, reused next time."""

    # The bureau's region code, or "" for city-level users (a key, not a foreign key, so that
    # the city's row is unique too: a NULL would not be).
    bureau = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    columns = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "kind"],
                name="import_mapping_unique",
                violation_error_message=_("This bureau already has a mapping for this kind of ledger."),
            )
        ]
