"""Members: the Telegram users the bot knows."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cache import MemberRow
from storage.models import Community, Member, Membership


@dataclass(frozen=True, slots=True)
class Identity:
    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None


class MembersRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_user_id(self, user_id: int) -> Member | None:
        return await self.session.scalar(select(Member).where(Member.user_id == user_id))

    async def with_community(
        self, user_id: int, chat_id: int
    ) -> tuple[Member | None, Community | None, Membership | None]:
        """The member, the group's community and their membership, each None if missing, in
        one query (a one-row anchor keeps a row even when all three are missing)."""
        anchor = select(literal(1).label("one")).subquery()
        row = (
            await self.session.execute(
                select(Member, Community, Membership)
                .select_from(anchor)
                .outerjoin(Member, Member.user_id == user_id)
                .outerjoin(Community, Community.chat_id == chat_id)
                .outerjoin(
                    Membership,
                    and_(
                        Membership.member_id == Member.id, Membership.community_id == Community.id
                    ),
                )
            )
        ).one()
        return row[0], row[1], row[2]

    async def by_user_ids(self, user_ids: list[int]) -> dict[int, Member]:
        rows = await self.session.scalars(select(Member).where(Member.user_id.in_(user_ids)))
        return {m.user_id: m for m in rows}

    async def create(self, who: Identity, now: datetime, *, dm_available: bool = False) -> Member:
        member = Member(
            user_id=who.user_id,
            first_name=who.first_name,
            last_name=who.last_name,
            username=who.username,
            telegram_language=who.language_code,
            spoken_languages=[],
            dm_available=dm_available,
            routing_opt_out=False,
            created_at=now,
            updated_at=now,
        )
        self.session.add(member)
        await self.session.flush()
        return member

    @staticmethod
    def differs(member: "Member | MemberRow", who: Identity) -> bool:
        return (
            member.first_name != who.first_name
            or member.last_name != who.last_name
            or member.username != who.username
            or (who.language_code is not None and member.telegram_language != who.language_code)
        )

    @staticmethod
    def refresh(member: Member, who: Identity, now: datetime) -> None:
        member.first_name = who.first_name
        member.last_name = who.last_name
        member.username = who.username
        if who.language_code is not None:
            member.telegram_language = who.language_code
        member.updated_at = now

    async def set_dm_available(self, user_id: int, available: bool, now: datetime) -> bool:
        """Returns whether a row changed."""
        result = await self.session.execute(
            update(Member)
            .where(Member.user_id == user_id, Member.dm_available.is_not(available))
            .values(dm_available=available, updated_at=now)
        )
        return bool(result.rowcount)
