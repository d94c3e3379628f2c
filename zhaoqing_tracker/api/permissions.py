"""Who may do what through the API (DESIGN "Roles").

Rows: every queryset goes through ``visible_to(user)`` (ScopedViewSet), so a
record outside one's region is a 404. Verbs: the role groups' model permissions
(projects/roles.py) decide writes; actions name the permission they need and,
for leader-only moves, the roles that may take them (403 otherwise).
"""

from rest_framework import permissions

from projects.roles import user_has_role


def takes(view, method: str) -> bool:
    """Whether the view has a handler for the method (a viewset only for the methods its route
    maps, within ``http_method_names``), as APIView.dispatch decides before its 405."""
    method = method.lower()
    return method in view.http_method_names and hasattr(view, method)


class RolePermissions(permissions.DjangoModelPermissions):
    # Reading needs only a signed-in user; scoping decides which rows.
    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": [],
        "HEAD": [],
        "OPTIONS": [],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if not takes(view, request.method):
            # DESIGN: 405 for a method a resource does not take, whoever asks. Asking the role
            # about it would answer 403 (no "delete" permission) before the dispatch says 405.
            return True
        action = getattr(view, "action", None)
        action_perms = getattr(view, "action_permissions", {})
        if action in action_perms:
            if not request.user.has_perms(action_perms[action]):
                return False
            roles = getattr(view, "action_roles", {}).get(action)
            return roles is None or user_has_role(request.user, *roles)
        return super().has_permission(request, view)
