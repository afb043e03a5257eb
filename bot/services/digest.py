"""The digest: what a community has to say for itself every week (by default Mondays 09:00 in
its timezone; moderators change or stop it): the open questions that need help, the FAQ entries
new since the last digest (the last 7 days for the first), the meetups of the next 14 days. A
slot with nothing of the three is claimed like any other, and nothing is posted.

Every community gets digests without anyone asking. Rather than written by each of the paths
that create a community (the bot added to a group, a first message from a group it missed,
data from before the digest), the default schedule row is written by the digest job for every
active community that has none, its first slot computed in the community's timezone; so the
due query and the claim stay one indexed column, as for prompts. Turning the digest off keeps
the row, disabled, so the choice sticks. Schedules are kept and slots claimed as every weekly
schedule's are (bot.services.slots)."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.schedules import Weekly, next_firing, parse_weekly
from bot.services.outbox import OutboxService
from bot.services.slots import ScheduleView, Slots, schedule_view
from storage.db import transaction
from storage.models import Community, DigestSchedule, PromptSchedule
from storage.repos.communities import CommunitiesRepo
from storage.repos.digest import DigestRepo
from storage.repos.meetups import MeetupsRepo
from storage.repos.schedules import SchedulesRepo

log = logging.getLogger(__name__)
KIND = "digest"
DEFAULT = Weekly(frozenset({0}), time(9, 0))  # Mondays 09:00
FIRST_PERIOD = timedelta(days=7)  # what the first digest looks back on
AHEAD = timedelta(days=14)  # meetups told of
LIMIT = 5  # of each kind; the rest are counted
ADOPT_BATCH = 500  # communities given the default schedule per job run


class UnknownCommunity(Exception):
    pass


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    question_id: int
    number: int
    text: str
    answers: int
    group_message_id: int | None


@dataclass(frozen=True, slots=True)
class NewEntry:
    entry_id: int
    question: str
    group_message_id: int | None  # where the question it answers was asked in the group


@dataclass(frozen=True, slots=True)
class UpcomingMeetup:
    meetup_id: int
    title: str
    starts_at: datetime
    group_message_id: int | None  # its announcement


@dataclass(frozen=True, slots=True)
class Digest:
    """One community's digest for the period (since, until]; each list holds at most LIMIT,
    `more_*` counts the rest."""

    title: str
    chat_id: int
    language: str
    timezone: str
    open_answering: bool  # anyone may answer through the Answer link
    since: datetime
    until: datetime
    questions: list[OpenQuestion]
    more_questions: int
    entries: list[NewEntry]
    more_entries: int
    meetups: list[UpcomingMeetup]
    more_meetups: int

    @property
    def empty(self) -> bool:
        return not (self.questions or self.entries or self.meetups)


class DigestService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session, self.clock = session, clock
        self.repo = DigestRepo(session)
        self.slots = Slots(session, clock, DigestSchedule, "digest")
        self.communities = CommunitiesRepo(session)

    async def schedule(self, community_id: int) -> ScheduleView:
        """The community's schedule; the default one where none is written yet."""
        async with transaction(self.session, write=False):
            community = await self._community(community_id)
            found = await self.slots.of_community(community_id)
            if found is None:
                following = next_firing(DEFAULT, community.timezone, self.clock.now())
                return ScheduleView(DEFAULT.text, community.timezone, None, True, following)
            return schedule_view(found, community)

    async def set_schedule(
        self, community_id: int, expression: str, thread_id: int | None
    ) -> ScheduleView:
        """Raises bot.schedules.BadSchedule (nothing changes) for a bad expression."""
        weekly = parse_weekly(expression)
        async with transaction(self.session, write=True):
            community = await self._community(community_id)
            return schedule_view(await self.slots.set(community, weekly, thread_id), community)

    async def disable(self, community_id: int) -> bool:
        """Stop the digest (the default one too). False when it was off already."""
        async with transaction(self.session, write=True):
            community = await self._community(community_id)
            if await self.slots.of_community(community_id) is None:
                await self.slots.set(community, DEFAULT, None, enabled=False)
                return True
            return await self.slots.disable(community_id)

    async def due(self) -> list[tuple[int, datetime]]:
        """(schedule id, slot) of every digest whose next firing has come, after giving the
        communities that have no schedule yet the default one."""
        async with transaction(self.session, write=False):
            missing = await self.repo.without_schedule(ADOPT_BATCH)
        if missing:  # read first: most runs have none, and need no write lock
            try:
                async with transaction(self.session, write=True):
                    for community in await self.repo.without_schedule(ADOPT_BATCH):
                        await self.slots.set(community, DEFAULT, None)
            except IntegrityError:  # another instance wrote them first: theirs stand
                pass
        async with transaction(self.session, write=False):
            return await self.slots.due()

    async def fire(
        self, schedule_id: int, slot: datetime, grace: timedelta, render: Callable[[Digest], str]
    ) -> bool:
        """Claim `slot` and queue the digest, in one transaction. False when another firing
        claimed it, the slot was missed by more than `grace` (skipped), or there was nothing
        to tell (the slot is claimed all the same)."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            claimed = await self.slots.claim(schedule_id, slot, grace)
            if claimed is None:
                return False
            schedule, community, slot = claimed
            assert isinstance(schedule, DigestSchedule)
            digest = await self._gather(community, schedule.last_sent_at, now)
            if digest.empty:
                log.info("community %s: nothing for the digest at %s", community.id, slot)
                return False
            await OutboxService(self.session, self.clock).queue(
                community.chat_id,
                render(digest),
                thread_id=community.prompt_thread_id
                or schedule.thread_id
                or await self._prompts_topic(community.id),
                dedupe_key=f"digest:{community.id}:{slot:%Y%m%dT%H%M}",
                kind=KIND,
                ref_id=schedule.id,
            )
            schedule.last_sent_at = now
            return True

    async def preview(self, community_id: int) -> Digest:
        """The digest as it would be posted now (the period the next one covers); posting a
        preview does not move that period."""
        async with transaction(self.session, write=False):
            community = await self._community(community_id)
            found = await self.slots.of_community(community_id)
            last = found.last_sent_at if isinstance(found, DigestSchedule) else None
            return await self._gather(community, last, self.clock.now())

    async def _gather(self, community: Community, last: datetime | None, now: datetime) -> Digest:
        since = last or now - FIRST_PERIOD
        questions, open_count = await self.repo.open_questions(community.id, LIMIT)
        entries, new_count = await self.repo.new_entries(community.id, since, now, LIMIT)
        upcoming = [
            m
            for m in await MeetupsRepo(self.session).scheduled_from(community.id, now)
            if m.starts_at <= now + AHEAD
        ]
        return Digest(
            title=community.title,
            chat_id=community.chat_id,
            language=community.language,
            timezone=community.timezone,
            open_answering=community.open_answering,
            since=since,
            until=now,
            questions=[OpenQuestion(*row) for row in questions],
            more_questions=open_count - len(questions),
            entries=[NewEntry(*row) for row in entries],
            more_entries=new_count - len(entries),
            meetups=[
                UpcomingMeetup(m.id, m.title, m.starts_at, m.group_message_id)
                for m in upcoming[:LIMIT]
            ],
            more_meetups=max(len(upcoming) - LIMIT, 0),
        )

    async def _prompts_topic(self, community_id: int) -> int | None:
        """The forum topic the community's prompts go to, if it chose one."""
        prompts = await SchedulesRepo(self.session, PromptSchedule).of_community(community_id)
        return prompts.thread_id if prompts is not None else None

    async def _community(self, community_id: int) -> Community:
        community = await self.communities.by_id(community_id)
        if community is None:
            raise UnknownCommunity()
        return community
