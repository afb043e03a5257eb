"""Everything stored about one member (/mydata), and erasing it (/forgetme)."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Answer,
    AnswerVote,
    AuditEntry,
    Community,
    ExpertDocument,
    FaqEntry,
    FaqSearch,
    Meetup,
    MeetupRsvp,
    Member,
    MemberExpertise,
    Membership,
    OutboxMessage,
    Question,
    RoutingRequest,
    Suspension,
    Tag,
)
from storage.repos.questions import OPEN_REQUEST
from storage.search import session_backend
from storage.search.experts import INDEX as EXPERTS_INDEX

FORMER_MEMBER = "Former member"  # the erased member's row keeps no name but this

Rows = list[dict[str, Any]]


def _rows(result: Any) -> Rows:
    return [dict(row._mapping) for row in result]


class PrivacyRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def running_suspension(self, member_id: int, now: datetime) -> Suspension | None:
        """The member's suspension still running in any community, ending last."""
        return await self.session.scalar(
            select(Suspension)
            .where(
                Suspension.member_id == member_id,
                Suspension.lifted_at.is_(None),
                Suspension.until > now,
            )
            .order_by(Suspension.until.desc())
            .limit(1)
        )

    async def member(self, user_id: int) -> Member | None:
        return await self.session.scalar(select(Member).where(Member.user_id == user_id))

    async def memberships(self, member_id: int) -> Rows:
        return _rows(
            await self.session.execute(
                select(
                    Community.title.label("community"),
                    Membership.role,
                    Membership.active,
                    Membership.joined_at,
                    Membership.left_at,
                )
                .join(Community, Community.id == Membership.community_id)
                .where(Membership.member_id == member_id)
                .order_by(Membership.id)
            )
        )

    async def expertise(self, member_id: int) -> Rows:
        return _rows(
            await self.session.execute(
                select(
                    Community.title.label("community"),
                    Tag.label.label("topic"),
                    MemberExpertise.declared,
                    MemberExpertise.earned_weight,
                    MemberExpertise.earned_at,
                )
                .join(Tag, Tag.id == MemberExpertise.tag_id)
                .join(Community, Community.id == Tag.community_id)
                .where(MemberExpertise.member_id == member_id)
                .order_by(Community.id, Tag.label)
            )
        )

    async def faq_entries(self, member_id: int) -> Rows:
        """FAQ entries made from their answers (they are its author)."""
        return _rows(
            await self.session.execute(
                select(
                    Community.title.label("community"),
                    FaqEntry.id,
                    FaqEntry.question,
                    FaqEntry.answer,
                    FaqEntry.published,
                    FaqEntry.created_at,
                )
                .join(Community, Community.id == FaqEntry.community_id)
                .where(FaqEntry.author_id == member_id)
                .order_by(FaqEntry.id)
            )
        )

    async def actions(self, member_id: int) -> Rows:
        """What they did as a moderator (the audit log's entries with them as the actor)."""
        return _rows(
            await self.session.execute(
                select(
                    Community.title.label("community"),
                    AuditEntry.action,
                    AuditEntry.target_kind,
                    AuditEntry.target_id,
                    AuditEntry.created_at,
                )
                .outerjoin(Community, Community.id == AuditEntry.community_id)
                .where(AuditEntry.actor_id == member_id)
                .order_by(AuditEntry.id)
            )
        )

    async def questions(self, member_id: int) -> Rows:
        return _rows(
            await self.session.execute(
                select(
                    Community.title.label("community"),
                    Question.number,
                    Question.text,
                    Question.anonymous,
                    Question.status,
                    Question.created_at,
                    Question.answered_at,
                    Question.closed_at,
                )
                .join(Community, Community.id == Question.community_id)
                .where(Question.asker_id == member_id)
                .order_by(Question.id)
            )
        )

    async def answers(self, member_id: int) -> Rows:
        return _rows(
            await self.session.execute(
                select(
                    Community.title.label("community"),
                    Question.number.label("question_number"),
                    Answer.text,
                    Answer.accepted,
                    Answer.helpful_count.label("helpful_votes_received"),
                    Answer.created_at,
                )
                .join(Question, Question.id == Answer.question_id)
                .join(Community, Community.id == Question.community_id)
                .where(Answer.author_id == member_id)
                .order_by(Answer.id)
            )
        )

    async def votes_given(self, member_id: int) -> Rows:
        return _rows(
            await self.session.execute(
                select(
                    Community.title.label("community"),
                    Question.number.label("question_number"),
                    AnswerVote.kind,
                    AnswerVote.created_at,
                )
                .join(Answer, Answer.id == AnswerVote.answer_id)
                .join(Question, Question.id == Answer.question_id)
                .join(Community, Community.id == Question.community_id)
                .where(AnswerVote.member_id == member_id)
                .order_by(AnswerVote.created_at)
            )
        )

    async def requests(self, member_id: int) -> Rows:
        return _rows(
            await self.session.execute(
                select(
                    Community.title.label("community"),
                    Question.number.label("question_number"),
                    RoutingRequest.round,
                    RoutingRequest.status,
                    RoutingRequest.created_at,
                    RoutingRequest.responded_at,
                )
                .join(Question, Question.id == RoutingRequest.question_id)
                .join(Community, Community.id == Question.community_id)
                .where(RoutingRequest.member_id == member_id)
                .order_by(RoutingRequest.id)
            )
        )

    async def rsvps(self, member_id: int) -> Rows:
        return _rows(
            await self.session.execute(
                select(
                    Community.title.label("community"),
                    Meetup.title.label("meetup"),
                    Meetup.starts_at,
                    MeetupRsvp.answer,
                    MeetupRsvp.attended,
                    MeetupRsvp.updated_at,
                )
                .join(Meetup, Meetup.id == MeetupRsvp.meetup_id)
                .join(Community, Community.id == Meetup.community_id)
                .where(MeetupRsvp.member_id == member_id)
                .order_by(Meetup.starts_at)
            )
        )

    async def suspensions(self, member_id: int) -> Rows:
        return _rows(
            await self.session.execute(
                select(
                    Community.title.label("community"),
                    Suspension.reason,
                    Suspension.until,
                    Suspension.lifted_at,
                    Suspension.created_at,
                )
                .join(Community, Community.id == Suspension.community_id)
                .where(Suspension.member_id == member_id)
                .order_by(Suspension.id)
            )
        )

    async def searches(self, member_id: int) -> Rows:
        return _rows(
            await self.session.execute(
                select(FaqSearch.kind, FaqSearch.query, FaqSearch.created_at)
                .where(FaqSearch.member_id == member_id)
                .order_by(FaqSearch.id)
            )
        )

    # ------------------------------------------------------------------------------ erasure

    async def erase(self, member: Member, now: datetime) -> dict[str, int]:
        """Erase `member`'s personal data (the caller's transaction); what it did, by count.

        The row stays, renamed, for what still refers to it without saying who (past RSVPs
        in attendance figures, votes, suspensions, answered invitations, audit entries); its
        Telegram id is replaced by a negative one (real ids are positive), so the person is a
        new member if they come back. Questions, answers and FAQ entries stay as the group's
        shared knowledge, with no author."""
        member_id, chat_id = member.id, member.user_id
        done = {
            "memberships": await self._delete(Membership, Membership.member_id == member_id),
            "expertise": await self._delete(
                MemberExpertise, MemberExpertise.member_id == member_id
            ),
            "documents": await self._documents(member_id),
            "invitations": await self._update(
                RoutingRequest,
                (RoutingRequest.member_id == member_id, RoutingRequest.status.in_(OPEN_REQUEST)),
                {"status": "expired", "responded_at": now},
            ),
            "rsvps": await self._delete(
                MeetupRsvp,
                MeetupRsvp.member_id == member_id,
                MeetupRsvp.meetup_id.in_(select(Meetup.id).where(Meetup.starts_at > now)),
            ),
            "questions": await self._update(
                Question, (Question.asker_id == member_id,), {"asker_id": None}
            ),
            "answers": await self._update(
                Answer, (Answer.author_id == member_id,), {"author_id": None}
            ),
            "faq_entries": await self._update(
                FaqEntry, (FaqEntry.author_id == member_id,), {"author_id": None}
            ),
        }
        await self._update(FaqSearch, (FaqSearch.member_id == member_id,), {"member_id": None})
        # Nothing more goes to their private chat, and what went there (their own questions,
        # answers relayed to them) is not kept; a message being sent this instant finishes.
        await self._delete(
            OutboxMessage, OutboxMessage.chat_id == chat_id, OutboxMessage.status != "sending"
        )
        # Moderators' audit entries about them keep what was done, not their name.
        about = await self.session.scalars(
            select(AuditEntry).where(
                AuditEntry.target_kind == "member", AuditEntry.target_id == member_id
            )
        )
        for entry in about:
            if "name" in (entry.details or {}):
                entry.details = {**entry.details, "name": FORMER_MEMBER}
        # A bulk UPDATE of members, not an ORM change: the identity cache then drops all its
        # members, including the one cached under the old Telegram id (a flush would drop only
        # the new one's).
        await self.session.execute(
            update(Member)
            .where(Member.id == member_id)
            .values(
                user_id=-member_id,
                first_name=FORMER_MEMBER,
                last_name=None,
                username=None,
                telegram_language=None,
                language=None,
                spoken_languages=[],
                bio=None,
                timezone=None,
                dm_available=False,
                routing_opt_out=True,
                quiet_from=None,
                quiet_to=None,
                onboarded_at=None,
                faq_consent=None,
                faq_consent_asked_at=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        self.session.add(
            AuditEntry(
                community_id=None,
                actor_id=member_id,
                action="member_erased",
                target_kind="member",
                target_id=member_id,
                details=done,
                created_at=now,
            )
        )
        await self.session.flush()
        return done

    async def _documents(self, member_id: int) -> int:
        """Their expert documents, out of the search index too."""
        ids = list(
            await self.session.scalars(
                select(ExpertDocument.id).where(ExpertDocument.member_id == member_id)
            )
        )
        backend = session_backend(self.session)
        for document_id in ids:
            await backend.remove(self.session, EXPERTS_INDEX, document_id)
        return await self._delete(ExpertDocument, ExpertDocument.member_id == member_id)

    async def _delete(self, model: Any, *where: Any) -> int:
        count = await self._count(model, *where)
        if count:
            await self.session.execute(
                delete(model).where(*where).execution_options(synchronize_session=False)
            )
        return count

    async def _update(self, model: Any, where: tuple[Any, ...], values: dict[str, Any]) -> int:
        count = await self._count(model, *where)
        if count:
            await self.session.execute(
                update(model)
                .where(*where)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        return count

    async def _count(self, model: Any, *where: Any) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(model).where(*where)))
