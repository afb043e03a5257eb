"""Questions, their tags and the peers asked about them; what routing needs to know of members."""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Answer,
    AnswerVote,
    Community,
    Member,
    MemberExpertise,
    Membership,
    Question,
    QuestionTag,
    RoutingRequest,
    Tag,
    TagSynonym,
)

OPEN_REQUEST = ("pending", "sent", "later")
RESPONDED = ("answered", "declined")

# Earned expertise as it counts now: (weight, when it was last brought to date) -> weight.
# The rule is the services' (bot.services.matching.decayed); without one, nothing decays.
Decay = Callable[[float, datetime | None], float]


def _no_decay(weight: float, _since: datetime | None) -> float:
    return weight


@dataclass(frozen=True, slots=True)
class PeerFacts:
    """What the database says about one possible peer for a question."""

    member_id: int
    user_id: int
    tag_weights: dict[int, float]
    language: str | None
    telegram_language: str | None
    spoken_languages: tuple[str, ...]
    timezone: str | None
    quiet_from: int | None
    quiet_to: int | None
    accepted: int
    helpful: int
    requests: int
    responses: int
    open_requests: int
    last_asked_at: datetime | None


class QuestionsRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def vocabulary(self, community_id: int) -> list[tuple[str, int]]:
        """Every tag name and synonym of the community, with its tag id."""
        names = await self.session.execute(
            select(Tag.name, Tag.id).where(Tag.community_id == community_id)
        )
        synonyms = await self.session.execute(
            select(TagSynonym.synonym, TagSynonym.tag_id).where(
                TagSynonym.community_id == community_id
            )
        )
        return [(n, i) for n, i in names] + [(s, i) for s, i in synonyms]

    async def next_number(self, community_id: int) -> int:
        highest = await self.session.scalar(
            select(func.max(Question.number)).where(Question.community_id == community_id)
        )
        return (highest or 0) + 1

    async def add(self, question: Question, tags: dict[int, bool]) -> Question:
        """`tags`: tag id -> explicit (a #hashtag)."""
        self.session.add(question)
        await self.session.flush()
        self.session.add_all(
            QuestionTag(question_id=question.id, tag_id=t, explicit=e) for t, e in tags.items()
        )
        await self.session.flush()
        return question

    def _eligible(self, community_id: int, exclude_member_id: int | None) -> list[Any]:
        """Who may be asked here: an active member who started the bot, did not block it,
        did not opt out of routing, and is not the asker. (EXISTS, not IN: SQLite would build
        the whole community's member list for each question.)"""
        membership = (
            select(Membership.id)
            .where(
                Membership.community_id == community_id,
                Membership.member_id == Member.id,
                Membership.active.is_(True),
            )
            .exists()
        )
        return [
            membership,
            Member.dm_available.is_(True),
            Member.routing_opt_out.is_(False),
            Member.id != (exclude_member_id or 0),
        ]

    async def tag_weights(
        self, tag_ids: list[int], decay: Decay = _no_decay
    ) -> dict[int, dict[int, float]]:
        """Member id -> tag id -> declared (1) + earned weight (as `decay` counts it now), for
        everyone with expertise on one of `tag_ids` (whether they may be asked or not)."""
        weights: dict[int, dict[int, float]] = {}
        if not tag_ids:
            return weights
        known = await self.session.execute(
            select(
                MemberExpertise.member_id,
                MemberExpertise.tag_id,
                MemberExpertise.declared,
                MemberExpertise.earned_weight,
                MemberExpertise.earned_at,
            ).where(MemberExpertise.tag_id.in_(tag_ids))
        )
        for member_id, tag_id, declared, earned, earned_at in known:
            weight = (1.0 if declared else 0.0) + decay(earned, earned_at)
            weights.setdefault(member_id, {})[tag_id] = weight
        return weights

    async def peers_for(
        self,
        community_id: int,
        tag_ids: list[int],
        exclude_member_id: int | None,
        *,
        text_matches: Collection[int] = (),
        decay: Decay = _no_decay,
    ) -> list[PeerFacts]:
        """Members of the community who may be asked (see `_eligible`) and either know one of
        `tag_ids` or are among `text_matches` (member ids), with their record."""
        weights = await self.tag_weights(tag_ids, decay)
        for member_id in text_matches:
            weights.setdefault(member_id, {})
        return await self.peer_facts(community_id, weights, exclude_member_id)

    async def peer_facts(
        self,
        community_id: int,
        weights: dict[int, dict[int, float]],
        exclude_member_id: int | None,
    ) -> list[PeerFacts]:
        """The facts of those of `weights`' members who may be asked here (`_eligible`)."""
        if not weights:
            return []
        eligible = set(
            await self.session.scalars(
                select(Member.id).where(
                    Member.id.in_(list(weights)),
                    *self._eligible(community_id, exclude_member_id),
                )
            )
        )
        if not eligible:
            return []
        return await self._facts({m: w for m, w in weights.items() if m in eligible})

    async def _facts(self, weights: dict[int, dict[int, float]]) -> list[PeerFacts]:
        ids = list(weights)
        requests = {
            row.member_id: row
            for row in await self.session.execute(
                select(
                    RoutingRequest.member_id,
                    func.count().label("requests"),
                    func.sum(case((RoutingRequest.status.in_(RESPONDED), 1), else_=0)).label(
                        "responses"
                    ),
                    func.sum(case((RoutingRequest.status.in_(OPEN_REQUEST), 1), else_=0)).label(
                        "open"
                    ),
                    func.max(RoutingRequest.created_at).label("last"),
                )
                .where(RoutingRequest.member_id.in_(ids))
                .group_by(RoutingRequest.member_id)
            )
        }
        answers = {
            row.author_id: row
            for row in await self.session.execute(
                select(
                    Answer.author_id,
                    func.sum(case((Answer.accepted.is_(True), 1), else_=0)).label("accepted"),
                    func.sum(Answer.helpful_count).label("helpful"),
                )
                .where(Answer.author_id.in_(ids))
                .group_by(Answer.author_id)
            )
        }
        members = await self.session.scalars(select(Member).where(Member.id.in_(ids)))
        facts = []
        for m in members:
            r, a = requests.get(m.id), answers.get(m.id)
            facts.append(
                PeerFacts(
                    member_id=m.id,
                    user_id=m.user_id,
                    tag_weights=weights[m.id],
                    language=m.language,
                    telegram_language=m.telegram_language,
                    spoken_languages=tuple(m.spoken_languages or ()),
                    timezone=m.timezone,
                    quiet_from=m.quiet_from,
                    quiet_to=m.quiet_to,
                    accepted=int(a.accepted or 0) if a is not None else 0,
                    helpful=int(a.helpful or 0) if a is not None else 0,
                    requests=int(r.requests) if r is not None else 0,
                    responses=int(r.responses or 0) if r is not None else 0,
                    open_requests=int(r.open or 0) if r is not None else 0,
                    last_asked_at=r.last if r is not None else None,
                )
            )
        return sorted(facts, key=lambda f: f.member_id)

    async def add_request(self, request: RoutingRequest) -> RoutingRequest:
        self.session.add(request)
        await self.session.flush()
        return request

    async def asked_members(self, question_id: int) -> set[int]:
        rows = await self.session.scalars(
            select(RoutingRequest.member_id).where(RoutingRequest.question_id == question_id)
        )
        return set(rows)

    async def question_tag_ids(self, question_id: int) -> list[int]:
        rows = await self.session.scalars(
            select(QuestionTag.tag_id).where(QuestionTag.question_id == question_id)
        )
        return list(rows)

    async def request_with_question(
        self, request_id: int
    ) -> tuple[RoutingRequest, Question, Community] | None:
        row = (
            await self.session.execute(
                select(RoutingRequest, Question, Community)
                .join(Question, Question.id == RoutingRequest.question_id)
                .join(Community, Community.id == Question.community_id)
                .where(RoutingRequest.id == request_id)
            )
        ).first()
        return None if row is None else (row[0], row[1], row[2])

    async def member(self, member_id: int) -> Member | None:
        return await self.session.get(Member, member_id)

    async def user_id_of(self, member_id: int) -> int:
        user_id = await self.session.scalar(select(Member.user_id).where(Member.id == member_id))
        if user_id is None:
            raise LookupError(f"member #{member_id} not recorded")
        return int(user_id)

    async def add_answer(
        self, question_id: int, author_id: int, text: str, now: datetime
    ) -> Answer:
        answer = Answer(
            question_id=question_id,
            author_id=author_id,
            text=text,
            accepted=False,
            helpful_count=0,
            created_at=now,
        )
        self.session.add(answer)
        await self.session.flush()
        return answer

    async def mark_sent(self, request_id: int, message_id: int, now: datetime) -> None:
        await self.session.execute(
            update(RoutingRequest)
            .where(RoutingRequest.id == request_id, RoutingRequest.status == "pending")
            .values(status="sent", sent_at=now, dm_message_id=message_id)
            .execution_options(synchronize_session=False)
        )

    async def answer_with_question(self, answer_id: int) -> tuple[Answer, Question] | None:
        row = (
            await self.session.execute(
                select(Answer, Question)
                .join(Question, Question.id == Answer.question_id)
                .where(Answer.id == answer_id)
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def by_number(self, community_id: int, number: int) -> Question | None:
        return await self.session.scalar(
            select(Question).where(Question.community_id == community_id, Question.number == number)
        )

    async def add_vote(self, answer_id: int, member_id: int, kind: str, now: datetime) -> bool:
        """False if this member already voted so (nothing changes)."""
        try:
            async with self.session.begin_nested():
                self.session.add(
                    AnswerVote(answer_id=answer_id, member_id=member_id, kind=kind, created_at=now)
                )
        except IntegrityError:
            return False
        return True

    async def earn(
        self,
        member_id: int,
        tag_ids: list[int],
        weight: float,
        now: datetime,
        *,
        decay: Decay,
    ) -> None:
        """Add earned `weight` to the member's expertise on `tag_ids` (creating the rows); what
        was earned before is first decayed to `now` (`decay(weight, earned_at)`)."""
        if not tag_ids:
            return
        rows = {
            e.tag_id: e
            for e in await self.session.scalars(
                select(MemberExpertise).where(
                    MemberExpertise.member_id == member_id, MemberExpertise.tag_id.in_(tag_ids)
                )
            )
        }
        for tag_id in tag_ids:
            row = rows.get(tag_id)
            if row is None:
                self.session.add(
                    MemberExpertise(
                        member_id=member_id,
                        tag_id=tag_id,
                        declared=False,
                        earned_weight=weight,
                        earned_at=now,
                        updated_at=now,
                    )
                )
            else:
                row.earned_weight = decay(row.earned_weight, row.earned_at) + weight
                row.earned_at = row.updated_at = now
        await self.session.flush()

    async def due_for_escalation(self, now: datetime, limit: int) -> list[int]:
        rows = await self.session.scalars(
            select(Question.id)
            .where(
                Question.status == "open",
                Question.first_answer_at.is_(None),
                Question.next_escalation_at <= now,
            )
            .order_by(Question.next_escalation_at)
            .limit(limit)
        )
        return list(rows)

    async def claim_escalation(self, question_id: int, now: datetime) -> bool:
        """Take the question's due escalation (one instance only): its slot is cleared."""
        result = await self.session.execute(
            update(Question)
            .where(
                Question.id == question_id,
                Question.status == "open",
                Question.first_answer_at.is_(None),
                Question.next_escalation_at <= now,
            )
            .values(next_escalation_at=None)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

    async def question_with_community(self, question_id: int) -> tuple[Question, Community] | None:
        row = (
            await self.session.execute(
                select(Question, Community)
                .join(Community, Community.id == Question.community_id)
                .where(Question.id == question_id)
                .execution_options(populate_existing=True)
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def reachable_by_user_id(self, user_ids: list[int]) -> list[Member]:
        if not user_ids:
            return []
        rows = await self.session.scalars(
            select(Member).where(Member.user_id.in_(user_ids), Member.dm_available.is_(True))
        )
        return list(rows)

    async def question_lines(
        self,
        *,
        community_id: int | None = None,
        asker_id: int | None = None,
        requested_member_id: int | None = None,
        limit: int,
    ) -> list[tuple[int, str, str, int, str, int, int | None]]:
        """Newest first: a community's open questions, a member's own, or those a member was
        asked about and has not responded to. Each: number, text, status, answers, community
        title, community chat id, group message id."""
        answers = (
            select(func.count())
            .select_from(Answer)
            .where(Answer.question_id == Question.id)
            .scalar_subquery()
        )
        query = select(
            Question.number,
            Question.text,
            Question.status,
            answers,
            Community.title,
            Community.chat_id,
            Question.group_message_id,
        ).join(Community, Community.id == Question.community_id)
        if community_id is not None:
            query = query.where(Question.community_id == community_id, Question.status == "open")
        if asker_id is not None:
            query = query.where(Question.asker_id == asker_id)
        if requested_member_id is not None:
            query = query.join(RoutingRequest, RoutingRequest.question_id == Question.id).where(
                RoutingRequest.member_id == requested_member_id,
                RoutingRequest.status.in_(OPEN_REQUEST),
                Question.status != "closed",
            )
        rows = await self.session.execute(query.order_by(Question.id.desc()).limit(limit))
        return [tuple(row) for row in rows]  # type: ignore[misc]

    async def requests_of(self, question_id: int) -> list[tuple[RoutingRequest, str]]:
        rows = await self.session.execute(
            select(RoutingRequest, Member.first_name)
            .join(Member, Member.id == RoutingRequest.member_id)
            .where(RoutingRequest.question_id == question_id)
            .order_by(RoutingRequest.round, RoutingRequest.rank)
        )
        return [(r, name) for r, name in rows]

    async def due_for_nudge(self, before: datetime, limit: int) -> list[int]:
        """Open questions with an answer since before `before` whose asker was not nudged."""
        rows = await self.session.scalars(
            select(Question.id)
            .where(
                Question.status == "open",
                Question.first_answer_at <= before,
                Question.nudged_at.is_(None),
                Question.asker_id.is_not(None),
            )
            .order_by(Question.first_answer_at)
            .limit(limit)
        )
        return list(rows)

    async def claim_nudge(self, question_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            update(Question)
            .where(
                Question.id == question_id,
                Question.status == "open",
                Question.nudged_at.is_(None),
            )
            .values(nudged_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

    async def answer_count(self, question_id: int) -> int:
        count = await self.session.scalar(
            select(func.count()).select_from(Answer).where(Answer.question_id == question_id)
        )
        return int(count or 0)

    async def lock_question(self, question_id: int) -> None:
        """Hold the question's row until the transaction ends, so concurrent changes to who
        is asked take turns (PostgreSQL; SQLite's writers take turns anyway)."""
        await self.session.execute(
            select(Question.id).where(Question.id == question_id).with_for_update()
        )

    async def is_member(self, community_id: int, member_id: int) -> bool:
        found = await self.session.scalar(
            select(Membership.id).where(
                Membership.community_id == community_id,
                Membership.member_id == member_id,
                Membership.active.is_(True),
            )
        )
        return found is not None

    async def count_helpful(self, answer_id: int) -> int:
        """Add one helpful vote to the answer's count, in SQL; returns the new count."""
        count = await self.session.scalar(
            update(Answer)
            .where(Answer.id == answer_id)
            .values(helpful_count=Answer.helpful_count + 1)
            .returning(Answer.helpful_count)
            .execution_options(synchronize_session=False)
        )
        return int(count or 0)

    async def lock_community(self, community_id: int) -> Community | None:
        return await self.session.scalar(
            select(Community)
            .where(Community.id == community_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def set_group_message(self, question_id: int, message_id: int) -> None:
        await self.session.execute(
            update(Question)
            .where(Question.id == question_id, Question.group_message_id.is_(None))
            .values(group_message_id=message_id)
            .execution_options(synchronize_session=False)
        )

    async def waiting_for(
        self, community_id: int, member_id: int, since: datetime, limit: int
    ) -> list[int]:
        """Open, unanswered questions of the community since `since`, newest first, on a topic
        the member declared, that nobody is asked about now and the member never was."""
        declared = select(MemberExpertise.tag_id).where(
            MemberExpertise.member_id == member_id, MemberExpertise.declared.is_(True)
        )
        on_topic = select(QuestionTag.question_id).where(QuestionTag.tag_id.in_(declared))
        asked_now = select(RoutingRequest.question_id).where(
            RoutingRequest.status.in_(OPEN_REQUEST)
        )
        asked_member = select(RoutingRequest.question_id).where(
            RoutingRequest.member_id == member_id
        )
        rows = await self.session.scalars(
            select(Question.id)
            .where(
                Question.community_id == community_id,
                Question.status == "open",
                Question.first_answer_at.is_(None),
                Question.created_at >= since,
                Question.id.in_(on_topic),
                Question.id.not_in(asked_now),
                Question.id.not_in(asked_member),
                Question.asker_id.is_distinct_from(member_id),
            )
            .order_by(Question.id.desc())
            .limit(limit)
        )
        return list(rows)
