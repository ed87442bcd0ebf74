"""RQ jobs: plain functions of ids, each safe to run twice."""

from __future__ import annotations

import logging

from rq.job import Job

from bot import logs, runtime, sweeper

logger = logging.getLogger(__name__)


def send_outbound(outbox_id: int) -> str:
    """Send one outbox row; raises on transient errors so that RQ's Retry tries again."""
    rt = runtime.current()
    job = _current_job()
    retry_in = 0
    if job is not None and job.retries_left and job.retry_intervals:
        retry_in = job.get_retry_interval()
    with logs.bound(outbox_id=outbox_id, job_id=job.id if job is not None else None):
        return rt.sender.send(outbox_id, retry_in=retry_in)


def on_send_failure(job: Job, connection, exc_type, exc_value, traceback) -> None:
    """RQ calls this after every failed attempt; only the last one (no retries left) fails the row."""
    if job.retries_left:
        return
    outbox_id = job.args[0]
    logger.error("outbox %s: giving up after retries: %s", outbox_id, exc_value)
    runtime.current().sender.give_up(outbox_id, f"{exc_type.__name__}: {exc_value}")


def sweep() -> dict[str, int]:
    return sweeper.sweep(runtime.current())


def process_inbound(inbound_id: int) -> int:
    """Answer, through the outbox, a message the webhook recorded but could not process."""
    with logs.bound(inbound_id=inbound_id):
        return sweeper.process_inbound(runtime.current(), inbound_id)


def _current_job() -> Job | None:
    from rq import get_current_job

    return get_current_job()
