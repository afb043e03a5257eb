"""A tiny run of ``benchmarks.throughput`` so the benchmark never rots (the full run is
``make bench``): both bots really start as subprocesses against the fake Bot API."""

from collections import Counter
from pathlib import Path

from benchmarks.throughput import build_workload, format_report, run_benchmark
from tests.fakes.telegram_api import FakeTelegramAPI


def test_workload_mix_is_deterministic_and_dialogs_follow_start() -> None:
    first = build_workload(FakeTelegramAPI(rate_limits=None), updates=500, users=50, seed=7)
    again = build_workload(FakeTelegramAPI(rate_limits=None), updates=500, users=50, seed=7)
    assert len(first.updates) == 500
    assert first.kinds == again.kinds
    assert sum(first.kinds.values()) == 500
    assert first.private_messages + first.group_messages == 499
    assert "my_chat_member" in first.updates[0]
    assert first.kinds["group_chatter"] > 0 and first.kinds["dialog_text"] > 0
    started: Counter[int] = Counter()
    for update in first.updates[1:]:
        message = update["message"]
        if message["chat"]["type"] != "private":
            continue
        if message["text"] == "/start":
            started[message["from"]["id"]] += 1
        elif not message["text"].startswith("/"):
            assert started[message["from"]["id"]], "a dialog reply before that user's /start"


async def test_benchmark_smoke(tmp_path: Path) -> None:
    # With 20 users nearly every batch holds several updates of one user: handled concurrently
    # (the benchmark's own setting), they must still be handled in order, without errors.
    result = await run_benchmark(updates=200, users=20, workdir=tmp_path)
    report = format_report(result)
    for run in (result.peerbot, result.bare):
        assert run.drained, report
        assert run.updates == 200
        assert run.seconds > 0 and run.updates_per_s > 0, report
        assert run.replies >= run.expected_replies > 0, report
        assert run.exit_code == 0, report
        assert run.stderr_error_lines == 0, report
        assert not run.api_errors, report
        assert run.peak_rss_mib > 0 and run.rss_samples > 0, report
    assert result.problems == [], report
    assert result.throughput_ratio is not None and result.rss_ratio is not None
    assert "throughput peerbot/bare" in report
