"""A community's rows for /export, as plain column values, a page at a time by id (keyset
paging: each page is one indexed range read, however large the community)."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Answer,
    AnswerVote,
    FaqEntry,
    Meetup,
    MeetupRsvp,
    Member,
    Membership,
    Prompt,
    PromptPost,
    Question,
    RoutingRequest,
)

PAGE = 5000


@dataclass(frozen=True, slots=True)
class Table:
    """One CSV file: its header, the columns it is read from, and the key it is paged by."""

    name: str
    columns: Sequence[tuple[str, ColumnElement[Any]]]
    key: ColumnElement[int]
    joins: Sequence[tuple[Any, ColumnElement[bool]]]
    community: ColumnElement[int]
    outer_joins: Sequence[tuple[Any, ColumnElement[bool]]] = ()
    unique_key: bool = True  # False: several rows share a key (votes: one answer, many votes)

    @property
    def header(self) -> list[str]:
        return [name for name, _column in self.columns]

    def page(self, community_id: int, after: int, limit: int) -> Select[Any]:
        query = select(*(column for _name, column in self.columns), self.key)
        for target, on in self.joins:
            query = query.join(target, on)
        for target, on in self.outer_joins:
            query = query.outerjoin(target, on)
        query = query.where(self.community == community_id, self.key > after).order_by(self.key)
        return query.limit(limit) if limit else query


_OF_QUESTION = [(Question, Question.id == Answer.question_id)]
# An anonymous question's asker is in no export: not even a moderator's file names them.
_ASKER = case((Question.anonymous == false(), Question.asker_id), else_=None)

TABLES = (
    Table(
        "members.csv",
        [
            ("member_id", Member.id),
            ("first_name", Member.first_name),
            ("last_name", Member.last_name),
            ("username", Member.username),
            ("language", Member.language),
            ("role", Membership.role),
            ("active", Membership.active),
            ("joined_at", Membership.joined_at),
            ("left_at", Membership.left_at),
        ],
        Membership.id,
        [(Member, Member.id == Membership.member_id)],
        Membership.community_id,
    ),
    Table(
        "questions.csv",
        [
            ("question_id", Question.id),
            ("number", Question.number),
            ("asker_id", _ASKER),
            ("anonymous", Question.anonymous),
            ("language", Question.language),
            ("status", Question.status),
            ("rounds", Question.round),
            ("created_at", Question.created_at),
            ("first_answer_at", Question.first_answer_at),
            ("accepted_at", Question.answered_at),
            ("closed_at", Question.closed_at),
            ("text", Question.text),
        ],
        Question.id,
        [],
        Question.community_id,
    ),
    Table(
        "answers.csv",
        [
            ("answer_id", Answer.id),
            ("question_id", Answer.question_id),
            ("author_id", Answer.author_id),
            ("accepted", Answer.accepted),
            ("accepted_at", Answer.accepted_at),
            ("helpful_votes", Answer.helpful_count),
            ("created_at", Answer.created_at),
            ("text", Answer.text),
        ],
        Answer.id,
        _OF_QUESTION,
        Question.community_id,
    ),
    Table(
        "answer_votes.csv",
        [
            ("answer_id", AnswerVote.answer_id),
            ("member_id", AnswerVote.member_id),
            ("kind", AnswerVote.kind),
            ("created_at", AnswerVote.created_at),
        ],
        AnswerVote.answer_id,
        [(Answer, Answer.id == AnswerVote.answer_id), *_OF_QUESTION],
        Question.community_id,
        unique_key=False,
    ),
    Table(
        "routing_requests.csv",
        [
            ("request_id", RoutingRequest.id),
            ("question_id", RoutingRequest.question_id),
            ("member_id", RoutingRequest.member_id),
            ("round", RoutingRequest.round),
            ("rank", RoutingRequest.rank),
            ("score", RoutingRequest.score),
            ("status", RoutingRequest.status),
            ("created_at", RoutingRequest.created_at),
            ("sent_at", RoutingRequest.sent_at),
            ("responded_at", RoutingRequest.responded_at),
        ],
        RoutingRequest.id,
        [(Question, Question.id == RoutingRequest.question_id)],
        Question.community_id,
    ),
    Table(
        "faq.csv",
        [
            ("entry_id", FaqEntry.id),
            ("question", FaqEntry.question),
            ("answer", FaqEntry.answer),
            ("tags", FaqEntry.tags),
            ("language", FaqEntry.language),
            ("source", FaqEntry.source),
            ("question_id", FaqEntry.question_id),
            ("answer_id", FaqEntry.answer_id),
            ("verified", FaqEntry.verified),
            ("published", FaqEntry.published),
            ("views", FaqEntry.view_count),
            ("helpful", FaqEntry.helpful_count),
            ("created_at", FaqEntry.created_at),
            ("updated_at", FaqEntry.updated_at),
            ("deleted_at", FaqEntry.deleted_at),
        ],
        FaqEntry.id,
        [],
        FaqEntry.community_id,
    ),
    Table(
        "meetups.csv",
        [
            ("meetup_id", Meetup.id),
            ("title", Meetup.title),
            ("starts_at", Meetup.starts_at),
            ("duration_minutes", Meetup.duration_minutes),
            ("recurrence", Meetup.recurrence),
            ("status", Meetup.status),
            ("created_at", Meetup.created_at),
        ],
        Meetup.id,
        [],
        Meetup.community_id,
    ),
    Table(
        "rsvps.csv",
        [
            ("rsvp_id", MeetupRsvp.id),
            ("meetup_id", MeetupRsvp.meetup_id),
            ("member_id", MeetupRsvp.member_id),
            ("answer", MeetupRsvp.answer),
            ("attended", MeetupRsvp.attended),
            ("created_at", MeetupRsvp.created_at),
            ("updated_at", MeetupRsvp.updated_at),
        ],
        MeetupRsvp.id,
        [(Meetup, Meetup.id == MeetupRsvp.meetup_id)],
        Meetup.community_id,
    ),
    Table(
        "prompt_replies.csv",
        [
            ("post_id", PromptPost.id),
            ("prompt_id", PromptPost.prompt_id),
            ("posted_at", PromptPost.slot),
            ("replies", PromptPost.reply_count),
            ("prompt", Prompt.text),
        ],
        PromptPost.id,
        [],
        PromptPost.community_id,
        outer_joins=[(Prompt, Prompt.id == PromptPost.prompt_id)],
    ),
)


class ExportsRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pages(
        self, table: Table, community_id: int, limit: int = PAGE
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """The table's rows of the community, `limit` at a time, as tuples of its columns."""
        after = 0
        while True:
            rows = list(await self.session.execute(table.page(community_id, after, limit)))
            full = len(rows) == limit
            if full and not table.unique_key:
                rows = await self._whole_keys(table, community_id, after, rows)
            if rows:
                yield [tuple(row[:-1]) for row in rows]
            if not full:
                return
            after = rows[-1][-1]

    async def _whole_keys(
        self, table: Table, community_id: int, after: int, rows: list[Any]
    ) -> list[Any]:
        """A full page without the rows of its last key, which may go on past the page (they
        start the next one); or, if the page is all one key, every row of that key."""
        last = rows[-1][-1]
        kept = [row for row in rows if row[-1] != last]
        if kept:
            return kept
        query = table.page(community_id, after, 0).where(table.key == last)
        return list(await self.session.execute(query))
