"""The supervision part of ``manage.py seed_demo``, on the projects ``projects.demo`` wrote.

- ``seeder``: units, officials, five-one teams, visits, problems, service logs and
  milestones, written through supervision.services, then the stalled check;
- ``problems``: the problems planned in memory, each with the moves it has made by today;
- ``summary``: the counts printed after seeding.

Static reference data (unit kinds, names, problem texts) lives in ``supervision.demo_data``.
"""
