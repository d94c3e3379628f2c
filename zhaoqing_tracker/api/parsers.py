"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest.

Python's json module recurses once per level: a body nested some thousand levels deep raises
RecursionError, which DRF does not expect from a parser (a 500). A body that stays just under
that limit parses, but then any code that walks it recursively (a renderer, a deep copy) may
hit the limit itself. No request of this API needs more than a few levels, so anything deeper
than MAX_DEPTH is refused as a parse error (400) before any view sees it.
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


def too_deep() -> ParseError:
    return ParseError(
        _("The JSON body is nested too deeply (more than %(limit)d levels).") % {"limit": MAX_DEPTH}
    )


def depth_exceeds(data, limit: int) -> bool:
    # A loop, not recursion: the point is not to recurse over what the client sent.
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        stack.extend((item, depth + 1) for item in value)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep() from None
        if depth_exceeds(data, MAX_DEPTH):
            raise too_deep()
        return data
