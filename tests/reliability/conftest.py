"""The reliability suite: leaks, races, faults and backups, each test reporting its figure.

A test takes the ``figure`` fixture and calls it with one line, e.g.
``figure("permission matrix, API", probes=1234, rows_leaked=0)``. The lines are printed
together at the end of the run under "Reliability figures", so CI's log shows them whatever
the output capture; a figure is recorded only when its test reaches the call.

Most of the suite needs PostgreSQL and Redis (row locks, a real broker); on SQLite those
tests are skipped by their markers, as everywhere else.
"""

import pytest

FIGURES: list[str] = []


@pytest.fixture
def figure(request):
    def record(label: str, **values):
        # Integers with thousands separators: "probes 6,650", as the closing notes quote them.
        shown = ", ".join(
            f"{name.replace('_', ' ')} {value:,}"
            if isinstance(value, int) and not isinstance(value, bool)
            else f"{name.replace('_', ' ')} {value}"
            for name, value in values.items()
        )
        FIGURES.append(f"{label}: {shown}  [{request.node.nodeid}]")

    return record


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.section("Reliability figures")
    for line in FIGURES:
        terminalreporter.write_line(line)
