"""Throughput and peak memory of the whole peerbot pipeline beside a bare aiogram bot.

Both bots get the same backlog of updates from an in-process fake Bot API
(``tests.fakes.telegram_api``, Telegram's rate limits off, HTML validation on):

1. a fresh fake per bot is started here and the update mix is generated with its builders
   (same seed, so both bots get the same stream): the bot is added to one supergroup, then
   about 25% group chatter, 20% /start, 15% /profile, 15% /help and 25% dialog replies (topics
   typed as free text after that user's /start, sometimes /cancel) from ``--users`` users;
2. the whole backlog is enqueued before the bot starts (like Telegram's 24 h queue);
3. the bot is started as a user would start it - ``peerbot run`` on a fresh SQLite database,
   or ``python -m benchmarks.echo_bot`` - with TASKS_CONCURRENCY_LIMIT=``--concurrency``;
4. the clock runs from the bot's first getUpdates call until every update is confirmed and the
   bot's replies are in (the expected minimum number of replies, then a short quiet period; the
   end is the bot's last Bot API call, so the quiet period itself is not counted);
5. RSS of the bot process is sampled every 50 ms, and its high-water mark (VmHWM) is read
   before it is stopped with SIGTERM.

Targets (from the issue): peerbot handles >= 50% of the bare bot's updates/s with a peak RSS
<= 1.5x the bare bot's. Missing a target is a measurement, not a failure: the exit code is 0
unless something broke (a bot crashed or did not stop, updates were not all confirmed, replies
are missing, the Bot API answered errors, or the bot's stderr has ERROR/Traceback lines).

Run from the project root: ``python -m benchmarks.throughput [--updates N] [--users U]
[--concurrency C] [--keep]`` (``make bench``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psutil

from tests.fakes.telegram_api import Chat, FakeTelegramAPI, User

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024

THROUGHPUT_TARGET = 0.50  # peerbot updates/s >= 50% of the bare bot's
RSS_TARGET = 1.5  # peerbot peak RSS <= 1.5x the bare bot's

SAMPLE_INTERVAL = 0.05  # s between RSS samples
QUIET_PERIOD = 0.5  # s without Bot API calls that means "the bot is done"
MAX_QUIET_WAIT = 30.0  # s: give up waiting for silence (e.g. a chatty periodic job)
STARTUP_TIMEOUT = 120.0  # s from spawning the bot to its first getUpdates
STALL_TIMEOUT = 60.0  # s without any Bot API call while updates are still pending
STOP_TIMEOUT = 20.0  # s for the bot to exit after SIGTERM

# Bot API methods that are the bot talking to users (as opposed to polling or setup).
REPLY_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "deleteMessage",
        "sendPhoto",
        "sendDocument",
    }
)
# Settings that would change what peerbot does in the benchmark if inherited from the shell.
SCRUBBED_ENV = frozenset(
    {
        "BOT_TOKEN",
        "TELEGRAM_API_URL",
        "DATABASE_URL",
        "REDIS_URL",
        "LOG_LEVEL",
        "TASKS_CONCURRENCY_LIMIT",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "WEBHOOK_LISTEN",
        "DEFAULT_LANGUAGE",
        "DEFAULT_TIMEZONE",
        "BOT_ADMINS",
        "WELCOME_BATCH_SECONDS",
        "TELEGRAM_TIMEOUT",
    }
)

GROUP = Chat(-1002000000001, "supergroup", title="Municipal Planners (benchmark)")
FIRST_USER_ID = 500_000_001
MIX = (
    ("group_chatter", 25),
    ("start", 20),
    ("profile", 15),
    ("help", 15),
    ("dialog", 25),
)
CANCEL_SHARE = 0.15  # of dialog replies
LANGUAGE_CODES = ("en",) * 6 + ("es", "ru", "id", "pt-br")
FIRST_NAMES = ("Ana", "Bram", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ines", "Jomo")
TOPICS = (
    "GIS",
    "budgeting",
    "zoning",
    "public transport",
    "housing",
    "water supply",
    "open data",
    "procurement",
    "urban design",
    "participatory planning",
    "climate adaptation",
    "heritage",
    "stormwater",
    "cycling",
)
CHATTER = (
    "Has anyone used {a} data for {b}?",
    "Thanks, that helped a lot with {a}.",
    "Meeting notes on {a} are in the shared folder.",
    "Who knows a good course on {a} and {b}?",
    "Our council just approved the {a} plan!",
    "Any templates for {b} reports?",
)

T = TypeVar("T")


class BotFailed(Exception):
    """The bot under test crashed, hung or misbehaved; the message says how."""


# ------------------------------------------------------------------------------------ workload


@dataclass
class Workload:
    updates: list[dict[str, Any]]
    kinds: Counter[str]
    private_messages: int
    group_messages: int


def build_workload(fake: FakeTelegramAPI, *, updates: int, users: int, seed: int) -> Workload:
    """The update mix, built with ``fake``'s builders (which register users and chats there).

    The first update adds the bot to :data:`GROUP`; the rest follow :data:`MIX`. A dialog reply
    only goes to a user who already sent /start (else that user sends /start instead).
    """
    if updates < 1 or users < 1:
        raise ValueError("need at least one update and one user")
    rng = random.Random(seed)
    people = [
        User(
            FIRST_USER_ID + i,
            f"{FIRST_NAMES[i % len(FIRST_NAMES)]}{i}",
            username=f"bench_user_{i}",
            language_code=rng.choice(LANGUAGE_CODES),
        )
        for i in range(users)
    ]
    kinds: Counter[str] = Counter({"bot_added": 1})
    result = [fake.my_chat_member(GROUP, people[0], "left", "member")]
    started: list[User] = []
    started_ids: set[int] = set()
    names = [name for name, _ in MIX]
    weights = [weight for _, weight in MIX]
    private = group = 0
    for _ in range(updates - 1):
        kind = rng.choices(names, weights)[0]
        user = people[rng.randrange(users)]
        if kind == "dialog":
            if not started:
                kind = "start"
            elif user.id not in started_ids:
                user = rng.choice(started)
        if kind == "group_chatter":
            a, b = rng.sample(TOPICS, 2)
            text = rng.choice(CHATTER).format(a=a, b=b)
            result.append(fake.text_update(user, text, GROUP))
            group += 1
        else:
            if kind == "start":
                text = "/start"
                if user.id not in started_ids:
                    started_ids.add(user.id)
                    started.append(user)
            elif kind == "profile":
                text = "/profile"
            elif kind == "help":
                text = "/help"
            elif rng.random() < CANCEL_SHARE:
                kind, text = "cancel", "/cancel"
            else:
                kind, text = "dialog_text", ", ".join(rng.sample(TOPICS, rng.randint(1, 3)))
            result.append(fake.text_update(user, text))
            private += 1
        kinds[kind] += 1
    return Workload(result, kinds, private, group)


def enqueue_all(fake: FakeTelegramAPI, updates: list[dict[str, Any]]) -> None:
    """Queue the backlog. ``FakeTelegramAPI.enqueue`` re-sorts the whole queue on every call
    (about 25 s for 20,000 updates), so the builders' already ordered updates are appended in
    one go when the queue is the plain list it is today; the last one goes through ``enqueue``
    so the queue is sorted and pollers are woken exactly as usual."""
    if not updates:
        return
    queue = getattr(fake, "_pending", None)
    if isinstance(queue, list) and all("update_id" in u for u in updates):
        queue.extend(updates[:-1])
    else:
        for update in updates[:-1]:
            fake.enqueue(update)
    fake.enqueue(updates[-1])


# ------------------------------------------------------------------------------------ results


@dataclass
class BotRun:
    """One bot's measurement. ``problems`` lists everything that broke (empty when healthy)."""

    name: str
    command: list[str]
    updates: int
    expected_replies: int = 0  # a lower bound for peerbot, exact for the echo bot
    seconds: float = 0.0
    startup_seconds: float = 0.0  # from spawning the process to its first getUpdates
    bot_cpu_seconds: float = 0.0  # CPU time of the bot process during the measured window
    fake_cpu_seconds: float = 0.0  # CPU time of this process (the fake Bot API) in that window
    drained: bool = False
    replies: int = 0
    calls_by_method: Counter[str] = field(default_factory=Counter)
    api_errors: Counter[str] = field(default_factory=Counter)
    peak_rss_sampled: int = 0  # bytes, max of the 50 ms samples
    peak_rss_hwm: int | None = None  # bytes, the kernel's VmHWM (Linux)
    rss_samples: int = 0
    exit_code: int | None = None
    stderr_path: Path | None = None
    stderr_error_lines: int = 0
    stderr_exceptions: Counter[str] = field(default_factory=Counter)
    stderr_excerpt: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def updates_per_s(self) -> float:
        return self.updates / self.seconds if self.drained and self.seconds > 0 else 0.0

    @property
    def peak_rss(self) -> int:
        return max(self.peak_rss_sampled, self.peak_rss_hwm or 0)

    @property
    def peak_rss_mib(self) -> float:
        return self.peak_rss / MIB

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class BenchmarkResult:
    peerbot: BotRun
    bare: BotRun
    updates: int
    users: int
    concurrency: int
    workload: Counter[str]
    workdir: Path | None

    @property
    def throughput_ratio(self) -> float | None:
        if self.peerbot.updates_per_s and self.bare.updates_per_s:
            return self.peerbot.updates_per_s / self.bare.updates_per_s
        return None

    @property
    def rss_ratio(self) -> float | None:
        if self.peerbot.peak_rss and self.bare.peak_rss:
            return self.peerbot.peak_rss / self.bare.peak_rss
        return None

    @property
    def throughput_pass(self) -> bool:
        ratio = self.throughput_ratio
        return ratio is not None and ratio >= THROUGHPUT_TARGET

    @property
    def rss_pass(self) -> bool:
        ratio = self.rss_ratio
        return ratio is not None and ratio <= RSS_TARGET

    @property
    def problems(self) -> list[str]:
        return [f"{run.name}: {p}" for run in (self.peerbot, self.bare) for p in run.problems]

    @property
    def ok(self) -> bool:
        return not self.problems


# ------------------------------------------------------------------------------------ probes


class CallWatcher:
    """Follows ``fake.calls`` as they happen, stamping the first poll and the last activity."""

    def __init__(self, fake: FakeTelegramAPI) -> None:
        self.fake = fake
        self.seen = 0
        self.first_poll_at: float | None = None
        self.last_activity_at: float | None = None
        self.activity = 0  # calls other than getUpdates
        self.replies = 0  # successful REPLY_METHODS calls
        self.by_method: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.stopping = False  # set when SIGTERM is sent: the open long poll is then cut (499)

    def absorb(self) -> None:
        calls = self.fake.calls
        if len(calls) == self.seen:
            return
        now = time.perf_counter()
        for call in calls[self.seen :]:
            self.by_method[call.method] += 1
            if call.method == "getUpdates":
                if self.first_poll_at is None:
                    self.first_poll_at = now
            else:
                self.activity += 1
                self.last_activity_at = now
                if call.method in REPLY_METHODS and call.ok:
                    self.replies += 1
            if not call.ok and not (self.stopping and call.method == "getUpdates"):
                self.errors[f"{call.method} {call.status}: {call.description}"] += 1
        self.seen = len(calls)

    async def until(self, predicate: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109
        """Wait until ``predicate()`` holds for the absorbed calls (AssertionError on timeout)."""

        def check() -> bool:
            self.absorb()
            return predicate()

        await self.fake.wait_until(check, timeout=timeout)

    async def run(self) -> None:
        while True:
            seen = self.seen
            with contextlib.suppress(AssertionError):
                await self.fake.wait_until(lambda s=seen: len(self.fake.calls) > s, timeout=3600)
            self.absorb()


class RssSampler:
    """Samples a process's RSS every ``interval`` seconds until it is gone."""

    def __init__(self, pid: int, interval: float = SAMPLE_INTERVAL) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.samples = 0

    async def run(self) -> None:
        try:
            process = psutil.Process(self.pid)
        except psutil.Error:
            return
        while True:
            try:
                rss = process.memory_info().rss
            except psutil.Error:
                return
            self.peak = max(self.peak, rss)
            self.samples += 1
            await asyncio.sleep(self.interval)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (0.0 if it is gone)."""
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


def vm_hwm(pid: int) -> int | None:
    """The kernel's RSS high-water mark of a live process in bytes (Linux), else None."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


def scan_stderr(path: Path, *, tail: int = 8) -> tuple[int, Counter[str], list[str]]:
    """Count the lines with ERROR or Traceback; tally the exceptions that ended each traceback
    and return the tail of the first traceback."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return 0, Counter(), []
    count = sum(1 for line in lines if "ERROR" in line or "Traceback" in line)
    exceptions: Counter[str] = Counter()
    first: list[str] = []
    for i, line in enumerate(lines):
        if not line.startswith("Traceback"):
            continue
        end = i + 1
        while end < len(lines) and (not lines[end] or lines[end][0].isspace()):
            end += 1
        if end < len(lines):
            exceptions[lines[end].strip()] += 1
        if not first:
            first = [*lines[max(i + 1, end - tail) : end], *lines[end : end + 1]]
    return count, exceptions, first


# ------------------------------------------------------------------------------------ one bot


def peerbot_command() -> list[str]:
    """``peerbot run`` through the console script next to this interpreter, if installed."""
    script = Path(sys.executable).with_name("peerbot")
    if script.exists():
        return [str(script), "run"]
    return [sys.executable, "-m", "bot", "run"]


def echo_command() -> list[str]:
    return [sys.executable, "-m", "benchmarks.echo_bot"]


def child_env(fake: FakeTelegramAPI, database: Path, concurrency: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in SCRUBBED_ENV}
    python_path = [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    env.update(
        BOT_TOKEN=fake.token,
        TELEGRAM_API_URL=fake.url,
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        LOG_LEVEL="WARNING",
        TASKS_CONCURRENCY_LIMIT=str(concurrency),
        PYTHONPATH=os.pathsep.join(python_path),
    )
    return env


class BotProcess:
    """The bot under test as a child process, reaped with ``os.wait4`` on a thread."""

    def __init__(self, command: list[str], env: dict[str, str], workdir: Path, name: str) -> None:
        self.stdout_path = workdir / f"{name}.stdout.log"
        self.stderr_path = workdir / f"{name}.stderr.log"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.popen = subprocess.Popen(
                command, env=env, cwd=workdir, stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )
        self.pid = self.popen.pid
        self.spawned_at = time.perf_counter()
        self.exited: asyncio.Future[int] = asyncio.ensure_future(self._reap())

    async def _reap(self) -> int:
        _pid, status, _usage = await asyncio.to_thread(os.wait4, self.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        self.popen.returncode = code  # reaped here: keep Popen from waiting on it again
        return code

    def signal(self, signum: int) -> None:
        if not self.exited.done():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    async def stop(self, timeout: float) -> int | None:  # noqa: ASYNC109
        """SIGTERM, then the exit code; None if it had to be killed after ``timeout``."""
        self.signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(asyncio.shield(self.exited), timeout)
        except TimeoutError:
            await self.kill()
            return None

    async def kill(self) -> None:
        self.signal(signal.SIGKILL)
        with contextlib.suppress(Exception):
            await asyncio.shield(self.exited)


async def guarded(
    proc: BotProcess,
    watcher: CallWatcher,
    what: str,
    awaitable: Awaitable[T],
    *,
    stall: float | None = STALL_TIMEOUT,
) -> T:
    """Await ``awaitable`` unless the bot exits first or makes no Bot API call for ``stall`` s."""
    main = asyncio.ensure_future(awaitable)
    others: list[asyncio.Future[Any]] = []
    if stall is not None:
        others.append(asyncio.ensure_future(_stalled(watcher, stall)))
    try:
        done, _ = await asyncio.wait(
            {main, proc.exited, *others}, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        for task in (main, *others):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
    if main in done:
        try:
            return main.result()
        except AssertionError as error:
            raise BotFailed(f"{what}: {error}") from None
    if proc.exited in done:
        raise BotFailed(f"the bot exited with code {proc.exited.result()} while waiting for {what}")
    raise BotFailed(f"no Bot API call for {stall:.0f}s while waiting for {what}")


async def _stalled(watcher: CallWatcher, stall: float) -> None:
    while True:
        seen = len(watcher.fake.calls)
        try:
            await watcher.fake.wait_until(lambda s=seen: len(watcher.fake.calls) > s, timeout=stall)
        except AssertionError:
            return


async def wait_quiet(watcher: CallWatcher, quiet: float, limit: float) -> bool:
    """Wait until the bot makes no Bot API call (but getUpdates) for ``quiet`` seconds."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        watcher.absorb()
        activity = watcher.activity
        try:
            await watcher.until(lambda a=activity: watcher.activity > a, timeout=quiet)
        except AssertionError:
            return True
    return False


async def measure_bot(
    name: str,
    command: list[str],
    *,
    updates: int,
    users: int,
    concurrency: int,
    seed: int,
    workdir: Path,
    expect: Callable[[Workload], int],
) -> tuple[BotRun, Workload | None]:
    """Run one bot through its own fresh fake Bot API; never raises for a misbehaving bot."""
    run = BotRun(name=name, command=command, updates=updates)
    fake = FakeTelegramAPI(rate_limits=None)
    await fake.start()
    workload: Workload | None = None
    try:
        workload = build_workload(fake, updates=updates, users=users, seed=seed)
        enqueue_all(fake, workload.updates)
        run.expected_replies = expect(workload)
        database = workdir / f"{name}.db"
        database.unlink(missing_ok=True)
        env = child_env(fake, database, concurrency)
        await _drive(run, fake, BotProcess(command, env, workdir, name))
    finally:
        await fake.stop()
    return run, workload


async def _drive(run: BotRun, fake: FakeTelegramAPI, proc: BotProcess) -> None:
    watcher = CallWatcher(fake)
    sampler = RssSampler(proc.pid)
    background = [asyncio.ensure_future(watcher.run()), asyncio.ensure_future(sampler.run())]
    run.stderr_path = proc.stderr_path
    try:
        await guarded(
            proc,
            watcher,
            "the first getUpdates",
            watcher.until(lambda: watcher.first_poll_at is not None, STARTUP_TIMEOUT),
            stall=None,
        )
        assert watcher.first_poll_at is not None
        run.startup_seconds = watcher.first_poll_at - proc.spawned_at
        bot_cpu, fake_cpu = cpu_seconds(proc.pid), time.process_time()
        drain_timeout = 120.0 + run.updates / 10
        await guarded(proc, watcher, "all updates to be confirmed", fake.drained(drain_timeout))
        run.drained = True
        drained_at = time.perf_counter()
        try:
            await guarded(
                proc,
                watcher,
                f"{run.expected_replies} replies",
                watcher.until(lambda: watcher.replies >= run.expected_replies, drain_timeout),
            )
        except BotFailed as error:
            run.problems.append(str(error))
        if not await wait_quiet(watcher, QUIET_PERIOD, MAX_QUIET_WAIT):
            run.problems.append(f"Bot API calls did not stop within {MAX_QUIET_WAIT:.0f}s")
        watcher.absorb()
        assert watcher.first_poll_at is not None
        end = max(drained_at, watcher.last_activity_at or drained_at)
        run.seconds = end - watcher.first_poll_at
        run.peak_rss_hwm = vm_hwm(proc.pid)
        run.bot_cpu_seconds = cpu_seconds(proc.pid) - bot_cpu
        run.fake_cpu_seconds = time.process_time() - fake_cpu
        if proc.exited.done():
            raise BotFailed(f"the bot exited with code {proc.exited.result()} before SIGTERM")
        watcher.absorb()
        watcher.stopping = True
        run.exit_code = await proc.stop(STOP_TIMEOUT)
        if run.exit_code is None:
            run.problems.append(f"did not exit within {STOP_TIMEOUT:.0f}s of SIGTERM (killed)")
        elif run.exit_code != 0:
            run.problems.append(f"exited with code {run.exit_code} after SIGTERM")
    except BotFailed as error:
        run.problems.append(str(error))
    finally:
        if not proc.exited.done():
            await proc.kill()
        if run.exit_code is None and proc.exited.done():
            run.exit_code = proc.exited.result()
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        watcher.absorb()
    run.replies = watcher.replies
    run.calls_by_method = watcher.by_method
    run.api_errors = watcher.errors
    run.peak_rss_sampled = sampler.peak
    run.rss_samples = sampler.samples
    if run.replies < run.expected_replies and not any("replies" in p for p in run.problems):
        run.problems.append(f"{run.replies} replies, expected at least {run.expected_replies}")
    if watcher.errors:
        total = sum(watcher.errors.values())
        run.problems.append(f"the Bot API answered {total} calls with an error")
    run.stderr_error_lines, run.stderr_exceptions, run.stderr_excerpt = scan_stderr(
        proc.stderr_path
    )
    if run.stderr_error_lines:
        run.problems.append(f"{run.stderr_error_lines} ERROR/Traceback lines in its stderr")


# ------------------------------------------------------------------------------------ both bots


async def run_benchmark(
    *,
    updates: int = 20_000,
    users: int = 1_000,
    concurrency: int = 100,
    seed: int = 20240611,
    workdir: Path | None = None,
    keep: bool = False,
) -> BenchmarkResult:
    """Measure the bare echo bot, then peerbot, on the same update stream.

    Files (databases, the bots' stdout/stderr) go to ``workdir``, or to a temporary directory
    that is removed afterwards unless ``keep``.
    """
    own_dir = workdir is None
    directory = Path(tempfile.mkdtemp(prefix="peerbot-bench-")) if own_dir else Path(workdir)
    directory.mkdir(parents=True, exist_ok=True)
    common = {
        "updates": updates,
        "users": users,
        "concurrency": concurrency,
        "seed": seed,
        "workdir": directory,
    }
    try:
        bare, _ = await measure_bot(
            "bare",
            echo_command(),
            expect=lambda w: w.private_messages + w.group_messages,
            **common,
        )
        peerbot, workload = await measure_bot(
            "peerbot",
            peerbot_command(),
            # every private message is answered at least once, plus the group welcome
            expect=lambda w: w.private_messages + 1,
            **common,
        )
    finally:
        if own_dir and not keep:
            shutil.rmtree(directory, ignore_errors=True)
    return BenchmarkResult(
        peerbot=peerbot,
        bare=bare,
        updates=updates,
        users=users,
        concurrency=concurrency,
        workload=workload.kinds if workload else Counter(),
        workdir=directory if (keep or not own_dir) else None,
    )


# ------------------------------------------------------------------------------------ report


def format_report(result: BenchmarkResult) -> str:
    mix = ", ".join(f"{kind} {count}" for kind, count in result.workload.most_common())
    lines = [
        f"peerbot throughput benchmark: {result.updates} updates from {result.users} users, "
        f"TASKS_CONCURRENCY_LIMIT={result.concurrency}, SQLite, fake Bot API without rate limits",
        f"mix: {mix}",
        "",
        f"{'bot':<10} {'updates':>8} {'seconds':>9} {'updates/s':>10} {'peak RSS MiB':>13} "
        f"{'replies':>8}",
    ]
    for run in (result.peerbot, result.bare):
        lines.append(
            f"{run.name:<10} {run.updates:>8} {run.seconds:>9.2f} {run.updates_per_s:>10.1f} "
            f"{run.peak_rss_mib:>13.1f} {run.replies:>8}"
        )
    lines.append("")
    ratio = result.throughput_ratio
    verdict = "PASS" if result.throughput_pass else "FAIL"
    shown = f"{ratio:.1%}" if ratio is not None else "n/a"
    lines.append(
        f"throughput peerbot/bare: {shown:>7}  (target >= {THROUGHPUT_TARGET:.0%})  {verdict}"
    )
    ratio = result.rss_ratio
    verdict = "PASS" if result.rss_pass else "FAIL"
    shown = f"{ratio:.2f}x" if ratio is not None else "n/a"
    lines.append(f"peak RSS peerbot/bare:   {shown:>7}  (target <= {RSS_TARGET:.1f}x)  {verdict}")
    lines.append("")
    for run in (result.peerbot, result.bare):
        hwm = f"{run.peak_rss_hwm / MIB:.1f}" if run.peak_rss_hwm else "n/a"
        methods = ", ".join(
            f"{m} {n}" for m, n in sorted(run.calls_by_method.items()) if m != "getUpdates"
        )
        lines.append(
            f"{run.name}: {' '.join(run.command)}; startup {run.startup_seconds:.1f}s; "
            f"exit {run.exit_code}; CPU in the window: bot {run.bot_cpu_seconds:.1f}s "
            f"({run.bot_cpu_seconds / run.seconds if run.seconds else 0:.0%}), "
            f"fake API {run.fake_cpu_seconds:.1f}s; RSS sampled "
            f"{run.peak_rss_sampled / MIB:.1f} MiB ({run.rss_samples} samples), VmHWM {hwm} MiB; "
            f"getUpdates {run.calls_by_method.get('getUpdates', 0)}; {methods}"
        )
        for error, count in run.api_errors.most_common(5):
            lines.append(f"  Bot API error x{count}: {error}")
        if run.stderr_error_lines:
            where = run.stderr_path if result.workdir else f"{run.name}.stderr.log (see --keep)"
            lines.append(f"  {run.stderr_error_lines} ERROR/Traceback lines in {where}")
            for exception, count in run.stderr_exceptions.most_common(5):
                lines.append(f"  exception x{count}: {exception}")
            if run.stderr_excerpt:
                lines.append("  first traceback (tail):")
                lines.extend(f"  | {line}" for line in run.stderr_excerpt)
    if result.workdir is not None:
        lines.append(f"files kept in {result.workdir}")
    problems = result.problems
    lines.append("")
    lines.append("problems: " + ("none" if not problems else ""))
    lines.extend(f"  - {problem}" for problem in problems)
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.throughput",
        description="Updates/s and peak RSS of peerbot beside a bare aiogram echo bot.",
    )
    parser.add_argument("--updates", type=int, default=20_000, help="updates per bot (20000)")
    parser.add_argument("--users", type=int, default=1_000, help="distinct users (1000)")
    parser.add_argument(
        "--concurrency", type=int, default=100, help="TASKS_CONCURRENCY_LIMIT for both bots (100)"
    )
    parser.add_argument("--seed", type=int, default=20240611, help="workload random seed")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (DBs, bot logs)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.updates < 2 or args.users < 1 or args.concurrency < 1:
        print("--updates must be >= 2, --users and --concurrency >= 1", file=sys.stderr)
        return 2
    started = time.perf_counter()
    result = asyncio.run(
        run_benchmark(
            updates=args.updates,
            users=args.users,
            concurrency=args.concurrency,
            seed=args.seed,
            keep=args.keep,
        )
    )
    print(format_report(result))
    print(f"(benchmark wall time {time.perf_counter() - started:.0f}s)")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
