"""A tiny run of ``benchmarks.stats`` on both databases so it never rots (the full run, 10,000
members and 100,000 questions, is ``python -m benchmarks.stats``)."""

from benchmarks.stats import PERIODS, format_result, measure


async def test_stats_benchmark_smoke(database_url: str) -> None:
    result = await measure(database_url, "smoke", members=60, questions=400, repeat=1)
    report = format_result(result)
    whole = result.reports["all"]
    assert whole.asked == 400 and 0 < whole.answered < 400, report
    assert whole.network.pairs > 0 and whole.active_members > 0, report
    assert whole.meetups.count > 0 and whole.meetups.attended is not None, report
    assert all(result.report_s[p][0] > 0 for p in PERIODS), report
    assert result.chart_s > 0 and result.export_rows > 400, report
    assert "target /stats <= 2 s" in report and "rows/s" in report
