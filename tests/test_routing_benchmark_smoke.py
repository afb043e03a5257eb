"""A tiny run of ``benchmarks.routing`` on both databases so it never rots (the full run,
10,000 members and 100,000 answers, is ``python -m benchmarks.routing``)."""

from benchmarks.routing import format_result, measure
from benchmarks.routing_data import generate


def test_generated_community_is_deterministic_and_mixed_language() -> None:
    first = generate(members=50, answers=300, questions=5, seed=1)
    again = generate(members=50, answers=300, questions=5, seed=1)
    assert [a["text"] for a in first.answers] == [a["text"] for a in again.answers]
    assert len(first.new_questions) == 5 and len(first.answers) == 300
    text = " ".join(a["text"] for a in first.answers)
    assert any("а" <= ch <= "я" for ch in text) and any(ch in "áéíóúñ" for ch in text)
    assert any(a["accepted"] for a in first.answers)


async def test_routing_benchmark_smoke(database_url: str) -> None:
    community = generate(members=120, answers=800, questions=15, seed=2)
    result = await measure(database_url, community, 10, "smoke")
    report = format_result(result)
    assert result.questions == 10, report
    assert result.documents > 0 and result.mean_chosen > 0, report
    assert result.choose_ms[0] > 0 and result.raw_ms[0] > 0, report
    assert result.peak_rss_mib > 0 and "p95 choose/raw" in report
