"""Asking the community: a question is stored with its tags and sent privately to the peers
best placed to answer it (bot.services.matching), through the outbox, in one transaction."""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.faq import FaqService
from bot.services.matching import (
    EARNED_HALF_LIFE,
    EXPERTISE_CAP,
    SHORTLIST,
    TEXT_CANDIDATES,
    Candidate,
    Score,
    choose,
    decay_at,
    salt_factor,
    shortlist,
)
from bot.services.members import pick_locale
from bot.services.moderators import ESCALATED, UNMATCHED, queue_moderators
from bot.services.outbox import OutboxService
from bot.services.tags import MAX_TAGS, Vocabulary, question_tags
from storage.db import transaction
from storage.models import Community, OutboxMessage, Question, RoutingRequest
from storage.repos.moderation import ModerationRepo
from storage.repos.questions import PeerFacts, QuestionsRepo
from storage.repos.tags import TagsRepo
from storage.search.experts import ExpertDocuments

MAX_QUESTION = 4000  # characters; messages that add a header shorten it to fit (bot.messages)
MAX_ANSWER = 3000  # characters: the relayed message adds a header
LATER = timedelta(hours=4)
ROUNDS = 2  # rounds of peers asked before the moderators are told
NUDGE_AFTER = timedelta(hours=24)  # after the first answer, the asker is reminded to accept
OPEN_REQUEST = ("pending", "sent", "later")
WAITING = timedelta(days=30)  # a question nobody could be asked about is routed again this long
WAITING_PER_EXPERT = 3  # at most this many waiting questions go to a newly declared expert


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


class QuestionError(Exception):
    """Bad input for a question; nothing was stored."""


class EmptyQuestion(QuestionError):
    pass


class QuestionTooLong(QuestionError):
    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length
        self.limit = MAX_QUESTION


class UnknownCommunity(QuestionError):
    """Not a community the bot serves, or not one of the asker's."""


class EmptyAnswer(QuestionError):
    pass


class AnswerTooLong(QuestionError):
    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length
        self.limit = MAX_ANSWER


class NotYourAnswer(QuestionError):
    """Accepting an answer to someone else's question, voting for one's own answer, or for an
    answer that is gone."""


class AlreadyVoted(QuestionError):
    pass


class AnswerHidden(QuestionError):
    """The answer, or its question, was hidden by a moderator: it can be neither accepted nor
    marked helpful."""


class NotYourQuestion(QuestionError):
    """Closing a question that is not this member's, or that does not exist here."""


class UnknownQuestion(QuestionError):
    """No such question in any of this member's communities."""


class AnsweringClosed(QuestionError):
    """Only the peers asked may answer in this community (open answering is off)."""


class OwnQuestion(QuestionError):
    """Nobody answers their own question."""


class NotYourRequest(QuestionError):
    """A button for a request that is not this member's, or that is over (answered,
    declined, or the question closed)."""


class Suspended(QuestionError):
    """A moderator suspended this member from asking and answering in the community until
    `until` (bot.services.moderation); `timezone`: the member's own, else the community's."""

    def __init__(self, until: datetime, reason: str, timezone: str, community_title: str) -> None:
        super().__init__(until)
        self.until, self.reason = until, reason
        self.timezone, self.community_title = timezone, community_title


@dataclass(frozen=True, slots=True)
class PeerInvite:
    """What a peer's private message says; rendered by the caller in the peer's language."""

    request_id: int
    user_id: int
    locale: str
    number: int
    text: str
    tags: tuple[str, ...]
    anonymous: bool
    asker_name: str | None  # None when anonymous (or erased)
    community_title: str
    group_message_id: int | None
    community_chat_id: int
    reminder: bool = False


# The caller's rendering of an invitation: (HTML text, reply markup as a Bot API dict).
Render = Callable[[PeerInvite], tuple[str, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class AnswerRelay:
    """An answer on its way to the asker (privately) and to the group (as a reply)."""

    answer_id: int
    number: int
    answer: str
    author_name: str
    asker_user_id: int | None
    asker_locale: str
    group_locale: str


@dataclass(frozen=True, slots=True)
class GroupPost:
    """A question asked in the private chat, as the group sees it (answers reply to it)."""

    number: int
    text: str
    tags: tuple[str, ...]
    asker_name: str | None  # None when anonymous
    peers: int
    locale: str
    question_id: int = 0
    open_answering: bool = False


# The caller's rendering of a group post: (HTML text, reply markup as a Bot API dict or None).
RenderPost = Callable[[GroupPost], tuple[str, dict[str, Any] | None]]


@dataclass(frozen=True, slots=True)
class Thanks:
    """A thank-you for an answer, counted as a helpful vote (once)."""

    number: int
    counted: bool  # False: this member had marked it helpful already (or wrote it)
    may_accept: bool  # the thanker asked the question and it is not answered yet
    anonymous: bool = False  # the question was asked anonymously: offer Accept in private


# The caller's rendering of an answer: (text, reply markup) for the asker, then for the group.
Rendered = tuple[str, dict[str, Any] | None]
RenderAnswer = Callable[[AnswerRelay], tuple[Rendered, Rendered]]

# Earned expertise: what an accepted answer and a helpful vote add to the answerer's weight on
# the question's tags (bot.services.matching reads declared + earned).
ACCEPTED_WEIGHT = 1.0
HELPFUL_WEIGHT = 0.25


@dataclass(frozen=True, slots=True)
class OpenRequest:
    request_id: int
    number: int
    question: str


@dataclass(frozen=True, slots=True)
class Escalation:
    """What one escalation did: a new round of peers, or (after the last round) word for the
    moderators, queued (bot.services.moderators)."""

    question_id: int
    round: int
    invited: int
    tell_moderators: bool


@dataclass(frozen=True, slots=True)
class Nudge:
    """A reminder to the asker to accept the answer that solved their question."""

    question_id: int
    number: int
    answers: int
    user_id: int
    locale: str
    community_title: str


RenderNudge = Callable[[Nudge], str]


@dataclass(frozen=True, slots=True)
class QuestionLine:
    """One question in a list (/open, /myquestions, /myrequests)."""

    number: int
    text: str
    status: str
    answers: int
    community_title: str
    community_chat_id: int
    group_message_id: int | None


@dataclass(frozen=True, slots=True)
class WhyLine:
    """One peer asked about a question, and why (/why)."""

    name: str
    round: int
    rank: int
    score: float
    components: dict[str, float]
    status: str


@dataclass(frozen=True, slots=True)
class WhyReport:
    asker_name: str | None  # None once the asker's data is erased
    anonymous: bool
    peers: list[WhyLine]


@dataclass(frozen=True, slots=True)
class Asked:
    question_id: int
    number: int
    tags: tuple[str, ...]
    peers: int
    open_answering: bool = False  # anyone in the group may answer (the group's setting)


def in_quiet_hours(facts: PeerFacts, now: datetime, community: Community | None = None) -> bool:
    """The member's own quiet hours, in their timezone; a member who set none keeps the
    community's default ones (if it has them), in the member's timezone or the community's.
    A member's `off` (NEVER_QUIET: from == to) is never quiet, whatever the community says."""
    quiet_from, quiet_to, timezone = facts.quiet_from, facts.quiet_to, facts.timezone
    if (quiet_from is None or quiet_to is None) and community is not None:
        quiet_from, quiet_to = community.quiet_from, community.quiet_to
        timezone = facts.timezone or community.timezone
    if quiet_from is None or quiet_to is None or quiet_from == quiet_to:
        return False
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    if quiet_from < quiet_to:
        return quiet_from <= minute < quiet_to
    return minute >= quiet_from or minute < quiet_to  # spans midnight


def checked_question(text: str) -> str:
    """The question as it is stored; QuestionError when it cannot be asked."""
    body = text.strip()
    if not body:
        raise EmptyQuestion()
    if units(body) > MAX_QUESTION:
        raise QuestionTooLong(units(body))
    return body


class QuestionsService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.repo = QuestionsRepo(session)
        self.tags = TagsRepo(session)
        self.outbox = OutboxService(session, clock)
        self.documents = ExpertDocuments(session)
        self.faq = FaqService(session, clock)

    async def ask(
        self,
        *,
        community_id: int,
        asker_member_id: int,
        text: str,
        render: Render,
        anonymous: bool = False,
        group_message_id: int | None = None,
        thread_id: int | None = None,
        post: RenderPost | None = None,
    ) -> Asked:
        """Store the question and invite its first round of peers (their messages are queued
        in the same transaction). A question asked privately (`post` given) is also posted in
        the group, for answers to reply to. Raises QuestionError for bad input, storing
        nothing."""
        body = checked_question(text)
        for attempt in range(3):
            try:
                return await self._ask(
                    community_id,
                    asker_member_id,
                    body,
                    render,
                    anonymous,
                    group_message_id,
                    thread_id,
                    post,
                )
            except IntegrityError:  # two questions took the same number or new tag at once
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _ask(
        self,
        community_id: int,
        asker_member_id: int,
        body: str,
        render: Render,
        anonymous: bool,
        group_message_id: int | None,
        thread_id: int | None,
        post: RenderPost | None,
    ) -> Asked:
        now = self.clock.now()
        async with transaction(self.session, write=True):
            # Locked: questions in one community are numbered (and their tags made) in turn.
            community = await self.repo.lock_community(community_id)
            if (
                community is None
                or not community.active
                or not await self.repo.is_member(community_id, asker_member_id)
            ):
                raise UnknownCommunity()
            await self._not_suspended(community, asker_member_id)
            found = question_tags(body, Vocabulary.of(await self.repo.vocabulary(community_id)))
            tags = dict.fromkeys(found.detected, False)
            labels = {}
            existing = await self.tags.resolve(community_id, list(found.hashtags))
            for name, label in found.hashtags.items():
                tag = existing.get(name) or await self.tags.create(community_id, name, label, now)
                tags[tag.id] = True
            tags = dict(list(tags.items())[-MAX_TAGS:])  # hashtags last: they are kept first
            for tag in await self.tags.by_ids(community_id, list(tags)):
                labels[tag.id] = tag.label
            question = await self.repo.add(
                Question(
                    community_id=community_id,
                    number=await self.repo.next_number(community_id),
                    asker_id=asker_member_id,
                    anonymous=anonymous,
                    text=body,
                    group_message_id=group_message_id,
                    thread_id=thread_id,
                    status="open",
                    round=1,
                    next_escalation_at=now + timedelta(hours=community.escalation_hours),
                    created_at=now,
                    updated_at=now,
                ),
                tags,
            )
            tag_labels = tuple(labels[t] for t in tags if t in labels)
            # A question asked privately is posted in the group first (its outbox row comes
            # before the invitations, so they can link it), and written once peers are known.
            copy = await self._post_first(question, community) if post is not None else None
            peers = await self._invite(question, community, list(tags), tag_labels, render, now)
            if copy is not None and post is not None:
                await self._post(copy, question, community, tag_labels, peers, post)
            if not peers:  # the asker is told so; the moderators are asked to invite an expert
                await queue_moderators(self.outbox, UNMATCHED, question, community)
            return Asked(question.id, question.number, tag_labels, peers, community.open_answering)

    async def _post_first(self, question: Question, community: Community) -> OutboxMessage:
        """Queue the group's copy of a question asked privately, to be written by `_post`
        (bot.app records where it landed, so answers reply to it and invitations link it)."""
        copy = await self.outbox.queue(
            community.chat_id,
            "",
            dedupe_key=f"question:{question.id}",
            kind="question",
            ref_id=question.id,
        )
        assert copy is not None  # a new question's key is new
        return copy

    async def _post(
        self,
        copy: OutboxMessage,
        question: Question,
        community: Community,
        tag_labels: tuple[str, ...],
        peers: int,
        render: RenderPost,
    ) -> None:
        asker = await self.repo.member(question.asker_id) if question.asker_id else None
        text, markup = render(
            GroupPost(
                number=question.number,
                text=question.text,
                tags=tag_labels,
                asker_name=asker.first_name if asker and not question.anonymous else None,
                peers=peers,
                locale=community.language,
                question_id=question.id,
                open_answering=community.open_answering,
            )
        )
        payload: dict[str, Any] = {**copy.payload, "text": text}
        if markup is not None:
            payload["reply_markup"] = markup
        copy.payload = payload  # a new dict: the change is seen and flushed

    async def posted(self, question_id: int, message_id: int, *, joined: bool = False) -> None:
        """The group's copy of question `question_id` is message `message_id` there. `joined`:
        inside the caller's write transaction (the outbox's, recording the delivery)."""
        async with self._writing(joined):
            await self.repo.set_group_message(question_id, message_id)

    async def _invite(
        self,
        question: Question,
        community: Community,
        tag_ids: list[int],
        tag_labels: tuple[str, ...],
        render: Render,
        now: datetime,
        *,
        k: int | None = None,
    ) -> int:
        """Invite the best `k` (default: the community's fan-out) not asked before."""
        asked = await self.repo.asked_members(question.id)
        asker = await self.repo.member(question.asker_id) if question.asker_id else None
        asker_name = asker.first_name if asker and not question.anonymous else None
        fanout = community.routing_fanout if k is None else k
        chosen, facts = await self._choose(question, community, tag_ids, asked, now, fanout)
        for rank, choice in enumerate(chosen, start=len(asked) + 1):
            peer = facts[choice.member_id]
            request = await self.repo.add_request(
                RoutingRequest(
                    question_id=question.id,
                    member_id=peer.member_id,
                    round=question.round,
                    rank=rank,
                    score=choice.total,
                    components=choice.components,
                    status="pending",
                    created_at=now,
                )
            )
            locale = pick_locale(peer.language, peer.telegram_language, community.language)
            invite = self._invite_of(
                question, community, request, peer.user_id, locale, tag_labels, asker_name
            )
            body, markup = render(invite)
            await self.outbox.queue(
                peer.user_id,
                body,
                reply_markup=markup,
                dedupe_key=f"routing:{request.id}",
                kind="routing_request",
                ref_id=request.id,
            )
        return len(chosen)

    async def _choose(
        self,
        question: Question,
        community: Community,
        tag_ids: list[int],
        asked: set[int],
        now: datetime,
        k: int,
    ) -> tuple[list[Score], dict[int, PeerFacts]]:
        """The best `k` peers not in `asked`, with what the database says of each: the tag
        experts and the members whose expert documents best match the question's words.
        (benchmarks/routing.py times this.)"""
        community_id = community.id
        relevance = await self.documents.relevance(community_id, question.text, TEXT_CANDIDATES)
        limit = 2 * SHORTLIST + len(asked)
        while True:
            weights, more = await self.repo.top_weights(
                tag_ids,
                now=now,
                half_life_days=EARNED_HALF_LIFE / timedelta(days=1),
                cap=EXPERTISE_CAP,
                salt=salt_factor(question.id),
                limit=limit,
                also=relevance,
            )
            ranked = [
                m for m in shortlist(weights, relevance, tag_ids, question.id) if m not in asked
            ]
            facts: dict[int, PeerFacts] = {}
            # The best SHORTLIST at a time, until enough of them may be asked now.
            for start in range(0, len(ranked), SHORTLIST):
                batch = {m: weights.get(m, {}) for m in ranked[start : start + SHORTLIST]}
                for f in await self.repo.peer_facts(community_id, batch, question.asker_id, now):
                    if not in_quiet_hours(f, now, community):
                        facts[f.member_id] = f
                if len(facts) >= k:
                    break
            if len(facts) >= k or not more:  # else: more experts than were read, read more
                break
            limit *= 4
        candidates = [
            Candidate(
                f.member_id,
                f.tag_weights,
                text_relevance=relevance.get(f.member_id, 0.0),
                accepted=f.accepted,
                helpful=f.helpful,
                requests=f.requests,
                responses=f.responses,
                open_requests=f.open_requests,
                last_asked_at=f.last_asked_at,
                languages=frozenset(f.spoken_languages),
            )
            for f in facts.values()
        ]
        return choose(candidates, tag_ids, question.language, now, k), facts

    @staticmethod
    def _invite_of(
        question: Question,
        community: Community,
        request: RoutingRequest,
        user_id: int,
        locale: str,
        tag_labels: tuple[str, ...],
        asker_name: str | None,
        *,
        reminder: bool = False,
    ) -> PeerInvite:
        return PeerInvite(
            request_id=request.id,
            user_id=user_id,
            locale=locale,
            number=question.number,
            text=question.text,
            tags=tag_labels,
            anonymous=question.anonymous,
            asker_name=asker_name,
            community_title=community.title,
            group_message_id=question.group_message_id,
            community_chat_id=community.chat_id,
            reminder=reminder,
        )

    async def _own_request(
        self, request_id: int, member_id: int, *, answering: bool = False
    ) -> tuple[RoutingRequest, Question, Community]:
        """The request behind a button, if it is this member's and still open. `answering`:
        a suspended member is told so first (their invitations ended when suspended)."""
        found = await self.repo.request_with_question(request_id)
        if found is None:
            raise NotYourRequest()
        request, question, community = found
        if answering and request.member_id == member_id:
            await self._not_suspended(community, member_id)
        if (
            request.member_id != member_id
            or request.status not in OPEN_REQUEST
            or question.status == "closed"
            or question.hidden_at is not None
        ):
            raise NotYourRequest()
        return request, question, community

    async def _not_suspended(self, community: Community, member_id: int) -> None:
        """Raises Suspended while a moderator's suspension of the member here runs."""
        now = self.clock.now()
        suspension = await ModerationRepo(self.session).active_suspension(
            community.id, member_id, now
        )
        if suspension is None:
            return
        member = await self.repo.member(member_id)
        timezone = (member.timezone if member else None) or community.timezone
        raise Suspended(suspension.until, suspension.reason, timezone, community.title)

    async def volunteer(self, question_id: int, member_id: int) -> OpenRequest:
        """A member who was not asked offers an answer (the group's Answer button, where the
        community allows open answering): they get a request of their own, so their answer
        takes the same way as an asked peer's."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            await self.repo.lock_question(question_id)  # one rank at a time
            found = await self.repo.question_with_community(question_id)
            if found is None or not await self.repo.is_member(found[1].id, member_id):
                raise UnknownQuestion()
            question, community = found
            if question.hidden_at is not None:  # a moderator hid it
                raise UnknownQuestion()
            if not community.open_answering:
                raise AnsweringClosed()
            await self._not_suspended(community, member_id)
            if question.asker_id == member_id:
                raise OwnQuestion()
            if question.status == "closed":
                raise NotYourRequest()
            request = await self.repo.request_of(question.id, member_id)
            if request is None:
                request = await self.repo.add_request(
                    RoutingRequest(
                        question_id=question.id,
                        member_id=member_id,
                        round=question.round,
                        rank=len(await self.repo.asked_members(question.id)) + 1,
                        score=0.0,
                        components={"volunteered": 1.0},
                        status="sent",
                        sent_at=now,
                        created_at=now,
                    )
                )
            elif request.status == "answered":
                raise NotYourRequest()
            elif request.status not in OPEN_REQUEST:  # declined before, or was unreachable
                request.status = "sent"
            return OpenRequest(request.id, question.number, question.text)

    async def open_request(self, request_id: int, member_id: int) -> OpenRequest:
        """Check that this member may answer through this request (the Answer button)."""
        async with transaction(self.session, write=False):
            request, question, _community = await self._own_request(
                request_id, member_id, answering=True
            )
            return OpenRequest(request.id, question.number, question.text)

    async def decline(self, request_id: int, member_id: int, render: Render) -> int:
        """'Not my area': recorded, and the next-best peer is invited; returns how many."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            request, question, community = await self._own_request(request_id, member_id)
            await self.repo.lock_question(question.id)  # one next peer at a time
            request.status, request.responded_at = "declined", now
            tag_ids = await self.repo.question_tag_ids(question.id)
            labels = tuple(t.label for t in await self.tags.by_ids(community.id, tag_ids))
            return await self._invite(question, community, tag_ids, labels, render, now, k=1)

    def _writing(self, joined: bool) -> contextlib.AbstractAsyncContextManager[Any]:
        """This use case's own write transaction or, `joined`, the caller's (open for writing
        already), so that the change commits or rolls back with what the caller records."""
        return contextlib.nullcontext() if joined else transaction(self.session, write=True)

    async def withdraw_member(
        self, community_id: int | None, member_id: int, render: Render
    ) -> int:
        """The member may not answer here (None: anywhere) for now (suspended, or erased):
        each invitation still waiting for them ends, and the next-best peer is invited
        instead, in the caller's write transaction. Returns how many invitations ended."""
        withdrawn = await self.repo.open_requests_of_member(community_id, member_id)
        for request_id in withdrawn:
            await self.reroute(request_id, render, joined=True, status="expired")
        return len(withdrawn)

    async def reroute(
        self, request_id: int, render: Render, *, joined: bool = False, status: str = "unreachable"
    ) -> int:
        """The invitation of `request_id` could not be delivered (the peer blocked the bot,
        say): the request is marked `status` (unreachable) and the next-best peer is invited.
        Returns how many were invited (0 if the request was no longer open). `joined`: inside
        the caller's write transaction (the outbox's, recording the failed delivery)."""
        now = self.clock.now()
        async with self._writing(joined):
            found = await self.repo.request_with_question(request_id)
            if found is None:
                return 0
            request, question, community = found
            if request.status not in OPEN_REQUEST or question.status == "closed":
                return 0
            await self.repo.lock_question(question.id)  # one next peer at a time
            request.status = status
            tag_ids = await self.repo.question_tag_ids(question.id)
            labels = tuple(t.label for t in await self.tags.by_ids(community.id, tag_ids))
            return await self._invite(question, community, tag_ids, labels, render, now, k=1)

    async def route_waiting(self, community_id: int, member_id: int, render: Render) -> int:
        """The member just declared topics in the community: questions on them that nobody
        could be asked about are routed again (the member among the candidates). Returns how
        many peers were invited."""
        now = self.clock.now()
        invited = 0
        async with transaction(self.session, write=True):
            waiting = await self.repo.waiting_for(
                community_id, member_id, now - WAITING, WAITING_PER_EXPERT
            )
            for question_id in waiting:
                await self.repo.lock_question(question_id)  # one routing at a time
                if await self.repo.has_open_request(question_id):  # another got there first
                    continue
                found = await self.repo.question_with_community(question_id)
                if found is None:
                    continue
                question, community = found
                tag_ids = await self.repo.question_tag_ids(question.id)
                labels = tuple(t.label for t in await self.tags.by_ids(community.id, tag_ids))
                invited += await self._invite(question, community, tag_ids, labels, render, now)
        return invited

    async def delivered(self, request_id: int, message_id: int, *, joined: bool = False) -> None:
        """The invitation of `request_id` reached the peer as message `message_id`. `joined`:
        inside the caller's write transaction (the outbox's, recording the delivery)."""
        now = self.clock.now()
        async with self._writing(joined):
            await self.repo.mark_sent(request_id, message_id, now)

    async def later(self, request_id: int, member_id: int, render: Render) -> None:
        """'Later': the member is reminded in LATER, with the same buttons, in the language
        the invitation was written in."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            request, question, community = await self._own_request(request_id, member_id)
            request.status, request.remind_at = "later", now + LATER
            tag_ids = await self.repo.question_tag_ids(question.id)
            labels = tuple(t.label for t in await self.tags.by_ids(community.id, tag_ids))
            peer = await self.repo.member(member_id)
            if peer is None:
                raise NotYourRequest()
            user_id = peer.user_id
            locale = pick_locale(peer.language, peer.telegram_language, community.language)
            asker = await self.repo.member(question.asker_id) if question.asker_id else None
            asker_name = asker.first_name if asker and not question.anonymous else None
            invite = self._invite_of(
                question, community, request, user_id, locale, labels, asker_name, reminder=True
            )
            body, markup = render(invite)
            await self.outbox.queue(
                user_id,
                body,
                reply_markup=markup,
                dedupe_key=f"remind:{request.id}:{now.isoformat()}",
                kind="routing_reminder",
                ref_id=request.id,
                not_before=now + LATER,
            )

    async def answer(self, request_id: int, member_id: int, text: str, render: RenderAnswer) -> int:
        """Store the answer and relay it to the asker and the group (queued in the same
        transaction). Returns the question's number."""
        body = text.strip()
        if not body:
            raise EmptyAnswer()
        if units(body) > MAX_ANSWER:  # as Telegram counts: the relay adds a header to it
            raise AnswerTooLong(units(body))
        now = self.clock.now()
        async with transaction(self.session, write=True):
            request, question, community = await self._own_request(
                request_id, member_id, answering=True
            )
            request.status, request.responded_at = "answered", now
            answer = await self.repo.add_answer(question.id, member_id, body, now)
            if question.first_answer_at is None:
                question.first_answer_at = now
            question.updated_at = now
            author = await self.repo.member(member_id)
            asker = await self.repo.member(question.asker_id) if question.asker_id else None
            relay = AnswerRelay(
                answer_id=answer.id,
                number=question.number,
                answer=body,
                author_name=author.first_name if author else "",
                asker_user_id=asker.user_id if asker and asker.dm_available else None,
                asker_locale=pick_locale(
                    asker.language if asker else None,
                    asker.telegram_language if asker else None,
                    community.language,
                ),
                group_locale=community.language,
            )
            (to_asker, asker_markup), (to_group, group_markup) = render(relay)
            if relay.asker_user_id is not None:
                await self.outbox.queue(
                    relay.asker_user_id,
                    to_asker,
                    reply_markup=asker_markup,
                    dedupe_key=f"answer:{answer.id}:asker",
                    kind="answer",
                    ref_id=answer.id,
                )
            await self.outbox.queue(
                community.chat_id,
                to_group,
                reply_markup=group_markup,
                reply_to=question.group_message_id,
                thread_id=question.thread_id,
                dedupe_key=f"answer:{answer.id}:group",
                kind="answer",
                ref_id=answer.id,
            )
            return question.number

    async def accept(
        self, answer_id: int, member_id: int | None, *, moderating: int | None = None
    ) -> int:
        """The asker accepts an answer (or a moderator of community `moderating`, on the
        asker's behalf; `member_id` None: one posting as the group): the question is answered
        (no more escalation), and the answerer earns weight on its topics. Returns the
        question's number."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            found = await self.repo.answer_with_question(answer_id)
            if found is None:
                raise NotYourAnswer()
            answer, question = found
            if answer.hidden_at is not None or question.hidden_at is not None:  # by a moderator
                raise AnswerHidden()
            asker = member_id is not None and question.asker_id == member_id
            if not asker and (moderating is None or question.community_id != moderating):
                raise NotYourAnswer()
            if not answer.accepted:
                answer.accepted, answer.accepted_at, answer.accepted_by_id = True, now, member_id
                if answer.author_id is not None:
                    await self.repo.earn(
                        answer.author_id,
                        await self.repo.question_tag_ids(question.id),
                        ACCEPTED_WEIGHT,
                        now,
                        decay=decay_at(now),
                    )
                    # What they answered is now part of what they are known for, here.
                    await self.documents.refresh(question.community_id, answer.author_id, now)
                await self.faq.from_accepted(answer, question)  # kept for the community
            if question.status == "open":
                question.status, question.answered_at = "answered", now
            question.next_escalation_at = None
            question.updated_at = now
            return question.number

    async def helpful(self, answer_id: int, member_id: int) -> int:
        """A member marks an answer helpful (once; not their own). Returns the new count."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            found = await self.repo.answer_with_question(answer_id)
            if (
                found is None
                or found[0].author_id == member_id
                or not await self.repo.is_member(found[1].community_id, member_id)
            ):
                raise NotYourAnswer()
            answer, question = found
            if answer.hidden_at is not None or question.hidden_at is not None:  # by a moderator
                raise AnswerHidden()
            if not await self.repo.add_vote(answer.id, member_id, "helpful", now):
                raise AlreadyVoted()
            count = await self.repo.count_helpful(answer.id)  # in SQL: concurrent votes add up
            if answer.author_id is not None:
                await self.repo.earn(
                    answer.author_id,
                    await self.repo.question_tag_ids(question.id),
                    HELPFUL_WEIGHT,
                    now,
                    decay=decay_at(now),
                )
            return count

    async def thank(self, answer_id: int, member_id: int) -> Thanks:
        """A member thanked answer `answer_id` (a 'thanks' reply to it): counted as a helpful
        vote once, never for one's own answer."""
        try:
            await self.helpful(answer_id, member_id)
            counted = True
        except (AlreadyVoted, NotYourAnswer, AnswerHidden):
            counted = False
        async with transaction(self.session, write=False):
            found = await self.repo.answer_with_question(answer_id)
        if found is None:
            raise NotYourAnswer()
        answer, question = found
        may_accept = (
            question.asker_id == member_id
            and question.status == "open"
            and answer.hidden_at is None
            and question.hidden_at is None
            and answer.author_id != member_id
        )
        return Thanks(question.number, counted, may_accept, question.anonymous)

    async def close(
        self, community_id: int, number: int, member_id: int | None, *, moderating: bool = False
    ) -> None:
        """The asker (or, `moderating`, a moderator of the community) closes question
        #`number`: no more peers are asked."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            question = await self.repo.by_number(community_id, number)
            asker = question is not None and member_id is not None
            if question is None or not (moderating or (asker and question.asker_id == member_id)):
                raise NotYourQuestion()
            question.status, question.closed_at = "closed", now
            question.next_escalation_at = None
            question.updated_at = now

    async def due_for_escalation(self, limit: int = 100) -> list[int]:
        """Open questions nobody has answered within their community's escalation hours."""
        async with transaction(self.session, write=False):
            return await self.repo.due_for_escalation(self.clock.now(), limit)

    async def escalate(self, question_id: int, render: Render) -> Escalation | None:
        """The next round of peers for an unanswered question, or, after the last round, word
        for the moderators (queued with the claim: bot.services.moderators). None if it is not
        due (any more): answered meanwhile, or another instance took it."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            await self.repo.lock_question(question_id)  # one next round at a time
            if not await self.repo.claim_escalation(question_id, now):
                return None
            found = await self.repo.question_with_community(question_id)
            if found is None:
                return None
            question, community = found
            invited, tell = 0, question.round >= ROUNDS
            if not tell:
                question.round += 1
                tag_ids = await self.repo.question_tag_ids(question.id)
                labels = tuple(t.label for t in await self.tags.by_ids(community.id, tag_ids))
                invited = await self._invite(question, community, tag_ids, labels, render, now)
                question.next_escalation_at = now + timedelta(hours=community.escalation_hours)
            else:
                await queue_moderators(self.outbox, ESCALATED, question, community)
            question.updated_at = now
            return Escalation(question.id, question.round, invited, tell)

    async def open_questions(self, community_id: int, limit: int = 10) -> list[QuestionLine]:
        async with transaction(self.session, write=False):
            rows = await self.repo.question_lines(community_id=community_id, limit=limit)
        return [QuestionLine(*row) for row in rows]

    async def my_questions(self, member_id: int, limit: int = 10) -> list[QuestionLine]:
        async with transaction(self.session, write=False):
            rows = await self.repo.question_lines(asker_id=member_id, limit=limit)
        return [QuestionLine(*row) for row in rows]

    async def my_requests(self, member_id: int, limit: int = 10) -> list[QuestionLine]:
        """Questions this member was asked to answer and has not responded to yet."""
        async with transaction(self.session, write=False):
            rows = await self.repo.question_lines(requested_member_id=member_id, limit=limit)
        return [QuestionLine(*row) for row in rows]

    async def why(self, community_id: int, number: int) -> WhyReport | None:
        """Who asked question #`number` (moderators see it even when anonymous), who was asked
        and why; None if there is no such question."""
        async with transaction(self.session, write=False):
            question = await self.repo.by_number(community_id, number)
            if question is None or question.hidden_at is not None:  # hidden by a moderator
                return None
            asker = await self.repo.member(question.asker_id) if question.asker_id else None
            peers = [
                WhyLine(name, r.round, r.rank, r.score, dict(r.components), r.status)
                for r, name in await self.repo.requests_of(question.id)
            ]
            return WhyReport(asker.first_name if asker else None, question.anonymous, peers)

    async def nudge_askers(self, render: RenderNudge, limit: int = 100) -> int:
        """A day after a question's first answer, its asker (if reachable) is reminded once to
        accept the answer that solved it. Returns how many reminders were queued."""
        now = self.clock.now()
        async with transaction(self.session, write=False):
            due = await self.repo.due_for_nudge(now - NUDGE_AFTER, limit)
        queued = 0
        for question_id in due:
            async with transaction(self.session, write=True):
                if not await self.repo.claim_nudge(question_id, now):
                    continue
                found = await self.repo.question_with_community(question_id)
                if found is None:
                    continue
                question, community = found
                asker = await self.repo.member(question.asker_id) if question.asker_id else None
                if asker is None or not asker.dm_available:
                    continue
                nudge = Nudge(
                    question_id=question.id,
                    number=question.number,
                    answers=await self.repo.answer_count(question.id),
                    user_id=asker.user_id,
                    locale=pick_locale(asker.language, asker.telegram_language, community.language),
                    community_title=community.title,
                )
                await self.outbox.queue(
                    asker.user_id, render(nudge), dedupe_key=f"nudge:{question.id}"
                )
                queued += 1
        return queued

    async def current_invite(self, request_id: int, *, reminder: bool) -> PeerInvite | None:
        """The invitation of request `request_id` as it would be written now, or None when
        the request no longer waits for its peer (answered, declined, the question closed)."""
        async with transaction(self.session, write=False):
            found = await self.repo.request_with_question(request_id)
            if found is None:
                return None
            request, question, community = found
            if request.status not in OPEN_REQUEST or question.status != "open":
                return None
            peer = await self.repo.member(request.member_id)
            if peer is None:
                return None
            asker = await self.repo.member(question.asker_id) if question.asker_id else None
            tag_ids = await self.repo.question_tag_ids(question.id)
            labels = tuple(t.label for t in await self.tags.by_ids(community.id, tag_ids))
        return self._invite_of(
            question,
            community,
            request,
            peer.user_id,
            pick_locale(peer.language, peer.telegram_language, community.language),
            labels,
            asker.first_name if asker and not question.anonymous else None,
            reminder=reminder,
        )
