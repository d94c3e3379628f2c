"""Optimistic concurrency: ``ETag: "<version>"`` on reads, ``If-Match`` checked on writes.

The header is checked here for a clear 412 before any work, and the version is
also handed to the service function, which compares it again under the row
lock: a writer that slips in between cannot be overwritten.
"""

import re

from django.utils.translation import gettext as _

from zhaoqing_tracker.api.errors import PreconditionFailed

ETAG_PATTERN = re.compile(r'^(?:W/)?"(\d+)"$')


def etag_for(instance) -> str:
    return f'"{instance.version}"'


def version_from_if_match(request) -> int | None:
    """The version the client last read, or None when it sent no If-Match (or ``*``)."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    match = ETAG_PATTERN.match(header)
    if not match:
        raise PreconditionFailed(_('If-Match must be an ETag of this API, e.g. "3".'))
    return int(match.group(1))


def check_if_match(request, instance) -> int | None:
    version = version_from_if_match(request)
    if version is not None and version != instance.version:
        raise PreconditionFailed(
            _("The record changed since you read it (version %(current)s, you sent %(sent)s); read it again.")
            % {"current": instance.version, "sent": version}
        )
    return version
