"""One error shape for every response that is not a success.

    {"status": 400, "code": "invalid", "detail": "…", "fields": {"name": ["…"]}}

``fields`` is present only for errors about particular fields. Django
ValidationErrors raised by the service functions become 400s in this shape, so
a rule enforced once in a service reads the same in the API as on a form.

The site's 404 and 500 handlers (zhaoqing_tracker/urls.py) are here too: every path
under /api/ answers them in this shape, whether or not it reached a DRF view; every
other path gets the page, in the user's language. A database that cannot be reached
(refused, dropped or closed connections) is no bug of ours: the 500 handler answers it
503 with Retry-After, and the next request connects again (CONN_HEALTH_CHECKS).
"""

import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it (If-Match does not match its ETag)."
    default_code = "stale"


class Conflict(exceptions.APIException):
    """The request is valid but collides with a stored record (a second report of a month)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with a stored record."
    default_code = "conflict"


def _all_codes(exc: DjangoValidationError) -> set:
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors}
    return {e.code for e in exc.error_list}


def django_validation_error_to_drf(exc: DjangoValidationError) -> exceptions.APIException:
    if hasattr(exc, "error_dict"):
        detail = {
            (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): [
                e for error in errors for e in error.messages
            ]
            for field, errors in exc.error_dict.items()
        }
    else:
        detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    codes = [e.code for e in exc.error_list] if hasattr(exc, "error_list") else []
    if "stale" in codes:
        return PreconditionFailed(" ".join(exc.messages))
    if "conflict" in _all_codes(exc):
        return Conflict(detail)
    return exceptions.ValidationError(detail)


def _flatten(detail, prefix=""):
    """``{"enterprise": {"name": ["…"]}}`` → ``{"enterprise.name": ["…"]}``, so that every value of
    ``fields`` is a list of messages even for nested objects (and ``items.2.amount`` for lists)."""
    fields = {}
    for key, value in detail.items():
        # A nested object's own errors ("expected an object") belong to the object's field.
        name = prefix[:-1] if prefix and key == api_settings.NON_FIELD_ERRORS_KEY else f"{prefix}{key}"
        if isinstance(value, dict):
            nested = _flatten(value, f"{name}.")
        elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
            nested = _flatten(dict(enumerate(value)), f"{name}.")
        else:
            nested = {name: value if isinstance(value, list) else [value]}
        for field, messages in nested.items():
            fields.setdefault(field, []).extend(messages)
    return {name: messages for name, messages in fields.items() if messages}


def _split(detail):
    """(message, fields) from a DRF error detail."""
    if isinstance(detail, dict) and set(detail) == {"detail"}:
        return str(detail["detail"]), None
    if isinstance(detail, dict):
        fields = _flatten(detail)
        non_field = fields.pop(api_settings.NON_FIELD_ERRORS_KEY, None)
        message = " ".join(str(m) for m in non_field) if non_field else _("Some fields are not valid.")
        return message, fields
    if isinstance(detail, list):
        return " ".join(str(m) for m in detail), None
    return str(detail), None


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = django_validation_error_to_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500
    message, fields = _split(response.data)
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    body = {
        "status": response.status_code,
        "code": codes if isinstance(codes, str) else getattr(exc, "default_code", "error"),
        "detail": message,
    }
    if fields:
        body["fields"] = fields
    return Response(body, status=response.status_code, headers=_headers(response))


def _headers(response):
    return {
        key: value for key, value in response.items() if key in {"WWW-Authenticate", "Retry-After", "Allow"}
    }


# --- the site's handler404 and handler500 ----------------------------------------------------


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _json_error(status: int, code: str, detail) -> JsonResponse:
    # As DRF's JSONRenderer writes it: Chinese as it is, not \u escapes.
    body = {"status": status, "code": code, "detail": str(detail)}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def page_not_found(request, exception):
    """No URL matched, or a plain view raised Http404 (DRF's views answer their own)."""
    # The same choice LocaleMiddleware makes (cookie, then Accept-Language), made again here
    # because a 404 raised before that middleware ran would otherwise be in the default.
    with translation.override(translation.get_language_from_request(request)):
        if _is_api(request):
            return _json_error(404, exceptions.NotFound.default_code, exceptions.NotFound.default_detail)
        return defaults.page_not_found(request, exception)  # templates/404.html


# The database errors that mean it cannot be reached now (the connection refused, lost or closed),
# and how soon a client may try again.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """An uncaught exception. The database may be what failed, so this reads nothing from it:
    the page is rendered without the request's context (no user, no session, no messages)."""
    # Django calls the handler while it handles the exception, so it is the one in flight.
    if isinstance(sys.exc_info()[1], DATABASE_UNREACHABLE):
        return database_unreachable(request)
    with translation.override(translation.get_language_from_request(request)):
        if _is_api(request):
            detail = _(
                "A server error occurred: a bug on our side, not a fault of the request. "
                "Please try again later, or report it with the request."
            )
            return _json_error(500, "server_error", detail)
        return HttpResponseServerError(loader.render_to_string("500.html"))


def database_unreachable(request):
    """503 with Retry-After: the database cannot be reached. Django has logged the exception."""
    with translation.override(translation.get_language_from_request(request)):
        if _is_api(request):
            detail = _(
                "The service is temporarily unavailable: its database cannot be reached. "
                "Please try again in a minute."
            )
            response = _json_error(503, "service_unavailable", detail)
        else:
            response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
