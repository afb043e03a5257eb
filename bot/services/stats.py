"""A community's figures for its moderators (/stats) and its rows for MEL reporting (/export).

A period ends now (the clock) and reaches back 7 days (week), 30 days (month) or to the start
(all). Questions are counted by the week they were asked in (weeks start on Monday, in the
community's time zone); "answered" is those of them that got an answer since, so the answer
rate of a week never exceeds 100%. The counting is the database's (storage.repos.stats)."""

import asyncio
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.schedules import zone
from storage.db import transaction
from storage.repos.exports import TABLES, ExportsRepo
from storage.repos.stats import StatsRepo

PERIODS = {"week": timedelta(days=7), "month": timedelta(days=30), "all": None}
TOP_HELPERS = 5
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class StatsError(Exception):
    """Nothing to report; nothing was changed."""


class UnknownPeriod(StatsError):
    pass


class UnknownCommunity(StatsError):
    pass


@dataclass(frozen=True, slots=True)
class Week:
    start: date  # the Monday it begins, in the community's time zone
    asked: int
    answered: int


@dataclass(frozen=True, slots=True)
class Helper:
    member_id: int
    name: str  # as Telegram shows it: first and last name (not escaped)
    answers: int
    accepted: int


@dataclass(frozen=True, slots=True)
class Network:
    pairs: int  # distinct helper -> asker pairs (B answered A's question, B is not A)
    contacts: int  # the same pairs without direction
    sustained: int  # contacts who interacted in two or more calendar months
    reciprocal: int  # contacts who helped each other both ways
    both_ways_members: int  # members who both asked and answered


@dataclass(frozen=True, slots=True)
class Meetups:
    count: int  # meetups starting from the period's start (upcoming ones too), not cancelled
    going: int
    maybe: int
    cant: int
    attended: int | None  # None: nobody's attendance is recorded


@dataclass(frozen=True, slots=True)
class Weekly:
    community_id: int
    title: str
    timezone: str
    period: str
    since: datetime | None  # None: all time
    until: datetime
    start: datetime  # since, or (all time) the first question
    weeks: list[Week]

    @property
    def asked(self) -> int:
        return sum(w.asked for w in self.weeks)

    @property
    def answered(self) -> int:
        return sum(w.answered for w in self.weeks)


@dataclass(frozen=True, slots=True)
class StatsReport:
    community_id: int
    title: str
    timezone: str
    period: str
    since: datetime | None
    until: datetime
    asked: int
    answered: int
    median_first_answer: timedelta | None
    active_members: int
    answers: int
    top_helpers: list[Helper]
    network: Network
    prompt_posts: int
    prompt_replies: int
    meetups: Meetups
    weeks: list[Week]

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None


def week_of(moment: datetime, timezone: str) -> date:
    """The Monday of `moment`'s week, in `timezone`."""
    local = moment.astimezone(zone(timezone)).date()
    return local - timedelta(days=local.weekday())


def _midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone(timezone)).astimezone(UTC)


def week_edges(since: datetime, until: datetime, timezone: str) -> list[datetime]:
    """`since`, each local Monday 00:00 after it up to `until`, and just past `until`."""
    edges = [since]
    monday = week_of(since, timezone) + timedelta(weeks=1)
    while (edge := _midnight(monday, timezone)) <= until:
        edges.append(edge)
        monday += timedelta(weeks=1)
    return [*edges, until + timedelta(microseconds=1)]


def month_edges(since: datetime, until: datetime, timezone: str) -> list[datetime]:
    """Each local first of the month, 00:00, after `since` up to `until`."""
    local = since.astimezone(zone(timezone)).date()
    edges, year, month = [], local.year, local.month
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        edge = _midnight(date(year, month, 1), timezone)
        if edge > until:
            return edges
        edges.append(edge)


class StatsService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session, self.clock = session, clock

    async def weekly(self, community_id: int, period: str) -> Weekly:
        """The questions per week: the first part of a report, all the chart needs."""
        if period not in PERIODS:
            raise UnknownPeriod(period)
        until = self.clock.now()
        length = PERIODS[period]
        since = until - length if length is not None else None
        async with transaction(self.session, write=False):
            repo = StatsRepo(self.session)
            community = await repo.community(community_id)
            if community is None:
                raise UnknownCommunity(community_id)
            c, tz = community.id, community.timezone
            start = since or await repo.first_question(c) or until
            edges = week_edges(start, until, tz)
            counts = await repo.week_counts(c, edges)
        weeks = [Week(week_of(lo, tz), *n) for lo, n in zip(edges, counts, strict=False)]
        if since is None and not any(w.asked for w in weeks):
            weeks = []  # all time, and nothing asked yet
        return Weekly(c, community.title, tz, period, since, until, start, weeks)

    async def report(
        self, community_id: int, period: str, weekly: Weekly | None = None
    ) -> StatsReport:
        """Every figure; `weekly`: this report's first part, when already read."""
        if weekly is None:
            weekly = await self.weekly(community_id, period)
        c, start, until, since = weekly.community_id, weekly.start, weekly.until, weekly.since
        asked, answered = weekly.asked, weekly.answered
        async with transaction(self.session, write=False):
            repo = StatsRepo(self.session)
            wait = await repo.median_wait(c, start, until, answered)
            months = month_edges(start, until, weekly.timezone)
            people = await repo.members(c, start, until, months, TOP_HELPERS)
            net = people.network
            posts, replies = await repo.prompts(c, since or EPOCH, until)
            meetups, rsvps, marked, attended = await repo.meetups(c, since or EPOCH)
        return StatsReport(
            community_id=c,
            title=weekly.title,
            timezone=weekly.timezone,
            period=weekly.period,
            since=since,
            until=until,
            asked=asked,
            answered=answered,
            median_first_answer=timedelta(seconds=round(wait)) if wait is not None else None,
            active_members=people.active,
            answers=people.answers,
            top_helpers=[
                Helper(
                    h.member_id,
                    " ".join(filter(None, [h.first_name, h.last_name])),
                    h.answers,
                    h.accepted,
                )
                for h in people.helpers
            ],
            network=Network(
                net.pairs, net.contacts, net.sustained, net.reciprocal, people.both_ways
            ),
            prompt_posts=posts,
            prompt_replies=replies,
            meetups=Meetups(
                meetups,
                rsvps.get("going", 0),
                rsvps.get("maybe", 0),
                rsvps.get("cant", 0),
                attended if marked else None,
            ),
            weeks=weekly.weeks,
        )

    async def community_of_chat(self, chat_id: int) -> int:
        """The community of the group `chat_id` (for the command line, which names groups by
        their Telegram chat id, stable across databases)."""
        async with transaction(self.session, write=False):
            found = await StatsRepo(self.session).community_id_of_chat(chat_id)
        if found is None:
            raise UnknownCommunity(chat_id)
        return found

    async def export(self, community_id: int, out: IO[bytes]) -> dict[str, int]:
        """Write the community's zip of CSV files to `out`; rows written per file. Rows come a
        page at a time and are written in a worker thread (CSV and deflate are CPU work)."""
        written: dict[str, int] = {}
        async with transaction(self.session, write=False):
            repo = ExportsRepo(self.session)
            if await StatsRepo(self.session).community(community_id) is None:
                raise UnknownCommunity(community_id)
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for table in TABLES:
                    with archive.open(table.name, "w") as raw:
                        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                        writer = csv.writer(text, lineterminator="\n")
                        writer.writerow(table.header)
                        written[table.name] = 0
                        async for page in repo.pages(table, community_id):
                            await asyncio.to_thread(_write_rows, writer, page)
                            written[table.name] += len(page)
                        text.flush()
                        text.detach()
        return written


def _write_rows(writer: Any, rows: list[tuple[Any, ...]]) -> None:
    writer.writerows([[_cell(value) for value in row] for row in rows])


def _cell(value: Any) -> Any:
    """ISO 8601 UTC for instants, true/false, labels joined by "; ", empty for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value
