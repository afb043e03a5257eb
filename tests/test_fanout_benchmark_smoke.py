"""A tiny run of ``benchmarks.fanout`` so it never rots (the full run, 1,000 members at
Telegram's real limits, is ``make bench-fanout``): real worker processes, one of them killed
with SIGKILL half-way, against the fake Bot API enforcing the limits, on a scaled clock."""

from pathlib import Path

from benchmarks.fanout import format_run, run_fanout

MEMBERS = 20
SPEEDUP = 5.0  # the fake's limits and the worker's clock both run five times faster


async def test_an_invitation_reaches_everyone_once_within_telegrams_limits(
    tmp_path: Path,
) -> None:
    run = await run_fanout(MEMBERS, speedup=SPEEDUP, lease=5.0, kill=False, workdir=tmp_path)
    report = format_run(run)
    assert run.distinct == MEMBERS and run.duplicates == 0, report
    assert run.rate_limited == 0, report  # the fake's token buckets are the judge
    assert run.rate <= 30 * 1.05, report  # in scaled time; paced, not bursting
    assert run.error_lines == 0, report
    assert "rate" in report and "429s answered 0" in report


async def test_a_worker_killed_mid_fan_out_loses_no_one_and_repeats_at_most_one(
    tmp_path: Path,
) -> None:
    run = await run_fanout(MEMBERS, speedup=SPEEDUP, lease=5.0, kill=True, workdir=tmp_path)
    report = format_run(run)
    assert run.killed_after is not None and MEMBERS // 2 <= run.killed_after < MEMBERS, report
    assert run.worker_exit_codes[0] == -9, report  # really killed, not stopped
    assert run.distinct == MEMBERS, report  # no recipient lost
    assert run.duplicates <= 1, report  # only the message in flight may go twice
    assert run.rate_limited == 0, report
    assert run.error_lines == 0, report
