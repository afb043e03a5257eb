"""Meetups: a call the community meets in, with RSVPs, the join link sent privately to those
who answer Going or Maybe, reminders a day and an hour before, and notices when it is moved or
cancelled. Every message is queued in the outbox in the transaction of its cause; the text is
written by the caller's `Write` (the service knows no language).

Reminders are claimed with a conditional update of the meetup (`reminded_*_at` still empty),
in the transaction that queues them: a restart or a second instance never reminds twice. So is
a recurring meetup's next occurrence (`recurred_at`), created once its predecessor starts."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.schedules import next_occurrence, parse_local_datetime
from bot.services.outbox import OutboxService
from storage.db import transaction
from storage.models import Community, Meetup, MeetupRsvp, Member
from storage.repos.faq import FaqRepo
from storage.repos.meetups import MeetupsRepo

ANSWERS = ("going", "maybe", "cant")
LINKED = ("going", "maybe")  # answers that get the join link and the reminders
RECURRENCES = ("weekly", "monthly")
MAX_TITLE, MAX_DESCRIPTION = 200, 2000
MIN_MINUTES, MAX_MINUTES = 5, 12 * 60
HOUR_BEFORE = timedelta(hours=1)
REMINDERS = (("day", timedelta(hours=24)), ("hour", HOUR_BEFORE))
# Hosts whose https links a moderator may give (Zoom, Google Meet, Jitsi).
_HOSTS = ("zoom.us", "zoom.com", "meet.google.com", "meet.jit.si", "8x8.vc")
INVITE_KIND = "meetup_invite"  # the group's invitation: its message id is kept (posted())


def settle_reminders(meetup: Meetup, now: datetime) -> None:
    """A reminder whose time has already come when the members are told of the meetup (it
    was created, moved or recurred less than a day or an hour before it starts) is not sent:
    the invitation or the notice just said when it is. The hour's makes the day's needless."""
    for name, before in REMINDERS:
        if meetup.starts_at - before <= now:
            setattr(meetup, f"reminded_{name}_at", now)


class MeetupError(Exception):
    """Bad input or a meetup that cannot take it; nothing was changed."""


class BadTitle(MeetupError):
    pass


class BadDuration(MeetupError):
    pass


class BadLink(MeetupError):
    pass


class BadRecurrence(MeetupError):
    pass


class UnknownMeetup(MeetupError):
    pass


class MeetupClosed(MeetupError):
    """Cancelled or over: answers and changes are no longer taken."""


@dataclass(frozen=True, slots=True)
class Notice:
    """What a member (or, with `member` None, the group) is told about a meetup."""

    kind: str  # invitation, calendar, link, moved, cancelled, reminder_day, reminder_hour
    meetup: Meetup
    community: Community
    member: Member | None
    answer: str | None = None  # the member's answer, for moved and cancelled
    # In the group's reminder: members going or maybe whom the bot cannot message privately.
    unreachable: tuple[Member, ...] = ()


@dataclass(frozen=True, slots=True)
class Letter:
    """A notice with more than text: a file (the text its caption) or buttons."""

    text: str
    document: tuple[str, str] | None = None  # (file name, content)
    reply_markup: dict[str, Any] | None = None


Write = Callable[[Notice], "str | Letter"]


@dataclass(frozen=True, slots=True)
class Rsvp:
    counts: "Counts"
    # The join link: "queued" for them now, "unreachable" (they never started the bot: it
    # waits until they answer again after starting it), None (not wanted, or sent before).
    link: str | None


@dataclass(frozen=True, slots=True)
class Counts:
    going: int = 0
    maybe: int = 0
    cant: int = 0


def checked_link(text: str) -> str:
    """An https link to a Zoom, Google Meet or Jitsi call (BadLink otherwise)."""
    link = text.strip()
    parts = urlsplit(link)
    host = (parts.hostname or "").lower()
    known = any(host == h or host.endswith(f".{h}") for h in _HOSTS) or "jitsi" in host
    if parts.scheme != "https" or not known or any(c.isspace() for c in link) or len(link) > 500:
        raise BadLink()
    return link


def ends(meetup: Meetup) -> datetime:
    return meetup.starts_at + timedelta(minutes=meetup.duration_minutes)


async def found_meetup(repo: MeetupsRepo, meetup_id: int) -> Meetup:
    """The meetup, or UnknownMeetup."""
    meetup = await repo.meetup(meetup_id)
    if meetup is None:
        raise UnknownMeetup()
    return meetup


async def found_community(repo: MeetupsRepo, community_id: int) -> Community:
    """The meetup's community, or UnknownMeetup."""
    community = await repo.community(community_id)
    if community is None:
        raise UnknownMeetup()
    return community


class MeetupsService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session, self.clock = session, clock
        self.repo = MeetupsRepo(session)
        self.outbox = OutboxService(session, clock)

    async def create(
        self,
        community_id: int,
        actor_id: int | None,
        *,
        title: str,
        when: str,
        minutes: int,
        link: str,
        description: str = "",
        public_link: bool = False,
        recurrence: str | None = None,
        thread_id: int | None = None,
        write: Write | None = None,
    ) -> Meetup:
        """Raises BadTitle, BadDateTime (bot.schedules), BadDuration, BadLink, BadRecurrence.
        With `write`, the invitation and its calendar file are queued for the group with it."""
        title = " ".join(title.split())
        if not title or len(title) > MAX_TITLE:
            raise BadTitle()
        if not MIN_MINUTES <= minutes <= MAX_MINUTES:
            raise BadDuration()
        if recurrence is not None and recurrence not in RECURRENCES:
            raise BadRecurrence()
        link = checked_link(link)
        now = self.clock.now()
        async with transaction(self.session, write=True):
            community = await self._community(community_id)
            starts_at = parse_local_datetime(when, community.timezone, now)
            meetup = Meetup(
                community_id=community_id,
                title=title,
                description=description.strip()[:MAX_DESCRIPTION],
                starts_at=starts_at,
                duration_minutes=minutes,
                join_url=link,
                public_link=public_link,
                recurrence=recurrence,
                status="scheduled",
                sequence=0,
                created_by_id=actor_id,
                thread_id=thread_id,
                series_starts_at=starts_at if recurrence else None,
                created_at=now,
                updated_at=now,
            )
            settle_reminders(meetup, now)
            await self.repo.add(meetup)
            await self._audit(meetup, actor_id, "meetup_add", {"starts_at": starts_at.isoformat()})
            if write is not None:
                await self._invite(meetup, community, write)
            return meetup

    async def rsvp(
        self,
        meetup_id: int,
        member_id: int,
        answer: str,
        write: Write,
        *,
        community_id: int | None = None,
    ) -> Rsvp:
        """The member's answer (the last counts); the first Going or Maybe queues the join
        link to them privately. `community_id`: where the button was pressed (a meetup of
        another community is unknown there). Raises UnknownMeetup, MeetupClosed."""
        if answer not in ANSWERS:
            raise MeetupError()
        now = self.clock.now()
        async with transaction(self.session, write=True):
            meetup = await self._meetup(meetup_id)
            if community_id is not None and meetup.community_id != community_id:
                raise UnknownMeetup()
            if meetup.status != "scheduled" or self._ends(meetup) <= now:
                raise MeetupClosed()
            rsvp = await self.repo.rsvp(meetup_id, member_id)
            if rsvp is None:
                rsvp = MeetupRsvp(
                    meetup_id=meetup_id,
                    member_id=member_id,
                    answer=answer,
                    link_sent=False,
                    created_at=now,
                    updated_at=now,
                )
                await self.repo.add_rsvp(rsvp)
            rsvp.answer, rsvp.updated_at = answer, now
            link = None
            if answer in LINKED and not rsvp.link_sent:
                member = await self.repo.member(member_id)
                community = await self._community(meetup.community_id)
                link = "unreachable"
                if member is not None and member.dm_available:
                    notice = Notice("link", meetup, community, member)
                    await self._tell(notice, write, "meetup_link", f"{meetup.id}:link")
                    rsvp.link_sent, link = True, "queued"
            await self.session.flush()
            return Rsvp(await self._counts(meetup_id), link)

    async def counts(self, meetup_id: int) -> Counts:
        async with transaction(self.session, write=False):
            return await self._counts(meetup_id)

    async def upcoming(self, community_id: int, limit: int = 10) -> list[Meetup]:
        """Scheduled meetups of the community not over yet, soonest first."""
        now = self.clock.now()
        async with transaction(self.session, write=False):
            since = now - timedelta(minutes=MAX_MINUTES)
            rows = await self.repo.scheduled_from(community_id, since)
            return [m for m in rows if self._ends(m) > now][:limit]

    async def cancel(
        self, community_id: int, meetup_id: int, actor_id: int | None, write: Write
    ) -> Meetup:
        """Everyone who answered is told. Raises UnknownMeetup, MeetupClosed."""
        async with transaction(self.session, write=True):
            meetup = await self._open(community_id, meetup_id)
            meetup.status, meetup.sequence = "cancelled", meetup.sequence + 1
            meetup.updated_at = self.clock.now()
            await self._tell_answered(meetup, "cancelled", write)
            await self._tell_group(meetup, "cancelled", write)
            await self._audit(meetup, actor_id, "meetup_cancel", {})
            return meetup

    async def move(
        self, community_id: int, meetup_id: int, actor_id: int | None, when: str, write: Write
    ) -> Meetup:
        """A new start (in the community's timezone); everyone who answered is told and the
        reminders start over. Raises UnknownMeetup, MeetupClosed, BadDateTime."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            meetup = await self._open(community_id, meetup_id)
            community = await self._community(community_id)
            before = meetup.starts_at
            meetup.starts_at = parse_local_datetime(when, community.timezone, now)
            meetup.sequence += 1
            meetup.reminded_day_at = meetup.reminded_hour_at = None
            settle_reminders(meetup, now)
            meetup.updated_at = now
            await self._tell_answered(meetup, "moved", write)
            await self._tell_group(meetup, "moved", write)
            details = {"from": before.isoformat(), "to": meetup.starts_at.isoformat()}
            await self._audit(meetup, actor_id, "meetup_move", details)
            return meetup

    async def remind(self, write: Write) -> int:
        """Queue the reminders that are due (a day and an hour before): privately to members
        who answered Going or Maybe and can be messaged, in the group for everyone (so those
        who cannot be messaged see it too). Returns reminders claimed."""
        now = self.clock.now()
        claimed = 0
        for name, before in REMINDERS:
            async with transaction(self.session, write=False):
                due = await self.repo.due_reminders(name, now, before)
            for meetup_id in due:
                async with transaction(self.session, write=True):
                    if not await self.repo.claim_reminder(meetup_id, name, now):
                        continue  # another instance has it
                    meetup = await self._meetup(meetup_id)
                    await self.session.refresh(meetup)
                    if name == "day" and meetup.starts_at - HOUR_BEFORE <= now:
                        continue  # late (the bot was down): the hour's reminder goes instead
                    await self._remind(meetup, f"reminder_{name}", write)
                    claimed += 1
        return claimed

    async def _remind(self, meetup: Meetup, kind: str, write: Write) -> None:
        community = await self._community(meetup.community_id)
        tag = f"{meetup.id}:{meetup.sequence}:{kind}"
        unreachable = []
        for member in await self.repo.answered(meetup.id, LINKED):
            if member.dm_available:
                notice = Notice(kind, meetup, community, member)
                await self._tell(notice, write, "meetup_reminder", tag)
            else:
                unreachable.append(member)
        group = Notice(kind, meetup, community, None, unreachable=tuple(unreachable))
        await self._tell(group, write, "meetup_reminder", tag)

    async def _tell_answered(self, meetup: Meetup, kind: str, write: Write) -> None:
        community = await self._community(meetup.community_id)
        tag = f"{meetup.id}:{meetup.sequence}:{kind}"
        for member, answer in await self.repo.answers(meetup.id):
            notice = Notice(kind, meetup, community, member, answer=answer)
            await self._tell(notice, write, "meetup_notice", tag)

    async def _tell_group(self, meetup: Meetup, kind: str, write: Write) -> None:
        community = await self._community(meetup.community_id)
        tag = f"{meetup.id}:{meetup.sequence}:{kind}"
        await self._tell(Notice(kind, meetup, community, None), write, "meetup_notice", tag)

    async def _invite(self, meetup: Meetup, community: Community, write: Write) -> None:
        """The group's invitation (its message id is kept once sent), then its calendar file."""
        for kind in ("invitation", "calendar"):
            notice = Notice(kind, meetup, community, None)
            outbox_kind = INVITE_KIND if kind == "invitation" else "meetup_calendar"
            await self._tell(notice, write, outbox_kind, f"{meetup.id}:{kind}")

    async def _tell(self, notice: Notice, write: Write, kind: str, tag: str) -> None:
        """Queue `notice` to its member privately, or (no member) in the group; once per
        `tag` and recipient."""
        member, community = notice.member, notice.community
        written = write(notice)
        letter = written if isinstance(written, Letter) else Letter(written)
        await self.outbox.queue(
            member.user_id if member else community.chat_id,
            letter.text,
            reply_markup=letter.reply_markup,
            document=letter.document,
            dedupe_key=f"meetup:{tag}:{member.id if member else 'group'}",
            kind=kind,
            ref_id=notice.meetup.id,
            thread_id=None if member else community.meetup_thread_id or notice.meetup.thread_id,
        )

    async def _counts(self, meetup_id: int) -> Counts:
        return Counts(**await self.repo.counts(meetup_id))

    async def _open(self, community_id: int, meetup_id: int) -> Meetup:
        meetup = await self._meetup(meetup_id)
        if meetup.community_id != community_id:
            raise UnknownMeetup()
        if meetup.status != "scheduled" or self._ends(meetup) <= self.clock.now():
            raise MeetupClosed()
        return meetup

    async def _meetup(self, meetup_id: int) -> Meetup:
        return await found_meetup(self.repo, meetup_id)

    async def _community(self, community_id: int) -> Community:
        return await found_community(self.repo, community_id)

    _ends = staticmethod(ends)

    async def _audit(
        self, meetup: Meetup, actor_id: int | None, action: str, details: dict[str, object]
    ) -> None:
        await FaqRepo(self.session).audit(
            meetup.community_id, actor_id, action, "meetup", meetup.id, details, self.clock.now()
        )

    # ------------------------------------------------------------ for the user-facing side

    async def meetup(self, community_id: int, meetup_id: int) -> Meetup:
        """A meetup of the community (any status). Raises UnknownMeetup."""
        async with transaction(self.session, write=False):
            meetup = await self._meetup(meetup_id)
            if meetup.community_id != community_id:
                raise UnknownMeetup()
            return meetup

    async def answer_of(self, meetup_id: int, member_id: int) -> str | None:
        async with transaction(self.session, write=False):
            rsvp = await self.repo.rsvp(meetup_id, member_id)
            return rsvp.answer if rsvp is not None else None

    async def posted(self, meetup_id: int, message_id: int) -> None:
        """The group's invitation went out as `message_id`: its counts are edited there. Called
        in the delivery's transaction."""
        meetup = await self.repo.meetup(meetup_id)
        if meetup is not None:
            meetup.group_message_id = message_id

    async def recur(self, write: Write) -> int:
        """Recurring meetups that have started get their next occurrence, once (claimed by a
        conditional update, in the transaction that creates it and queues its invitation).
        A cancelled meetup ends its series. Returns occurrences created."""
        now = self.clock.now()
        async with transaction(self.session, write=False):
            due = await self.repo.due_recurrences(now)
        created = 0
        for meetup_id in due:
            async with transaction(self.session, write=True):
                if not await self.repo.claim_recurrence(meetup_id, now):
                    continue  # another instance has it
                meetup = await self._meetup(meetup_id)
                await self.session.refresh(meetup)
                community = await self._community(meetup.community_id)
                nxt = self._next_of(meetup, community.timezone, now)
                settle_reminders(nxt, now)
                await self.repo.add(nxt)
                await self._audit(nxt, None, "meetup_add", {"starts_at": nxt.starts_at.isoformat()})
                await self._invite(nxt, community, write)
                created += 1
        return created

    def _next_of(self, meetup: Meetup, timezone: str, now: datetime) -> Meetup:
        anchor = meetup.series_starts_at or meetup.starts_at
        starts_at = next_occurrence(anchor, max(meetup.starts_at, now), timezone, meetup.recurrence)
        return Meetup(
            community_id=meetup.community_id,
            title=meetup.title,
            description=meetup.description,
            starts_at=starts_at,
            duration_minutes=meetup.duration_minutes,
            join_url=meetup.join_url,
            public_link=meetup.public_link,
            recurrence=meetup.recurrence,
            status="scheduled",
            sequence=0,
            created_by_id=meetup.created_by_id,
            thread_id=meetup.thread_id,
            series_starts_at=anchor,
            created_at=now,
            updated_at=now,
        )
