"""Celery tasks of the projects app: thin wrappers that take ids and call one function (house rule 7)."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.utils import translation

from projects.imports.commit import commit_now
from projects.imports.models import LedgerImport
from projects.imports.preview import build_preview

RETRIED = {"acks_late": True, "autoretry_for": (DatabaseError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="projects.tasks.import_preview", **RETRIED)
def import_preview(import_id: int, user_id: int, mapping: dict | None = None) -> dict:
    ledger_import = LedgerImport.objects.get(pk=import_id)
    user = get_user_model().objects.get(pk=user_id)
    with translation.override(ledger_import.language):
        build_preview(ledger_import, user=user, mapping=mapping)
    return ledger_import.counts


@shared_task(name="projects.tasks.import_commit", **RETRIED)
def import_commit(import_id: int, user_id: int) -> str:
    user = get_user_model().objects.get(pk=user_id)
    return commit_now(import_id, by=user).status
