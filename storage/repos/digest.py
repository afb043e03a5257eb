"""What a community's digest tells of: its open questions, its new FAQ entries; and the
communities that have no digest schedule yet. (Meetups: storage.repos.meetups.)"""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Answer, Community, DigestSchedule, FaqEntry, Question
from storage.repos.questions import not_hidden


class DigestRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def without_schedule(self, limit: int) -> list[Community]:
        """Active communities that have no digest schedule row yet."""
        rows = await self.session.scalars(
            select(Community)
            .outerjoin(DigestSchedule, DigestSchedule.community_id == Community.id)
            .where(Community.active, DigestSchedule.id.is_(None))
            .order_by(Community.id)
            .limit(limit)
        )
        return list(rows)

    async def open_questions(self, community_id: int, limit: int) -> tuple[list[Any], int]:
        """The community's open questions (no accepted answer, not closed or hidden) that need
        help most, those without any (shown) answer first, newest first; and how many there are
        in all. Each row: id, number, text, answers, group_message_id."""
        answers = (
            select(func.count())
            .select_from(Answer)
            .where(Answer.question_id == Question.id, not_hidden(Answer))
            .scalar_subquery()
        )
        where = (
            Question.community_id == community_id,
            Question.status == "open",
            not_hidden(Question),
        )
        rows = await self.session.execute(
            select(
                Question.id,
                Question.number,
                Question.text,
                answers.label("answers"),
                Question.group_message_id,
            )
            .where(*where)
            .order_by(answers > 0, Question.id.desc())
            .limit(limit)
        )
        total = await self.session.scalar(select(func.count()).select_from(Question).where(*where))
        return list(rows), int(total or 0)

    async def new_entries(
        self, community_id: int, since: datetime, until: datetime, limit: int
    ) -> tuple[list[Any], int]:
        """Entries of the community first published in (since, until] and published still,
        newest first; and how many there are in all. Each row: id, question, and the group
        message of the question it answered (if any)."""
        where = (
            FaqEntry.community_id == community_id,
            FaqEntry.published.is_(True),
            FaqEntry.published_at > since,
            FaqEntry.published_at <= until,
        )
        rows = await self.session.execute(
            select(FaqEntry.id, FaqEntry.question, Question.group_message_id)
            .outerjoin(Question, Question.id == FaqEntry.question_id)
            .where(*where)
            .order_by(FaqEntry.published_at.desc(), FaqEntry.id.desc())
            .limit(limit)
        )
        total = await self.session.scalar(select(func.count()).select_from(FaqEntry).where(*where))
        return list(rows), int(total or 0)
