"""Discussion prompts: each community's bank (seeded with a starter pack on first use), its
weekly schedule in the community's timezone, and the firings that post them. The schedule is
kept and its slots claimed as every weekly schedule's are (bot.services.slots)."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.schedules import parse_weekly
from bot.services.outbox import OutboxService
from bot.services.slots import ScheduleView, Slots, schedule_view
from storage.db import transaction
from storage.models import Community, Prompt, PromptPost, PromptSchedule, WeeklySchedule
from storage.repos.prompts import PromptsRepo

log = logging.getLogger(__name__)
KIND = "prompt_post"
MAX_PROMPT = 1000  # characters


def N_(text: str) -> str:
    return text


STARTERS = {
    "challenge": N_(
        "What is a challenge you are facing in your work right now? Share it: someone here "
        "may have faced it too."
    ),
    "practice": N_(
        "Which practice from your team or office is worth copying? Tell us how it works."
    ),
    "resource": N_(
        "Which resource (a guide, a tool, a course, a template) helped you lately? Share the "
        "link and what it is good for."
    ),
    "lesson": N_("Tell us about something that did not work out. What did you learn from it?"),
}


class PromptError(Exception):
    """Bad input for a prompt; nothing was changed."""


class EmptyPrompt(PromptError):
    pass


class PromptTooLong(PromptError):
    pass


class UnknownPrompt(PromptError):
    pass


@dataclass(frozen=True, slots=True)
class PromptView:
    id: int
    text: str
    starter: bool  # text is English: translate it
    times_used: int


@dataclass(frozen=True, slots=True)
class PromptToPost:
    """What a firing posts: the prompt's text (translate it when `starter`) in `language`."""

    text: str
    starter: bool
    language: str


def _view(prompt: Prompt) -> PromptView:
    return PromptView(prompt.id, prompt.text, prompt.starter_key is not None, prompt.times_used)


class PromptsService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session, self.clock = session, clock
        self.repo = PromptsRepo(session)
        self.slots = Slots(session, clock, PromptSchedule, "prompt")

    async def _seed(self, community_id: int) -> None:
        """The starter pack, the first time a community's bank is used."""
        if await self.repo.count_all(community_id):
            return
        now = self.clock.now()
        for key, text in STARTERS.items():
            await self.repo.add(
                Prompt(community_id=community_id, text=text, starter_key=key, created_at=now)
            )

    async def bank(self, community_id: int) -> list[PromptView]:
        async with transaction(self.session, write=True):
            await self._seed(community_id)
            return [_view(p) for p in await self.repo.bank(community_id)]

    async def add(self, community_id: int, text: str, member_id: int | None) -> PromptView:
        text = text.strip()
        if not text:
            raise EmptyPrompt
        if len(text) > MAX_PROMPT:
            raise PromptTooLong
        async with transaction(self.session, write=True):
            await self._seed(community_id)
            prompt = await self.repo.add(
                Prompt(
                    community_id=community_id,
                    text=text,
                    created_by_id=member_id,
                    created_at=self.clock.now(),
                )
            )
            return _view(prompt)

    async def delete(self, community_id: int, prompt_id: int) -> PromptView:
        async with transaction(self.session, write=True):
            prompt = await self.repo.get(community_id, prompt_id)
            if prompt is None:
                raise UnknownPrompt
            prompt.deleted_at = self.clock.now()
            return _view(prompt)

    async def schedule(self, community_id: int) -> ScheduleView | None:
        async with transaction(self.session, write=False):
            found = await self.slots.of_community(community_id)
            community = await self.repo.community(community_id)
            return None if found is None or community is None else schedule_view(found, community)

    async def set_schedule(
        self, community_id: int, expression: str, thread_id: int | None
    ) -> ScheduleView:
        """Raises bot.schedules.BadSchedule (nothing changes) for a bad expression."""
        weekly = parse_weekly(expression)
        async with transaction(self.session, write=True):
            community = await self.repo.community(community_id)
            if community is None:
                raise UnknownPrompt
            found = await self.slots.set(community, weekly, thread_id)
            await self._seed(community_id)
            return schedule_view(found, community)

    async def disable(self, community_id: int) -> bool:
        """False when there was no schedule on."""
        async with transaction(self.session, write=True):
            return await self.slots.disable(community_id)

    async def due(self) -> list[tuple[int, datetime]]:
        """(schedule id, slot) of every schedule whose next firing has come."""
        async with transaction(self.session, write=False):
            return await self.slots.due()

    async def fire(
        self,
        schedule_id: int,
        slot: datetime,
        grace: timedelta,
        render: Callable[[PromptToPost], str],
    ) -> bool:
        """Claim `slot` and queue the least recently used prompt, in one transaction. False
        when another firing claimed it, or the slot was missed by more than `grace` (skipped).
        When the bot was down over later slots too, the newest one is posted if it is within
        `grace`, and the older ones are skipped."""
        async with transaction(self.session, write=True):
            claimed = await self.slots.claim(schedule_id, slot, grace)
            if claimed is None:
                return False
            schedule, community, posted = claimed
            return await self._post(community, schedule, posted, render)

    async def _post(
        self,
        community: Community,
        schedule: WeeklySchedule,
        slot: datetime,
        render: Callable[[PromptToPost], str],
    ) -> bool:
        await self._seed(community.id)
        prompt = await self.repo.least_recently_used(community.id)
        if prompt is None:  # every prompt deleted
            log.warning("community %s: prompt due but the bank is empty", community.id)
            return False
        prompt.last_used_at, prompt.times_used = self.clock.now(), prompt.times_used + 1
        post = await self.repo.add_post(
            PromptPost(
                community_id=community.id,
                prompt_id=prompt.id,
                slot=slot,
                chat_id=community.chat_id,
                created_at=self.clock.now(),
            )
        )
        text = render(PromptToPost(prompt.text, prompt.starter_key is not None, community.language))
        await OutboxService(self.session, self.clock).queue(
            community.chat_id,
            text,
            thread_id=community.prompt_thread_id or schedule.thread_id,
            dedupe_key=f"prompt:{community.id}:{slot:%Y%m%dT%H%M}",
            kind=KIND,
            ref_id=post.id,
        )
        return True

    async def posted(self, post_id: int, message_id: int) -> None:
        """The post went out as `message_id`: replies to it will be counted. Called in the
        delivery's transaction."""
        post = await self.repo.post(post_id)
        if post is not None:
            post.message_id = message_id

    async def count_reply(self, chat_id: int, message_id: int) -> bool:
        """A message replied to `message_id`: True when that was a prompt (counted)."""
        async with transaction(self.session, write=True):
            return await self.repo.count_reply(chat_id, message_id)
