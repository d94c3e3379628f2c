"""Content negotiation for actions that answer a file (a bulletin's .xlsx, .pdf, printable page).

DRF negotiates against the view's renderers, and the API renders only JSON, so a client that
named the file's own type (``Accept: application/pdf``) got 406. A download answers with its
file, an HttpResponse that no renderer touches: negotiation only has to check that the client
takes that type, and pick the JSON renderer for the errors the action may answer instead.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotAcceptable
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.mediatypes import media_type_matches

# As DRF's negotiation: a longer header is not read further.
MAX_ACCEPT_ITEMS = 64


def accepts(request, media_type: str) -> bool:
    """Whether the Accept header takes the media type (no header takes everything)."""
    header = request.META.get("HTTP_ACCEPT", "").strip()
    if not header:
        return True
    return any(media_type_matches(media_type, item.strip()) for item in header.split(",")[:MAX_ACCEPT_ITEMS])


class DownloadActionsMixin:
    """For a viewset whose ``downloads`` name the actions that answer a file, with its media type.

    Such an action answers to its own media type, to a wildcard that covers it, and (as it
    always did) to a client that asks for JSON, since its errors are JSON; anything else is 406.
    """

    downloads: dict[str, str] = {}

    def perform_content_negotiation(self, request, force=False):
        media_type = self.downloads.get(getattr(self, "action", None))
        if media_type is None:
            return super().perform_content_negotiation(request, force)
        if not force and not (accepts(request, media_type) or accepts(request, JSONRenderer.media_type)):
            raise NotAcceptable(
                _("This download is %(media_type)s; ask for it with that type.") % {"media_type": media_type}
            )
        return JSONRenderer(), JSONRenderer.media_type
