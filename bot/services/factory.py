"""Builds one unit of work's services over one session (per update, or per job run)."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.services.attendance import AttendanceService
from bot.services.communities import CommunitiesService
from bot.services.digest import DigestService
from bot.services.faq import FaqService
from bot.services.meetups import MeetupsService
from bot.services.members import MembersService
from bot.services.moderation import ModerationService
from bot.services.privacy import PrivacyService
from bot.services.profiles import ProfilesService
from bot.services.prompts import PromptsService
from bot.services.questions import QuestionsService
from bot.services.settings import SettingsService
from bot.services.stats import StatsService
from bot.services.topics import TopicsService
from storage.cache import IdentityCache


@dataclass(frozen=True, slots=True)
class Services:
    members: MembersService
    communities: CommunitiesService
    profiles: ProfilesService
    questions: QuestionsService
    faq: FaqService
    prompts: PromptsService
    meetups: MeetupsService
    stats: StatsService
    attendance: AttendanceService
    digest: DigestService
    moderation: ModerationService
    community_settings: SettingsService
    topics: TopicsService
    privacy: PrivacyService

    def as_data(self) -> dict[str, object]:
        """Handler parameters by name (aiogram's dependency injection)."""
        return {
            "members": self.members,
            "communities": self.communities,
            "profiles": self.profiles,
            "questions": self.questions,
            "faq": self.faq,
            "prompts": self.prompts,
            "meetups": self.meetups,
            "stats": self.stats,
            "attendance": self.attendance,
            "digest": self.digest,
            "moderation": self.moderation,
            "community_settings": self.community_settings,
            "topics": self.topics,
            "privacy": self.privacy,
        }


def build_services(
    session: AsyncSession, clock: Clock, settings: Settings, cache: IdentityCache | None = None
) -> Services:
    """`cache`: the database's identity cache, so recording who wrote needs no round trip."""
    defaults = {
        "default_language": settings.default_language,
        "default_timezone": settings.default_timezone,
    }
    return Services(
        members=MembersService(session, clock, **defaults, cache=cache),
        communities=CommunitiesService(
            session,
            clock,
            **defaults,
            welcome_window=timedelta(seconds=settings.welcome_batch_seconds),
        ),
        profiles=ProfilesService(session, clock, cache),
        questions=QuestionsService(session, clock),
        faq=FaqService(session, clock),
        prompts=PromptsService(session, clock),
        meetups=MeetupsService(session, clock),
        stats=StatsService(session, clock),
        attendance=AttendanceService(session, clock),
        digest=DigestService(session, clock),
        moderation=ModerationService(session, clock),
        community_settings=SettingsService(session, clock),
        topics=TopicsService(session, clock),
        privacy=PrivacyService(session, clock),
    )
