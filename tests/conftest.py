"""The root of the test suite: the markers' skips, the fast password hasher, the default language,
and every shared fixture (tests/fixtures/).

Tests marked ``postgres`` need row locks and real concurrency and are skipped on SQLite;
tests marked ``redis`` need a real broker and are skipped unless REDIS_URL is set; tests marked
``browser`` need PostgreSQL and Debian's Chromium (tests/fixtures/browser.py).

Fixtures every package uses live in tests/fixtures/ and are loaded here; helpers there are
imported by name (``from tests.fixtures.supervision import DAY``). A package's conftest.py
holds the fixtures only its own modules share. A test module never imports another test module.
"""

import pytest
from django.conf import settings
from django.db import connection

# Asserts in the helpers of tests/fixtures/ report their values as asserts in test modules do.
pytest.register_assert_rewrite("tests.fixtures")

pytest_plugins = [
    "tests.fixtures.common",
    "tests.fixtures.regions",
    "tests.fixtures.users",
    "tests.fixtures.projects",
    "tests.fixtures.supervision",
    "tests.fixtures.ranking",
    "tests.fixtures.browser",
    "tests.fixtures.schemathesis",
    "tests.fixtures.api_matrix",
    "tests.fixtures.bulletin_worker",
]


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        pytest.skip("needs a Redis broker (set REDIS_URL=redis://...)")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _media_root(tmp_path_factory):
    # Uploaded files (ledger imports) go to a directory of the test run, never into the checkout:
    # set for the whole session, before any module-scoped fixture builds records with files.
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _default_language():
    # A request through the test client leaves its language active in the thread
    # (LocaleMiddleware activates it, nothing deactivates it), so every test starts
    # in the default language whatever ran before it.
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
