"""Problems, service teams, visits, service logs, milestones, rankings and bulletins.

Built by the supervision issue; the app exists from the start so that the
layout, settings and role permissions are stable.
"""
