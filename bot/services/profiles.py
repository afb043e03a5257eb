"""Profiles: expertise tags, languages spoken and a short bio, per member."""

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES
from bot.services.availability import NEVER_QUIET, parse_quiet_hours, parse_timezone
from bot.services.communities import CommunityView, community_view
from bot.services.tags import MAX_TAGS, parse_tags
from storage.cache import IdentityCache
from storage.db import transaction
from storage.models import Member
from storage.repos.communities import CommunitiesRepo
from storage.repos.members import MembersRepo
from storage.repos.tags import TagsRepo
from storage.search.experts import ExpertDocuments

T = TypeVar("T")
_COMMUNITY_TABLES = ("communities", "memberships")
_TAG_TABLES = ("tags", "tag_synonyms", "member_expertise")

MAX_BIO = 500
# Buttons offered in the tag step: enough to choose from, few enough to read on a phone.
CHOICES_SHOWN = 24


class ProfileError(Exception):
    """Bad input for a profile step; nothing was changed."""


class TooManyTags(ProfileError):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count
        self.limit = MAX_TAGS


class BadTags(ProfileError):
    def __init__(self, too_long: list[str], invalid: list[str]) -> None:
        super().__init__(too_long, invalid)
        self.too_long = too_long
        self.invalid = invalid


class NoTags(ProfileError):
    pass


class BioTooLong(ProfileError):
    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length
        self.limit = MAX_BIO


class BioEmpty(ProfileError):
    pass


class NoLanguages(ProfileError):
    pass


class NotInCommunity(ProfileError):
    """The tag or community in a (possibly stale) button is not one this member may use."""


@dataclass(frozen=True, slots=True)
class TagChoice:
    id: int
    label: str


@dataclass(frozen=True, slots=True)
class Availability:
    """When the member may be asked: zone (None: not set, read as UTC), quiet hours as minutes
    after midnight in that zone (None: never quiet), and whether they paused questions."""

    timezone: str | None
    quiet_from: int | None
    quiet_to: int | None
    paused: bool

    @property
    def quiet(self) -> tuple[int, int] | None:
        if self.quiet_from is None or self.quiet_to is None or self.quiet_from == self.quiet_to:
            return None  # not set (the group's default applies), or set to never (NEVER_QUIET)
        return self.quiet_from, self.quiet_to


@dataclass(frozen=True, slots=True)
class Profile:
    first_name: str
    username: str | None
    spoken_languages: list[str]
    bio: str | None
    tags: list[str]
    community: CommunityView | None
    ui_language: str | None
    availability: Availability | None = None


@dataclass(frozen=True, slots=True)
class MemberCard:
    """The member's own profile fields, as cached between updates."""

    first_name: str
    username: str | None
    spoken_languages: tuple[str, ...]
    bio: str | None
    language: str | None


@dataclass(frozen=True, slots=True)
class TagStep:
    """The topics step: what the member has declared and the buttons to offer."""

    community_id: int
    selected: list[int]
    choices: list[TagChoice]


@dataclass(frozen=True, slots=True)
class Entry:
    """What /start, /profile or /expertise opens with, read in one transaction."""

    communities: list[CommunityView]  # the member's
    community_id: int | None  # the one acted on (None: none yet, or the member must pick)
    profile: Profile | None  # for /profile
    tags: TagStep | None  # for /start and /expertise, once the community is known

    @property
    def must_pick(self) -> bool:
        return self.community_id is None and len(self.communities) > 1


class ProfilesService:
    def __init__(
        self, session: AsyncSession, clock: Clock, cache: IdentityCache | None = None
    ) -> None:
        self.session = session
        self.clock = clock
        self.cache = cache
        self.members = MembersRepo(session)
        self.communities = CommunitiesRepo(session)
        self.tags = TagsRepo(session)
        self.documents = ExpertDocuments(session)

    async def communities_of(self, user_id: int) -> list[CommunityView]:
        async with transaction(self.session, write=False):
            member = await self.members.by_user_id(user_id)
            return list(await self._communities(member.id)) if member else []

    async def _cached(
        self,
        name: str,
        tables: tuple[str, ...],
        key: Hashable,
        load: Callable[[], Awaitable[T]],
        *,
        by_member: bool = False,
    ) -> T:
        """`load()`, or what it returned last time until one of `tables` is written."""
        if self.cache is None:
            return await load()
        cache = self.cache.derived(name, *tables, by_member=by_member)
        result: T = await cache.get(key, load)
        return result

    async def _communities(self, member_id: int) -> tuple[CommunityView, ...]:
        async def load() -> tuple[CommunityView, ...]:
            found = await self.communities.active_communities_of(member_id)
            return tuple(community_view(c) for c in found)

        return await self._cached(
            "communities_of", _COMMUNITY_TABLES, member_id, load, by_member=True
        )

    async def _card(self, member_id: int) -> MemberCard:
        async def load() -> MemberCard:
            member = await self.session.get(Member, member_id)
            if member is None:
                raise LookupError(f"member #{member_id} not recorded")
            return MemberCard(
                member.first_name,
                member.username,
                tuple(member.spoken_languages),
                member.bio,
                member.language,
            )

        return await self._cached("member_card", ("members",), member_id, load, by_member=True)

    async def _declared(self, member_id: int, community_id: int) -> tuple[TagChoice, ...]:
        async def load() -> tuple[TagChoice, ...]:
            found = await self.tags.declared(member_id, community_id)
            return tuple(TagChoice(t.id, t.label) for t in found)

        return await self._cached("declared", _TAG_TABLES, (member_id, community_id), load)

    async def confirm_member(self, user_id: int, community_id: int) -> None:
        """Telegram confirmed the user is in this group (deep link from its welcome)."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            member = await self._member(user_id)
            membership = await self.communities.membership(community_id, member.id)
            if membership is None:
                await self.communities.add_membership(
                    community_id, member.id, now, welcome_pending=False
                )
            elif not membership.active:
                membership.active, membership.left_at = True, None

    async def entry(
        self, member_id: int, *, purpose: str, community_id: int | None = None
    ) -> Entry:
        """The member's communities and, once the community is known (their only one, or
        `community_id` picked from a button), the profile card ('p') or the topics step ('o',
        'e'). A `community_id` that is not one of theirs raises NotInCommunity."""
        async with transaction(self.session, write=False):
            mine = list(await self._communities(member_id))
            if community_id is None:
                if len(mine) > 1:
                    return Entry(mine, None, None, None)
                community_id = mine[0].id if mine else None
            elif community_id not in {c.id for c in mine}:
                raise NotInCommunity()
            community = next((c for c in mine if c.id == community_id), None)
            if purpose == "p":
                return Entry(mine, community_id, await self._profile(member_id, community), None)
            tags = await self._tag_step(member_id, community.id) if community else None
            return Entry(mine, community_id, None, tags)

    async def tag_step(self, member_id: int, community_id: int) -> TagStep:
        async with transaction(self.session, write=False):
            return await self._tag_step(member_id, community_id)

    async def _tag_step(self, member_id: int, community_id: int) -> TagStep:
        selected = [t.id for t in await self._declared(member_id, community_id)]
        return TagStep(community_id, selected, await self._choices(community_id, selected))

    async def profile(self, member_id: int, community_id: int | None) -> Profile:
        async with transaction(self.session, write=False):
            community = None
            if community_id is not None:
                mine = {c.id: c for c in await self._communities(member_id)}
                community = mine.get(community_id)
                if community is None:  # left since: still show which community it was
                    found = await self.communities.by_id(community_id)
                    community = community_view(found) if found else None
            return await self._profile(member_id, community)

    async def _profile(self, member_id: int, community: CommunityView | None) -> Profile:
        card = await self._card(member_id)
        tags = await self._declared(member_id, community.id) if community else ()
        return Profile(
            first_name=card.first_name,
            username=card.username,
            spoken_languages=list(card.spoken_languages),
            bio=card.bio,
            tags=[t.label for t in tags],
            community=community,
            ui_language=card.language,
            availability=await self._availability(member_id),
        )

    async def tag_choices(self, community_id: int, selected: list[int]) -> list[TagChoice]:
        """Topic buttons: the community's topics, then popular tags, plus whatever is selected."""
        async with transaction(self.session, write=False):
            return await self._choices(community_id, selected)

    async def _choices(self, community_id: int, selected: list[int]) -> list[TagChoice]:
        async def load() -> tuple[TagChoice, ...]:
            found = await self.tags.choices(community_id, CHOICES_SHOWN)
            return tuple(TagChoice(t.id, t.label) for t in found)

        # Counting declared tags reads every member's expertise: cached until tags change.
        shown = list(await self._cached("tag_choices", _TAG_TABLES, community_id, load))
        missing = [i for i in selected if i not in {t.id for t in shown}]
        shown += [TagChoice(t.id, t.label) for t in await self.tags.by_ids(community_id, missing)]
        return shown

    async def check_tag(self, user_id: int, community_id: int, tag_id: int) -> None:
        """A toggle button names a tag: it must be this community's, and this member's community."""
        async with transaction(self.session, write=False):
            member = await self._member(user_id)
            membership = await self.communities.membership(community_id, member.id)
            if membership is None or not await self.tags.by_ids(community_id, [tag_id]):
                raise NotInCommunity()

    @staticmethod
    def add_free_tags(text: str, selected: list[int], free: dict[str, str]) -> dict[str, str]:
        """Typed tags join the pending selection (saved on Done); returns the new free set."""
        parsed = parse_tags(text)
        if parsed.too_long or parsed.invalid:
            raise BadTags(parsed.too_long, parsed.invalid)
        if not parsed.labels:
            raise NoTags()
        merged = {**free, **{k: v for k, v in parsed.labels.items() if k not in free}}
        if len(selected) + len(merged) > MAX_TAGS:
            raise TooManyTags(len(selected) + len(merged))
        return merged

    async def save_tags(
        self, user_id: int, community_id: int, tag_ids: list[int], free: dict[str, str]
    ) -> list[str]:
        """Make these the member's declared tags in the community; typed tags that match an
        existing tag or synonym reuse it, others become new tags. Returns the labels."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            member = await self._member(user_id)
            if await self.communities.membership(community_id, member.id) is None:
                raise NotInCommunity()
            chosen = {t.id: t for t in await self.tags.by_ids(community_id, tag_ids)}
            existing = await self.tags.resolve(community_id, list(free))
            for name, label in free.items():
                tag = existing.get(name) or await self.tags.create(community_id, name, label, now)
                chosen[tag.id] = tag
            if len(chosen) > MAX_TAGS:
                raise TooManyTags(len(chosen))
            await self.tags.replace_declared(member.id, community_id, list(chosen), now)
            await self.documents.refresh(community_id, member.id, now)
            return sorted(t.label for t in chosen.values())

    async def save_languages(self, user_id: int, languages: list[str]) -> list[str]:
        cleaned = [code for code in SUPPORTED_LANGUAGES if code in set(languages)]
        if not cleaned:
            raise NoLanguages()
        async with transaction(self.session, write=True):
            member = await self._member(user_id)
            member.spoken_languages = cleaned
            member.updated_at = self.clock.now()
        return cleaned

    async def save_bio(self, user_id: int, text: str) -> str:
        bio = text.strip()
        if not bio:
            raise BioEmpty()
        if len(bio) > MAX_BIO:
            raise BioTooLong(len(bio))
        now = self.clock.now()
        async with transaction(self.session, write=True):
            member = await self._member(user_id)
            member.bio = bio
            member.updated_at = now
            # The bio is part of the member's expert document in each of their communities.
            for community in await self.communities.active_communities_of(member.id):
                await self.documents.refresh(community.id, member.id, now)
        return bio

    async def set_ui_language(self, user_id: int, language: str) -> None:
        if language not in SUPPORTED_LANGUAGES:
            raise NoLanguages()
        async with transaction(self.session, write=True):
            member = await self._member(user_id)
            member.language = language
            member.updated_at = self.clock.now()

    async def finish_onboarding(self, user_id: int) -> None:
        async with transaction(self.session, write=True):
            member = await self._member(user_id)
            if member.onboarded_at is None:
                member.onboarded_at = self.clock.now()

    # ---------------------------------------------- availability: time zone, quiet hours, pause

    async def _availability(self, member_id: int) -> Availability:
        async def load() -> Availability:
            member = await self.session.get(Member, member_id)
            if member is None:
                raise LookupError(f"member #{member_id} not recorded")
            return Availability(
                member.timezone, member.quiet_from, member.quiet_to, member.routing_opt_out
            )

        # Written through the ORM below: the commit drops this member's entry alone.
        return await self._cached("availability", ("members",), member_id, load, by_member=True)

    async def availability(self, member_id: int) -> Availability:
        async with transaction(self.session, write=False):
            return await self._availability(member_id)

    async def set_timezone(self, user_id: int, text: str) -> str:
        """Store the zone `text` names (see `parse_timezone`); returns the name stored."""
        zone = parse_timezone(text)
        async with transaction(self.session, write=True):
            member = await self._member(user_id)
            member.timezone = zone
            member.updated_at = self.clock.now()
        return zone

    async def set_quiet_hours(self, user_id: int, text: str) -> Availability:
        """Quiet hours from `text` (`22-07`, `off`), read in the member's time zone."""
        quiet = parse_quiet_hours(text)
        async with transaction(self.session, write=True):
            member = await self._member(user_id)
            # `off` is stored as "never quiet", so the group's default hours do not apply.
            member.quiet_from, member.quiet_to = quiet or NEVER_QUIET
            member.updated_at = self.clock.now()
            return Availability(
                member.timezone, member.quiet_from, member.quiet_to, member.routing_opt_out
            )

    async def set_paused(self, user_id: int, paused: bool) -> None:
        """While paused, routing never asks this member (`members.routing_opt_out`)."""
        async with transaction(self.session, write=True):
            member = await self._member(user_id)
            if member.routing_opt_out != paused:
                member.routing_opt_out = paused
                member.updated_at = self.clock.now()

    async def _member(self, user_id: int) -> Member:
        member = await self.members.by_user_id(user_id)
        if member is None:  # the middleware records every member before any handler runs
            raise LookupError(f"member {user_id} not recorded")
        return member
