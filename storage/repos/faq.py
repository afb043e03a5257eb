"""FAQ entries, the searches made of them, and the audit log."""

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Community, FaqEntry, FaqSearch, Member


class FaqRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def entry(self, entry_id: int) -> FaqEntry | None:
        return await self.session.get(FaqEntry, entry_id)

    async def by_answer(self, answer_id: int) -> FaqEntry | None:
        return await self.session.scalar(select(FaqEntry).where(FaqEntry.answer_id == answer_id))

    async def published(self, entry_ids: Sequence[int]) -> dict[int, FaqEntry]:
        if not entry_ids:
            return {}
        rows = await self.session.scalars(
            select(FaqEntry).where(FaqEntry.id.in_(entry_ids), FaqEntry.published.is_(True))
        )
        return {e.id: e for e in rows}

    async def of_author(self, member_id: int) -> list[FaqEntry]:
        rows = await self.session.scalars(
            select(FaqEntry).where(FaqEntry.author_id == member_id, FaqEntry.source == "answer")
        )
        return list(rows)

    async def of_community(self, community_id: int) -> list[FaqEntry]:
        """Every entry of the community (deleted ones too), oldest first."""
        rows = await self.session.scalars(
            select(FaqEntry).where(FaqEntry.community_id == community_id).order_by(FaqEntry.id)
        )
        return list(rows)

    async def community(self, community_id: int) -> Community | None:
        return await self.session.get(Community, community_id)

    async def member(self, member_id: int | None) -> Member | None:
        return None if member_id is None else await self.session.get(Member, member_id)

    async def add(self, entry: FaqEntry) -> FaqEntry:
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def tag_counts(self, community_id: int) -> Counter[str]:
        """Published entries per tag label (tags are a small JSON list per entry)."""
        counts: Counter[str] = Counter()
        for tags in await self.session.scalars(
            select(FaqEntry.tags).where(
                FaqEntry.community_id == community_id, FaqEntry.published.is_(True)
            )
        ):
            counts.update(set(tags or []))
        return counts

    async def with_tag(self, community_id: int, label: str, limit: int) -> list[FaqEntry]:
        entries = []
        rows = await self.session.scalars(
            select(FaqEntry)
            .where(FaqEntry.community_id == community_id, FaqEntry.published.is_(True))
            .order_by(FaqEntry.helpful_count.desc(), FaqEntry.id.desc())
        )
        for entry in rows:
            if label in (entry.tags or []):
                entries.append(entry)
                if len(entries) >= limit:
                    break
        return entries

    async def stale(self, community_id: int, now: datetime, limit: int) -> list[FaqEntry]:
        rows = await self.session.scalars(
            select(FaqEntry)
            .where(
                FaqEntry.community_id == community_id,
                FaqEntry.deleted_at.is_(None),
                FaqEntry.review_at.is_not(None),
                FaqEntry.review_at <= now,
            )
            .order_by(FaqEntry.review_at, FaqEntry.id)
            .limit(limit)
        )
        return list(rows)

    async def count_viewed(self, entry_id: int) -> None:
        await self.session.execute(
            update(FaqEntry)
            .where(FaqEntry.id == entry_id)
            .values(view_count=FaqEntry.view_count + 1)
        )

    async def count_helpful(self, entry_id: int) -> None:
        await self.session.execute(
            update(FaqEntry)
            .where(FaqEntry.id == entry_id)
            .values(helpful_count=FaqEntry.helpful_count + 1)
        )

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert entries given as column values, in one executemany; returns their ids, in
        the order given (ascending). The ids are taken first: INSERT ... RETURNING in a given
        order would cost SQLite one statement per row."""
        if not rows:
            return []
        if self.session.get_bind().dialect.name == "sqlite":  # the writer holds the lock
            last = await self.session.scalar(select(func.coalesce(func.max(FaqEntry.id), 0)))
            ids = list(range(int(last or 0) + 1, int(last or 0) + 1 + len(rows)))
        else:
            ids = sorted(
                await self.session.scalars(
                    text(
                        "SELECT nextval(pg_get_serial_sequence('faq_entries', 'id')) "
                        "FROM generate_series(1, :n)"
                    ),
                    {"n": len(rows)},
                )
            )
        await self.session.execute(
            insert(FaqEntry), [{**row, "id": i} for row, i in zip(rows, ids, strict=True)]
        )
        return ids

    async def communities_by_chat(self, chat_ids: Sequence[int]) -> dict[int, Community]:
        if not chat_ids:
            return {}
        rows = await self.session.scalars(
            select(Community).where(Community.chat_id.in_(sorted(set(chat_ids))))
        )
        return {c.chat_id: c for c in rows}

    EXPORTED = (
        FaqEntry.id,
        FaqEntry.question,
        FaqEntry.answer,
        FaqEntry.tags,
        FaqEntry.language,
        FaqEntry.source,
        FaqEntry.verified,
        FaqEntry.verified_at,
        FaqEntry.review_at,
        FaqEntry.published,
        FaqEntry.deleted_at,
        FaqEntry.view_count,
        FaqEntry.helpful_count,
        FaqEntry.created_at,
        FaqEntry.updated_at,
    )

    async def export_page(
        self, community_id: int | None, after_id: int, limit: int
    ) -> list[Row[Any]]:
        """Entries (deleted ones too) with ids above `after_id`, oldest first, as column values
        (`EXPORTED`, then the group's chat id): an export reads them a page at a time."""
        query = (
            select(*self.EXPORTED, Community.chat_id)
            .join(Community, Community.id == FaqEntry.community_id)
            .where(FaqEntry.id > after_id)
            .order_by(FaqEntry.id)
            .limit(limit)
        )
        if community_id is not None:
            query = query.where(FaqEntry.community_id == community_id)
        return list(await self.session.execute(query))

    async def count(self, community_id: int) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(FaqEntry)
                .where(FaqEntry.community_id == community_id, FaqEntry.published.is_(True))
            )
            or 0
        )

    async def log_search(self, search: FaqSearch) -> FaqSearch:
        self.session.add(search)
        await self.session.flush()
        return search

    async def search(self, search_id: int) -> FaqSearch | None:
        return await self.session.get(FaqSearch, search_id)

    async def audit(
        self,
        community_id: int | None,
        actor_id: int | None,
        action: str,
        target_kind: str,
        target_id: int | None,
        details: dict[str, Any],
        now: datetime,
    ) -> None:
        self.session.add(
            AuditEntry(
                community_id=community_id,
                actor_id=actor_id,
                action=action,
                target_kind=target_kind,
                target_id=target_id,
                details=details,
                created_at=now,
            )
        )

    async def audit_of(self, target_kind: str, target_id: int) -> list[AuditEntry]:
        rows = await self.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_kind == target_kind, AuditEntry.target_id == target_id)
            .order_by(AuditEntry.id)
        )
        return list(rows)
