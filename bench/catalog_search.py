"""Catalog search latency: the real Setda catalog and a synthetic 1,000-service catalog.

Prints p50/p99 per search and the ratio to a plain dictionary lookup of the same queries, measured
in the same run on the same machine. Usage: .venv/bin/python bench/catalog_search.py [--rounds N]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.catalogs import Catalogs
from bot.offices import load_offices
from bot.search import Document, ServiceSearch
from config.settings import CONFIG_DIR

QUERIES = [
    "syarat bantuan hukum",
    "biaya helpdesk lpse",
    "berapa lama verifikasi akun penyedia",
    "brp lama verifkasi akun penyedia",
    "syarat mc",
    "peliputan kegiatan",
    "hibah",
    "informasi publik",
    "harmonisasi perbup",
    "ruang lpse",
    "xyzzy",
]
WORDS = [
    "pelayanan",
    "informasi",
    "permohonan",
    "verifikasi",
    "bantuan",
    "hukum",
    "hibah",
    "ruang",
    "akun",
    "penyedia",
    "data",
    "dokumentasi",
    "konsultasi",
    "bimbingan",
    "teknis",
    "kerjasama",
    "daerah",
    "pembangunan",
    "keuangan",
    "kepegawaian",
    "protokol",
    "peliputan",
    "harmonisasi",
    "rancangan",
    "peraturan",
    "acara",
    "kegiatan",
    "pimpinan",
    "pengadaan",
    "barang",
    "jasa",
]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(func, queries: list[str], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        for query in queries:
            start = time.perf_counter()
            func(query)
            samples.append(time.perf_counter() - start)
    return samples


def synthetic(count: int, vocabulary) -> ServiceSearch:
    rng = random.Random(7)
    documents = [
        Document(f"s{i}", " ".join(rng.sample(WORDS, 4)), " ".join(rng.sample(WORDS, 4))) for i in range(count)
    ]
    return ServiceSearch(documents, vocabulary)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    catalogs = Catalogs(CONFIG_DIR)
    office = load_offices(CONFIG_DIR).get("setda-klungkung")
    real = catalogs.search(office)
    big = synthetic(1000, catalogs.vocabulary)
    table = {q: q for q in QUERIES}
    baseline = timed(table.get, QUERIES, args.rounds)
    base_p50 = statistics.median(baseline)
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"queries: {len(QUERIES)} x {args.rounds} rounds")
    print(f"{'case':<28}{'p50 µs':>10}{'p99 µs':>10}{'p50 / dict':>14}")
    print(f"{'dict lookup (baseline)':<28}{base_p50 * 1e6:>10.2f}{percentile(baseline, 0.99) * 1e6:>10.2f}{1:>14.0f}")
    for name, search in ((f"real catalog ({len(real.documents)} services)", real), ("synthetic (1000 services)", big)):
        samples = timed(search.search, QUERIES, args.rounds)
        p50, p99 = statistics.median(samples), percentile(samples, 0.99)
        print(f"{name:<28}{p50 * 1e6:>10.1f}{p99 * 1e6:>10.1f}{p50 / base_p50:>14.0f}")


if __name__ == "__main__":
    main()
