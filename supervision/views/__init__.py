"""The work's pages in the browser: ``problems`` (the problem loop, its moves read from
supervision/problem_flow.py), ``projects`` (a project's team, service logs and milestones),
``visits``; ``common`` holds what only these pages share."""
