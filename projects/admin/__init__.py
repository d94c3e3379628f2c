"""The Django admin of the projects app: ``base`` (what every page shares), ``records`` (regions to
annual targets), ``users`` (users and API tokens), ``forms`` and ``actions`` (the stage moves)."""

from projects.admin import records, users  # noqa: F401  (registers the model admins)
