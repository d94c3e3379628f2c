"""Fixtures only the browser tests of this package share. The browser itself, the live server's
pages, signing in and the error checks are in tests/fixtures/browser.py."""

import pytest

from supervision.models import Unit


@pytest.fixture
def responsible_unit(region) -> Unit:
    """The unit a leader hands the region's problems to (交办)."""
    return Unit.objects.create(
        name="端州区自然资源局", name_en="Duanzhou Natural Resources Bureau", region=region
    )
