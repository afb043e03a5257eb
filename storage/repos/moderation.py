"""Moderation: what a moderator hid, who is suspended where, and the community's audit log."""

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Answer,
    AuditEntry,
    Community,
    FaqEntry,
    Member,
    Membership,
    OutboxMessage,
    Question,
    RoutingRequest,
    Suspension,
)
from storage.repos.questions import OPEN_REQUEST

# The outbox kinds that carry a question or an answer (bot.services.questions queues them).
COPY_KINDS = ("question", "answer")


class ModerationRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def community(self, community_id: int) -> Community | None:
        return await self.session.get(Community, community_id)

    async def question(self, community_id: int, number: int) -> Question | None:
        return await self.session.scalar(
            select(Question).where(Question.community_id == community_id, Question.number == number)
        )

    async def answer(self, community_id: int, answer_id: int) -> tuple[Answer, Question] | None:
        row = (
            await self.session.execute(
                select(Answer, Question)
                .join(Question, Question.id == Answer.question_id)
                .where(Answer.id == answer_id, Question.community_id == community_id)
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def copy_at(self, chat_id: int, message_id: int) -> tuple[str, int] | None:
        """(kind, question or answer id) of the bot's message `message_id` in `chat_id`."""
        row = (
            await self.session.execute(
                select(OutboxMessage.kind, OutboxMessage.ref_id).where(
                    OutboxMessage.chat_id == chat_id,
                    OutboxMessage.message_id == message_id,
                    OutboxMessage.kind.in_(COPY_KINDS),
                )
            )
        ).first()
        return None if row is None or row[1] is None else (str(row[0]), int(row[1]))

    async def question_at(self, community_id: int, message_id: int) -> Question | None:
        """The question whose group message (the /ask, or the bot's copy) is `message_id`."""
        return await self.session.scalar(
            select(Question).where(
                Question.community_id == community_id, Question.group_message_id == message_id
            )
        )

    async def question_by_id(self, community_id: int, question_id: int) -> Question | None:
        return await self.session.scalar(
            select(Question).where(
                Question.id == question_id, Question.community_id == community_id
            )
        )

    async def sent_copies(self, chat_id: int, kind: str, ref_id: int) -> list[int]:
        """Message ids of the bot's copies of a question or an answer sent to `chat_id`."""
        rows = await self.session.scalars(
            select(OutboxMessage.message_id).where(
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.kind == kind,
                OutboxMessage.ref_id == ref_id,
                OutboxMessage.status == "sent",
                OutboxMessage.message_id.is_not(None),
            )
        )
        return [int(m) for m in rows]

    async def drop_unsent(self, kind: str, ref_ids: list[int]) -> None:
        """Copies of these questions or answers not sent yet are not sent at all."""
        if not ref_ids:
            return
        await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.kind == kind,
                OutboxMessage.ref_id.in_(ref_ids),
                OutboxMessage.status == "pending",
            )
            .values(status="dropped", error="hidden by a moderator")
            .execution_options(synchronize_session=False)
        )

    async def expire_requests(self, question_id: int) -> int:
        """The question's open invitations end: queued ones are dropped before they are sent
        (bot.app's still_wanted), and nobody can answer through them any more."""
        result = await self.session.execute(
            update(RoutingRequest)
            .where(
                RoutingRequest.question_id == question_id,
                RoutingRequest.status.in_(OPEN_REQUEST),
            )
            .values(status="expired")
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)

    async def answer_ids(self, question_id: int) -> list[int]:
        rows = await self.session.scalars(
            select(Answer.id).where(Answer.question_id == question_id)
        )
        return list(rows)

    async def faq_entries_of(
        self, *, question_id: int | None = None, answer_id: int | None = None
    ) -> list[FaqEntry]:
        """FAQ entries made from this question's accepted answers, or from this answer."""
        query = select(FaqEntry)
        if question_id is not None:
            query = query.where(FaqEntry.question_id == question_id)
        if answer_id is not None:
            query = query.where(FaqEntry.answer_id == answer_id)
        return list(await self.session.scalars(query.order_by(FaqEntry.id)))

    async def member_of(
        self, community_id: int, *, user_id: int | None = None, username: str | None = None
    ) -> Member | None:
        """A member of the community (now or before), by Telegram user id or @username."""
        query = select(Member).join(
            Membership,
            (Membership.member_id == Member.id) & (Membership.community_id == community_id),
        )
        if user_id is not None:
            query = query.where(Member.user_id == user_id)
        if username is not None:
            query = query.where(func.lower(Member.username) == username.lower())
        return await self.session.scalar(query.order_by(Member.id).limit(1))

    async def member(self, member_id: int | None) -> Member | None:
        return None if member_id is None else await self.session.get(Member, member_id)

    async def active_suspension(
        self, community_id: int, member_id: int, now: datetime
    ) -> Suspension | None:
        return await self.session.scalar(
            select(Suspension)
            .where(
                Suspension.community_id == community_id,
                Suspension.member_id == member_id,
                Suspension.lifted_at.is_(None),
                Suspension.until > now,
            )
            .order_by(Suspension.id.desc())
            .limit(1)
        )

    async def add_suspension(self, suspension: Suspension) -> Suspension:
        self.session.add(suspension)
        await self.session.flush()
        return suspension

    async def audit_page(
        self, community_id: int, limit: int
    ) -> list[tuple[AuditEntry, str | None, str | None]]:
        """The community's newest audit entries, each with its actor's first and last name."""
        rows = await self.session.execute(
            select(AuditEntry, Member.first_name, Member.last_name)
            .outerjoin(Member, Member.id == AuditEntry.actor_id)
            .where(AuditEntry.community_id == community_id)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
        return [(entry, first, last) for entry, first, last in rows]
