"""Asking the community: a question is stored with its tags and sent privately to the peers
best placed to answer it (bot.services.matching), through the outbox, in one transaction."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.matching import Candidate, choose
from bot.services.members import pick_locale
from bot.services.outbox import OutboxService
from bot.services.tags import Vocabulary, question_tags
from storage.db import transaction
from storage.models import Community, Question, RoutingRequest
from storage.repos.questions import PeerFacts, QuestionsRepo
from storage.repos.tags import TagsRepo

MAX_QUESTION = 3000  # characters: the peers' message adds a header and a link


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
    pass


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
    community_title: str
    group_message_id: int | None
    community_chat_id: int


# The caller's rendering of an invitation: (HTML text, reply markup as a Bot API dict).
Render = Callable[[PeerInvite], tuple[str, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Asked:
    question_id: int
    number: int
    tags: tuple[str, ...]
    peers: int


def in_quiet_hours(facts: PeerFacts, now: datetime) -> bool:
    if facts.quiet_from is None or facts.quiet_to is None or facts.quiet_from == facts.quiet_to:
        return False
    try:
        zone = ZoneInfo(facts.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    if facts.quiet_from < facts.quiet_to:
        return facts.quiet_from <= minute < facts.quiet_to
    return minute >= facts.quiet_from or minute < facts.quiet_to  # spans midnight


class QuestionsService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.repo = QuestionsRepo(session)
        self.tags = TagsRepo(session)
        self.outbox = OutboxService(session, clock)

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
    ) -> Asked:
        """Store the question and invite its first round of peers (their messages are queued
        in the same transaction). Raises QuestionError for bad input, storing nothing."""
        body = text.strip()
        if not body:
            raise EmptyQuestion()
        if len(body) > MAX_QUESTION:
            raise QuestionTooLong(len(body))
        now = self.clock.now()
        async with transaction(self.session, write=True):
            community = await self.session.get(Community, community_id)
            if community is None or not community.active:
                raise UnknownCommunity()
            found = question_tags(body, Vocabulary.of(await self.repo.vocabulary(community_id)))
            tags = dict.fromkeys(found.detected, False)
            labels = {}
            existing = await self.tags.resolve(community_id, list(found.hashtags))
            for name, label in found.hashtags.items():
                tag = existing.get(name) or await self.tags.create(community_id, name, label, now)
                tags[tag.id] = True
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
            peers = await self._invite(question, community, list(tags), tag_labels, render, now)
            return Asked(question.id, question.number, tag_labels, peers)

    async def _invite(
        self,
        question: Question,
        community: Community,
        tag_ids: list[int],
        tag_labels: tuple[str, ...],
        render: Render,
        now: datetime,
    ) -> int:
        facts = {
            f.member_id: f
            for f in await self.repo.peers_for(community.id, tag_ids, question.asker_id)
        }
        candidates = [
            Candidate(
                f.member_id,
                f.tag_weights,
                accepted=f.accepted,
                helpful=f.helpful,
                requests=f.requests,
                responses=f.responses,
                open_requests=f.open_requests,
                last_asked_at=f.last_asked_at,
                languages=frozenset(f.spoken_languages),
                available=not in_quiet_hours(f, now),
            )
            for f in facts.values()
        ]
        chosen = choose(candidates, tag_ids, question.language, now, community.routing_fanout)
        for rank, choice in enumerate(chosen, start=1):
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
            invite = PeerInvite(
                request_id=request.id,
                user_id=peer.user_id,
                locale=pick_locale(peer.language, peer.telegram_language, community.language),
                number=question.number,
                text=question.text,
                tags=tag_labels,
                anonymous=question.anonymous,
                community_title=community.title,
                group_message_id=question.group_message_id,
                community_chat_id=community.chat_id,
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
