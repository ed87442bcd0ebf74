"""A throwaway PostgreSQL server for the tests, from Debian's binaries, in a temp directory.

Used when TEST_DATABASE_URL is not given and the binaries are installed (as on CI, where
.ci/run installs them). As root, the server runs as the `postgres` user, since initdb refuses root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class TempPostgres:
    def __init__(self):
        self.bin = binaries()
        if self.bin is None:
            raise RuntimeError("PostgreSQL binaries not found")
        self.dir = Path(tempfile.mkdtemp(prefix="loket-pg-"))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.data = self.dir / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> TempPostgres:
        subprocess.run(_as_server_user([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                                        "--auth=trust", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True, cwd=self.dir)
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(_as_server_user([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                                        "-o", options, "-w", "start"]), check=True, capture_output=True, cwd=self.dir)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                   capture_output=True)
            if ready.returncode == 0:
                return self
            time.sleep(0.2)  # waiting on another process's start-up
        raise RuntimeError("PostgreSQL did not start: " + (self.dir / "log").read_text(errors="replace")[-2000:])

    def stop(self) -> None:
        subprocess.run(_as_server_user([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
                       capture_output=True, cwd=self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)
