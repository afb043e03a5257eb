"""Questions, their tags and the peers asked about them; what routing needs to know of members."""

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, bindparam, case, cast, func, literal, or_, select, update
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
    Suspension,
    Tag,
    TagSynonym,
    UTCDateTime,
    epoch_days,
)

OPEN_REQUEST = ("pending", "sent", "later")
RESPONDED = ("answered", "declined")

# Earned expertise as it counts now: (weight, when it was last brought to date) -> weight.
# The rule is the services' (bot.services.matching.decayed).
Decay = Callable[[float, datetime | None], float]


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


@functools.cache
def _top_weights_statement() -> Any:
    """See QuestionsRepo.top_weights; built once."""
    me = MemberExpertise.__table__
    now = bindparam("now_days")  # now, in days since 1970 (a number: no date math per row)
    age = now - me.c.earned_day
    factor = func.power(0.5, case((age > 0, age), else_=0.0) / bindparam("half_life"))
    earned = case(
        (me.c.earned_weight > 0, func.coalesce(me.c.earned_weight * factor, me.c.earned_weight)),
        else_=0.0,
    )
    pts = (
        select(
            me.c.member_id,
            me.c.tag_id,
            (case((me.c.declared.is_(True), 1.0), else_=0.0) + earned).label("w"),
        )
        .where(me.c.tag_id.in_(bindparam("tags", expanding=True)))
        .cte("pts")
    )
    cap = bindparam("cap")
    big = BigInteger()  # the salted order overflows 32 bits (as in matching.shortlist)
    prime = literal(2**31 - 1, big)
    salted = (
        (cast(pts.c.member_id, big) * literal(2654435761, big) % prime)
        * bindparam("salt", type_=big)
        % prime
    )
    top = (
        select(pts.c.member_id.label("id"))
        .group_by(pts.c.member_id)
        .order_by(func.sum(case((pts.c.w > cap, cap), else_=pts.c.w)).desc(), salted)
        .limit(bindparam("n"))
        .cte("top")
    )
    return (
        select(pts.c.member_id, pts.c.tag_id, pts.c.w, top.c.id.is_not(None))
        .select_from(pts.outerjoin(top, top.c.id == pts.c.member_id))
        .where(or_(top.c.id.is_not(None), pts.c.member_id.in_(bindparam("also", expanding=True))))
    )


@functools.cache
def _peer_facts_statement() -> Any:
    """Who of the members `:ids` may be asked in `:community_id` (not `:asker`), with their
    record: one statement, built once (routing runs it for every question, and building and
    hashing a statement of seven subqueries cost more than running it)."""
    requests, answers = RoutingRequest.__table__, Answer.__table__
    mine = requests.c.member_id == Member.id
    authored = answers.c.author_id == Member.id

    def count(table: Any, *where: Any) -> Any:
        return select(func.count()).select_from(table).where(*where).scalar_subquery()

    membership = (
        select(Membership.id)
        .where(
            Membership.community_id == bindparam("community_id"),
            Membership.member_id == Member.id,
            Membership.active.is_(True),
        )
        .exists()
    )
    suspended = (  # by a moderator, here, for now (bot.services.moderation)
        select(Suspension.id)
        .where(
            Suspension.community_id == bindparam("community_id"),
            Suspension.member_id == Member.id,
            Suspension.lifted_at.is_(None),
            Suspension.until > bindparam("now", type_=UTCDateTime()),
        )
        .exists()
    )
    return (
        select(
            Member.id,
            Member.user_id,
            Member.language,
            Member.telegram_language,
            Member.spoken_languages,
            Member.timezone,
            Member.quiet_from,
            Member.quiet_to,
            count(requests, mine).label("requests"),
            count(requests, mine, requests.c.status.in_(RESPONDED)).label("responses"),
            count(requests, mine, requests.c.status.in_(OPEN_REQUEST)).label("open"),
            select(func.max(requests.c.created_at)).where(mine).scalar_subquery().label("last"),
            count(answers, authored, answers.c.accepted.is_(True)).label("accepted"),
            select(func.coalesce(func.sum(answers.c.helpful_count), 0))
            .where(authored)
            .scalar_subquery()
            .label("helpful"),
        )
        .where(
            Member.id.in_(bindparam("ids", expanding=True)),
            membership,  # EXISTS, not IN: SQLite would list the whole community each time
            Member.dm_available.is_(True),
            Member.routing_opt_out.is_(False),
            Member.id != bindparam("asker"),
            ~suspended,
        )
        .order_by(Member.id)
    )


def _aware(value: datetime | str | None) -> datetime | None:
    """A UTC time read through an aggregate (the column's type does not apply to max())."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands max() of a datetime back as text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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

    async def top_weights(
        self,
        tag_ids: list[int],
        *,
        now: datetime,
        half_life_days: float,
        cap: float,
        salt: int,
        limit: int,
        also: Collection[int] = (),
    ) -> tuple[dict[int, dict[int, float]], bool]:
        """Member id -> tag id -> declared (1) + earned weight decayed to `now`, for the
        `limit` members who know `tag_ids` best (their weights capped at `cap` and summed;
        equals in the order bot.services.matching.shortlist gives them for the factor
        `salt`, its `salt_factor`), and for the members `also` (text matches). The database
        ranks them: a popular topic has thousands of experts, and reading them all cost more
        than the full-text search. Also says whether more experts were left out."""
        if not tag_ids:
            return {}, False
        rows = await self.session.execute(
            _top_weights_statement(),
            {
                "tags": tag_ids,
                "now_days": epoch_days(now),
                "half_life": half_life_days,
                "cap": cap,
                "salt": salt,
                "n": limit,
                "also": list(also),
            },
        )
        weights: dict[int, dict[int, float]] = {}
        ranked = set()
        for member_id, tag_id, weight, in_top in rows:
            weights.setdefault(member_id, {})[tag_id] = float(weight)
            if in_top:
                ranked.add(member_id)
        return weights, len(ranked) >= limit

    async def peer_facts(
        self,
        community_id: int,
        weights: dict[int, dict[int, float]],
        exclude_member_id: int | None,
        now: datetime,
    ) -> list[PeerFacts]:
        """The facts of those of `weights`' members who may be asked here (an active member
        who started the bot, has not blocked it or opted out, is not suspended here at `now`
        and is not the asker), in one
        statement: routing asks this for every question, so no round trip is spared."""
        if not weights:
            return []
        rows = await self.session.execute(
            _peer_facts_statement(),
            {
                "ids": list(weights),
                "community_id": community_id,
                "asker": exclude_member_id or 0,
                "now": now,
            },
        )
        return [
            PeerFacts(
                member_id=row.id,
                user_id=row.user_id,
                tag_weights=weights[row.id],
                language=row.language,
                telegram_language=row.telegram_language,
                spoken_languages=tuple(row.spoken_languages or ()),
                timezone=row.timezone,
                quiet_from=row.quiet_from,
                quiet_to=row.quiet_to,
                accepted=int(row.accepted or 0),
                helpful=int(row.helpful or 0),
                requests=int(row.requests or 0),
                responses=int(row.responses or 0),
                open_requests=int(row.open or 0),
                last_asked_at=_aware(row.last),
            )
            for row in rows
        ]

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
        query = query.where(not_hidden(Question))
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
                not_hidden(Question),
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
                not_hidden(Question),
                Question.id.in_(on_topic),
                Question.id.not_in(asked_now),
                Question.id.not_in(asked_member),
                Question.asker_id.is_distinct_from(member_id),
            )
            .order_by(Question.id.desc())
            .limit(limit)
        )
        return list(rows)

    async def request_of(self, question_id: int, member_id: int) -> RoutingRequest | None:
        return await self.session.scalar(
            select(RoutingRequest).where(
                RoutingRequest.question_id == question_id, RoutingRequest.member_id == member_id
            )
        )

    async def open_requests_of_member(self, community_id: int | None, member_id: int) -> list[int]:
        """The member's invitations that are still waiting for them, in the community (None:
        in all)."""
        query = (
            select(RoutingRequest.id)
            .join(Question, Question.id == RoutingRequest.question_id)
            .where(
                RoutingRequest.member_id == member_id,
                RoutingRequest.status.in_(OPEN_REQUEST),
                Question.status != "closed",  # nobody answers those: nothing to pass on
            )
            .order_by(RoutingRequest.id)
        )
        if community_id is not None:
            query = query.where(Question.community_id == community_id)
        return list(await self.session.scalars(query))

    async def has_open_request(self, question_id: int) -> bool:
        found = await self.session.scalar(
            select(RoutingRequest.id)
            .where(
                RoutingRequest.question_id == question_id,
                RoutingRequest.status.in_(OPEN_REQUEST),
            )
            .limit(1)
        )
        return found is not None


def not_hidden(model: type[Question] | type[Answer]) -> Any:
    """Not hidden by a moderator (bot.services.moderation): every listing of questions or
    answers (/open, the digest, reminders) filters by it, e.g.
    `select(Question).where(not_hidden(Question))`."""
    return model.hidden_at.is_(None)
