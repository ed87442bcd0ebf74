"""The sweeper: the SQL records are the truth, so it repairs what Redis or RQ may have dropped.

- outbox rows still pending long after they were due: enqueued again (a claim makes it harmless);
- rows stuck in "submitting" (a worker died mid-send): marked failed as "outcome unknown" rather
  than risk a second delivery; a late status callback still moves them forward;
- inbound messages recorded but never processed (Redis was away, a lock timed out): processed now,
  their replies sent through the outbox.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from bot import keys, logs, metrics, statuses
from bot.clock import now
from bot.models import InboundMessage, OutboundMessage

logger = logging.getLogger(__name__)

# What a repair is, as the sweeper counts it (loket_sweeper_repairs_total{kind}, bot/metrics.py).
REPAIR_KINDS = ("requeued", "unknown", "inbound")
for _kind in REPAIR_KINDS:  # every kind shows from the start, at 0
    metrics.SWEEPER_REPAIRS.labels(kind=_kind)


def sweep(rt) -> dict[str, int]:
    config = rt.config
    lock = rt.redis.lock(keys.sweeper_lock(), timeout=config.SWEEP_INTERVAL * 2, blocking_timeout=0)
    if not lock.acquire():
        return {"skipped": 1}
    try:
        with rt.db.session() as session:
            stale_after = timedelta(seconds=config.SWEEP_STALE)
            stale = rt.outbox.stale(session, stale_after)
            cutoff = now() - timedelta(seconds=config.SWEEP_UNKNOWN)
            # Rows another transaction holds are skipped, not waited for: the sweeper must never
            # stall behind the work it is there to repair (PostgreSQL; SQLite has one writer anyway).
            stuck = select(OutboundMessage.id).where(
                OutboundMessage.status == statuses.SUBMITTING, OutboundMessage.updated_at < cutoff,
            ).with_for_update(skip_locked=True)
            unknown = session.execute(update(OutboundMessage).where(
                OutboundMessage.id.in_(stuck), OutboundMessage.status == statuses.SUBMITTING).values(
                status=statuses.FAILED, error_code="outcome_unknown",
                error_message="the worker stopped during the send; not retried to avoid a duplicate",
                updated_at=now())).rowcount
            unprocessed = list(session.scalars(select(InboundMessage.id).where(
                InboundMessage.processed_at.is_(None), InboundMessage.office.is_not(None),
                InboundMessage.received_at < now() - stale_after).order_by(InboundMessage.id).limit(200)))
            session.commit()
        rt.outbox.enqueue(stale)
        for inbound_id in unprocessed:
            rt.queue().enqueue("bot.jobs.process_inbound", inbound_id, job_id=f"inbound-{inbound_id}")
        result = {"requeued": len(stale), "unknown": unknown, "inbound": len(unprocessed)}
        for kind, count in result.items():
            if count:
                metrics.SWEEPER_REPAIRS.labels(kind=kind).inc(count)
        if any(result.values()):
            logger.warning("sweeper repaired %s", result)
        return result
    finally:
        lock.release()


def process_inbound(rt, inbound_id: int) -> int:
    with rt.db.session() as session:
        row = session.get(InboundMessage, inbound_id)
        if row is None or row.processed_at is not None or row.office is None:
            return 0
        office, sender, external = rt.offices.get(row.office), row.from_number, row.external_user_id
        sid = row.message_sid
    with logs.bound(message_sid=sid, office=office.slug, inbound_id=inbound_id), \
            rt.store.lock(office.slug, rt.inbox.conversation_key(office, sender, external)):
        return len(rt.inbox.process(inbound_id, office, channel="rest"))
