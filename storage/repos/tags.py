"""Tags (per community, with synonyms) and members' expertise on them."""

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MemberExpertise, Tag, TagSynonym


class TagsRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def choices(self, community_id: int, limit: int) -> list[Tag]:
        """The community's topics first, then the tags its members declare most."""
        usage = (
            select(MemberExpertise.tag_id, func.count().label("n"))
            .where(MemberExpertise.declared.is_(True))
            .group_by(MemberExpertise.tag_id)
            .subquery()
        )
        rows = await self.session.scalars(
            select(Tag)
            .outerjoin(usage, usage.c.tag_id == Tag.id)
            # A tag only a question used (#urgent) is no topic to offer until someone declares it.
            .where(Tag.community_id == community_id, or_(Tag.is_topic, usage.c.n > 0))
            .order_by(Tag.is_topic.desc(), func.coalesce(usage.c.n, 0).desc(), Tag.name)
            .limit(limit)
        )
        return list(rows)

    async def by_ids(self, community_id: int, tag_ids: list[int]) -> list[Tag]:
        if not tag_ids:
            return []
        rows = await self.session.scalars(
            select(Tag).where(Tag.community_id == community_id, Tag.id.in_(tag_ids))
        )
        return list(rows)

    async def resolve(self, community_id: int, names: list[str]) -> dict[str, Tag]:
        """Existing tags for normalized names, through the tag itself or one of its synonyms."""
        if not names:
            return {}
        found = {
            t.name: t
            for t in await self.session.scalars(
                select(Tag).where(Tag.community_id == community_id, Tag.name.in_(names))
            )
        }
        synonyms = await self.session.execute(
            select(TagSynonym.synonym, Tag)
            .join(Tag, Tag.id == TagSynonym.tag_id)
            .where(TagSynonym.community_id == community_id, TagSynonym.synonym.in_(names))
        )
        for synonym, tag in synonyms:
            found.setdefault(synonym, tag)
        return found

    async def create(
        self, community_id: int, name: str, label: str, now: datetime, *, is_topic: bool = False
    ) -> Tag:
        tag = Tag(
            community_id=community_id, name=name, label=label, is_topic=is_topic, created_at=now
        )
        self.session.add(tag)
        await self.session.flush()
        return tag

    async def add_synonym(self, tag: Tag, synonym: str) -> None:
        self.session.add(TagSynonym(community_id=tag.community_id, tag_id=tag.id, synonym=synonym))
        await self.session.flush()

    async def declared(self, member_id: int, community_id: int) -> list[Tag]:
        rows = await self.session.scalars(
            select(Tag)
            .join(MemberExpertise, MemberExpertise.tag_id == Tag.id)
            .where(
                MemberExpertise.member_id == member_id,
                MemberExpertise.declared.is_(True),
                Tag.community_id == community_id,
            )
            .order_by(Tag.label)
        )
        return list(rows)

    async def replace_declared(
        self, member_id: int, community_id: int, tag_ids: list[int], now: datetime
    ) -> None:
        """Make exactly `tag_ids` the member's declared tags in this community; earned weight
        on other tags is kept."""
        in_community = select(Tag.id).where(Tag.community_id == community_id)
        await self.session.execute(
            update(MemberExpertise)
            .where(
                MemberExpertise.member_id == member_id,
                MemberExpertise.tag_id.in_(in_community),
                MemberExpertise.tag_id.not_in(tag_ids),
            )
            .values(declared=False, updated_at=now)
        )
        await self.session.execute(
            delete(MemberExpertise).where(
                MemberExpertise.member_id == member_id,
                MemberExpertise.declared.is_(False),
                MemberExpertise.earned_weight <= 0,
            )
        )
        existing = set(
            await self.session.scalars(
                select(MemberExpertise.tag_id).where(
                    MemberExpertise.member_id == member_id, MemberExpertise.tag_id.in_(tag_ids)
                )
            )
        )
        await self.session.execute(
            update(MemberExpertise)
            .where(MemberExpertise.member_id == member_id, MemberExpertise.tag_id.in_(existing))
            .values(declared=True, updated_at=now)
        )
        for tag_id in tag_ids:
            if tag_id not in existing:
                self.session.add(
                    MemberExpertise(
                        member_id=member_id,
                        tag_id=tag_id,
                        declared=True,
                        earned_weight=0.0,
                        updated_at=now,
                    )
                )
        await self.session.flush()

    async def by_name(self, community_id: int, name: str) -> Tag | None:
        return await self.session.scalar(
            select(Tag).where(Tag.community_id == community_id, Tag.name == name)
        )

    async def synonym_owner(self, community_id: int, synonym: str) -> Tag | None:
        """The tag `synonym` (normalized) is a synonym of, if any."""
        return await self.session.scalar(
            select(Tag)
            .join(TagSynonym, TagSynonym.tag_id == Tag.id)
            .where(TagSynonym.community_id == community_id, TagSynonym.synonym == synonym)
        )

    async def topics(self, community_id: int) -> list[tuple[Tag, list[str]]]:
        """The community's curated topics, by label, each with its synonyms."""
        tags = list(
            await self.session.scalars(
                select(Tag)
                .where(Tag.community_id == community_id, Tag.is_topic.is_(True))
                .order_by(Tag.name)
            )
        )
        synonyms: dict[int, list[str]] = {}
        if tags:
            rows = await self.session.execute(
                select(TagSynonym.tag_id, TagSynonym.synonym)
                .where(TagSynonym.tag_id.in_([t.id for t in tags]))
                .order_by(TagSynonym.synonym)
            )
            for tag_id, synonym in rows:
                synonyms.setdefault(tag_id, []).append(synonym)
        return [(t, synonyms.get(t.id, [])) for t in tags]
