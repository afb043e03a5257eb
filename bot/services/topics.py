"""A community's topic vocabulary, curated by its moderators (/topics): the topics offered as
buttons to members, each with synonyms that find it in a question's words.

Removing a topic un-curates it (is_topic off): the tag stays, so members' expertise and the
questions tagged with it keep it, and its synonyms keep detecting it. Every change is in the
audit log."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.tags import MAX_TAG_LENGTH, display_label, normalize_tag
from storage.db import transaction
from storage.models import Tag
from storage.repos.faq import FaqRepo
from storage.repos.tags import TagsRepo


class TopicError(Exception):
    """Bad input for the topic vocabulary; nothing was changed."""


class BadLabel(TopicError):
    """Empty, longer than MAX_TAG_LENGTH, or without a letter or digit."""


class AlreadyTopic(TopicError):
    pass


class UnknownTopic(TopicError):
    pass


class AlreadySynonym(TopicError):
    pass


class NameTaken(TopicError):
    """The name is (a synonym of) another tag already: `label` names it."""

    def __init__(self, label: str) -> None:
        super().__init__(label)
        self.label = label


@dataclass(frozen=True, slots=True)
class TopicView:
    label: str
    synonyms: tuple[str, ...]


def _checked(raw: str) -> tuple[str, str]:
    """(normalized name, label) of what a moderator typed."""
    label = display_label(raw)
    name = normalize_tag(label)
    if not name or len(label) > MAX_TAG_LENGTH or len(name) > MAX_TAG_LENGTH:
        raise BadLabel()
    if not any(c.isalnum() for c in name):
        raise BadLabel()
    return name, label


class TopicsService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.repo = TagsRepo(session)

    async def topics(self, community_id: int) -> list[TopicView]:
        async with transaction(self.session, write=False):
            return [TopicView(t.label, tuple(s)) for t, s in await self.repo.topics(community_id)]

    async def add(self, community_id: int, raw: str, actor: int | None) -> str:
        """A new topic (or a member's free tag made one); its label."""
        try:
            return await self._add(community_id, raw, actor)
        except IntegrityError:  # another moderator added the same name at the same moment
            raise AlreadyTopic() from None

    async def _add(self, community_id: int, raw: str, actor: int | None) -> str:
        name, label = _checked(raw)
        now = self.clock.now()
        async with transaction(self.session, write=True):
            tag = await self.repo.by_name(community_id, name)
            if tag is not None and tag.is_topic:
                raise AlreadyTopic()
            owner = await self.repo.synonym_owner(community_id, name)
            if owner is not None:
                raise NameTaken(owner.label)
            if tag is None:
                tag = await self.repo.create(community_id, name, label, now, is_topic=True)
            else:
                tag.is_topic = True
            await self._audit(tag, actor, "topic_add", {"label": tag.label})
            return tag.label

    async def remove(self, community_id: int, raw: str, actor: int | None) -> str:
        async with transaction(self.session, write=True):
            tag = await self._topic(community_id, raw)
            tag.is_topic = False
            await self._audit(tag, actor, "topic_remove", {"label": tag.label})
            return tag.label

    async def add_synonym(
        self, community_id: int, raw_topic: str, raw_synonym: str, actor: int | None
    ) -> tuple[str, str]:
        """(topic label, synonym) once `raw_synonym` finds the topic too."""
        try:
            return await self._add_synonym(community_id, raw_topic, raw_synonym, actor)
        except IntegrityError:  # the same synonym given at the same moment elsewhere
            raise AlreadySynonym() from None

    async def _add_synonym(
        self, community_id: int, raw_topic: str, raw_synonym: str, actor: int | None
    ) -> tuple[str, str]:
        synonym, shown = _checked(raw_synonym)
        async with transaction(self.session, write=True):
            tag = await self._topic(community_id, raw_topic)
            owner = await self.repo.synonym_owner(community_id, synonym)
            if synonym == tag.name or (owner is not None and owner.id == tag.id):
                raise AlreadySynonym()
            if owner is not None:
                raise NameTaken(owner.label)
            other = await self.repo.by_name(community_id, synonym)
            if other is not None:
                raise NameTaken(other.label)
            await self.repo.add_synonym(tag, synonym)
            await self._audit(tag, actor, "topic_synonym", {"label": tag.label, "synonym": shown})
            return tag.label, synonym

    async def _topic(self, community_id: int, raw: str) -> Tag:
        name, _label = _checked(raw)
        tag = await self.repo.by_name(community_id, name)
        if tag is None or not tag.is_topic:
            raise UnknownTopic()
        return tag

    async def _audit(
        self, tag: Tag, actor: int | None, action: str, details: dict[str, Any]
    ) -> None:
        if actor is None:  # an administrator posting as the group
            details = {**details, "as_group": True}
        await FaqRepo(self.session).audit(
            tag.community_id, actor, action, "tag", tag.id, details, self.clock.now()
        )
