"""What every page of the browser UI shares: sign-in (htmx-aware), permissions, paging.

Who may do what is decided as the API decides it (zhaoqing_tracker/api/permissions.py): the role
groups' model permissions for the verb (403), ``visible_to(user)`` for the row (404).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required as auth_login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def is_partial(request) -> bool:
    """An htmx request for a part of the page; a history restore needs the whole page."""
    return is_htmx(request) and not request.headers.get("HX-History-Restore-Request")


def login_required(view):
    """Django's login_required, except that an htmx request whose session has ended sends the
    browser to the sign-in page (HX-Redirect) rather than swapping that page into a panel."""
    guarded = auth_login_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_htmx(request) and not request.user.is_authenticated:
            response = HttpResponse()
            response["HX-Redirect"] = redirect_to_login(request.get_full_path())["Location"]
            return response
        return guarded(request, *args, **kwargs)

    return wrapper


def require_perms(request, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied


def posted(request):
    """The POST data to bind a form to, or None on a GET. Not ``request.POST or None``: an
    empty POST must still be validated and answered."""
    return request.POST if request.method == "POST" else None


def page_of(request, queryset, per_page: int = 25) -> dict:
    """One page of ``queryset`` and whether another follows, without COUNT(*): a list may be
    long, and reading one row more tells whether there is a next page. ``?page=`` is the page
    number; anything that is not a positive number means the first page."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return {
        "rows": rows[:per_page],
        "number": number,
        "first": start + 1,
        "last": start + min(len(rows), per_page),
        "has_next": len(rows) > per_page,
        "has_previous": number > 1,
    }
