"""Communities (Telegram groups) and memberships."""

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Community, Member, Membership


class CommunitiesRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_chat_id(self, chat_id: int) -> Community | None:
        return await self.session.scalar(select(Community).where(Community.chat_id == chat_id))

    async def by_id(self, community_id: int) -> Community | None:
        return await self.session.get(Community, community_id)

    async def create(
        self,
        chat_id: int,
        title: str,
        *,
        language: str,
        timezone: str,
        is_forum: bool,
        now: datetime,
    ) -> Community:
        community = Community(
            chat_id=chat_id,
            title=title,
            language=language,
            timezone=timezone,
            is_forum=is_forum,
            active=True,
            created_at=now,
            updated_at=now,
        )
        self.session.add(community)
        await self.session.flush()
        return community

    async def membership(self, community_id: int, member_id: int) -> Membership | None:
        return await self.session.scalar(
            select(Membership).where(
                Membership.community_id == community_id, Membership.member_id == member_id
            )
        )

    async def add_membership(
        self, community_id: int, member_id: int, now: datetime, *, welcome_pending: bool
    ) -> Membership:
        membership = Membership(
            community_id=community_id,
            member_id=member_id,
            role="member",
            active=True,
            welcome_pending=welcome_pending,
            joined_at=now,
        )
        self.session.add(membership)
        await self.session.flush()
        return membership

    async def active_communities_of(self, member_id: int) -> list[Community]:
        rows = await self.session.scalars(
            select(Community)
            .join(Membership, Membership.community_id == Community.id)
            .where(
                Membership.member_id == member_id,
                Membership.active.is_(True),
                Community.active.is_(True),
            )
            .order_by(Community.title, Community.id)
        )
        return list(rows)

    async def claim_welcome_slot(self, community_id: int, now: datetime, window: timedelta) -> bool:
        """Conditionally take the community's welcome slot: at most one welcome per window,
        even with several instances or a restart in between."""
        result = await self.session.execute(
            update(Community)
            .where(
                Community.id == community_id,
                or_(Community.last_welcome_at.is_(None), Community.last_welcome_at <= now - window),
            )
            .values(last_welcome_at=now)
        )
        return bool(result.rowcount)

    async def take_pending_welcomes(self, community_id: int, limit: int) -> list[Member]:
        rows = await self.session.execute(
            select(Membership, Member)
            .join(Member, Member.id == Membership.member_id)
            .where(
                Membership.community_id == community_id,
                Membership.welcome_pending.is_(True),
                Membership.active.is_(True),
            )
            .order_by(Membership.joined_at, Membership.id)
            .limit(limit)
        )
        members = []
        for membership, member in rows:
            membership.welcome_pending = False
            members.append(member)
        await self.session.flush()
        return members

    async def communities_with_pending_welcomes(
        self, now: datetime, window: timedelta
    ) -> list[int]:
        rows = await self.session.scalars(
            select(Community.chat_id)
            .where(
                Community.active.is_(True),
                or_(Community.last_welcome_at.is_(None), Community.last_welcome_at <= now - window),
                Community.id.in_(
                    select(Membership.community_id).where(
                        and_(Membership.welcome_pending.is_(True), Membership.active.is_(True))
                    )
                ),
            )
            .order_by(Community.id)
        )
        return list(rows)

    async def has_pending_welcomes(self, community_id: int) -> bool:
        found = await self.session.scalar(
            select(Membership.id)
            .where(
                Membership.community_id == community_id,
                Membership.welcome_pending.is_(True),
                Membership.active.is_(True),
            )
            .limit(1)
        )
        return found is not None

    async def requeue_welcomes(self, community_id: int, user_ids: list[int]) -> None:
        member_ids = select(Member.id).where(Member.user_id.in_(user_ids))
        await self.session.execute(
            update(Membership)
            .where(
                Membership.community_id == community_id,
                Membership.member_id.in_(member_ids),
                Membership.active.is_(True),
            )
            .values(welcome_pending=True)
        )

    async def move_chat(self, old_chat_id: int, new_chat_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            update(Community)
            .where(Community.chat_id == old_chat_id)
            .values(chat_id=new_chat_id, updated_at=now)
        )
        return bool(result.rowcount)
