"""A community's settings, as its moderators change them from /settings: language, timezone,
routing fan-out and escalation hours, default quiet hours, open answering, FAQ verification,
welcome text, and the forum topics prompts and meetups go to. Every value is checked here
(a button's value is user input too); a bad one raises SettingError and changes nothing.
Every change is in the audit log, in the transaction that makes it."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.schedules import next_firing, parse_weekly
from bot.services.availability import clock_time, parse_quiet_hours, parse_timezone
from bot.services.faq import FaqService
from storage.db import transaction
from storage.models import Community, DigestSchedule, PromptSchedule
from storage.repos.communities import CommunitiesRepo
from storage.repos.faq import FaqRepo
from storage.repos.schedules import SchedulesRepo

LANGUAGES = ("en", "es", "ru", "id")
FANOUTS = tuple(range(1, 11))
ESCALATION_HOURS = (6, 12, 24, 48, 72)
MAX_WELCOME = 1000  # characters: the welcome also names up to 30 newcomers
TOPICS = ("prompts", "meetups")


class SettingError(Exception):
    """A value no setting takes; nothing was changed."""


class UnknownCommunity(SettingError):
    pass


class BadChoice(SettingError):
    """Not one of the values offered (a forged or stale button)."""


class WelcomeTooLong(SettingError):
    pass


@dataclass(frozen=True, slots=True)
class SettingsView:
    id: int
    chat_id: int
    title: str
    is_forum: bool
    language: str
    timezone: str
    routing_fanout: int
    escalation_hours: int
    quiet: tuple[int, int] | None
    open_answering: bool
    faq_verification: bool
    welcome_text: str | None
    prompt_thread_id: int | None
    meetup_thread_id: int | None


def settings_view(c: Community) -> SettingsView:
    quiet = None if c.quiet_from is None or c.quiet_to is None else (c.quiet_from, c.quiet_to)
    return SettingsView(
        c.id,
        c.chat_id,
        c.title,
        c.is_forum,
        c.language,
        c.timezone,
        c.routing_fanout,
        c.escalation_hours,
        quiet,
        c.open_answering,
        c.faq_verification,
        c.welcome_text,
        c.prompt_thread_id,
        c.meetup_thread_id,
    )


class SettingsService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.repo = CommunitiesRepo(session)

    async def view(self, community_id: int) -> SettingsView | None:
        async with transaction(self.session, write=False):
            community = await self.repo.by_id(community_id)
            return settings_view(community) if community else None

    async def set_language(
        self, community_id: int, language: str, actor: int | None
    ) -> SettingsView:
        if language not in LANGUAGES:
            raise BadChoice()
        return await self._set(community_id, actor, "language", language, language=language)

    async def set_fanout(self, community_id: int, fanout: int, actor: int | None) -> SettingsView:
        if fanout not in FANOUTS:
            raise BadChoice()
        return await self._set(community_id, actor, "routing_fanout", fanout, routing_fanout=fanout)

    async def set_escalation(
        self, community_id: int, hours: int, actor: int | None
    ) -> SettingsView:
        if hours not in ESCALATION_HOURS:
            raise BadChoice()
        return await self._set(
            community_id, actor, "escalation_hours", hours, escalation_hours=hours
        )

    async def set_open_answering(
        self, community_id: int, enabled: bool, actor: int | None
    ) -> SettingsView:
        return await self._set(
            community_id, actor, "open_answering", enabled, open_answering=enabled
        )

    async def set_faq_verification(
        self, community_id: int, enabled: bool, actor: int | None
    ) -> SettingsView:
        """Through the FAQ's own use case (it publishes or keeps entries, and audits it)."""
        await FaqService(self.session, self.clock).set_verification(community_id, enabled, actor)
        found = await self.view(community_id)
        if found is None:
            raise UnknownCommunity()
        return found

    async def set_timezone(self, community_id: int, text: str, actor: int | None) -> SettingsView:
        """An IANA name, a city or an offset (as members' own); raises AvailabilityError.
        Weekly schedules keep their local time: their next firing moves with the zone."""
        name = parse_timezone(text)
        now = self.clock.now()
        async with transaction(self.session, write=True):
            community = await self._community(community_id)
            community.timezone, community.updated_at = name, now
            for model in (PromptSchedule, DigestSchedule):
                schedule = await SchedulesRepo(self.session, model).of_community(community_id)
                if schedule is not None and schedule.enabled:
                    weekly = parse_weekly(schedule.expression)
                    schedule.next_fire_at = next_firing(weekly, name, now)
            await self._audit(community_id, actor, "timezone", name, now)
            return settings_view(community)

    async def set_quiet(self, community_id: int, text: str, actor: int | None) -> SettingsView:
        """`22:00-07:00` or `off`; raises AvailabilityError."""
        quiet = parse_quiet_hours(text)
        value = f"{clock_time(quiet[0])}–{clock_time(quiet[1])}" if quiet else "off"
        start, end = quiet or (None, None)
        return await self._set(
            community_id, actor, "quiet_hours", value, quiet_from=start, quiet_to=end
        )

    async def set_welcome(
        self, community_id: int, text: str | None, actor: int | None
    ) -> SettingsView:
        """The group's own welcome, or None for the bot's default one."""
        cleaned = (text or "").strip() or None
        if cleaned is not None and len(cleaned) > MAX_WELCOME:
            raise WelcomeTooLong()
        shown = "default" if cleaned is None else "custom"
        return await self._set(community_id, actor, "welcome_text", shown, welcome_text=cleaned)

    async def set_topic(
        self, community_id: int, which: str, thread_id: int | None, actor: int | None
    ) -> SettingsView:
        """Prompts (and the digest) or meetup invitations go to the forum topic `thread_id`;
        None: where each schedule or meetup was made, as before."""
        if which not in TOPICS or (thread_id is not None and thread_id <= 0):
            raise BadChoice()
        field = "prompt_thread_id" if which == "prompts" else "meetup_thread_id"
        return await self._set(
            community_id, actor, f"{which}_topic", thread_id or "off", **{field: thread_id}
        )

    async def _set(
        self, community_id: int, actor: int | None, setting: str, shown: Any, **values: Any
    ) -> SettingsView:
        now = self.clock.now()
        async with transaction(self.session, write=True):
            community = await self._community(community_id)
            for name, value in values.items():
                setattr(community, name, value)
            community.updated_at = now
            await self._audit(community_id, actor, setting, shown, now)
            return settings_view(community)

    async def _community(self, community_id: int) -> Community:
        community = await self.repo.by_id(community_id)
        if community is None:
            raise UnknownCommunity()
        return community

    async def _audit(
        self, community_id: int, actor: int | None, setting: str, value: Any, now: datetime
    ) -> None:
        details: dict[str, Any] = {"setting": setting, "value": value}
        if actor is None:  # an administrator posting as the group
            details["as_group"] = True
        await FaqRepo(self.session).audit(
            community_id, actor, "setting", "community", community_id, details, now
        )
