"""Communities: the bot joining and leaving groups, members joining and leaving, welcomes."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from storage.db import transaction
from storage.models import Community
from storage.repos.communities import CommunitiesRepo
from storage.repos.members import Identity, MembersRepo

# One welcome names at most this many newcomers; the rest get the next one.
WELCOME_BATCH_LIMIT = 30


@dataclass(frozen=True, slots=True)
class CommunityView:
    id: int
    chat_id: int
    title: str
    language: str
    timezone: str
    welcome_text: str | None


@dataclass(frozen=True, slots=True)
class Newcomer:
    user_id: int
    first_name: str


@dataclass(frozen=True, slots=True)
class WelcomeBatch:
    community: CommunityView
    newcomers: list[Newcomer]


def community_view(c: Community) -> CommunityView:
    return CommunityView(c.id, c.chat_id, c.title, c.language, c.timezone, c.welcome_text)


class CommunitiesService:
    def __init__(
        self,
        session: AsyncSession,
        clock: Clock,
        *,
        default_language: str,
        default_timezone: str,
        welcome_window: timedelta,
    ) -> None:
        self.session = session
        self.clock = clock
        self.default_language = default_language
        self.default_timezone = default_timezone
        self.welcome_window = welcome_window
        self.repo = CommunitiesRepo(session)
        self.members = MembersRepo(session)

    async def bot_added(
        self, chat_id: int, title: str, *, is_forum: bool, language: str | None
    ) -> CommunityView:
        """Create the community (or wake it up if the bot comes back)."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            community = await self.repo.by_chat_id(chat_id)
            if community is None:
                community = await self.repo.create(
                    chat_id,
                    title,
                    language=language or self.default_language,
                    timezone=self.default_timezone,
                    is_forum=is_forum,
                    now=now,
                )
            else:
                community.active, community.title, community.is_forum = True, title, is_forum
                community.updated_at = now
            return community_view(community)

    async def bot_removed(self, chat_id: int) -> None:
        async with transaction(self.session, write=True):
            community = await self.repo.by_chat_id(chat_id)
            if community is not None:
                community.active = False
                community.updated_at = self.clock.now()

    async def chat_migrated(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group upgraded to a supergroup gets a new chat id; the community keeps its data."""
        async with transaction(self.session, write=True):
            if await self.repo.by_chat_id(new_chat_id) is None:
                await self.repo.move_chat(old_chat_id, new_chat_id, self.clock.now())

    async def by_id(self, community_id: int) -> CommunityView | None:
        async with transaction(self.session, write=False):
            community = await self.repo.by_id(community_id)
            return community_view(community) if community else None

    async def member_joined(self, chat_id: int, who: Identity) -> bool:
        """Record a join; True when this is a new arrival that still needs a welcome.
        The same join reported twice (chat_member and new_chat_members) is welcomed once."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            community = await self.repo.by_chat_id(chat_id)
            if community is None:
                return False
            member = await self.members.by_user_id(who.user_id)
            if member is None:
                member = await self.members.create(who, now)
            membership = await self.repo.membership(community.id, member.id)
            if membership is None:
                await self.repo.add_membership(community.id, member.id, now, welcome_pending=True)
                return True
            if membership.active:
                return False
            membership.active, membership.left_at, membership.joined_at = True, None, now
            membership.welcome_pending = True
            return True

    async def member_left(self, chat_id: int, user_id: int) -> None:
        now = self.clock.now()
        async with transaction(self.session, write=True):
            community = await self.repo.by_chat_id(chat_id)
            member = await self.members.by_user_id(user_id)
            if community is None or member is None:
                return
            membership = await self.repo.membership(community.id, member.id)
            if membership is not None and membership.active:
                membership.active, membership.left_at = False, now
                membership.welcome_pending = False

    async def take_welcome_batch(self, chat_id: int) -> WelcomeBatch | None:
        """Claim this community's welcome slot and the newcomers waiting for it, or None when a
        welcome went out less than a window ago (the periodic job greets them later)."""
        async with transaction(self.session, write=True):
            community = await self.repo.by_chat_id(chat_id)
            if community is None or not community.active:
                return None
            return await self._take(community)

    async def _take(self, community: Community) -> WelcomeBatch | None:
        now = self.clock.now()
        if not await self.repo.has_pending_welcomes(community.id):
            return None
        if not await self.repo.claim_welcome_slot(community.id, now, self.welcome_window):
            return None
        members = await self.repo.take_pending_welcomes(community.id, WELCOME_BATCH_LIMIT)
        if not members:
            return None
        newcomers = [Newcomer(m.user_id, m.first_name) for m in members]
        return WelcomeBatch(community_view(community), newcomers)

    async def due_welcome_chats(self) -> list[int]:
        async with transaction(self.session, write=False):
            return await self.repo.communities_with_pending_welcomes(
                self.clock.now(), self.welcome_window
            )

    async def welcome_failed(self, batch: WelcomeBatch) -> None:
        """The welcome could not be posted: put the newcomers back so the next try greets them."""
        async with transaction(self.session, write=True):
            await self.repo.requeue_welcomes(
                batch.community.id, [n.user_id for n in batch.newcomers]
            )
