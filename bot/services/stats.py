"""A community's figures for its moderators (/stats) and its rows for MEL reporting (/export).

A period ends now (the clock) and reaches back 7 days (week), 30 days (month) or to the start
(all). Questions are counted by the week they were asked in (weeks start on Monday, in the
community's time zone); "answered" is those of them that got an answer since, so the answer
rate of a week never exceeds 100%. The counting is the database's (storage.repos.stats)."""

import asyncio
import csv
import io
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.schedules import zone
from storage.db import transaction
from storage.repos.exports import TABLES, ExportsRepo
from storage.repos.stats import SLOT_SECONDS, StatsRepo

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
    local = moment.astimezone(zone(timezone)).date()
    return local - timedelta(days=local.weekday())


def weeks_from_slots(
    slots: list[tuple[int, int, int]], timezone: str, first: datetime | None, last: datetime
) -> list[Week]:
    """Every week from `first`'s (or the first question's) to `last`'s, empty ones too."""
    asked: Counter[date] = Counter()
    answered: Counter[date] = Counter()
    for slot, n_asked, n_answered in slots:
        week = week_of(EPOCH + timedelta(seconds=slot * SLOT_SECONDS), timezone)
        asked[week] += n_asked
        answered[week] += n_answered
    if first is None and not asked:
        return []
    start = week_of(first, timezone) if first is not None else min(asked)
    end = week_of(last, timezone)
    count = (end - start).days // 7 + 1
    days = [start + timedelta(weeks=i) for i in range(count)]
    return [Week(day, asked[day], answered[day]) for day in days]


class StatsService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session, self.clock = session, clock

    async def report(self, community_id: int, period: str) -> StatsReport:
        if period not in PERIODS:
            raise UnknownPeriod(period)
        until = self.clock.now()
        length = PERIODS[period]
        since = until - length if length is not None else None
        lower = since or EPOCH
        async with transaction(self.session, write=False):
            repo = StatsRepo(self.session)
            community = await repo.community(community_id)
            if community is None:
                raise UnknownCommunity(community_id)
            c, tz = community.id, community.timezone
            slots = await repo.question_slots(c, lower, until)
            asked = sum(s[1] for s in slots)
            answered = sum(s[2] for s in slots)
            wait = await repo.median_wait(c, lower, until, answered)
            active, both = await repo.members(c, lower, until)
            answers, helpers = await repo.helpers(c, lower, until, TOP_HELPERS)
            offset = int((until.astimezone(zone(tz)).utcoffset() or timedelta()).total_seconds())
            net = await repo.network(c, lower, until, offset)
            posts, replies = await repo.prompts(c, lower, until)
            meetups, rsvps, marked, attended = await repo.meetups(c, lower)
            title = community.title
        return StatsReport(
            community_id=c,
            title=title,
            timezone=tz,
            period=period,
            since=since,
            until=until,
            asked=asked,
            answered=answered,
            median_first_answer=timedelta(seconds=round(wait)) if wait is not None else None,
            active_members=active,
            answers=answers,
            top_helpers=[
                Helper(
                    h.member_id,
                    " ".join(filter(None, [h.first_name, h.last_name])),
                    h.answers,
                    h.accepted,
                )
                for h in helpers
            ],
            network=Network(net.pairs, net.contacts, net.sustained, net.reciprocal, both),
            prompt_posts=posts,
            prompt_replies=replies,
            meetups=Meetups(
                meetups,
                rsvps.get("going", 0),
                rsvps.get("maybe", 0),
                rsvps.get("cant", 0),
                attended if marked else None,
            ),
            weeks=weeks_from_slots(slots, tz, since, until),
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
