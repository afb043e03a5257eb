"""An invitation to ``--members`` members through the outbox, under Telegram's limits.

The invitation is queued (one private message per member, ``OutboxService.queue`` with a dedupe
key, in one write transaction: the fan-out's cause) into a fresh, migrated SQLite database. The
real sender, ``bot.app.create_delivery`` on ``bot.app.create_bot`` (its retry middleware
included), runs in a worker process (``python -m benchmarks.fanout --worker ...``) against the
fake Bot API in this process, which enforces Telegram's limits (30 messages/s overall with a
one-second burst, 1/s to one private chat without a burst, 20/min to one group) and answers
429 with retry_after beyond them. Two runs:

1. **rate**: the worker sends everything. Figures, from the fake's side: the rate between the
   first and the last message as a fraction of the 30/s limit (target >= 90%), the most
   messages in any one second, and the 429s answered (target 0).
2. **kill -9**: the worker is killed (SIGKILL) as the fake answers the message that makes half
   of them, and a new worker is started on the same database. Figures: distinct recipients
   (target all), duplicates (target <= 1: the message in flight), and how long the restart
   waited for the dead worker's claims.

A dead worker's claims are taken over when their lease runs out (``Delivery.lease``, 2 minutes
in ``peerbot run``); the benchmark's workers hold leases of ``--lease`` seconds (default 10,
still several times what a batch of 50 takes at 30/s), so the restart waits seconds instead of
minutes. The wait is part of the figures.

``--speedup k`` runs the same arithmetic k times faster: the fake's limits (its clock runs k
times faster) and the worker's clock and sleeps (so its pacing intervals and lease) are scaled
together, as the smoke test does; figures are then fractions of the scaled limit. Run from the
project root: ``python -m benchmarks.fanout [--members N] [--speedup K] [--lease S]``
(``make bench-fanout``). Missing a target is a measurement: the exit code stays 0.
"""

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.migrate import upgrade
from bot.services.outbox import OutboxService
from storage.db import Database, transaction
from storage.models import OutboxMessage
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_limits import RateLimits

ROOT = Path(__file__).resolve().parents[1]
GLOBAL_LIMIT = 30.0  # messages/s, Telegram's (and the fake's, and the sender's spacing)
RATE_TARGET = 0.90
LIMITS = RateLimits(global_per_second=GLOBAL_LIMIT, private_per_second=1.0, private_burst=1.0)
FIRST_MEMBER = 500_000_001
INVITATION = "<b>Zoom meetup</b> on Thursday at 18:00: are you coming? Member #{n}"
RUN_TIMEOUT = 600.0  # s for a run to finish, at any speed


class ScaledClock:
    """Wall time running `speedup` times faster since `epoch` (unix seconds); the same in every
    process given the same epoch, so claims written by one worker read right in the next."""

    def __init__(self, epoch: float, speedup: float) -> None:
        self.epoch, self.speedup = epoch, speedup

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.epoch + (time.time() - self.epoch) * self.speedup, UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.speedup)


@dataclass(frozen=True)
class Run:
    name: str
    members: int
    speedup: float
    sends: list[tuple[int, float]]  # (chat, real seconds) of each message the fake accepted
    rate_limited: int  # 429s the fake answered
    seconds: float  # queueing done -> everything settled (real)
    killed_after: int | None = None  # messages accepted when the worker was killed
    killed_at: float | None = None  # real seconds, on the fake's clock
    restart_wait: float | None = None  # s from the kill to the next accepted message
    orphaned: frozenset[int] = frozenset()  # recipients the dead worker had claimed
    lease: float = 0.0  # the workers' claim lease, scaled seconds
    worker_exit_codes: tuple[int | None, ...] = ()
    error_lines: int = 0  # ERROR or Traceback lines in the workers' stderr

    @property
    def distinct(self) -> int:
        return len({chat for chat, _ in self.sends})

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in Counter(chat for chat, _ in self.sends).values() if n > 1)

    @property
    def rate(self) -> float:
        """Messages/s between the first and the last one accepted, in the run's scaled time."""
        if len(self.sends) < 2:
            return 0.0
        span = self.sends[-1][1] - self.sends[0][1]
        return (len(self.sends) - 1) / span / self.speedup if span > 0 else float("inf")

    @property
    def takeover_wait(self) -> float | None:
        """s from the kill until the last message the dead worker had claimed was sent."""
        if self.killed_at is None or not self.orphaned:
            return None
        after = [t for chat, t in self.sends[self.killed_after :] if chat in self.orphaned]
        return max(after) - self.killed_at if after else None

    @property
    def peak_per_second(self) -> int:
        """The most messages accepted within one (scaled) second."""
        times, peak, start = [t * self.speedup for _, t in self.sends], 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= 1.0:
                start += 1
            peak = max(peak, end - start + 1)
        return peak


async def _queue_invitation(db: Database, members: list[int]) -> None:
    async with db.session() as session, transaction(session, write=True):
        outbox = OutboxService(session, SystemClock())
        for n, member in enumerate(members, 1):
            await outbox.queue(member, INVITATION.format(n=n), dedupe_key=f"invite:m{member}")


async def _claimed(db: Database) -> set[int]:
    """Recipients of the messages claimed by a sender and not settled (a dead one's, here)."""
    async with db.session() as session, transaction(session, write=False):
        rows = await session.scalars(
            select(OutboxMessage.chat_id).where(OutboxMessage.status == "sending")
        )
        return set(rows)


async def _unsettled(db: Database) -> int:
    async with db.session() as session, transaction(session, write=False):
        return await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_(("pending", "sending")))
        )


async def _spawn(
    fake: FakeTelegramAPI, url: str, epoch: float, speedup: float, lease: float, log: Path
) -> asyncio.subprocess.Process:
    args = ["--database-url", url, "--api-url", fake.url, "--token", fake.token]
    args += ["--epoch", repr(epoch), "--speedup", repr(speedup), "--lease", repr(lease)]
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "TELEGRAM_API_URL")}
    with log.open("ab") as stderr:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.fanout", "--worker", *args,
            cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip


def _accepted(fake: FakeTelegramAPI, speedup: float) -> list[tuple[int, float]]:
    """(chat, real seconds) of each message the fake accepted, in order."""
    return [
        (int(c.params["chat_id"]), c.at / speedup)
        for c in fake.calls
        if c.method == "sendMessage" and c.ok
    ]


async def run_fanout(
    members: int, *, speedup: float, lease: float, kill: bool, workdir: Path
) -> Run:
    """One run on a fresh database and a fresh fake; see the module docstring."""
    fake = FakeTelegramAPI(clock=lambda: time.monotonic() * speedup, rate_limits=LIMITS)
    ids = [FIRST_MEMBER + i for i in range(members)]
    for member in ids:
        fake.allow_dm(member)
    name = "kill -9" if kill else "rate"
    url = f"sqlite+aiosqlite:///{workdir / f'fanout-{name[:4].strip()}.db'}"
    log = workdir / f"worker-{name[:4].strip()}.log"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    await fake.start()
    workers: list[asyncio.subprocess.Process] = []
    killed_after = killed_at = restart_wait = None
    orphaned: set[int] = set()
    try:
        await _queue_invitation(db, ids)
        started, epoch = time.monotonic(), time.time()
        workers.append(await _spawn(fake, url, epoch, speedup, lease, log))
        if kill:
            half = members // 2
            await fake.wait_until(lambda: len(_accepted(fake, speedup)) >= half, RUN_TIMEOUT)
            os.kill(workers[0].pid, signal.SIGKILL)
            killed_at, killed_after = time.monotonic(), len(_accepted(fake, speedup))
            await workers[0].wait()
            orphaned = await _claimed(db)
            workers.append(await _spawn(fake, url, epoch, speedup, lease, log))
            await fake.wait_until(lambda: len(_accepted(fake, speedup)) > killed_after, RUN_TIMEOUT)
            restart_wait = time.monotonic() - killed_at
        deadline = time.monotonic() + RUN_TIMEOUT
        # The database says when everything is settled; it has no event to wait on.
        while await _unsettled(db) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        seconds = time.monotonic() - started
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.terminate()
                try:
                    await asyncio.wait_for(worker.wait(), 20)
                except TimeoutError:
                    worker.kill()
                    await worker.wait()
        await fake.stop()
        await db.dispose()
    errors = sum(
        "ERROR" in line or "Traceback" in line
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
    )
    return Run(
        name=name,
        members=members,
        speedup=speedup,
        sends=_accepted(fake, speedup),
        lease=lease,
        rate_limited=fake.rate_limited_calls,
        seconds=seconds,
        killed_after=killed_after,
        killed_at=killed_at,
        restart_wait=restart_wait,
        orphaned=frozenset(orphaned),
        worker_exit_codes=tuple(w.returncode for w in workers),
        error_lines=errors,
    )


def format_run(r: Run) -> str:
    scale = "" if r.speedup == 1 else f" (time x{r.speedup:g})"
    lines = [f"[{r.name}] {r.members:,} members{scale}, settled in {r.seconds:.1f} s"]
    if r.killed_after is None:
        fraction = r.rate / GLOBAL_LIMIT
        verdict = "met" if fraction >= RATE_TARGET else "MISSED"
        lines.append(
            f"  rate {r.rate:.1f}/s of {GLOBAL_LIMIT:.0f}/s = {fraction:.1%} "
            f"(target >= {RATE_TARGET:.0%}: {verdict}); at most {r.peak_per_second} in a second"
        )
    else:
        takeover = r.takeover_wait
        lines.append(
            f"  killed after {r.killed_after} accepted, holding {len(r.orphaned)} claims; "
            f"the restart sent again {r.restart_wait:.1f} s after the kill,"
        )
        lines.append(
            "  the dead worker's claims "
            + (f"{takeover:.1f} s after (lease {r.lease:g} s)" if takeover is not None else "-")
        )
    verdict_429 = "met" if r.rate_limited == 0 else "MISSED"
    lines.append(f"  429s answered {r.rate_limited} (target 0: {verdict_429})")
    met = "met" if r.distinct == r.members else "MISSED"
    dup = "met" if r.duplicates <= 1 else "MISSED"
    lines.append(
        f"  distinct recipients {r.distinct:,} (target {r.members:,}: {met}); "
        f"duplicates {r.duplicates} (target <= 1: {dup})"
    )
    if r.error_lines:
        lines.append(f"  worker stderr: {r.error_lines} ERROR/Traceback lines")
    return "\n".join(lines)


async def main(members: int, speedup: float, lease: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for kill in (False, True):
            run = await run_fanout(
                members, speedup=speedup, lease=lease, kill=kill, workdir=Path(tmp)
            )
            print(format_run(run), flush=True)


async def worker(
    url: str, api_url: str, token: str, epoch: float, speedup: float, lease: float
) -> None:
    """The sender as `peerbot run` wires it (with the lease given), until SIGTERM."""
    from bot.app import create_bot, create_delivery
    from bot.config import Settings
    from bot.i18n import create_i18n

    clock = ScaledClock(epoch, speedup)
    settings = Settings(bot_token=token, telegram_api_url=api_url, database_url=url)
    bot = create_bot(settings, sleep=clock.sleep)
    db = Database(url)
    delivery = create_delivery(bot, db, clock, create_i18n("en"), clock.sleep)
    delivery.lease = timedelta(seconds=lease)
    delivery.poll_seconds = min(delivery.poll_seconds, lease / speedup / 5)
    task = asyncio.create_task(delivery.run())
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        await bot.session.close()
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000)
    parser.add_argument("--speedup", type=float, default=1.0)
    parser.add_argument("--lease", type=float, default=10.0, help="claim lease, scaled seconds")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    for option in ("--database-url", "--api-url", "--token"):
        parser.add_argument(option, help=argparse.SUPPRESS)
    parser.add_argument("--epoch", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
        asyncio.run(
            worker(
                args.database_url, args.api_url, args.token, args.epoch, args.speedup, args.lease
            )
        )
    else:
        asyncio.run(main(args.members, args.speedup, args.lease))
