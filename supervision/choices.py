"""Enumerations of the supervision app (never compare to bare strings)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProblemCategory(models.TextChoices):
    LAND_USE = "land_use", _("Land use")
    ENERGY_USE = "energy_use", _("Energy use")
    ENVIRONMENT = "environment", _("Environmental protection")
    FINANCING = "financing", _("Financing")
    EMPLOYMENT = "employment", _("Employment")
    APPROVALS = "approvals", _("Approvals")
    UTILITIES = "utilities", _("Utilities and infrastructure")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ProblemStatus(models.TextChoices):
    # The closed loop: 提出 → 交办 → 办结 → 销号.
    RAISED = "raised", _("Raised")
    ASSIGNED = "assigned", _("Assigned")
    RESOLVED = "resolved", _("Resolved")
    VERIFIED = "verified", _("Verified")


OPEN_PROBLEM_STATUSES = [ProblemStatus.RAISED, ProblemStatus.ASSIGNED]


class ProblemEventKind(models.TextChoices):
    RAISED = "raised", _("Raised")
    ASSIGNED = "assigned", _("Assigned")
    RESOLVED = "resolved", _("Resolved")
    VERIFIED = "verified", _("Verified")
    REOPENED = "reopened", _("Reopened")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved")
    EXTENSION_REJECTED = "extension_rejected", _("Extension rejected")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ServiceKind(models.TextChoices):
    REGISTRATION = "registration", _("Company registration")
    LAND_AUCTION = "land_auction", _("Land auction")
    FILING = "filing", _("Project filing")
    CONSTRUCTION_PERMIT = "construction_permit", _("Construction permit")
    UTILITIES = "utilities", _("Water and power connection")
    FINANCING = "financing", _("Financing")
    RECRUITMENT = "recruitment", _("Recruitment")
    OTHER = "other", _("Other")


class WarningColour(models.TextChoices):
    GREEN = "green", _("On track")
    YELLOW = "yellow", _("Due soon or done late")
    RED = "red", _("Overdue")


class ReminderKind(models.TextChoices):
    PROBLEM = "problem", _("Problem")
    MILESTONE = "milestone", _("Milestone")
