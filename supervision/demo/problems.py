"""The problems of the demo: about 150 over the last year, each with the moves it has made by today.

Planned in memory (pure: only the random generator and ``today`` go in); the supervision
seeder then writes each plan through supervision.services.
"""

import datetime
import itertools
import random
from dataclasses import dataclass, field

from projects.choices import Stage
from projects.models import Project
from supervision.choices import ProblemCategory
from supervision.demo import DAY, supervision_data
from supervision.models import SupervisionVisit

PROBLEM_COUNT = 150


@dataclass
class ProblemPlan:
    """One demo problem: where and when it was raised, and the moves it will have made by today."""

    project: Project
    raised_on: datetime.date
    visit: SupervisionVisit | None = None
    category: str = ""
    fate: str = ""
    steps: list = field(default_factory=list)  # (move, day, keyword arguments)


# How the problems end up (the last move each one has made by today), by age in days.
PROBLEM_FATES = [
    (7, {"new": 5, "open": 5}),
    (30, {"new": 1, "open": 9, "overdue": 2, "resolved": 4, "verified": 4}),
    (90, {"open": 2, "overdue": 3, "resolved": 3, "verified": 12}),
    (None, {"new": 1, "overdue": 2, "resolved": 1, "verified": 16}),
]
# Fates given to at least this many problems of the age range (days), so every one occurs.
FORCED_FATES = [
    ("reopen_verified", 3, 120, 365),
    ("reopen_resolved", 2, 90, 365),
    ("extension_approved", 3, 45, 75),
    ("extension_rejected", 2, 45, 75),
    ("overdue", 5, 30, 200),
    ("open", 3, 3, 40),
    ("resolved", 3, 20, 150),
]


def plan_problems(
    rng: random.Random, today: datetime.date, projects: list[Project], visits: list[SupervisionVisit]
) -> list[ProblemPlan]:
    """About 150 problems over the last year, some raised during the visits."""
    plans = []
    for visit in visits:
        if rng.random() < 0.45:
            for project in rng.sample(visit.visited, 2 if rng.random() < 0.25 else 1):
                plans.append(ProblemPlan(project=project, raised_on=visit.on, visit=visit))
    while len(plans) < PROBLEM_COUNT:
        raised_on = today - int(365 * rng.random() ** 1.2) * DAY
        candidates = [p for p in projects if p.signed_on <= raised_on]
        if not candidates:
            continue
        weights = [3 if p.stage_enum.index < Stage.IN_PRODUCTION.index else 1 for p in candidates]
        plans.append(ProblemPlan(project=rng.choices(candidates, weights)[0], raised_on=raised_on))
    plans.sort(key=lambda p: (p.raised_on, p.project.code))

    # Every category at least once, the rest by how often each comes up.
    weights = supervision_data.CATEGORY_WEIGHTS
    categories = list(ProblemCategory.values)
    categories += rng.choices(list(weights), list(weights.values()), k=len(plans) - len(categories))
    rng.shuffle(categories)
    for plan, category in zip(plans, categories, strict=True):
        plan.category = category

    for plan in plans[-3:]:
        plan.fate = "new"
    shuffled = rng.sample(plans, len(plans))
    for fate, count, low, high in FORCED_FATES:
        for plan in shuffled:
            if count == 0:
                break
            if not plan.fate and low <= (today - plan.raised_on).days <= high:
                plan.fate = fate
                count -= 1
    for plan in plans:
        if not plan.fate:
            age = (today - plan.raised_on).days
            fates = next(f for limit, f in PROBLEM_FATES if limit is None or age <= limit)
            plan.fate = rng.choices(list(fates), list(fates.values()))[0]
        # A path cut off by today stops where it is; its earlier moves stay valid.
        plan.steps = list(itertools.takewhile(lambda step: step[1] <= today, problem_path(rng, today, plan)))
    return plans


def problem_path(rng: random.Random, today: datetime.date, plan: ProblemPlan) -> list:
    """The dated moves of a problem for its fate, in order; the caller drops those after today."""
    fate = plan.fate
    if fate == "new":
        return []

    def days(low, high):
        return rng.randint(low, high) * DAY

    assigned_on = min(plan.raised_on + days(0, 5), today)
    if fate == "open":
        return [("assign", assigned_on, {"due_on": max(today + days(3, 40), assigned_on + 7 * DAY)})]
    if fate == "overdue":
        due_on = max(min(assigned_on + days(7, 30), today - DAY), assigned_on)
        return [("assign", assigned_on, {"due_on": due_on})]
    if fate == "resolved":
        resolved_on = max(assigned_on, today - days(0, 12))
        return [
            ("assign", assigned_on, {"due_on": assigned_on + days(15, 45)}),
            ("resolve", resolved_on, {}),
        ]
    if fate == "verified":
        resolved_on = assigned_on + days(3, 70)
        return [
            ("assign", assigned_on, {"due_on": assigned_on + days(15, 60)}),
            ("resolve", resolved_on, {}),
            ("verify", resolved_on + days(1, 10), {}),
        ]
    if fate.startswith("reopen"):
        resolved_on = assigned_on + days(5, 30)
        steps = [
            ("assign", assigned_on, {"due_on": assigned_on + days(15, 40)}),
            ("resolve", resolved_on, {}),
        ]
        last = resolved_on
        if fate == "reopen_verified":
            last = resolved_on + days(1, 7)
            steps.append(("verify", last, {}))
        reopened_on = last + days(5, 30)
        steps.append(("reopen", reopened_on, {"due_on": reopened_on + days(15, 40)}))
        if rng.random() < 0.5:
            again = reopened_on + days(5, 35)
            steps += [("resolve", again, {"again": True}), ("verify", again + days(1, 7), {})]
        return steps
    # An extension request, approved or rejected, and nothing since: the services date
    # the request and the decision with the real date, and a later move may not be
    # dated before them (backdate() puts their simulated day into the timeline).
    due_on = assigned_on + days(15, 25)
    requested_on = max(assigned_on, due_on - days(1, 5))
    return [
        ("assign", assigned_on, {"due_on": due_on}),
        ("request", requested_on, {"due_on": due_on + days(30, 60)}),
        ("decide", requested_on + days(0, 3), {"approve": fate == "extension_approved"}),
    ]
