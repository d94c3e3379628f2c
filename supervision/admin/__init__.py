"""The Django admin of the supervision app, built like projects/admin/: writes that have a service
go through it, a refusal is shown on the form, and county users see and choose only rows of their
own region. ``problems`` and ``work`` register the model admins, ``projects`` adds supervision's
inlines to a project's page; the ranking's admin is in supervision/ranking/admin.py."""

from supervision.admin import problems, projects, work  # noqa: F401  (registers the model admins)
