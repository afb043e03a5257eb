"""Meetups and members' answers to them."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Community, Meetup, MeetupRsvp, Member, OutboxMessage


class MeetupsRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, meetup: Meetup) -> Meetup:
        self.session.add(meetup)
        await self.session.flush()
        return meetup

    async def meetup(self, meetup_id: int) -> Meetup | None:
        return await self.session.get(Meetup, meetup_id)

    async def community(self, community_id: int) -> Community | None:
        return await self.session.get(Community, community_id)

    async def member(self, member_id: int) -> Member | None:
        return await self.session.get(Member, member_id)

    async def rsvp(self, meetup_id: int, member_id: int) -> MeetupRsvp | None:
        return await self.session.scalar(
            select(MeetupRsvp).where(
                MeetupRsvp.meetup_id == meetup_id, MeetupRsvp.member_id == member_id
            )
        )

    async def add_rsvp(self, rsvp: MeetupRsvp) -> None:
        self.session.add(rsvp)
        await self.session.flush()

    async def counts(self, meetup_id: int) -> dict[str, int]:
        rows = await self.session.execute(
            select(MeetupRsvp.answer, func.count())
            .where(MeetupRsvp.meetup_id == meetup_id)
            .group_by(MeetupRsvp.answer)
        )
        return {answer: count for answer, count in rows}

    async def answered(self, meetup_id: int, answers: Sequence[str]) -> list[Member]:
        """Members whose answer is one of `answers`, oldest member first."""
        rows = await self.session.scalars(
            select(Member)
            .join(MeetupRsvp, MeetupRsvp.member_id == Member.id)
            .where(MeetupRsvp.meetup_id == meetup_id, MeetupRsvp.answer.in_(answers))
            .order_by(Member.id)
        )
        return list(rows)

    async def scheduled_from(self, community_id: int, since: datetime) -> list[Meetup]:
        """Scheduled meetups of the community starting after `since`, soonest first."""
        rows = await self.session.scalars(
            select(Meetup)
            .where(
                Meetup.community_id == community_id,
                Meetup.status == "scheduled",
                Meetup.starts_at > since,
            )
            .order_by(Meetup.starts_at, Meetup.id)
        )
        return list(rows)

    async def due_reminders(self, name: str, now: datetime, before: timedelta) -> list[int]:
        """Scheduled meetups starting within `before` of `now` whose reminder `name` (day,
        hour) is not claimed yet."""
        claimed = getattr(Meetup, f"reminded_{name}_at")
        rows = await self.session.scalars(
            select(Meetup.id).where(
                Meetup.status == "scheduled",
                Meetup.starts_at > now,
                Meetup.starts_at <= now + before,
                claimed.is_(None),
            )
        )
        return list(rows)

    async def claim_reminder(self, meetup_id: int, name: str, now: datetime) -> bool:
        """Claim the reminder `name` of the meetup; False when another claimed it first."""
        claimed = getattr(Meetup, f"reminded_{name}_at")
        result = await self.session.execute(
            update(Meetup)
            .where(Meetup.id == meetup_id, claimed.is_(None))
            .values({claimed: now})
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def answers(self, meetup_id: int) -> list[tuple[Member, str]]:
        """Everyone who answered, with their answer, oldest member first."""
        rows = await self.session.execute(
            select(Member, MeetupRsvp.answer)
            .join(MeetupRsvp, MeetupRsvp.member_id == Member.id)
            .where(MeetupRsvp.meetup_id == meetup_id)
            .order_by(Member.id)
        )
        return [(member, answer) for member, answer in rows]

    async def due_recurrences(self, now: datetime) -> list[int]:
        """Recurring meetups, still scheduled, that have started and have no next one yet."""
        rows = await self.session.scalars(
            select(Meetup.id).where(
                Meetup.status == "scheduled",
                Meetup.recurrence.is_not(None),
                Meetup.starts_at <= now,
                Meetup.recurred_at.is_(None),
            )
        )
        return list(rows)

    async def claim_recurrence(self, meetup_id: int, now: datetime) -> bool:
        """Claim creating the meetup's next occurrence; False when another claimed it first."""
        result = await self.session.execute(
            update(Meetup)
            .where(Meetup.id == meetup_id, Meetup.recurred_at.is_(None))
            .values(recurred_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    # After the meetup: attendance and the recap (bot.services.attendance)

    async def ended_not_followed_up(self, now: datetime, since: datetime) -> list[int]:
        """Scheduled meetups that started after `since` and have ended by `now`, not followed
        up for this occurrence yet (a follow-up before `starts_at` was for an earlier one)."""
        rows = await self.session.execute(
            select(Meetup.id, Meetup.starts_at, Meetup.duration_minutes)
            .where(
                Meetup.status == "scheduled",
                Meetup.starts_at > since,
                Meetup.starts_at <= now,
                _not_done(Meetup.followed_up_at),
            )
            .order_by(Meetup.starts_at, Meetup.id)
        )
        # The end is the start plus a duration: compared here, alike on both databases.
        return [i for i, start, minutes in rows if start + timedelta(minutes=minutes) <= now]

    async def claim_follow_up(self, meetup_id: int, now: datetime) -> bool:
        """Claim the meetup's follow-up; False when another claimed it (or it was cancelled)."""
        return await self._claim(meetup_id, Meetup.followed_up_at, now)

    async def claim_recap(self, meetup_id: int, now: datetime) -> bool:
        """Claim the meetup's recap; False when it was posted already."""
        return await self._claim(meetup_id, Meetup.recap_at, now)

    async def _claim(self, meetup_id: int, column: Any, now: datetime) -> bool:
        result = await self.session.execute(
            update(Meetup)
            .where(Meetup.id == meetup_id, Meetup.status == "scheduled", _not_done(column))
            .values({column: now})
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def answers_with_members(
        self, meetup_id: int, answers: Sequence[str]
    ) -> list[tuple[MeetupRsvp, Member]]:
        """The answers among `answers` to the meetup, with who gave them, oldest member first."""
        rows = await self.session.execute(
            select(MeetupRsvp, Member)
            .join(Member, MeetupRsvp.member_id == Member.id)
            .where(MeetupRsvp.meetup_id == meetup_id, MeetupRsvp.answer.in_(answers))
            .order_by(Member.id)
        )
        return [(rsvp, member) for rsvp, member in rows]

    async def attendance(self, meetup_id: int) -> tuple[int, int, int]:
        """(asked, said yes, said no) of the meetup's "Did you attend?"."""
        asked = MeetupRsvp.attendance_asked_at.is_not(None)
        row = (
            await self.session.execute(
                select(
                    func.count(MeetupRsvp.id).filter(asked),
                    func.count(MeetupRsvp.id).filter(asked, MeetupRsvp.attended.is_(True)),
                    func.count(MeetupRsvp.id).filter(asked, MeetupRsvp.attended.is_(False)),
                ).where(MeetupRsvp.meetup_id == meetup_id)
            )
        ).one()
        return int(row[0]), int(row[1]), int(row[2])

    async def queued(self, dedupe_key: str) -> tuple[int, int | None] | None:
        """(chat, message id once sent) of the outbox message queued under `dedupe_key`."""
        row = (
            await self.session.execute(
                select(OutboxMessage.chat_id, OutboxMessage.message_id).where(
                    OutboxMessage.dedupe_key == dedupe_key
                )
            )
        ).one_or_none()
        return None if row is None else (row[0], row[1])


def _not_done(column: Any) -> Any:
    """Not done for the meetup's current occurrence: never, or before it started (a meetup
    whose start moves on to its next occurrence is followed up again)."""
    return or_(column.is_(None), column < Meetup.starts_at)
