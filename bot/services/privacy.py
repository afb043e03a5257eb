"""A member's own data: all of it as one JSON document (/mydata), and its erasure (/forgetme)."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.questions import QuestionsService, Render
from storage.db import transaction
from storage.models import Member
from storage.repos.privacy import PrivacyRepo

__all__ = ["NothingStored", "PrivacyService", "StillSuspended"]


class NothingStored(Exception):
    """Nothing is stored about this Telegram user."""


class StillSuspended(Exception):
    """The member is suspended somewhere: erasing them now would lift it (a returning member
    is a new one), so they are asked to wait until it ends."""

    def __init__(self, until: datetime, timezone: str) -> None:
        super().__init__(until)
        self.until, self.timezone = until, timezone


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()  # always aware UTC (storage.models.UTCDateTime): "+00:00"
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class PrivacyService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.repo = PrivacyRepo(session)

    async def my_data(self, user_id: int) -> bytes:
        """Everything stored about the Telegram user `user_id`, across all their communities,
        as readable UTF-8 JSON."""
        async with transaction(self.session, write=False):
            member = await self.repo.member(user_id)
            if member is None:
                raise NothingStored
            mid = member.id
            data = {
                "exported_at": self.clock.now(),
                "profile": {
                    "telegram_user_id": member.user_id,
                    "first_name": member.first_name,
                    "last_name": member.last_name,
                    "username": member.username,
                    "telegram_language": member.telegram_language,
                    "language": member.language,
                    "spoken_languages": member.spoken_languages,
                    "bio": member.bio,
                    "timezone": member.timezone,
                    "quiet_from_minute": member.quiet_from,
                    "quiet_to_minute": member.quiet_to,
                    "can_be_messaged": member.dm_available,
                    "paused_questions": member.routing_opt_out,
                    "faq_consent": member.faq_consent,
                    "faq_consent_asked_at": member.faq_consent_asked_at,
                    "onboarded_at": member.onboarded_at,
                    "first_seen_at": member.created_at,
                },
                "memberships": await self.repo.memberships(mid),
                "expertise": await self.repo.expertise(mid),
                "questions_asked": await self.repo.questions(mid),
                "answers_given": await self.repo.answers(mid),
                "faq_entries_from_your_answers": await self.repo.faq_entries(mid),
                "votes_given": await self.repo.votes_given(mid),
                "invitations_received": await self.repo.requests(mid),
                "meetup_rsvps": await self.repo.rsvps(mid),
                "suspensions": await self.repo.suspensions(mid),
                "searches": await self.repo.searches(mid),
                "moderation_actions": await self.repo.actions(mid),
            }
        # Replies to discussion prompts are only counted per post, never stored per member.
        text = json.dumps(_plain(data), ensure_ascii=False, indent=2)
        return text.encode("utf-8")

    async def may_forget(self, member_id: int) -> None:
        """Raises StillSuspended while a moderator's suspension of the member runs."""
        async with transaction(self.session, write=False):
            await self._not_suspended(member_id)

    async def _not_suspended(self, member_id: int) -> None:
        suspension = await self.repo.running_suspension(member_id, self.clock.now())
        if suspension is not None:
            member = await self.session.get(Member, member_id)
            timezone = (member.timezone if member else None) or "UTC"
            raise StillSuspended(suspension.until, timezone)

    async def forget(self, member_id: int, render: Render | None = None) -> dict[str, int]:
        """Erase the member's personal data in one transaction; what was done, by count
        (storage.repos.privacy.PrivacyRepo.erase says what stays); with `render`, the
        questions waiting for their answer pass to the next-best peers. Raises
        StillSuspended, erasing nothing."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            member = await self.session.get(Member, member_id)
            if member is None or member.user_id < 0:  # erased already (a second press)
                return {}
            await self._not_suspended(member_id)
            passed = 0
            if render is not None:
                questions = QuestionsService(self.session, self.clock)
                passed = await questions.withdraw_member(None, member_id, render)
            done = await self.repo.erase(member, now)
            done["invitations"] = done.get("invitations", 0) + passed
            return done
