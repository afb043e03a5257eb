"""After a meetup: "Did you attend?" to those who said Going or Maybe, a recap offered to the
moderator who created it, and the recap posted in the group (and, if wanted, kept in the FAQ).

The follow-up is claimed with a conditional update of the meetup (`followed_up_at`) in the
transaction that queues its messages, so a restart or a second instance never asks twice; the
recap is claimed the same way (`recap_at`), so it is posted once. Texts are written by the
caller's `Write` (the service knows no language), like bot.services.meetups."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.faq import FaqService, checked_answer
from bot.services.meetups import (
    LINKED,
    MeetupError,
    UnknownMeetup,
    ends,
    found_community,
    found_meetup,
)
from bot.services.outbox import OutboxService
from storage.db import transaction
from storage.models import Community, Meetup, Member
from storage.repos.faq import FaqRepo
from storage.repos.meetups import MeetupsRepo
from storage.repos.questions import QuestionsRepo

ASK_KIND = "meetup_attendance"  # outbox kinds
OFFER_KIND = "meetup_recap_offer"  # for the group's moderators: expanded at delivery
RECAP_KIND = "meetup_recap"
# A meetup that started longer ago than this (the bot was down) is not followed up any more.
FOLLOW_UP_WITHIN = timedelta(days=2)


class NotOver(MeetupError):
    """The meetup has not ended yet."""


class NotAsked(MeetupError):
    """The presser was not asked whether they attended that meetup."""


class RecapPosted(MeetupError):
    """The recap was posted already: where, once Telegram took it."""

    def __init__(self, chat_id: int | None = None, message_id: int | None = None) -> None:
        super().__init__()
        self.chat_id, self.message_id = chat_id, message_id


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What is sent after a meetup: `ask` (Did you attend?) to a member, `offer` (post a
    recap) to a moderator, or with `member` None to the group's moderators in the group."""

    kind: str  # ask, offer
    meetup: Meetup
    community: Community
    member: Member | None


Write = Callable[[FollowUp], tuple[str, dict[str, Any] | None]]  # text and its buttons


@dataclass(frozen=True, slots=True)
class Attendance:
    asked: int = 0
    yes: int = 0
    no: int = 0

    @property
    def unanswered(self) -> int:
        return self.asked - self.yes - self.no


@dataclass(frozen=True, slots=True)
class MeetupRef:
    """A meetup as a handler shows it, with its community's title, timezone and language."""

    id: int
    community_id: int
    title: str
    starts_at: datetime
    timezone: str
    language: str
    community_title: str


@dataclass(frozen=True, slots=True)
class RecapPost:
    meetup: MeetupRef
    text: str


# The recap as the group reads it, and the FAQ question it is kept under.
WriteRecap = Callable[[RecapPost], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Recap:
    meetup: MeetupRef
    attendance: Attendance
    faq_entry_id: int | None = None


class AttendanceService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session, self.clock = session, clock
        self.repo = MeetupsRepo(session)
        self.outbox = OutboxService(session, clock)

    async def follow_up(self, write: Write) -> int:
        """Follow up the meetups that ended: each claimed once, whatever the instances.
        Returns meetups followed up."""
        now = self.clock.now()
        async with transaction(self.session, write=False):
            due = await self.repo.ended_not_followed_up(now, now - FOLLOW_UP_WITHIN)
        done = 0
        for meetup_id in due:
            async with transaction(self.session, write=True):
                if not await self.repo.claim_follow_up(meetup_id, now):
                    continue  # another instance has it, or it was cancelled meanwhile
                meetup = await self._meetup(meetup_id)
                await self.session.refresh(meetup)
                await self._follow_up(meetup, write)
                done += 1
        return done

    async def _follow_up(self, meetup: Meetup, write: Write) -> None:
        """Ask Going and Maybe who can be messaged; offer the recap to its creator, or (they
        cannot be messaged) to the group's moderators, found out at delivery."""
        community = await self._community(meetup.community_id)
        now, stamp = self.clock.now(), _stamp(meetup)
        for rsvp, member in await self.repo.answers_with_members(meetup.id, LINKED):
            if member.dm_available:
                rsvp.attendance_asked_at = now
                await self._queue(FollowUp("ask", meetup, community, member), write, stamp)
        creator = await self.repo.member(meetup.created_by_id) if meetup.created_by_id else None
        if creator is not None and creator.dm_available:
            await self._queue(FollowUp("offer", meetup, community, creator), write, stamp)
        else:
            await self.outbox.queue(
                community.chat_id,
                "",  # written at delivery, once it is known who reads it
                reply_to=meetup.group_message_id,
                thread_id=meetup.thread_id,
                dedupe_key=f"meetup:{meetup.id}:{stamp}:offer:group",
                kind=OFFER_KIND,
                ref_id=meetup.id,
            )

    async def _queue(self, follow_up: FollowUp, write: Write, stamp: int) -> None:
        assert follow_up.member is not None
        text, markup = write(follow_up)
        await self.outbox.queue(
            follow_up.member.user_id,
            text,
            reply_markup=markup,
            dedupe_key=f"meetup:{follow_up.meetup.id}:{stamp}:{follow_up.kind}:"
            f"{follow_up.member.id}",
            kind=ASK_KIND if follow_up.kind == "ask" else None,
            ref_id=follow_up.meetup.id,
        )

    async def expand_offer(
        self, meetup_id: int, admin_user_ids: list[int], write: Write
    ) -> dict[str, Any] | None:
        """Inside the sender's write transaction (bot.delivery's Expand): the recap offered
        privately to each of the group's administrators who can be messaged. None when they
        were told that way (or there is nothing to offer any more), else what to post in the
        group instead."""
        meetup = await self.repo.meetup(meetup_id)
        if meetup is None or meetup.status != "scheduled" or _done(meetup.recap_at, meetup):
            return None
        community = await self._community(meetup.community_id)
        moderators = await QuestionsRepo(self.session).reachable_by_user_id(admin_user_ids)
        for member in moderators:
            await self._queue(FollowUp("offer", meetup, community, member), write, _stamp(meetup))
        if moderators:
            return None
        text, markup = write(FollowUp("offer", meetup, community, None))
        return {"text": text, "reply_markup": markup}

    async def answer(self, meetup_id: int, member_id: int, attended: bool) -> MeetupRef:
        """The member's answer to "Did you attend?" (the last one counts). Raises
        UnknownMeetup, NotOver, NotAsked (they were not asked about that meetup)."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            meetup = await self._meetup(meetup_id)
            if ends(meetup) > now:
                raise NotOver()
            rsvp = await self.repo.rsvp(meetup_id, member_id)
            if rsvp is None or rsvp.attendance_asked_at is None:
                raise NotAsked()
            if rsvp.attended is not attended:
                rsvp.attended, rsvp.updated_at = attended, now
            return await self._ref(meetup)

    async def figures(self, meetup_id: int) -> Attendance:
        """Asked whether they attended, and what they said (for /stats too)."""
        async with transaction(self.session, write=False):
            return Attendance(*await self.repo.attendance(meetup_id))

    async def meetup(self, meetup_id: int) -> MeetupRef:
        """Raises UnknownMeetup."""
        async with transaction(self.session, write=False):
            return await self._ref(await self._meetup(meetup_id))

    async def recap_target(self, meetup_id: int) -> Recap:
        """The meetup a recap may be written for now. Raises UnknownMeetup (none, or
        cancelled), NotOver, RecapPosted."""
        async with transaction(self.session, write=False):
            meetup = await self._recappable(meetup_id)
            return Recap(
                await self._ref(meetup), Attendance(*await self.repo.attendance(meetup_id))
            )

    async def post_recap(
        self, meetup_id: int, actor_id: int | None, text: str, *, save: bool, write: WriteRecap
    ) -> Recap:
        """Queue the recap in the group (replying to the invitation, in the meetup's topic)
        and, with `save`, keep it in the FAQ, in one transaction; once per meetup. The caller
        checked the actor moderates the meetup's community. Raises FaqError (the text),
        UnknownMeetup, NotOver, RecapPosted."""
        text = checked_answer(text)
        async with transaction(self.session, write=True):
            meetup = await self._recappable(meetup_id)
            if not await self.repo.claim_recap(meetup_id, self.clock.now()):
                raise await self._posted(meetup)
            community = await self._community(meetup.community_id)
            post, question = write(RecapPost(await self._ref(meetup), text))
            await self.outbox.queue(
                community.chat_id,
                post,
                reply_to=meetup.group_message_id,
                thread_id=meetup.thread_id,
                dedupe_key=_recap_key(meetup),
                kind=RECAP_KIND,
                ref_id=meetup.id,
            )
            entry_id = None
            if save:
                faq = FaqService(self.session, self.clock)
                entry_id = (await faq.add_within(community.id, actor_id, question, text)).id
                meetup.recap_faq_entry_id = entry_id
            await FaqRepo(self.session).audit(
                community.id,
                actor_id,
                "meetup_recap",
                "meetup",
                meetup.id,
                {"faq_entry_id": entry_id},
                self.clock.now(),
            )
            figures = Attendance(*await self.repo.attendance(meetup_id))
            return Recap(await self._ref(meetup), figures, entry_id)

    async def _recappable(self, meetup_id: int) -> Meetup:
        meetup = await self._meetup(meetup_id)
        if meetup.status != "scheduled":
            raise UnknownMeetup()
        if ends(meetup) > self.clock.now():
            raise NotOver()
        if _done(meetup.recap_at, meetup):
            raise await self._posted(meetup)
        return meetup

    async def _posted(self, meetup: Meetup) -> RecapPosted:
        found = await self.repo.queued(_recap_key(meetup))
        return RecapPosted(*found) if found else RecapPosted()

    async def _ref(self, meetup: Meetup) -> MeetupRef:
        community = await self._community(meetup.community_id)
        return MeetupRef(
            meetup.id,
            community.id,
            meetup.title,
            meetup.starts_at,
            community.timezone,
            community.language,
            community.title,
        )

    async def _meetup(self, meetup_id: int) -> Meetup:
        return await found_meetup(self.repo, meetup_id)

    async def _community(self, community_id: int) -> Community:
        return await found_community(self.repo, community_id)


def _done(moment: datetime | None, meetup: Meetup) -> bool:
    """Done for the meetup's current occurrence (see MeetupsRepo.ended_not_followed_up)."""
    return moment is not None and moment >= meetup.starts_at


def _stamp(meetup: Meetup) -> int:
    """Which occurrence of the meetup: its start, in the dedupe keys of what it sends."""
    return int(meetup.starts_at.timestamp())


def _recap_key(meetup: Meetup) -> str:
    return f"meetup:{meetup.id}:{_stamp(meetup)}:recap:group"
