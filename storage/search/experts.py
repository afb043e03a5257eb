"""Expert documents: per member and community, the text routing ranks questions against."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Answer, ExpertDocument, Member, MemberExpertise, Question, Tag
from storage.search import SearchBackend, query_terms, session_backend

INDEX = "expert_documents_fts"
MAX_ANSWERS = 50  # the latest accepted answers a document keeps
MAX_BODY = 40_000  # characters


def compose(bio: str | None, labels: Sequence[str], answers: Sequence[tuple[str, str]]) -> str:
    """The document: bio, topic labels, then each accepted answer after its question."""
    parts = [bio or "", " ".join(labels)]
    parts += [f"{question}\n{answer}" for question, answer in answers]
    return "\n".join(p for p in parts if p.strip())[:MAX_BODY]


class ExpertDocuments:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._search: SearchBackend | None = None

    @property
    def search(self) -> SearchBackend:
        if self._search is None:
            self._search = session_backend(self.session)
        return self._search

    async def refresh(self, community_id: int, member_id: int, now: datetime) -> None:
        """Rebuild the member's document in this community from what the database says now
        (call it in the transaction that changed their bio, topics or accepted answers)."""
        body = compose(*await self._parts(community_id, member_id))
        document = await self.session.scalar(
            select(ExpertDocument).where(
                ExpertDocument.community_id == community_id, ExpertDocument.member_id == member_id
            )
        )
        if not body:
            if document is not None:
                await self.search.remove(self.session, INDEX, document.id)
                await self.session.execute(
                    delete(ExpertDocument).where(ExpertDocument.id == document.id)
                )
            return
        if document is None:
            document = ExpertDocument(community_id=community_id, member_id=member_id, body=body)
            self.session.add(document)
        document.body, document.updated_at = body, now
        await self.session.flush()
        await self.search.put(self.session, INDEX, document.id, community_id, body, member_id)

    async def _parts(
        self, community_id: int, member_id: int
    ) -> tuple[str | None, list[str], list[tuple[str, str]]]:
        bio = await self.session.scalar(select(Member.bio).where(Member.id == member_id))
        labels = await self.session.scalars(
            select(Tag.label)
            .join(MemberExpertise, MemberExpertise.tag_id == Tag.id)
            .where(
                MemberExpertise.member_id == member_id,
                Tag.community_id == community_id,
                or_(MemberExpertise.declared.is_(True), MemberExpertise.earned_weight > 0),
            )
            .order_by(Tag.label)
        )
        answers = await self.session.execute(
            select(Question.text, Answer.text)
            .join(Question, Question.id == Answer.question_id)
            .where(
                Answer.author_id == member_id,
                Answer.accepted.is_(True),
                Answer.hidden_at.is_(None),  # a moderator hid it (bot.services.moderation)
                Question.community_id == community_id,
            )
            .order_by(Answer.id.desc())
            .limit(MAX_ANSWERS)
        )
        return bio, list(labels), [(q, a) for q, a in answers]

    async def relevance(self, community_id: int, text: str, limit: int) -> dict[int, float]:
        """Member id -> 0..1 for the `limit` documents of the community that best match the
        words of `text` (any of them): the best match is 1, the others in proportion."""
        hits = await self.search.top(self.session, INDEX, community_id, query_terms(text), limit)
        if not hits:
            return {}
        best = hits[0].rank  # the index is keyed by member: no second query
        return {hit.key: hit.rank / best for hit in hits if hit.key is not None}
