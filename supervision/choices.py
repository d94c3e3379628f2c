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


class PeriodKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class Indicator(models.TextChoices):
    # The order is the order of DESIGN's ranking definition and of every table.
    SIGNED = "signed", _("Signed")
    LAND_SUPPLIED = "land_supplied", _("Land supplied")
    STARTED = "started", _("Started")
    COMPLETED = "completed", _("Completed")
    IN_PRODUCTION = "in_production", _("In production")
    ABOVE_SCALE = "above_scale", _("Above designated size")
    INVESTMENT = "investment", _("Investment")
    INVESTMENT_RATE = "investment_rate", _("Investment against target")
    AVG_DAYS_TO_LAND = "avg_days_to_land", _("Average days from signing to land")
    PROBLEMS_RAISED = "problems_raised", _("Problems raised")
    PROBLEMS_RESOLVED = "problems_resolved", _("Problems resolved")
    PROBLEM_RESOLUTION_RATE = "problem_resolution_rate", _("Problem resolution rate")
    PROBLEMS_OVERDUE = "problems_overdue", _("Problems overdue")


# Indicators where a smaller value is the better one: their own rank runs from
# the smallest up, and a ranking scheme may not weight them, because DESIGN's
# score (weight × value / max) rewards large values.
LOWER_IS_BETTER = frozenset({Indicator.AVG_DAYS_TO_LAND, Indicator.PROBLEMS_OVERDUE})

# DESIGN's default scheme.
DEFAULT_WEIGHTS = {
    Indicator.INVESTMENT_RATE: 40,
    Indicator.STARTED: 15,
    Indicator.COMPLETED: 15,
    Indicator.IN_PRODUCTION: 15,
    Indicator.PROBLEM_RESOLUTION_RATE: 15,
}


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
