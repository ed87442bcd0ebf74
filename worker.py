"""The RQ worker: `python worker.py` processes Loket's queues, with RQ's scheduler for retries
and delayed jobs, and the periodic sweeper registered with RQ's CronScheduler."""

from __future__ import annotations

import logging
import threading

import redis
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler

from bot import jobs, redis_conn
from bot import runtime as runtime_module
from bot.complaints import jobs as complaint_jobs
from bot.visits import jobs as visit_jobs
from config.settings import Config

logger = logging.getLogger("loket.worker")


def start_cron(rt: runtime_module.Runtime, stop: threading.Event) -> threading.Thread:
    """RQ's CronScheduler decides what is due; its own start() wants the main thread, so a thread
    calls enqueue_jobs() instead. With several workers the sweeper's lock makes extra runs no-ops."""
    cron = CronScheduler(connection=rt.redis, name=f"loket-cron-{threading.get_native_id()}")
    interval = rt.config.SWEEP_INTERVAL
    cron.register(jobs.sweep, runtime_module.DEFAULT_QUEUE, interval=interval, job_timeout=max(interval, 30))
    # Complaints answered and left silent for their working days are closed; a lost per-complaint job
    # is caught here too.
    cron.register(complaint_jobs.autoclose, runtime_module.DEFAULT_QUEUE, interval=3600, job_timeout=600)
    # An edited employees file (config/employees/) reaches the directory (bot/visits/directory.py).
    cron.register(visit_jobs.sync_employees, runtime_module.DEFAULT_QUEUE, interval=60, job_timeout=60)
    # Visits, photos and consent records past their retention (the consent notice promises it).
    cron.register(visit_jobs.purge_expired, runtime_module.DEFAULT_QUEUE, interval=24 * 3600, job_timeout=1800)

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


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    rt = runtime_module.build(Config())
    runtime_module.install(rt)
    stop = threading.Event()
    start_cron(rt, stop)
    # SimpleWorker runs jobs in this process: sends are short I/O, and a fork per job would cost
    # more than the send itself. RQ's death penalty (SIGALRM) still bounds each job.
    # A fresh pool for the worker: RQ raises the socket timeout above its blocking BLPOP, but only
    # for connections opened afterwards, and redis-py's default (5 s) would end the worker early.
    connection = redis.Redis.from_url(redis_conn.url_of(rt.redis))
    worker = SimpleWorker([Queue(name, connection=connection) for name in runtime_module.QUEUES],
                          connection=connection)
    logger.info("worker %s on queues %s (transport: %s)", worker.name, ", ".join(runtime_module.QUEUES),
                rt.transport.name)
    try:
        worker.work(with_scheduler=True)
    finally:
        stop.set()


if __name__ == "__main__":
    main()
