"""`python worker.py` as a real process: RQ's scheduler runs inside it, so nothing outlives it.

RQ's own `with_scheduler=True` forks a scheduler process that inherits the worker's database
sockets; after a SIGKILL of the worker that orphan kept a dead transaction's row locks alive on
PostgreSQL and stalled the sweeper (seen in the fault test). These tests pin the replacement down.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis
from rq import Queue
from rq.job import JobStatus
from rq.scheduler import RQScheduler

from bot import runtime as runtime_module
from tests.support.cluster import REPO, RedisServer, wait_for

pytestmark = pytest.mark.timeout(180)


LOCK = RQScheduler.get_locking_key(runtime_module.DEFAULT_QUEUE)


class Workers:
    """Real `python worker.py` processes on one redis-server and the test database."""

    def __init__(self, folder, database_url: str):
        self.folder = folder
        self.redis = RedisServer(folder)
        self.redis.start()
        self.connection = Redis.from_url(self.redis.url)
        self.queue = Queue(runtime_module.DEFAULT_QUEUE, connection=self.connection)
        self.env = {**os.environ, "REDIS_URL": self.redis.url, "DATABASE_URL": database_url,
                    "SECRET_KEY": "worker-test", "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""}
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        log = open(self.folder / f"worker-{len(self.processes)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen([sys.executable, "worker.py"], cwd=REPO, env=self.env, stdout=log,
                                   stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def log(self, process: subprocess.Popen) -> str:
        return (self.folder / f"worker-{self.processes.index(process)}.log").read_text()

    def run_due_job(self) -> int:
        """A job already due, put in RQ's scheduled registry: only a scheduler can move it to the
        queue. Returns the pid of the process that ran it."""
        job = self.queue.enqueue_at(datetime.now(UTC) - timedelta(seconds=1), "os.getpid")
        assert job.get_status() == JobStatus.SCHEDULED
        wait_for(lambda: job.get_status(refresh=True) == JobStatus.FINISHED, 60, "the scheduled job to run")
        return job.return_value(refresh=True)

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        self.redis.stop()


@pytest.fixture
def workers(tmp_path, database_url, clean_state):
    pool = Workers(tmp_path, database_url)
    yield pool
    pool.close()


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(child) for child in found]


def test_the_worker_schedules_delayed_jobs_itself_and_forks_nothing(workers):
    worker = workers.start()
    assert workers.run_due_job() == worker.pid  # ran in the worker process itself
    assert children(worker.pid) == []  # no forked scheduler that could be orphaned
    assert workers.connection.get(LOCK) is not None


def test_a_sigkilled_worker_leaves_nothing_behind_and_another_takes_over(workers):
    first = workers.start()
    assert workers.run_due_job() == first.pid
    holder = workers.connection.get(LOCK)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    # The dead holder's lock lasts until its TTL; expire it now rather than wait a minute.
    assert workers.connection.get(LOCK) == holder
    workers.connection.delete(LOCK)
    successor = workers.start()
    assert workers.run_due_job() == successor.pid
    assert workers.connection.get(LOCK) not in (None, holder)
    successor.terminate()  # a clean stop gives the lock back at once
    successor.wait(timeout=30)
    assert successor.returncode == 0
    assert workers.connection.get(LOCK) is None


def test_the_worker_keeps_working_when_redis_goes_away_under_a_running_job(workers, tmp_path):
    worker = workers.start()
    assert workers.run_due_job() == worker.pid
    flag = tmp_path / "finish"
    busy = workers.queue.enqueue("tests.support.jobs.wait_for_file", str(flag))
    wait_for(lambda: busy.get_status(refresh=True) == JobStatus.STARTED, 60, "the long job to start")
    workers.redis.stop()  # a restart or failover: RQ's bookkeeping after the job fails
    flag.touch()
    wait_for(lambda: worker.poll() is not None or "worker loop ended" in workers.log(worker), 60,
             "RQ to leave its work loop")
    assert worker.poll() is None  # still there, waiting for Redis
    workers.redis.start()
    assert workers.run_due_job() == worker.pid  # the same process dequeues and schedules again
