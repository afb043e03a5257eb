"""Who administers which group, as Telegram said within the last few minutes.

Every admin action checks the actor's rights in the community it acts on. Asking Telegram
(getChatMember) each time costs a round trip per command and per button press; the answer is
kept for ``RIGHTS_CACHE_SECONDS`` (5 minutes) instead, and replaced as soon as Telegram reports
a change: a ``chat_member`` update (someone promoted, demoted, leaving, banned) rewrites the
entry before any handler runs. Telegram sends those updates to bots that administer the group;
elsewhere a change shows when the entry expires.

With ``REDIS_URL`` set (several instances) the entries live in Redis, so an update received by
one instance is seen by all; otherwise in this process, bounded. Time is the injected clock's.
"""

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import ChatMemberUpdated, TelegramObject
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.clock import Clock
from bot.telegram import chat_member

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({"creator", "administrator"})
DEFAULT_TTL = timedelta(minutes=5)
MAX_ENTRIES = 50_000  # in-process: the least recently used go first


class StatusStore(Protocol):
    """(chat, user) → (status, expiry as a POSIX timestamp on the clock)."""

    async def get(self, chat_id: int, user_id: int) -> tuple[str, float] | None: ...

    async def put(self, chat_id: int, user_id: int, status: str, expires: float) -> None: ...


class MemoryStatusStore:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[int, int], tuple[str, float]] = OrderedDict()

    async def get(self, chat_id: int, user_id: int) -> tuple[str, float] | None:
        entry = self._entries.get((chat_id, user_id))
        if entry is not None:
            self._entries.move_to_end((chat_id, user_id))
        return entry

    async def put(self, chat_id: int, user_id: int, status: str, expires: float) -> None:
        self._entries[(chat_id, user_id)] = (status, expires)
        self._entries.move_to_end((chat_id, user_id))
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


class RedisStatusStore:
    """Shared by every instance; Redis drops an entry a minute after it would expire here.
    Redis being unreachable is one warning line: the check then asks Telegram."""

    def __init__(
        self, redis: Redis, prefix: str = "peerbot:rights", ttl: timedelta = DEFAULT_TTL
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.keep_seconds = int(ttl.total_seconds()) + 60

    def _key(self, chat_id: int, user_id: int) -> str:
        return f"{self.prefix}:{chat_id}:{user_id}"

    async def get(self, chat_id: int, user_id: int) -> tuple[str, float] | None:
        try:
            raw = await self.redis.get(self._key(chat_id, user_id))
        except (RedisError, OSError) as error:
            log.warning("rights cache unavailable (%s): asking Telegram", error)
            return None
        if raw is None:
            return None
        status, _sep, expires = (raw.decode() if isinstance(raw, bytes) else raw).partition("|")
        try:
            return status, float(expires)
        except ValueError:
            return None

    async def put(self, chat_id: int, user_id: int, status: str, expires: float) -> None:
        key = self._key(chat_id, user_id)
        try:
            await self.redis.set(key, f"{status}|{expires}", ex=self.keep_seconds)
        except (RedisError, OSError) as error:
            log.warning("rights cache unavailable (%s): status of %s not kept", error, user_id)


class Rights:
    """Whether a user administers a group (or owns the bot), from a short-lived cache."""

    def __init__(
        self,
        clock: Clock,
        owners: tuple[int, ...] = (),
        store: StatusStore | None = None,
        ttl: timedelta = DEFAULT_TTL,
    ) -> None:
        self.clock = clock
        self.owners = frozenset(owners)
        self.store: StatusStore = store or MemoryStatusStore()
        self.ttl = ttl

    def _expiry(self) -> float:
        return (self.clock.now() + self.ttl).timestamp()

    async def status(self, bot: Bot, chat_id: int, user_id: int) -> str | None:
        """The user's status in the chat ("administrator", "member", "left"...), or None when
        Telegram would not say (not kept: the next check asks again)."""
        entry = await self.store.get(chat_id, user_id)
        if entry is not None and entry[1] > self.clock.now().timestamp():
            return entry[0]
        member = await chat_member(bot, chat_id, user_id)
        if member is None:
            return None
        await self.learned(chat_id, user_id, member.status)
        return member.status

    async def administers(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        """An owner of the bot (BOT_ADMINS), or an administrator of the group."""
        if user_id in self.owners:
            return True
        return await self.status(bot, chat_id, user_id) in ADMIN_STATUSES

    async def learned(self, chat_id: int, user_id: int, status: str) -> None:
        """Telegram told us the user's status (an answer, or a chat_member update)."""
        await self.store.put(chat_id, user_id, status, self._expiry())


def create_rights(
    clock: Clock, owners: tuple[int, ...], seconds: int, storage: BaseStorage
) -> Rights:
    """Shared through Redis when the dispatcher's state is (several instances), else here."""
    ttl = timedelta(seconds=seconds)
    store: StatusStore
    if isinstance(storage, RedisStorage):  # beside the dialog state, under its prefix
        prefix = getattr(storage.key_builder, "prefix", "fsm")
        store = RedisStatusStore(storage.redis, prefix=f"{prefix}:rights", ttl=ttl)
    else:
        store = MemoryStatusStore()
    return Rights(clock, owners, store, ttl)


class LearnRights(BaseMiddleware):
    """A chat_member update (someone promoted, demoted, gone) replaces what is kept about that
    member before any handler sees it."""

    def __init__(self, rights: Rights) -> None:
        self.rights = rights

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, ChatMemberUpdated):
            member = event.new_chat_member
            await self.rights.learned(event.chat.id, member.user.id, member.status)
        return await handler(event, data)
