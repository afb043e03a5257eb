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
from dataclasses import dataclass
from datetime import datetime, timedelta
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


@dataclass(frozen=True, slots=True)
class Entry:
    """What Telegram said of a member's status, as of `learned` (a POSIX time on the clock:
    when it was asked, or when an update told it), kept until `expires`. Of two entries the
    later one wins; at the same time, an update wins over an answer asked for before it."""

    status: str
    learned: float
    told: bool  # by a chat_member update
    expires: float

    def newer_than(self, other: "Entry") -> bool:
        return (self.learned, self.told) >= (other.learned, other.told)

    def encode(self) -> str:
        return f"{self.status}|{self.learned!r}|{int(self.told)}|{self.expires!r}"

    @classmethod
    def decode(cls, raw: str) -> "Entry | None":
        try:
            status, learned, told, expires = raw.split("|")
            return cls(status, float(learned), told == "1", float(expires))
        except ValueError:
            return None


class StatusStore(Protocol):
    """(chat, user) → Entry; a put older than what is kept changes nothing."""

    async def get(self, chat_id: int, user_id: int) -> Entry | None: ...

    async def put(self, chat_id: int, user_id: int, entry: Entry) -> None: ...


class MemoryStatusStore:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[int, int], Entry] = OrderedDict()

    async def get(self, chat_id: int, user_id: int) -> Entry | None:
        entry = self._entries.get((chat_id, user_id))
        if entry is not None:
            self._entries.move_to_end((chat_id, user_id))
        return entry

    async def put(self, chat_id: int, user_id: int, entry: Entry) -> None:
        kept = self._entries.get((chat_id, user_id))
        if kept is not None and not entry.newer_than(kept):
            return  # an answer asked for before the update that is kept: stale
        self._entries[(chat_id, user_id)] = entry
        self._entries.move_to_end((chat_id, user_id))
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


# Compare and set in one step: KEYS[1]; ARGV: the encoded entry, its learned time, told (0/1),
# seconds to keep it.
_PUT_IF_NEWER = """
local kept = redis.call('GET', KEYS[1])
if kept then
  local learned, told = string.match(kept, '^[^|]*|([^|]*)|([01])|')
  learned = tonumber(learned)
  if learned then
    local new = tonumber(ARGV[2])
    if learned > new or (learned == new and told > ARGV[3]) then
      return 0
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[4]))
return 1
"""


class RedisStatusStore:
    """Shared by every instance; Redis drops an entry a minute after it would expire here.
    Redis being unreachable is one warning line: the check then asks Telegram."""

    def __init__(
        self, redis: Redis, prefix: str = "peerbot:rights", ttl: timedelta = DEFAULT_TTL
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.keep_seconds = int(ttl.total_seconds()) + 60
        self._put = redis.register_script(_PUT_IF_NEWER)

    def _key(self, chat_id: int, user_id: int) -> str:
        return f"{self.prefix}:{chat_id}:{user_id}"

    async def get(self, chat_id: int, user_id: int) -> Entry | None:
        try:
            raw = await self.redis.get(self._key(chat_id, user_id))
        except (RedisError, OSError) as error:
            log.warning("rights cache unavailable (%s): asking Telegram", error)
            return None
        if raw is None:
            return None
        return Entry.decode(raw.decode() if isinstance(raw, bytes) else raw)

    async def put(self, chat_id: int, user_id: int, entry: Entry) -> None:
        key = self._key(chat_id, user_id)
        args = [entry.encode(), repr(entry.learned), str(int(entry.told)), self.keep_seconds]
        try:
            await self._put(keys=[key], args=args)
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

    async def status(self, bot: Bot, chat_id: int, user_id: int) -> str | None:
        """The user's status in the chat ("administrator", "member", "left"...), or None when
        Telegram would not say (not kept: the next check asks again). An update that arrives
        while Telegram is being asked wins over the answer."""
        asked = self.clock.now()
        entry = await self.store.get(chat_id, user_id)
        if entry is not None and entry.expires > asked.timestamp():
            return entry.status
        member = await chat_member(bot, chat_id, user_id)
        if member is None:
            return None
        await self.store.put(chat_id, user_id, self._entry(member.status, asked, told=False))
        kept = await self.store.get(chat_id, user_id)
        if kept is not None and kept.told and kept.learned >= asked.timestamp():
            return kept.status  # told while we were asking: the answer was already stale
        return member.status

    async def administers(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        """An owner of the bot (BOT_ADMINS), or an administrator of the group."""
        if user_id in self.owners:
            return True
        return await self.status(bot, chat_id, user_id) in ADMIN_STATUSES

    async def learned(self, chat_id: int, user_id: int, status: str) -> None:
        """Telegram told us the user's status (a chat_member update)."""
        await self.store.put(chat_id, user_id, self._entry(status, self.clock.now(), told=True))

    def _entry(self, status: str, learned: datetime, *, told: bool) -> Entry:
        expires = (learned + self.ttl).timestamp()
        return Entry(status, learned.timestamp(), told, expires)


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
