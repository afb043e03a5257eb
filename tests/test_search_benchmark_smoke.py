"""A tiny run of ``benchmarks.search`` on both databases so it never rots (the full run,
100,000 entries, is ``python -m benchmarks.search``)."""

import json
from pathlib import Path

from benchmarks.search import CHAT_ID, format_result, measure
from benchmarks.search_data import CATEGORIES, generate, queries


def test_generated_faq_is_deterministic_and_mixed_language(tmp_path: Path) -> None:
    first = generate(tmp_path / "a.jsonl", 200, 1, CHAT_ID)
    again = generate(tmp_path / "b.jsonl", 200, 1, CHAT_ID)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert queries(first, 20, 1) == queries(again, 20, 1)
    rows = [json.loads(line) for line in (tmp_path / "a.jsonl").open(encoding="utf-8")]
    assert {r["language"] for r in rows} == {"en", "es", "ru", "id"}
    text = " ".join(r["answer"] for r in rows)
    assert any("а" <= ch <= "я" for ch in text) and any(ch in "áéíóúñ" for ch in text)
    assert 70 <= first.words / first.entries <= 90
    assert {q.category for q in queries(first, 8, 1)} == set(CATEGORIES)


async def test_search_benchmark_smoke(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "faq.jsonl"
    corpus = generate(path, 300, 2, CHAT_ID)
    asked = queries(corpus, 12, 2)
    result = await measure(database_url, path, corpus, asked, "smoke")
    report = format_result(result)
    assert result.entries == 300 and result.queries == 12, report
    for category in CATEGORIES:
        assert result.ms("service", category)[0] > 0 and result.ms("raw", category)[0] > 0, report
    assert result.import_s > 0 and result.rss_after_queries_mib > 0, report
    assert "entries/s" in report and "p95 ratio" in report and "overall" in report
