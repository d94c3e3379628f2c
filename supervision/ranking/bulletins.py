"""Bulletins (通报): a ranking frozen and published for one (kind, period).

The named writes here are the only code that creates or changes a Bulletin:
``bulletin_generate`` (the Celery jobs, the command line and the web all call
it), ``bulletin_publish`` and ``bulletin_revise``. ``bulletin_request`` records
a request and queues it; ``finish_requested_bulletins`` is the sweeper, which
also asks for every overdue period that has no bulletin (the catch-up: a broker
down at the scheduled time loses the job's message, and nothing else records it).

Idempotence (house rule 8): one current bulletin per (kind, period), enforced by
a partial unique constraint. Generation first makes sure a BulletinRequest row
exists for the period and then locks it, so two workers handed the same message
(a redelivery after a lost acknowledgement) do the work one after the other and
the second finds the first one's bulletin. Everything a generation writes is in
one transaction: a worker killed half-way leaves nothing behind.
"""

import datetime
import logging
from decimal import ROUND_HALF_UP, Decimal

from celery import current_app
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnavailable

from projects.audit import actor, lock, save_audited
from projects.models import Project
from supervision.choices import BulletinStatus, PeriodKind, RequestStatus
from supervision.models_ranking import Bulletin, BulletinRequest
from supervision.periods import ONE_DAY, Period, last_complete_period, period_containing
from supervision.ranking.engine import RATE, compute_ranking, ranking_as_json
from supervision.ranking.tables import previous_ranks, rank_change

logger = logging.getLogger(__name__)

# The tasks (supervision/ranking/tasks.py) by name: that module imports this one, and the names
# are what beat rows and queued messages refer to.
GENERATE_BULLETIN = "supervision.tasks.generate_bulletin_task"
FINISH_REQUESTED_BULLETINS = "supervision.tasks.finish_requested_bulletins_task"

# A request that failed this many times is left for a person to look at.
MAX_ATTEMPTS = 5

# The catch-up asks for a period from this time of the day after it ends: an hour after the
# bulletin jobs of zhaoqing_tracker/celery.py (08:00), so it never runs ahead of the scheduled
# job, which staff expect to include what they entered on Monday morning before it.
CATCH_UP_FROM = datetime.time(9, 0)


def previous_bulletin(kind: str, period_start) -> Bulletin | None:
    """The latest published bulletin of the same kind before this period: what rank changes count from."""
    return (
        Bulletin.objects.filter(
            kind=kind, period_start__lt=period_start, is_current=True, status=BulletinStatus.PUBLISHED
        )
        .order_by("-period_start")
        .first()
    )


def _growth(now: Decimal, before: Decimal) -> Decimal | None:
    if not before:
        return None
    return ((now - before) / before).quantize(RATE, rounding=ROUND_HALF_UP)


def bulletin_rows(period: Period, previous: Bulletin | None) -> tuple[list[dict], dict]:
    """The rows a bulletin freezes: the ranking's rows plus rank changes (and YoY for quarters)."""
    quarterly = period.kind == PeriodKind.QUARTERLY
    ranking = compute_ranking(period, with_last_year=quarterly)
    before = previous_ranks(previous)
    rows = ranking_as_json(ranking)["rows"]
    for row, computed in zip(rows, ranking.rows, strict=True):
        # The one definition every view of a ranking uses; positive: the region moved up.
        change = rank_change(row["rank"], before.get(row["region"]), compared=previous is not None)
        row["previous_rank"], row["rank_change"] = change.previous_rank, change.places
        if quarterly:
            investment = computed.values["investment"]
            row["investment_last_year"] = str(computed.investment_last_year)
            growth = _growth(investment, computed.investment_last_year)
            row["investment_yoy"] = str(growth) if growth is not None else None
    return rows, ranking.scheme.as_json()


def _request_row(period: Period, *, by=None, publish: bool = True) -> BulletinRequest:
    """The period's request row, created if missing (outside the caller's transaction when possible)."""
    defaults = {"requested_at": timezone.now(), "requested_by": actor(by), "publish": publish}
    try:
        with transaction.atomic():
            request, _created = BulletinRequest.objects.get_or_create(
                kind=period.kind, period_start=period.start, defaults=defaults
            )
    except IntegrityError:
        # Another worker created it between our SELECT and INSERT.
        request = BulletinRequest.objects.get(kind=period.kind, period_start=period.start)
    return request


def bulletin_generate(*, period: Period, by=None, publish: bool = True) -> Bulletin:
    """Compute and store the bulletin of ``period``; publish it when ``publish``.

    A draft is replaced by a new computation; a published bulletin is left as it
    is and returned (a correction is ``bulletin_revise``), so running the job
    twice, or two workers running it at once, gives the same single bulletin.
    """
    request = _request_row(period, by=by, publish=publish)
    with transaction.atomic():
        request = BulletinRequest.objects.select_for_update().get(pk=request.pk)
        if by is None and request.status == RequestStatus.PENDING:
            by = request.requested_by  # a request from the web, finished by a worker or the sweeper
        current = (
            Bulletin.objects.select_for_update()
            .filter(kind=period.kind, period_start=period.start, is_current=True)
            .first()
        )
        if current is None or not current.is_published:
            previous = previous_bulletin(period.kind, period.start)
            rows, scheme = bulletin_rows(period, previous)
            if current is None:
                current = Bulletin(kind=period.kind, period_start=period.start, period_end=period.end)
            current.rows, current.scheme, current.previous = rows, scheme, previous
            current.generated_at, current.generated_by = timezone.now(), actor(by)
            if publish:
                current.status, current.published_at = BulletinStatus.PUBLISHED, current.generated_at
            save_audited(current, by=by, reason="published" if publish else "generated")
        request.status, request.finished_at, request.bulletin = RequestStatus.DONE, timezone.now(), current
        request.attempts += 1
        request.error = ""
        request.save()
    return current


@transaction.atomic
def bulletin_publish(*, bulletin: Bulletin, by) -> Bulletin:
    locked = lock(bulletin)
    if locked.is_published:
        raise ValidationError(_("This bulletin is already published."), code="published")
    if not locked.is_current:
        raise ValidationError(_("Only the current revision can be published."), code="superseded")
    locked.status, locked.published_at = BulletinStatus.PUBLISHED, timezone.now()
    return save_audited(locked, by=by, reason="published")


@transaction.atomic
def bulletin_revise(*, bulletin: Bulletin, reason: str, by) -> Bulletin:
    """Correct a published bulletin: a new revision is computed and published, the old one stays readable."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the correction.")})
    locked = lock(bulletin)
    if not locked.is_current:
        raise ValidationError(
            _("A newer revision of this bulletin exists; correct that one."), code="superseded"
        )
    if not locked.is_published:
        raise ValidationError(_("A draft is corrected by generating it again."), code="draft")
    period = locked.period
    # Counted from the current revision of the previous period, which may itself
    # have been corrected since this bulletin was first published.
    previous = previous_bulletin(locked.kind, locked.period_start)
    rows, scheme = bulletin_rows(period, previous)
    locked.is_current = False
    # The old revision stops being current first: one current row per period.
    save_audited(locked, by=by, reason=reason)
    now = timezone.now()
    revision = Bulletin(
        kind=locked.kind,
        period_start=locked.period_start,
        period_end=locked.period_end,
        revision=locked.revision + 1,
        reason=reason,
        rows=rows,
        scheme=scheme,
        previous=previous,
        generated_at=now,
        generated_by=actor(by),
        status=BulletinStatus.PUBLISHED,
        published_at=now,
    )
    return save_audited(revision, by=by, reason=reason)


def bulletin_request(*, period: Period, by, publish: bool = False) -> BulletinRequest:
    """Record that a bulletin is wanted and queue its generation.

    The row is committed before the message is sent: if the broker is down the
    send fails, the row says so, and ``finish_requested_bulletins`` does the work
    once the queue is back. The caller reads the returned row's status. Views call
    it outside any transaction (no ATOMIC_REQUESTS), so the worker never reads the
    request before it is committed; the message is not deferred to on_commit
    because the page must learn at once whether the queue took it.
    """
    with transaction.atomic():
        request = _request_row(period, by=by, publish=publish)
        request = BulletinRequest.objects.select_for_update().get(pk=request.pk)
        request.status, request.publish, request.error = RequestStatus.PENDING, publish, ""
        request.requested_at, request.requested_by, request.finished_at = timezone.now(), actor(by), None
        request.save()

    try:
        current_app.signature(
            GENERATE_BULLETIN,
            kwargs={"kind": period.kind, "date": period.start.isoformat(), "publish": publish},
        ).apply_async(retry=False)
    except (BrokerUnavailable, ConnectionError, OSError) as exc:
        logger.warning("bulletin request %s left for the sweeper: %s", request.pk, exc)
        error = _("The task queue is unavailable: %(error)s") % {"error": exc}
        BulletinRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(error=error)
    except Exception as exc:  # eager Celery (no broker configured) ran the task here and it failed
        logger.exception("bulletin request %s failed", request.pk)
        BulletinRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(
            error=str(exc)[:2000]
        )
    request.refresh_from_db()
    return request


def _finish(request: BulletinRequest) -> bool:
    """Generate the bulletin ``request`` asks for; on failure count the attempt and keep going."""
    try:
        bulletin_generate(
            period=period_containing(request.kind, request.period_start),
            by=request.requested_by,
            publish=request.publish,
        )
        return True
    except Exception as exc:  # one broken request must not stop the others
        logger.exception("bulletin request %s failed", request.pk)
        attempts = request.attempts + 1
        BulletinRequest.objects.filter(pk=request.pk).update(
            attempts=attempts,
            error=str(exc)[:2000],
            status=RequestStatus.FAILED if attempts >= MAX_ATTEMPTS else RequestStatus.PENDING,
        )
        return False


def overdue_periods(kind: str, *, since: datetime.date, today: datetime.date) -> list[Period]:
    """The periods of ``kind`` that ended on or after ``since`` and before ``today``, oldest first."""
    periods = []
    period = last_complete_period(kind, today)
    while period.end >= since:
        periods.append(period)
        period = period.previous()
    return periods[::-1]


def first_recorded_on() -> datetime.date | None:
    """The day this install recorded its first project: before it there was nothing to rank.

    A ledger import brings old signing dates but records its projects today, so a fresh
    install catches up nothing it did not live through. The lowest id is the first row
    recorded, read through the primary key (created_at has no index).
    """
    first = Project.objects.order_by("pk").values_list("created_at", flat=True).first()
    return timezone.localdate(first) if first else None


def _ask_once(period: Period, now) -> BulletinRequest | None:
    """Record the scheduled job's request for ``period``; None if someone recorded it first."""
    try:
        with transaction.atomic():
            return BulletinRequest.objects.create(
                kind=period.kind, period_start=period.start, requested_at=now, publish=True
            )
    except IntegrityError:
        return None  # a concurrent sweep or the job itself has it and finishes it


def catch_up_bulletins(*, now) -> int:
    """Ask for and generate the bulletin of every overdue period that has none; returns how many.

    Overdue: the period ended on or after the first project was recorded, and its
    scheduled job (the day after it ends, 08:00) is past CATCH_UP_FROM. Each kind goes
    oldest first and stops at a period whose request has not finished (waiting for a
    retry or for a person), so every bulletin's rank changes count from the one before it.
    """
    since = first_recorded_on()
    if since is None:
        return 0
    local = timezone.localtime(now)
    today = local.date() if local.time() >= CATCH_UP_FROM else local.date() - ONE_DAY
    made = 0
    for kind in PeriodKind.values:
        periods = overdue_periods(kind, since=since, today=today)
        if not periods:
            continue
        starts = {"kind": kind, "period_start__gte": periods[0].start}
        done = set(Bulletin.objects.filter(**starts).values_list("period_start", flat=True))
        requests = BulletinRequest.objects.filter(**starts)
        done |= set(requests.filter(status=RequestStatus.DONE).values_list("period_start", flat=True))
        unfinished = set(requests.exclude(status=RequestStatus.DONE).values_list("period_start", flat=True))
        for period in periods:
            if period.start in done:
                continue
            if period.start in unfinished:
                break
            request = _ask_once(period, now)
            if request is None or not _finish(request):
                break
            made += 1
    return made


def finish_requested_bulletins(*, older_than_seconds: int = 60, now=None) -> int:
    """The sweeper: generate every bulletin still waiting after ``older_than_seconds``, then
    those of overdue periods nobody asked for (``catch_up_bulletins``); returns how many."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=older_than_seconds)
    waiting = BulletinRequest.objects.filter(status=RequestStatus.PENDING, requested_at__lte=cutoff).order_by(
        "requested_at"
    )
    finished = sum(_finish(request) for request in waiting)
    return finished + catch_up_bulletins(now=now)
