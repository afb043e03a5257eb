"""Telling a group's moderators about a question, without ever losing the word half-way.

The change that decides the moderators must be told queues one outbox message for the whole
group (`queue_moderators`, inside that change's transaction). Who the moderators are is
Telegram's to say, at delivery: the sender asks for the group's administrators and then, in one
transaction, `ModeratorsService.expand` queues a private notice to each it can reach and
settles the group message; when it can reach none, the group message is posted instead."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.members import pick_locale
from bot.services.outbox import OutboxService
from storage.db import transaction
from storage.models import Community, Question
from storage.repos.questions import QuestionsRepo
from storage.repos.tags import TagsRepo

# Outbox kinds: why the moderators are told.
ESCALATED = "moderators"  # two rounds of peers left the question unanswered
UNMATCHED = "moderators_unmatched"  # nobody lists the new question's topics
KINDS = frozenset({ESCALATED, UNMATCHED})


@dataclass(frozen=True, slots=True)
class ModeratorNotice:
    """What the moderators are told; rendered by the caller, per recipient's language."""

    kind: str  # ESCALATED or UNMATCHED
    question_id: int
    number: int
    tags: tuple[str, ...]
    community_title: str
    community_chat_id: int
    community_language: str
    group_message_id: int | None


RenderPrivate = Callable[[ModeratorNotice, str], str]  # (notice, locale) -> HTML
RenderGroup = Callable[[ModeratorNotice], str]  # in the community's language


async def queue_moderators(
    outbox: OutboxService, kind: str, question: Question, community: Community
) -> None:
    """Queue word for `community`'s moderators about `question`, inside the caller's write
    transaction. Its text is written at delivery, once it is known who reads it (see
    `ModeratorsService.expand`); in the group it replies to the question, in its thread."""
    await outbox.queue(
        community.chat_id,
        "",
        reply_to=question.group_message_id,
        thread_id=question.thread_id,
        dedupe_key=f"{kind}:{question.id}:group",
        kind=kind,
        ref_id=question.id,
    )


class ModeratorsService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.repo = QuestionsRepo(session)
        self.tags = TagsRepo(session)
        self.outbox = OutboxService(session, clock)

    async def still_open(self, question_id: int) -> bool:
        """Word about a question answered or closed meanwhile is not worth sending."""
        async with transaction(self.session, write=False):
            found = await self.repo.question_with_community(question_id)
        return found is not None and found[0].status == "open"

    async def expand(
        self,
        kind: str,
        question_id: int,
        admin_user_ids: list[int],
        private: RenderPrivate,
        group: RenderGroup,
    ) -> dict[str, Any] | None:
        """Inside the sender's write transaction: a private notice (in their language, once
        per question and reason) to each of `admin_user_ids` who can be messaged privately.
        Returns None when they were told that way, else what to post in the group: its text,
        replying to the question as it is there now (a question asked privately is posted
        after the word was queued)."""
        found = await self.repo.question_with_community(question_id)
        if found is None:
            return None  # nothing left to tell about
        question, community = found
        tag_ids = await self.repo.question_tag_ids(question.id)
        notice = ModeratorNotice(
            kind=kind,
            question_id=question.id,
            number=question.number,
            tags=tuple(t.label for t in await self.tags.by_ids(community.id, tag_ids)),
            community_title=community.title,
            community_chat_id=community.chat_id,
            community_language=community.language,
            group_message_id=question.group_message_id,
        )
        moderators = await self.repo.reachable_by_user_id(admin_user_ids)
        for member in moderators:
            locale = pick_locale(member.language, member.telegram_language, community.language)
            await self.outbox.queue(
                member.user_id,
                private(notice, locale),
                dedupe_key=f"{kind}:{question.id}:{member.user_id}",
            )
        if moderators:
            return None
        word: dict[str, Any] = {"text": group(notice)}
        if question.group_message_id is not None:
            word["reply_parameters"] = {
                "message_id": question.group_message_id,
                "allow_sending_without_reply": True,
            }
        return word
