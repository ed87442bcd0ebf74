"""gunicorn reads this file from the working directory (the Procfile's and the launcher's): it gives
the web processes one directory to share their Prometheus counters through (prometheus_client's
multiprocess mode; bot/metrics.py), before any of them imports prometheus_client.

- PROMETHEUS_MULTIPROC_DIR set (bot/launcher.py, or the operator): used as it is. Whoever sets it
  empties it before the processes that write to it start; stale files from an earlier run would be
  added to this run's counters.
- not set: this master makes one of its own under the instance directory's prometheus/
  (LOKET_INSTANCE_DIR, else instance/), empty, and removes it at exit.
"""

import os
import shutil
from pathlib import Path

_instance = Path(os.environ.get("LOKET_INSTANCE_DIR", "") or Path(__file__).resolve().parent / "instance")
_own_dir = _instance / "prometheus" / f"web-{os.getpid()}"
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    shutil.rmtree(_own_dir, ignore_errors=True)
    _own_dir.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_own_dir)


# LOG_FORMAT=json: gunicorn's access lines are JSON objects too, one per request (bot/logs.py writes the
# application's). The query string is left out: a status callback's `?o=` is an outbox row, nothing more,
# but no URL's parameters belong in a log collector.
if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    access_log_format = ('{"time": "%(t)s", "level": "INFO", "logger": "gunicorn.access", "method": "%(m)s", '
                         '"path": "%(U)s", "status": "%(s)s", "ms": %(M)s, "bytes": "%(B)s"}')


def post_worker_init(worker):
    """A new web process reads every office's service catalog and builds its search index before its
    first request, so that no citizen's message waits for it (and none of its threads read it twice)."""
    runtime = getattr(worker.wsgi, "extensions", {}).get("loket")
    if runtime is not None:
        runtime.deps.catalogs.warm(runtime.offices)


def child_exit(server, worker):
    """A web process ended: its live gauges go (counters and histograms are kept and still summed)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR") == str(_own_dir):  # this master's own, not one it was given
        shutil.rmtree(_own_dir, ignore_errors=True)
