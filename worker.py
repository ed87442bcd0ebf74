"""The RQ worker: `python worker.py` processes Loket's queues, with RQ's scheduler for retries
and delayed jobs, and the periodic sweeper registered with RQ's CronScheduler.

Both schedulers run as threads of this process rather than in RQ's forked scheduler process: a
forked child inherits the worker's open database sockets, and when the worker is SIGKILLed (the
OOM killer, a host reboot) an orphaned child keeps them open, so PostgreSQL never rolls back the
dead worker's transaction and its row locks stall every later writer. A thread dies with us."""

from __future__ import annotations

import logging
import signal
import threading

import redis
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from rq.scheduler import RQScheduler

from bot import jobs, logs, redis_conn
from bot import runtime as runtime_module
from bot.complaints import jobs as complaint_jobs
from bot.rights import jobs as rights_jobs
from bot.visits import jobs as visit_jobs
from bot.whatsapp import jobs as template_jobs
from config.settings import Config

logger = logging.getLogger("loket.worker")

RESTART_DELAY = 2  # seconds between work loops when RQ left one on its own


def start_cron(rt: runtime_module.Runtime, stop: threading.Event) -> threading.Thread:
    """RQ's CronScheduler decides what is due; its own start() wants the main thread, so a thread
    calls enqueue_jobs() instead. With several workers the sweeper's lock makes extra runs no-ops."""
    cron = CronScheduler(connection=rt.redis, name=f"loket-cron-{threading.get_native_id()}")
    interval = rt.config.SWEEP_INTERVAL
    cron.register(jobs.sweep, runtime_module.DEFAULT_QUEUE, interval=interval, job_timeout=max(interval, 30))
    # Complaints answered and left silent for their working days are closed; a lost per-complaint job
    # is caught here too.
    cron.register(complaint_jobs.autoclose, runtime_module.DEFAULT_QUEUE, interval=3600, job_timeout=600)
    # An edited employees file (config/employees/) reaches the directory (bot/directory.py).
    cron.register(visit_jobs.sync_employees, runtime_module.DEFAULT_QUEUE, interval=60, job_timeout=60)
    # Visits, photos and consent records past their retention (the consent notice promises it).
    cron.register(visit_jobs.purge_expired, runtime_module.DEFAULT_QUEUE, interval=24 * 3600, job_timeout=1800)
    # Complaints, survey addresses and transcripts past their retention (bot/rights/jobs.py, README).
    cron.register(rights_jobs.purge_personal_data, runtime_module.DEFAULT_QUEUE, interval=24 * 3600, job_timeout=1800)
    # WhatsApp's decision on the templates sent for approval (minutes to a day; bot/whatsapp/).
    cron.register(template_jobs.poll_approvals, runtime_module.DEFAULT_QUEUE, interval=600, job_timeout=300)

    def loop() -> None:
        while not stop.is_set():
            try:
                cron.enqueue_jobs()
            except Exception:
                logger.exception("cron: enqueue failed; trying again later")
            stop.wait(min(cron.calculate_sleep_interval() or 1, interval))

    thread = threading.Thread(target=loop, name="loket-cron", daemon=True)
    thread.start()
    return thread


def start_scheduler(connection: redis.Redis, queues: list[Queue], stop: threading.Event) -> threading.Thread:
    """RQ's scheduler (delayed jobs, Retry intervals) on a thread. One scheduler per queue holds
    the queue's lock; the others keep trying, so one takes over when its holder dies."""
    scheduler = RQScheduler(queues, connection=connection)

    def loop() -> None:
        while not stop.is_set():
            try:
                if scheduler.acquired_locks != {q.name for q in queues} and scheduler.acquire_locks():
                    scheduler.register_birth()
                if scheduler.acquired_locks:
                    scheduler.heartbeat()
                    scheduler.enqueue_scheduled_jobs()
            except Exception:  # Redis away: keep trying, the jobs wait in Redis (or the sweeper redoes them)
                logger.exception("scheduler: round failed; trying again later")
            stop.wait(scheduler.interval)
        try:
            scheduler.release_locks()
            scheduler.register_death()
        except Exception:
            logger.warning("scheduler: could not release its locks; they expire on their own")

    thread = threading.Thread(target=loop, name="loket-scheduler", daemon=True)
    thread.start()
    return thread


class Worker(SimpleWorker):
    """SimpleWorker runs jobs in this process: sends are short I/O, and a fork per job would cost
    more than the send itself; RQ's death penalty (SIGALRM) still bounds each job. This one also
    tells a requested stop (SIGTERM, Ctrl+C) from RQ leaving its loop on its own."""

    def __init__(self, *args, stop: threading.Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.stop = stop

    def request_stop(self, signum, frame) -> None:
        self.stop.set()
        super().request_stop(signum, frame)

    def perform_job(self, job, queue) -> bool:
        # Once per job: an office profile (or catalog) edited on the dashboard since the last job is
        # rebuilt before the job reads it (bot/revisions.py).
        rt = runtime_module.current()
        if rt.revisions is not None:
            rt.revisions.refresh()
        return super().perform_job(job, queue)


def work(rt: runtime_module.Runtime, connection: redis.Redis, queues: list[Queue], stop: threading.Event) -> None:
    """RQ ends its work loop when Redis drops mid-job (a restart, a failover) and expects a
    supervisor to start it again; not every deployment has one that does, so this loop does. The
    job it was finishing is in the SQL records, and the sweeper sees to it."""
    while not stop.is_set():
        worker = Worker(queues, connection=connection, stop=stop)
        logger.info("worker %s on queues %s (transport: %s)", worker.name, ", ".join(runtime_module.QUEUES),
                    rt.transport.name)
        try:
            worker.work()
        except redis.ConnectionError as exc:  # Redis not back yet when the worker registers itself
            logger.warning("worker: Redis unavailable (%s)", exc)
        if not stop.is_set():
            # Between loops RQ's handlers (which talk to Redis) must not field the signal.
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
            logger.warning("worker loop ended without a stop request; working again in %s s", RESTART_DELAY)
            stop.wait(RESTART_DELAY)


def main() -> None:
    config = Config()
    logs.configure(config.LOG_FORMAT, config.LOG_LEVEL)
    rt = runtime_module.build(config)
    runtime_module.install(rt)
    stop = threading.Event()
    start_cron(rt, stop)
    # A fresh pool for the worker: RQ raises the socket timeout above its blocking BLPOP, but only
    # for connections opened afterwards, and redis-py's default (5 s) would end the worker early.
    connection = redis_conn.reconnect(rt.redis)
    queues = [Queue(name, connection=connection) for name in runtime_module.QUEUES]
    scheduler = start_scheduler(connection, queues, stop)
    try:
        work(rt, connection, queues, stop)
    finally:
        stop.set()
        scheduler.join(timeout=5)


if __name__ == "__main__":
    main()
