"""Jobs the tests enqueue for real worker processes (importable there: the worker runs in the repo)."""

from __future__ import annotations

import time
from pathlib import Path


def wait_for_file(path: str, timeout: float = 60) -> bool:
    """Runs until the test creates `path`: a job whose end the test decides."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Path(path).exists():
            return True
        time.sleep(0.05)  # another process's signal: poll
    return False
