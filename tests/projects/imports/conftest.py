"""Fixtures the ledger import tests share: uploaded files kept under a temporary directory."""

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Every import keeps its file; the tests' files go to a directory removed after the run.
    settings.MEDIA_ROOT = tmp_path / "media"
