"""A problem move's form data handed to its service, for every screen that offers the moves.

The staff pages (views_problems.py) and the admin (admin_actions.py) show forms of their
own, but a move is the same service call from both; each passes the version its form was
loaded with. The functions return nothing: the screens say what happened themselves.
"""

from supervision import services


def assign(problem, data, user, *, version):
    services.problem_assign(
        problem=problem,
        unit=data["unit"],
        assignee=data["assignee"],
        due_on=data["due_on"],
        on=data["on"],
        note=data["note"],
        by=user,
        version=version,
    )


def resolve(problem, data, user, *, version):
    services.problem_resolve(
        problem=problem, resolution=data["resolution"], on=data["on"], by=user, version=version
    )


def verify(problem, data, user, *, version):
    services.problem_verify(problem=problem, note=data["note"], on=data["on"], by=user, version=version)


def reopen(problem, data, user, *, version):
    services.problem_reopen(
        problem=problem, reason=data["reason"], due_on=data["due_on"], on=data["on"], by=user, version=version
    )


def request_extension(problem, data, user, *, version):
    services.problem_request_extension(
        problem=problem, due_on=data["due_on"], reason=data["reason"], by=user, version=version
    )
