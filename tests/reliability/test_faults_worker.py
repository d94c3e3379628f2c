"""A worker killed while it generates a bulletin: another one finishes it, and there is one bulletin.

The real ``celery worker`` command on Redis (tests/fixtures/worker.py), SIGKILLed, main process and
pool together, while its task waits inside ``bulletin_generate``'s transaction (the test holds the
period's request row lock); a worker started afterwards gets the unacknowledged message again.
"""

import signal
import time

from supervision.choices import RequestStatus
from tests.fixtures.bulletin_worker import (
    REDELIVERY_TIMEOUT,
    RESULT_TIMEOUT,
    VISIBILITY_TIMEOUT,
    assert_one_complete_bulletin,
    describe,
    pending_request,
    real_worker,
    results_in_log,
    send,
    the_bulletins,
    the_request,
)
from tests.fixtures.worker import row_lock, wait_for, worker_backends


@real_worker
def test_a_worker_killed_mid_bulletin_and_restarted_leaves_one_complete_bulletin(
    ranked_data, period, workers, queue, figure
):
    request = pending_request(period)
    with row_lock(request):
        first = workers()
        send(period, queue)
        # The task is inside bulletin_generate's transaction, waiting for the row lock.
        wait_for(
            lambda: worker_backends(first.application_name, waiting_on_lock=True),
            timeout=RESULT_TIMEOUT,
            message=lambda: f"the task never waited on the request's lock: {describe(period)}\n{first.log()}",
        )
        taken_at = time.monotonic()  # the message was handed to the first worker before this
        first.kill()
        assert first.process.returncode == -signal.SIGKILL
    # The lock is released: the dead worker's backend ends and its transaction leaves nothing.
    wait_for(
        lambda: not worker_backends(first.application_name),
        timeout=30,
        message="a database backend of the killed worker outlived it",
    )
    assert not the_bulletins(period).exists()
    request.refresh_from_db()
    assert (request.status, request.attempts, request.bulletin_id) == (RequestStatus.PENDING, 0, None)

    # A restarted worker takes the unacknowledged message back once it is older than the
    # visibility timeout (kombu checks when the worker starts and then only every ~100 s).
    time.sleep(max(0.0, taken_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
    second = workers()
    wait_for(
        lambda: results_in_log(second),
        timeout=REDELIVERY_TIMEOUT,
        message=lambda: f"the message was not delivered again: {describe(period)}\n{second.log()}",
    )
    bulletin = assert_one_complete_bulletin(period, ranked_data)
    assert results_in_log(second) == [bulletin.pk]
    request = the_request(period)
    assert request.attempts == 1  # the killed run counted nothing
    figure(
        "fault: worker killed",
        bulletins=the_bulletins(period).count(),
        lost=int(request.status != RequestStatus.DONE),
        request_done=request.status == RequestStatus.DONE,
    )
