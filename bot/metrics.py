"""Loket's Prometheus metrics (GET /metrics, handlers/metrics.py).

Two kinds:
- events counted where they happen: inbound webhooks and their latency (handlers/twilio_webhooks.py),
  sweeper repairs (bot/sweeper.py). Under gunicorn each process counts its own; with
  PROMETHEUS_MULTIPROC_DIR set they write to files there and the scrape sums them (prometheus_client's
  multiprocess mode, gunicorn.conf.py, bot/launcher.py).
- state read at scrape time (`StateCollector`): outbound messages by status and reason, held messages,
  citizens waiting for an officer, RQ queues. Read from SQL and Redis, so right whichever process
  answers the scrape and however many workers send. Cheap queries only: a scrape must stay well under
  Prometheus' timeout on a province's database.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import func, select

from bot import statuses
from bot.clock import now
from bot.models import OutboundMessage
from bot.models.handoff import WAITING, Handoff

logger = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
NO_OFFICE = "unknown"  # an inbound message to a number no office has
OUTBOUND_WINDOW = timedelta(hours=24)

INBOUND = Counter("loket_inbound_messages", "Inbound WhatsApp webhooks received (retries and duplicates too)",
                  ["office"])
WEBHOOK_SECONDS = Histogram("loket_webhook_seconds", "Time to answer an inbound WhatsApp webhook (seconds)",
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
SWEEPER_REPAIRS = Counter("loket_sweeper_repairs", "What the sweeper repaired (bot/sweeper.py), by kind",
                          ["kind"])


class _ProcessDefault:
    """The metrics of this process alone (no multiprocess directory): prometheus_client's own registry."""

    def collect(self):
        return REGISTRY.collect()


def registry(runtime) -> CollectorRegistry:
    """The registry /metrics renders: every process's counters (multiprocess mode) or this one's,
    plus the state read at scrape time. Built once per app."""
    built = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(built)
    else:
        built.register(_ProcessDefault())
    built.register(StateCollector(runtime))
    return built


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class StateCollector:
    """Gauges computed at each scrape from SQL and Redis. A source that fails is reported as down
    (`loket_metrics_source_up`) and logged; the rest of the scrape still answers."""

    def __init__(self, runtime):
        self.runtime = runtime

    def collect(self):
        up = GaugeMetricFamily("loket_metrics_source_up", "Whether /metrics could read this source (1) or not (0)",
                               labels=["source"])
        for source, read in (("database", self._database), ("redis", self._queues)):
            try:
                families = read()
            except Exception as exc:
                logger.error("metrics: reading %s failed: %s", source, exc)
                up.add_metric([source], 0)
                continue
            up.add_metric([source], 1)
            yield from families
        yield up

    def _database(self) -> list[GaugeMetricFamily]:
        outbound = GaugeMetricFamily(
            "loket_outbound_messages_24h",
            "Outbound messages created in the last 24 hours, by office, current status and reason "
            "(the error code: why held, failed or canceled; empty when none)",
            labels=["office", "status", "reason"])
        held = GaugeMetricFamily(
            "loket_held_messages", "Messages held (not sent, not handled by an officer, not past their moment)",
            labels=["office", "reason"])
        waiting = GaugeMetricFamily("loket_handoff_waiting", "Citizens waiting for an officer", labels=["office"])
        oldest = GaugeMetricFamily("loket_handoff_oldest_wait_seconds",
                                   "How long the longest-waiting citizen has waited for an officer (seconds)",
                                   labels=["office"])
        moment = now()
        with self.runtime.db.session() as session:
            for office, status, reason, count in session.execute(
                    select(OutboundMessage.office, OutboundMessage.status, OutboundMessage.error_code, func.count())
                    .where(OutboundMessage.created_at >= moment - OUTBOUND_WINDOW)
                    .group_by(OutboundMessage.office, OutboundMessage.status, OutboundMessage.error_code)):
                outbound.add_metric([office or NO_OFFICE, status, reason or ""], count)
            for office, reason, count in session.execute(
                    select(OutboundMessage.office, OutboundMessage.error_code, func.count())
                    .where(OutboundMessage.status == statuses.HELD, OutboundMessage.handled_at.is_(None),
                           OutboundMessage.expires_at.is_(None) | (OutboundMessage.expires_at > moment))
                    .group_by(OutboundMessage.office, OutboundMessage.error_code)):
                held.add_metric([office or NO_OFFICE, reason or ""], count)
            for office, count, first in session.execute(
                    select(Handoff.office, func.count(), func.min(Handoff.requested_at))
                    .where(Handoff.status == WAITING).group_by(Handoff.office)):
                waiting.add_metric([office], count)
                oldest.add_metric([office], max(0.0, (moment - _utc(first)).total_seconds()))
        return [outbound, held, waiting, oldest]

    def _queues(self) -> list[GaugeMetricFamily]:
        from bot.runtime import QUEUES  # bot.runtime builds on this module's users

        depth = GaugeMetricFamily("loket_rq_queue_depth", "Jobs waiting in an RQ queue", labels=["queue"])
        age = GaugeMetricFamily("loket_rq_oldest_job_age_seconds",
                                "Age of the oldest job waiting in an RQ queue (seconds; 0 when empty)",
                                labels=["queue"])
        scheduled = GaugeMetricFamily("loket_rq_scheduled_jobs", "Jobs scheduled for later (retries, reminders)",
                                      labels=["queue"])
        failed = GaugeMetricFamily("loket_rq_failed_jobs", "Jobs in RQ's failed registry", labels=["queue"])
        connection = self.runtime.redis
        for name in QUEUES:
            queue = Queue(name, connection=connection)
            depth.add_metric([name], queue.count)
            age.add_metric([name], self._oldest_age(queue))
            scheduled.add_metric([name], ScheduledJobRegistry(queue=queue).count)
            failed.add_metric([name], FailedJobRegistry(queue=queue).count)
        return [depth, age, scheduled, failed]

    @staticmethod
    def _oldest_age(queue: Queue) -> float:
        """RQ stamps jobs with the real clock, so the age is measured with it too (not bot.clock)."""
        for job_id in queue.get_job_ids(0, 4):  # the head; a few in case it was deleted meanwhile
            try:
                job = Job.fetch(job_id, connection=queue.connection)
            except NoSuchJobError:
                continue
            if job.enqueued_at is not None:
                return max(0.0, time.time() - _utc(job.enqueued_at).timestamp())
        return 0.0
