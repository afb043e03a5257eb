"""A member's own data: all of it as one JSON document (/mydata), and its erasure (/forgetme)."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from storage.db import transaction
from storage.models import Member
from storage.repos.privacy import PrivacyRepo

__all__ = ["NothingStored", "PrivacyService"]


class NothingStored(Exception):
    """Nothing is stored about this Telegram user."""


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
                    "onboarded_at": member.onboarded_at,
                    "first_seen_at": member.created_at,
                },
                "memberships": await self.repo.memberships(mid),
                "expertise": await self.repo.expertise(mid),
                "questions_asked": await self.repo.questions(mid),
                "answers_given": await self.repo.answers(mid),
                "votes_given": await self.repo.votes_given(mid),
                "invitations_received": await self.repo.requests(mid),
                "meetup_rsvps": await self.repo.rsvps(mid),
                "suspensions": await self.repo.suspensions(mid),
                "searches": await self.repo.searches(mid),
            }
        # Replies to discussion prompts are only counted per post, never stored per member.
        text = json.dumps(_plain(data), ensure_ascii=False, indent=2)
        return text.encode("utf-8")

    async def forget(self, member_id: int) -> dict[str, int]:
        """Erase the member's personal data in one transaction; what was done, by count
        (storage.repos.privacy.PrivacyRepo.erase says what stays)."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            member = await self.session.get(Member, member_id)
            if member is None or member.user_id < 0:  # erased already (a second press)
                return {}
            return await self.repo.erase(member, now)
