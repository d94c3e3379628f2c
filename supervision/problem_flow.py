"""The problem moves, declared once: where each is offered, who may take it, what it is called.

raised → assigned (交办) → resolved (办结) → verified (销号); a resolution can be sent back (退回,
"reopen"), an assigned problem can ask for more time and a leader decides. Each row below is one
move; the API's actions, the staff pages and the admin all read this table, and the services
refuse a role the table refuses, so no interface can offer a move its service would turn down.

Changing who may take a move is editing its ``roles``. The forms that read a move's input are
supervision/forms.py's (``MOVE_FORMS``); the services that make it are supervision/services.py's
(``problem_<move>``). This module sits below both, so that the services can ask it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from projects.choices import Role
from projects.roles import user_has_role
from supervision.choices import ExtensionStatus, ProblemStatus

STAFF, COUNTY_LEADER, CITY_LEADER, CITY_ADMIN = (
    Role.COUNTY_STAFF,
    Role.COUNTY_LEADER,
    Role.CITY_LEADER,
    Role.CITY_ADMIN,
)
CHANGE_PROBLEM = ("supervision.change_problem",)


@dataclass(frozen=True)
class Move:
    name: str  # the API action, the URL segment of the staff page and the admin page
    label: str
    done: str  # what the page says once the move is made
    statuses: tuple  # the problem's statuses where the move is offered
    roles: tuple  # DESIGN "Roles": who may take it (superusers count as city admins)
    permissions: tuple  # the model permissions it needs as well (projects/roles.py gives them)
    path: str = ""  # under the problem's URL, in the API and on the staff pages; default: the name

    @property
    def url_path(self) -> str:
        return self.path or self.name


MOVES = {
    move.name: move
    for move in (
        Move(
            "assign",
            _("Assign"),
            _("The problem was assigned."),
            (ProblemStatus.RAISED, ProblemStatus.ASSIGNED),
            (COUNTY_LEADER, CITY_ADMIN),
            CHANGE_PROBLEM,
        ),
        Move(
            "resolve",
            _("Resolve"),
            _("The problem was marked resolved."),
            (ProblemStatus.ASSIGNED,),
            (STAFF, CITY_ADMIN),
            CHANGE_PROBLEM,
        ),
        Move(
            "extend",
            _("Request extension"),
            _("The extension was requested; a leader decides on it."),
            (ProblemStatus.ASSIGNED,),
            (STAFF, CITY_ADMIN),
            ("supervision.add_extensionrequest",),
        ),
        Move(
            "verify",
            _("Verify"),
            _("The problem was verified and closed."),
            (ProblemStatus.RESOLVED,),
            (COUNTY_LEADER, CITY_ADMIN),
            CHANGE_PROBLEM,
        ),
        Move(
            "reopen",
            _("Reopen"),
            _("The problem was reopened."),
            (ProblemStatus.RESOLVED, ProblemStatus.VERIFIED),
            (COUNTY_LEADER, CITY_LEADER, CITY_ADMIN),
            CHANGE_PROBLEM,
        ),
        Move(
            "decide_extension",
            _("Decide on the extension"),
            "",  # the page says which decision was taken
            tuple(ProblemStatus),  # wherever a request is pending (see offered_moves)
            (COUNTY_LEADER, CITY_ADMIN),
            ("supervision.change_extensionrequest",),
            path="extend/decide",
        ),
    )
}
ASSIGN, RESOLVE, EXTEND, VERIFY, REOPEN, DECIDE_EXTENSION = MOVES.values()


def role_allows(user, move: Move) -> bool:
    """The role part of the rule; the services ask this (they do not look at permissions)."""
    return user_has_role(user, *move.roles)


def may_move(user, move: Move) -> bool:
    """Whether ``user`` may take ``move`` at all: its role and the model permissions."""
    return user.has_perms(move.permissions) and role_allows(user, move)


def pending_request(problem):
    """The problem's pending extension request, read from its (prefetched) requests."""
    return next((r for r in problem.extension_requests.all() if r.status == ExtensionStatus.PENDING), None)


def offered_moves(user, problem) -> list[Move]:
    """The moves a page offers ``user`` on ``problem`` now, in the table's order. The services
    decide in the end; this only leaves out buttons that could not succeed."""
    pending = pending_request(problem) is not None
    offered = []
    for move in MOVES.values():
        if problem.status not in move.statuses or not may_move(user, move):
            continue
        if move is VERIFY and problem.resolved_by_id == user.pk:
            continue  # the resolver may not verify
        if (move is EXTEND and pending) or (move is DECIDE_EXTENSION and not pending):
            continue
        offered.append(move)
    return offered


# The API's RolePermissions reads these from the viewset (zhaoqing_tracker/api/permissions.py).
ACTION_PERMISSIONS = {move.name: list(move.permissions) for move in MOVES.values()}
ACTION_ROLES = {move.name: move.roles for move in MOVES.values()}
