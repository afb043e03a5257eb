"""Moderators keep the bot's content in order: a question or an answer is hidden (out of
routing, listings and the FAQ; its group message is the caller's to remove), a member is
suspended from asking and answering in one community for a while. Every change is in the
audit log with its reason, in the transaction that makes it.

Hidden state lives on the question and answer rows themselves (hidden_at, hidden_by_id,
hidden_reason): every listing and routing query filters on it, and a column is the cheapest
filter there is; the history of who hid and unhid what, and why, is the audit log's."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.faq import FaqService
from bot.services.questions import QuestionsService, Render
from storage.db import transaction
from storage.models import Answer, Community, Member, Question, Suspension
from storage.repos.faq import FaqRepo
from storage.repos.moderation import ModerationRepo
from storage.search.experts import ExpertDocuments

MAX_REASON = 300  # characters
MAX_SUSPENSION = timedelta(days=365)
_DURATION = re.compile(r"([1-9][0-9]{0,2})([hdw])")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
QUESTION, ANSWER = "question", "answer"


class ModerationError(Exception):
    """Bad input for a moderation action; nothing was changed."""


class BadReason(ModerationError):
    """No reason given, or a longer one than MAX_REASON."""


class BadDuration(ModerationError):
    """Not a duration like 1h, 3d or 2w (at most MAX_SUSPENSION)."""


class UnknownTarget(ModerationError):
    """No such question, answer or member in this community."""


class AlreadyHidden(ModerationError):
    pass


class NotHidden(ModerationError):
    pass


class NotSuspended(ModerationError):
    pass


def parse_duration(text: str) -> timedelta:
    """'1h', '3d', '2w' (strictly: a number and one unit) as a timedelta."""
    found = _DURATION.fullmatch(text.strip().lower())
    if found is None:
        raise BadDuration()
    duration = int(found.group(1)) * _UNITS[found.group(2)]
    if duration > MAX_SUSPENSION:
        raise BadDuration()
    return duration


def checked_reason(text: str | None, *, required: bool = True) -> str | None:
    reason = " ".join((text or "").split())
    if not reason:
        if required:
            raise BadReason()
        return None
    if len(reason) > MAX_REASON:
        raise BadReason()
    return reason


@dataclass(frozen=True, slots=True)
class Target:
    """What a moderator points at: a question by its number (#12) or an answer by its id."""

    kind: str  # question, answer
    key: int


@dataclass(frozen=True, slots=True)
class Hidden:
    kind: str
    number: int  # the question's (an answer's: the question it answers)
    answer_id: int | None
    chat_id: int
    # The group's messages that showed it, for the caller to remove (deleted, or edited).
    messages: tuple[int, ...]
    faq_entries: tuple[int, ...]  # withdrawn from the FAQ (or, unhiding, restored)
    locale: str  # the community's language
    invitations: int = 0  # open invitations ended


@dataclass(frozen=True, slots=True)
class MemberRef:
    user_id: int
    name: str


@dataclass(frozen=True, slots=True)
class SuspensionView:
    name: str
    user_id: int
    until: datetime
    timezone: str  # the community's
    reason: str
    invitations: int = 0  # waiting for them, ended: the next-best peers were invited instead


@dataclass(frozen=True, slots=True)
class AuditLine:
    created_at: datetime
    actor_name: str | None  # None: an administrator posting as the group (or erased)
    action: str
    target_kind: str
    target_id: int | None
    details: dict[str, Any]


def _name(member: Member) -> str:
    return " ".join(filter(None, (member.first_name, member.last_name)))


class ModerationService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.repo = ModerationRepo(session)
        self.faq = FaqService(session, clock)
        self.documents = ExpertDocuments(session)

    async def timezone(self, community_id: int) -> str:
        async with transaction(self.session, write=False):
            community = await self.repo.community(community_id)
        return community.timezone if community is not None else "UTC"

    async def target_of_reply(self, community_id: int, message_id: int) -> Target | None:
        """What the group's message `message_id` shows: a question (the bot's copy, or the
        member's /ask) or an answer (the bot's copy); None when neither, or not here."""
        async with transaction(self.session, write=False):
            community = await self.repo.community(community_id)
            if community is None:
                return None
            question = await self.repo.question_at(community_id, message_id)
            if question is not None:
                return Target(QUESTION, question.number)
            copy = await self.repo.copy_at(community.chat_id, message_id)
            if copy is None:
                return None
            kind, ref_id = copy
            if kind == ANSWER:
                found = await self.repo.answer(community_id, ref_id)
                return None if found is None else Target(ANSWER, found[0].id)
            question = await self.repo.question_by_id(community_id, ref_id)
            return None if question is None else Target(QUESTION, question.number)

    async def hide(
        self, community_id: int, target: Target, reason: str | None, actor_id: int | None
    ) -> Hidden:
        """Hide a question (its open invitations end, it is no longer escalated, listed or
        answered, unsent copies are dropped) or an answer (it can no longer be accepted);
        FAQ entries made from either are deleted. Raises BadReason, UnknownTarget,
        AlreadyHidden, changing nothing."""
        why = checked_reason(reason)
        now = self.clock.now()
        async with transaction(self.session, write=True):
            community, question, answer = await self._target(community_id, target)
            row: Question | Answer = answer if answer is not None else question
            if row.hidden_at is not None:
                raise AlreadyHidden()
            row.hidden_at, row.hidden_by_id, row.hidden_reason = now, actor_id, why
            details: dict[str, Any] = {"reason": why, "number": question.number}
            if answer is None:
                question.next_escalation_at, question.updated_at = None, now
                invitations = await self.repo.expire_requests(question.id)
                await self.repo.drop_unsent(QUESTION, [question.id])
                entries = await self.repo.faq_entries_of(question_id=question.id)
                messages = [question.group_message_id] if question.group_message_id else []
            else:
                invitations = 0
                await self.repo.drop_unsent(ANSWER, [answer.id])
                entries = await self.repo.faq_entries_of(answer_id=answer.id)
                messages = await self.repo.sent_copies(community.chat_id, ANSWER, answer.id)
                details["question_id"] = question.id
            withdrawn = await self.faq.withdraw_hidden(entries, actor_id, {"reason": why})
            details["faq_entries"] = withdrawn
            await self._refresh_author(community_id, answer, now)
            await self._audit(community_id, actor_id, "hide", target.kind, row.id, details, now)
            return Hidden(
                target.kind,
                question.number,
                answer.id if answer else None,
                community.chat_id,
                tuple(messages),
                tuple(withdrawn),
                community.language,
                invitations,
            )

    async def unhide(
        self, community_id: int, target: Target, reason: str | None, actor_id: int | None
    ) -> Hidden:
        """Show it again: the FAQ entries hiding deleted come back; an open question is
        escalated again after the community's hours (its ended invitations stay ended). The
        group's message is not posted again."""
        why = checked_reason(reason, required=False)
        now = self.clock.now()
        async with transaction(self.session, write=True):
            community, question, answer = await self._target(community_id, target)
            row: Question | Answer = answer if answer is not None else question
            hidden_at = row.hidden_at
            if hidden_at is None:
                raise NotHidden()
            row.hidden_at, row.hidden_by_id, row.hidden_reason = None, None, None
            if answer is None:
                entries = await self.repo.faq_entries_of(question_id=question.id)
                if question.status == "open" and question.first_answer_at is None:
                    hours = timedelta(hours=community.escalation_hours)
                    question.next_escalation_at = now + hours
                question.updated_at = now
            else:
                entries = await self.repo.faq_entries_of(answer_id=answer.id)
            restored = await self.faq.restore_unhidden(entries, hidden_at, actor_id, {})
            await self._refresh_author(community_id, answer, now)
            details = {"reason": why, "number": question.number, "faq_entries": restored}
            await self._audit(community_id, actor_id, "unhide", target.kind, row.id, details, now)
            answer_id = answer.id if answer else None
            return Hidden(
                target.kind,
                question.number,
                answer_id,
                community.chat_id,
                (),
                tuple(restored),
                community.language,
            )

    async def _target(
        self, community_id: int, target: Target
    ) -> tuple[Community, Question, Answer | None]:
        community = await self.repo.community(community_id)
        if community is None:
            raise UnknownTarget()
        if target.kind == ANSWER:
            found = await self.repo.answer(community_id, target.key)
            if found is None:
                raise UnknownTarget()
            return community, found[1], found[0]
        question = await self.repo.question(community_id, target.key)
        if question is None:
            raise UnknownTarget()
        return community, question, None

    async def _refresh_author(
        self, community_id: int, answer: Answer | None, now: datetime
    ) -> None:
        """A hidden accepted answer no longer tells routing what its author knows."""
        if answer is not None and answer.accepted and answer.author_id is not None:
            await self.session.flush()
            await self.documents.refresh(community_id, answer.author_id, now)

    async def member(
        self, community_id: int, *, user_id: int | None = None, username: str | None = None
    ) -> MemberRef | None:
        """A member of the community, by Telegram user id or @username."""
        async with transaction(self.session, write=False):
            try:
                _community, member = await self._member(community_id, user_id, username)
            except UnknownTarget:
                return None
        return MemberRef(member.user_id, _name(member))

    async def suspend(
        self,
        community_id: int,
        *,
        user_id: int | None = None,
        username: str | None = None,
        duration: str,
        reason: str | None,
        actor_id: int | None,
        render: Render | None = None,
    ) -> SuspensionView:
        """The member may not ask or answer here for `duration` (a new suspension replaces
        one still running); the invitations waiting for them end and, with `render`, pass to
        the next-best peers. Raises BadDuration, BadReason, UnknownTarget, changing nothing."""
        length = parse_duration(duration)
        why = checked_reason(reason)
        assert why is not None
        now = self.clock.now()
        async with transaction(self.session, write=True):
            community, member = await self._member(community_id, user_id, username)
            running = await self.repo.active_suspension(community_id, member.id, now)
            if running is not None:
                running.lifted_at, running.lifted_by_id = now, actor_id
            suspension = await self.repo.add_suspension(
                Suspension(
                    community_id=community_id,
                    member_id=member.id,
                    until=now + length,
                    reason=why,
                    created_by_id=actor_id,
                    created_at=now,
                )
            )
            invitations = 0
            if render is not None:
                questions = QuestionsService(self.session, self.clock)
                invitations = await questions.withdraw_member(community_id, member.id, render)
            details = {
                "reason": why,
                "name": _name(member),
                "duration": duration.strip().lower(),
                "until": suspension.until.isoformat(),
                "invitations": invitations,
            }
            await self._audit(community_id, actor_id, "suspend", "member", member.id, details, now)
            return SuspensionView(
                _name(member),
                member.user_id,
                suspension.until,
                community.timezone,
                why,
                invitations,
            )

    async def unsuspend(
        self,
        community_id: int,
        *,
        user_id: int | None = None,
        username: str | None = None,
        reason: str | None,
        actor_id: int | None,
    ) -> SuspensionView:
        """Lift the member's running suspension. Raises UnknownTarget, NotSuspended."""
        why = checked_reason(reason, required=False)
        now = self.clock.now()
        async with transaction(self.session, write=True):
            community, member = await self._member(community_id, user_id, username)
            running = await self.repo.active_suspension(community_id, member.id, now)
            if running is None:
                raise NotSuspended()
            running.lifted_at, running.lifted_by_id = now, actor_id
            details = {"reason": why, "name": _name(member)}
            await self._audit(
                community_id, actor_id, "unsuspend", "member", member.id, details, now
            )
            return SuspensionView(
                _name(member), member.user_id, running.until, community.timezone, running.reason
            )

    async def _member(
        self, community_id: int, user_id: int | None, username: str | None
    ) -> tuple[Community, Member]:
        community = await self.repo.community(community_id)
        if community is None or (user_id is None and not username):
            raise UnknownTarget()
        member = await self.repo.member_of(community_id, user_id=user_id, username=username)
        if member is None:
            raise UnknownTarget()
        return community, member

    async def audit(self, community_id: int, limit: int = 10) -> list[AuditLine]:
        """The community's newest `limit` audit entries, newest first."""
        async with transaction(self.session, write=False):
            rows = await self.repo.audit_page(community_id, limit)
        return [
            AuditLine(
                entry.created_at,
                " ".join(filter(None, (first, last))) or None,
                entry.action,
                entry.target_kind,
                entry.target_id,
                dict(entry.details or {}),
            )
            for entry, first, last in rows
        ]

    async def _audit(
        self,
        community_id: int,
        actor_id: int | None,
        action: str,
        kind: str,
        target_id: int,
        details: dict[str, Any],
        now: datetime,
    ) -> None:
        if actor_id is None:  # an administrator posting as the group
            details = {**details, "as_group": True}
        await FaqRepo(self.session).audit(
            community_id, actor_id, action, kind, target_id, details, now
        )
