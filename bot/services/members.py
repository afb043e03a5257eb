"""Who is writing: members are created or refreshed as they are seen, and their locale chosen."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES
from storage.cache import CommunityRow, IdentityCache, MemberRow
from storage.db import transaction
from storage.models import Community, Membership
from storage.repos.communities import CommunitiesRepo
from storage.repos.members import Identity, MembersRepo

__all__ = ["Actor", "GroupInfo", "Identity", "MembersService", "pick_locale"]


@dataclass(frozen=True, slots=True)
class GroupInfo:
    chat_id: int
    title: str
    is_forum: bool


@dataclass(frozen=True, slots=True)
class Actor:
    """The member behind an update, as handlers need them."""

    member_id: int
    user_id: int
    locale: str
    dm_available: bool
    community_id: int | None


def pick_locale(chosen: str | None, telegram: str | None, fallback: str) -> str:
    """Member's own setting, else Telegram's language_code if we speak it, else the fallback."""
    if chosen in SUPPORTED_LANGUAGES:
        return chosen
    if telegram:
        code = telegram.split("-")[0].lower()
        if code in SUPPORTED_LANGUAGES:
            return code
    return fallback


class MembersService:
    def __init__(
        self,
        session: AsyncSession,
        clock: Clock,
        *,
        default_language: str,
        default_timezone: str,
        cache: IdentityCache | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self.cache = cache
        self.default_language = default_language
        self.default_timezone = default_timezone
        self.members = MembersRepo(session)
        self.communities = CommunitiesRepo(session)

    async def seen(self, who: Identity, group: GroupInfo | None, *, private: bool) -> Actor:
        """Record that `who` wrote (in `group`, or privately). Writes only when something
        changed; when the identity cache already knows it is all up to date, not even a read."""
        cache = self.cache
        generation = cache.generation if cache else 0
        if cache is not None:
            member = cache.member(who.user_id)
            community = cache.community(group.chat_id) if group else None
            active = (
                cache.membership_active(community.id, member.id) if member and community else None
            )
            if self._up_to_date(who, member, group, community, active, private=private):
                assert member is not None
                return self._actor(member, community)
        # Not known here (first contact, or the cache entry expired): one transaction that reads
        # the rows and writes only what changed.
        member, community, active = await self._record_once(who, group, private=private)
        if cache is not None:
            # What this transaction wrote, it may store where it read them under the write lock.
            own = cache.own_write(self.session)
            cache.fill(generation, member, community, active, own=own)
        return self._actor(member, community)

    async def community_of_chat(self, chat_id: int) -> CommunityRow | None:
        """The community of a group chat, for updates that come from nobody we can record (an
        administrator posting as the group)."""
        if self.cache is not None and (known := self.cache.community(chat_id)) is not None:
            return known
        async with transaction(self.session, write=False):
            community = await self.communities.by_chat_id(chat_id)
        return CommunityRow.of(community) if community is not None else None

    @staticmethod
    def _up_to_date(
        who: Identity,
        member: MemberRow | None,
        group: GroupInfo | None,
        community: CommunityRow | None,
        membership_active: bool | None,
        *,
        private: bool,
    ) -> bool:
        return (
            member is not None
            and not MembersRepo.differs(member, who)
            and (not private or member.dm_available)
            and (group is None or (community is not None and bool(membership_active)))
        )

    def _actor(self, member: MemberRow, community: CommunityRow | None) -> Actor:
        fallback = community.language if community else self.default_language
        return Actor(
            member_id=member.id,
            user_id=member.user_id,
            locale=pick_locale(member.language, member.telegram_language, fallback),
            dm_available=member.dm_available,
            community_id=community.id if community else None,
        )

    async def _record_once(
        self, who: Identity, group: GroupInfo | None, *, private: bool
    ) -> tuple[MemberRow, CommunityRow | None, bool | None]:
        """Two first updates from the same new member can race (two instances, a webhook
        retry); the loser's insert hits the unique key, and its second try finds the row."""
        try:
            return await self._record(who, group, private=private)
        except IntegrityError:
            return await self._record(who, group, private=private)

    async def _record(
        self, who: Identity, group: GroupInfo | None, *, private: bool
    ) -> tuple[MemberRow, CommunityRow | None, bool | None]:
        """The member, the group's community and whether the membership is active, after
        recording what changed."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            community: Community | None = None
            membership: Membership | None = None
            if group is None:
                member = await self.members.by_user_id(who.user_id)
            else:
                member, community, membership = await self.members.with_community(
                    who.user_id, group.chat_id
                )
            if member is None:
                member = await self.members.create(who, now, dm_available=private)
            elif MembersRepo.differs(member, who):
                MembersRepo.refresh(member, who, now)
            if private and not member.dm_available:
                member.dm_available = True
                member.updated_at = now
            if group is not None:
                if community is None:
                    community = await self._create_community(group, now)
                if membership is None:
                    await self.communities.add_membership(
                        community.id, member.id, now, welcome_pending=False
                    )
                elif not membership.active:
                    membership.active, membership.left_at = True, None
            await self.session.flush()
            return (
                MemberRow.of(member),
                CommunityRow.of(community) if community else None,
                True if community else None,
            )

    async def _create_community(self, group: GroupInfo, now: datetime) -> Community:
        # A group we never saw being joined (e.g. the bot was added before this database).
        return await self.communities.create(
            group.chat_id,
            group.title,
            language=self.default_language,
            timezone=self.default_timezone,
            is_forum=group.is_forum,
            now=now,
        )

    async def set_dm_available(self, user_id: int, available: bool) -> None:
        """A 403 (blocked, never started) or a private /start changes whether we can DM them."""
        async with transaction(self.session, write=True):
            await self.members.set_dm_available(user_id, available, self.clock.now())
