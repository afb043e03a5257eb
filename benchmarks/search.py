"""FAQ search time beside a raw full-text top-10 query, and import speed, in one run.

A generated FAQ (default: 100,000 entries of about 80 words in English, Spanish, Russian and
Indonesian, see benchmarks/search_data.py) is written to a JSON Lines file and imported into a
fresh, migrated database through the real import (`FaqIOService.import_file`, as `peerbot faq
import`): entries/s and peak memory. Then for each of ``--queries`` 1-3 word queries (rare
words, mid-frequency words, with a very common word, misspelt), two things are timed
alternately on the same connection:

- **service**: ``FaqService.search([group], text, log=None)``, as /search calls it (ranking,
  the fallback to any word, spelling correction, the page's entries and snippets);
- **raw**: a bare FTS5 query, the anchor: the query's folded words joined by spaces (FTS5's
  implicit AND), ``ORDER BY bm25(...) LIMIT 10`` with ``snippet()``; on PostgreSQL
  ``ts_rank_cd`` top 10 with ``ts_headline``.

Target (issue 4): service p95 <= 1.5x raw p95, in every category. SQLite always; PostgreSQL
too when TEST_DATABASE_URL is set (a throwaway database is created and dropped; or
``--no-postgres``). Run from the project root: ``python -m benchmarks.search [--entries N]
[--queries N]``. Missing the target is a measurement: the exit code stays 0.
"""

import argparse
import asyncio
import gc
import os
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from benchmarks.search_data import CATEGORIES, Corpus, Query, generate, queries
from bot.migrate import upgrade
from bot.services.faq import FaqService
from bot.services.faq_io import FaqIOService
from storage.db import Database, transaction
from storage.repos.communities import CommunitiesRepo
from storage.search import words
from storage.search.faq import INDEX, WEIGHTS
from tests.fakes.clock import FakeClock

TARGET = 1.5  # service p95 <= 1.5x raw p95
WARMUP = 8
CHAT_ID = -1001000000042
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RAW_SQLITE = text(
    f"SELECT rowid, snippet({INDEX}, 2, '<b>', '</b>', '…', 12) FROM {INDEX} "
    f"WHERE {INDEX} MATCH :q ORDER BY bm25({INDEX}, {', '.join(map(str, WEIGHTS))}) LIMIT 10"
)
RAW_POSTGRES = text(
    "SELECT t.doc_id, ts_headline('simple', e.answer, t.q, "
    "'StartSel=<b>, StopSel=</b>, MaxWords=12, MinWords=6') FROM ("
    f"SELECT doc_id, q, ts_rank_cd(vector, q) AS r FROM {INDEX}, "
    "to_tsquery('simple', :q) AS q WHERE vector @@ q ORDER BY r DESC LIMIT 10"
    ") AS t JOIN faq_entries AS e ON e.id = t.doc_id ORDER BY t.r DESC"
)


@dataclass
class Result:
    backend: str
    entries: int
    words_per_entry: float
    import_s: float
    rss_before_mib: float
    rss_after_import_mib: float
    rss_after_queries_mib: float
    traced_import_mib: float | None
    traced_queries_mib: float | None
    service_s: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    raw_s: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    found: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    @property
    def queries(self) -> int:
        return sum(len(v) for v in self.service_s.values())

    def ms(self, which: str, category: str | None = None) -> tuple[float, float]:
        samples = getattr(self, f"{which}_s")
        chosen = (
            samples.get(category, [])
            if category
            else [s for c in CATEGORIES for s in samples.get(c, [])]
        )
        return _p50_p95(chosen)

    def ratio(self, category: str | None = None) -> float:
        raw = self.ms("raw", category)[1]
        return self.ms("service", category)[1] / raw if raw else float("inf")

    @property
    def met(self) -> bool:
        return all(self.ratio(c) <= TARGET for c in [*CATEGORIES, None] if self.ms("raw", c)[1])


def _p50_p95(samples: list[float]) -> tuple[float, float]:
    if not samples:
        return 0.0, 0.0
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_query(query: str, dialect: str) -> str:
    """The anchor's query string: every folded word (stop words too), all required."""
    terms = words(query)
    if dialect == "sqlite":
        return " ".join(f'"{t}"' for t in terms)
    return " & ".join(f"'{t}'" for t in terms)


async def measure(
    url: str,
    path: Path,
    corpus: Corpus,
    asked: list[Query],
    backend: str,
    *,
    trace: bool = False,
) -> Result:
    """Import the file at `path` into the migrated database at `url`, then time `asked`."""
    db = Database(url)
    dialect = "sqlite" if db.is_sqlite else "postgresql"
    clock = FakeClock(NOW)
    try:
        async with db.session() as session, transaction(session, write=True):
            community = await CommunitiesRepo(session).create(
                CHAT_ID, "Benchmark", language="en", timezone="UTC", is_forum=False, now=NOW
            )
            community_id = community.id
        gc.collect()
        rss_before = _rss_mib()
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        async with db.session() as session:
            data = await asyncio.to_thread(path.read_bytes)
            imported = await FaqIOService(session, clock).import_file(data, "jsonl")
            del data
        import_s = time.perf_counter() - started
        traced_import = None
        if trace:
            traced_import = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.reset_peak()
        assert imported.count == corpus.entries, imported
        rss_import = _rss_mib()
        # As a long-running bot would be by now: what is loaded is out of the collector's sight.
        gc.collect()
        gc.freeze()
        result = Result(
            backend=backend,
            entries=imported.count,
            words_per_entry=corpus.words / max(corpus.entries, 1),
            import_s=import_s,
            rss_before_mib=rss_before,
            rss_after_import_mib=rss_import,
            rss_after_queries_mib=0.0,
            traced_import_mib=traced_import,
            traced_queries_mib=None,
        )
        raw = RAW_SQLITE if dialect == "sqlite" else RAW_POSTGRES
        async with db.session() as session:
            service = FaqService(session, clock)
            warmup = asked[:WARMUP] if len(asked) > WARMUP * 2 else []
            for i, query in enumerate([*warmup, *asked]):
                q = raw_query(query.text, dialect)

                async def run_service(query: Query = query) -> int:
                    search = await service.search([community_id], query.text, log=None)
                    return search.total

                async def run_raw(q: str = q) -> int:
                    async with transaction(session, write=False):
                        return len((await session.execute(raw, {"q": q})).all())

                timed = {}
                order = [("service", run_service), ("raw", run_raw)]
                for name, run in order if i % 2 == 0 else order[::-1]:
                    t0 = time.perf_counter()
                    timed[name] = (await run(), time.perf_counter() - t0)
                if i >= len(warmup):
                    result.service_s[query.category].append(timed["service"][1])
                    result.raw_s[query.category].append(timed["raw"][1])
                    result.found[query.category].append(timed["service"][0])
        if trace:
            result.traced_queries_mib = tracemalloc.get_traced_memory()[1] / 2**20
        result.rss_after_queries_mib = _rss_mib()
        return result
    finally:
        if trace:
            tracemalloc.stop()
        gc.unfreeze()
        await db.dispose()


def format_result(r: Result) -> str:
    rate = r.entries / r.import_s if r.import_s else 0.0
    raw = "FTS5 bm25+snippet" if r.backend != "postgresql" else "ts_rank_cd+headline"
    lines = [
        f"[{r.backend}] {r.entries:,} entries, {r.words_per_entry:.0f} words each on average; "
        f"{r.queries} queries",
        f"  import: {r.import_s:.1f} s, {rate:,.0f} entries/s; peak RSS {r.rss_before_mib:.0f} "
        f"MiB before, {r.rss_after_import_mib:.0f} MiB after the import, "
        f"{r.rss_after_queries_mib:.0f} MiB after the queries"
        + (
            f"; traced peak {r.traced_import_mib:.0f} MiB in the import, "
            f"{r.traced_queries_mib or 0:.1f} MiB in the queries (timings slowed by tracing)"
            if r.traced_import_mib is not None
            else ""
        ),
        f"  {'category':<9} {'n':>4} {'found':>6}  {'service p50':>11} {'p95':>7}  "
        f"{'raw p50':>8} {'p95':>7}  {'p95 ratio':>9}",
    ]
    for category in [*CATEGORIES, None]:
        service, raw_ms = r.ms("service", category), r.ms("raw", category)
        found = (
            r.found.get(category, [])
            if category
            else [f for c in CATEGORIES for f in r.found.get(c, [])]
        )
        ratio = r.ratio(category)
        verdict = "PASS" if ratio <= TARGET else "FAIL"
        lines.append(
            f"  {category or 'overall':<9} {len(found):>4} "
            f"{statistics.fmean(found) if found else 0:>6.1f}  "
            f"{service[0]:>8.2f} ms {service[1]:>7.2f}  {raw_ms[0]:>5.2f} ms {raw_ms[1]:>7.2f}  "
            f"{ratio:>8.2f}x {verdict}"
        )
    lines.append(
        f"  (found: entries the service ranked, at most 50; raw: {raw} top 10; "
        f"target service p95 <= {TARGET}x raw p95: {'met' if r.met else 'MISSED'})"
    )
    return "\n".join(lines)


async def _postgres(path: Path, corpus: Corpus, asked: list[Query], trace: bool) -> Result:
    from tests import databases

    admin = os.environ["TEST_DATABASE_URL"]
    name = databases.create_pg_database(admin)
    try:
        url = databases.pg_url_for(admin, name)
        await asyncio.to_thread(upgrade, url)
        return await measure(url, path, corpus, asked, "postgresql", trace=trace)
    finally:
        databases.drop_pg_database(admin, name)


async def main(entries: int, count: int, seed: int, postgres: bool, trace: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "faq.jsonl"
        started = time.perf_counter()
        corpus = generate(path, entries, seed, CHAT_ID)
        asked = queries(corpus, count, seed)
        print(
            f"generated {corpus.entries:,} entries ({path.stat().st_size / 2**20:.0f} MiB of "
            f"JSON Lines) in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'search.db'}"
        await asyncio.to_thread(upgrade, url)
        result = await measure(url, path, corpus, asked, "sqlite", trace=trace)
        print(format_result(result), flush=True)
        if postgres and os.environ.get("TEST_DATABASE_URL", "").strip():
            print(format_result(await _postgres(path, corpus, asked, trace)), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=400, help="split evenly by category")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--postgres",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also on PostgreSQL when TEST_DATABASE_URL is set (default: yes)",
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python allocations (peak per phase); slows every timing",
    )
    args = parser.parse_args()
    asyncio.run(main(args.entries, args.queries, args.seed, args.postgres, args.tracemalloc))
