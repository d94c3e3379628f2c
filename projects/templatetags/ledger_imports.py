"""Whether to offer ledger imports to a user (the navigation links to them)."""

from django import template

from projects.imports import services

register = template.Library()


@register.filter
def may_import_any(user) -> bool:
    return services.may_import_any(user)
