"""What the database last said about who is writing, so ordinary updates need no round trip.

Every update starts by recording its sender (member, community, membership). Almost always
nothing has changed, and reading three rows through aiosqlite costs more CPU than the rest of
the update together. This cache keeps a small snapshot of those rows per process.

Correctness rules:
- Any write through this database's sessions to members, communities or memberships drops the
  affected entries when its transaction ends (ORM flushes drop the rows they touched; bulk
  UPDATE/DELETE statements drop the whole table's entries). Nobody has to remember to do it.
- A reader fills the cache only with rows that no write has dropped since it started reading
  (:attr:`IdentityCache.generation`), so a read that raced a write never stores the old row.
  Where writers are serialized (SQLite: a write transaction holds the lock from its first
  read), a writer may store the rows it has just committed itself
  (:meth:`IdentityCache.own_write`): the drop its own commit made does not count against it, a
  later one does. Elsewhere (PostgreSQL) another writer may have committed between its read and
  its write, so it may not.
- Writes made elsewhere (another instance, a script) show within ``ttl`` seconds.
"""

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from storage.models import Community, Member, Membership

DEFAULT_TTL = 30.0  # s: how stale another instance's change can be seen here
DEFAULT_MAX_ENTRIES = 20_000  # per table; the least recently used go first

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: int
    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    telegram_language: str | None
    language: str | None
    dm_available: bool

    @classmethod
    def of(cls, m: Member) -> "MemberRow":
        return cls(
            m.id,
            m.user_id,
            m.first_name,
            m.last_name,
            m.username,
            m.telegram_language,
            m.language,
            m.dm_available,
        )


@dataclass(frozen=True, slots=True)
class CommunityRow:
    id: int
    chat_id: int
    language: str
    active: bool

    @classmethod
    def of(cls, c: Community) -> "CommunityRow":
        return cls(c.id, c.chat_id, c.language, c.active)


class _Expiring(Generic[K, V]):
    """A bounded LRU map whose entries expire `ttl` seconds after they were stored, and that
    remembers when each key was last dropped, so a fill based on an older read is refused."""

    def __init__(self, ttl: float, max_entries: int, now: Callable[[], float]) -> None:
        self.ttl, self.max_entries, self.now = ttl, max_entries, now
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._dropped: OrderedDict[K, int] = OrderedDict()  # key -> generation it was dropped
        self._cleared = 0  # generation of the last clear()
        self._floor = 0  # drops older than this are no longer remembered one by one

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if expires <= self.now():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V, since: int, own: int | None = None) -> None:
        """Store `value`, read at generation `since`, unless `key` was dropped after that by
        anyone but the writer whose commit had generation `own` (the one storing it)."""
        if since < self._cleared or since < self._floor:
            return
        dropped = self._dropped.get(key, -1)
        if dropped > since and dropped != own:
            return
        self._items[key] = (self.now() + self.ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)

    def drop(self, key: K, generation: int) -> None:
        self._items.pop(key, None)
        self._dropped[key] = generation
        self._dropped.move_to_end(key)
        while len(self._dropped) > self.max_entries:
            _, oldest = self._dropped.popitem(last=False)
            self._floor = max(self._floor, oldest)

    def clear(self, generation: int) -> None:
        self._items.clear()
        self._dropped.clear()
        self._cleared = generation

    def __len__(self) -> int:
        return len(self._items)


class DerivedCache(Generic[K, V]):
    """Query results that depend on whole tables: any write to one of them drops them all.
    Values are shared between updates, so they must be immutable (tuples, frozen classes)."""

    def __init__(
        self,
        owner: "IdentityCache",
        tables: frozenset[str],
        ttl: float,
        max_entries: int,
        *,
        by_member: bool,
    ) -> None:
        self.owner = owner
        self.tables = tables
        # Keyed by member id: a member or membership row written drops only its member's entry.
        self.by_member = by_member
        self.entries: _Expiring[K, V] = _Expiring(ttl, max_entries, owner.now)

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        value = self.entries.get(key)
        if value is None:
            since = self.owner.generation
            value = await load()
            self.entries.put(key, value, since)
        return value


class IdentityCache:
    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        now: Callable[[], float] = time.monotonic,
        serialized_writes: bool = False,
    ) -> None:
        """`serialized_writes`: a write transaction's reads are current until it commits
        (SQLite's BEGIN IMMEDIATE), so a writer may cache the rows it wrote (:meth:`own_write`)."""
        self.serialized_writes = serialized_writes
        self.members: _Expiring[int, MemberRow] = _Expiring(ttl, max_entries, now)  # user_id
        self.communities: _Expiring[int, CommunityRow] = _Expiring(ttl, max_entries, now)  # chat
        # (community_id, member_id) -> active
        self.memberships: _Expiring[tuple[int, int], bool] = _Expiring(ttl, max_entries, now)
        self.generation = 0
        self.now = now
        self.ttl, self.max_entries = ttl, max_entries
        self._derived: dict[str, DerivedCache[Any, Any]] = {}

    def derived(self, name: str, *tables: str, by_member: bool = False) -> DerivedCache[Any, Any]:
        """The cache called `name` of query results over `tables` (made on first use), dropped
        whenever one of those tables is written. With `by_member` its keys are member ids, and
        a written member or membership row drops only that member's entry."""
        cache = self._derived.get(name)
        if cache is None:
            cache = DerivedCache(
                self, frozenset(tables), self.ttl, self.max_entries, by_member=by_member
            )
            self._derived[name] = cache
        return cache

    def member(self, user_id: int) -> MemberRow | None:
        return self.members.get(user_id)

    def community(self, chat_id: int) -> CommunityRow | None:
        return self.communities.get(chat_id)

    def membership_active(self, community_id: int, member_id: int) -> bool | None:
        return self.memberships.get((community_id, member_id))

    def fill(
        self,
        generation: int,
        member: MemberRow | None,
        community: CommunityRow | None = None,
        membership_active: bool | None = None,
        *,
        own: int | None = None,
    ) -> None:
        """Store what a read that began at `generation` found, except the entries that a
        write has dropped since (others' writes to other rows do not matter). `own`: the
        generation of the reader's own commit (:meth:`own_write`), when it wrote these rows
        itself in the transaction that read them."""
        if member is not None:
            self.members.put(member.user_id, member, generation, own)
        if community is not None:
            self.communities.put(community.chat_id, community, generation, own)
            if member is not None and membership_active is not None:
                key = (community.id, member.id)
                self.memberships.put(key, membership_active, generation, own)

    def own_write(self, session: Session | Any) -> int | None:
        """The generation of `session`'s last committed write, once (None if it wrote nothing
        since the last call, or if writers are not serialized). Read it right after the
        commit, before anything else can run."""
        written: int | None = session.info.pop(_WRITTEN_KEY, None)
        return written if self.serialized_writes else None

    def forget(self, changes: "_Changes") -> int:
        """Drop what `changes` wrote; returns the generation of that drop."""
        if not changes:
            return self.generation
        self.generation += 1
        now = self.generation
        for table, everything in (
            (self.members, changes.all_members),
            (self.communities, changes.all_communities),
            (self.memberships, changes.all_memberships),
        ):
            if everything:
                table.clear(now)
        for derived in self._derived.values():
            written = changes.tables if _ANY_TABLE not in changes.tables else derived.tables
            hit = derived.tables & written
            if not hit:
                continue
            if derived.by_member and self._per_member(hit, changes):
                for member_id in _member_ids(hit, changes):
                    derived.entries.drop(member_id, now)
            else:
                derived.entries.clear(now)
        for user_id in changes.user_ids:
            self.members.drop(user_id, now)
        for key in changes.membership_keys:
            self.memberships.drop(key, now)
        return now

    @staticmethod
    def _per_member(hit: frozenset[str], changes: "_Changes") -> bool:
        """Whether the rows `changes` wrote in `hit` are all known by member."""
        return (
            hit <= _MEMBER_TABLES
            and _ANY_TABLE not in changes.tables
            and not (
                ("members" in hit and changes.all_members)
                or ("memberships" in hit and changes.all_memberships)
            )
        )

    def clear(self) -> None:
        self.generation += 1
        for table in (self.members, self.communities, self.memberships):
            table.clear(self.generation)
        for derived in self._derived.values():
            derived.entries.clear(self.generation)

    # ------------------------------------------------------------------ session event wiring

    def watch(self, session_class: type[Session]) -> None:
        """Drop what sessions of `session_class` write, when their transactions end."""
        event.listen(session_class, "after_flush", self._after_flush)
        event.listen(session_class, "do_orm_execute", self._on_execute)
        event.listen(session_class, "after_commit", self._after_commit)
        event.listen(session_class, "after_rollback", self._after_rollback)

    @staticmethod
    def _changes(session: Session) -> "_Changes":
        changes: _Changes | None = session.info.get(_INFO_KEY)
        if changes is None:
            changes = session.info[_INFO_KEY] = _Changes()
        return changes

    def _after_flush(self, session: Session, _flush: UOWTransaction) -> None:
        changed = [*session.new, *session.dirty, *session.deleted]
        if not changed:
            return
        changes = self._changes(session)
        for obj in changed:
            table = getattr(obj, "__tablename__", None)
            if table:
                changes.tables.add(table)
            if isinstance(obj, Member):
                changes.user_ids.add(obj.user_id)
                changes.member_ids.add(obj.id)
            elif isinstance(obj, Community):
                # chat_id itself can change (a group upgraded to a supergroup).
                changes.all_communities = True
            elif isinstance(obj, Membership):
                changes.membership_keys.add((obj.community_id, obj.member_id))

    def _on_execute(self, state: ORMExecuteState) -> None:
        if not (state.is_update or state.is_delete or state.is_insert):
            return
        changes = self._changes(state.session)
        mapper = state.bind_mapper
        entity = mapper.class_ if mapper is not None else None
        # An ORM statement names its entity; a Core one (on Member.__table__, say) its table.
        table = getattr(entity, "__tablename__", None) or getattr(
            getattr(state.statement, "table", None), "name", None
        )
        if not table:  # a statement on a table we cannot name: assume it touched everything
            changes.tables.add(_ANY_TABLE)
            changes.all_members = changes.all_communities = changes.all_memberships = True
            return
        changes.tables.add(table)
        if table == "members":
            changes.all_members = True
        elif table == "communities":
            changes.all_communities = True
        elif table == "memberships":
            changes.all_memberships = True

    def _after_commit(self, session: Session) -> None:
        changes = session.info.pop(_INFO_KEY, None)
        if changes:
            session.info[_WRITTEN_KEY] = self.forget(changes)

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(_WRITTEN_KEY, None)
        changes = session.info.pop(_INFO_KEY, None)
        if changes is not None:
            self.forget(changes)


_MEMBER_TABLES = frozenset({"members", "memberships"})


def _member_ids(hit: frozenset[str], changes: "_Changes") -> set[int]:
    ids = set(changes.member_ids) if "members" in hit else set()
    if "memberships" in hit:
        ids.update(member_id for _community_id, member_id in changes.membership_keys)
    return ids


_INFO_KEY = "peerbot_identity_cache_changes"
_WRITTEN_KEY = "peerbot_identity_cache_written_at"
_ANY_TABLE = "*"


class _Changes:
    """What one session's transaction wrote, by the keys the cache uses."""

    __slots__ = (
        "all_communities",
        "all_members",
        "all_memberships",
        "member_ids",
        "membership_keys",
        "tables",
        "user_ids",
    )

    def __init__(self) -> None:
        self.tables: set[str] = set()
        self.user_ids: set[int] = set()
        self.member_ids: set[int] = set()
        self.membership_keys: set[tuple[int, int]] = set()
        self.all_members = self.all_communities = self.all_memberships = False

    def __bool__(self) -> bool:
        return bool(
            self.tables
            or self.user_ids
            or self.member_ids
            or self.membership_keys
            or self.all_members
            or self.all_communities
            or self.all_memberships
        )


def watched_session_class(cache: IdentityCache) -> type[Session]:
    """A Session subclass of its own, so the cache hears only its database's sessions."""

    class CachedSession(Session):
        pass

    cache.watch(CachedSession)
    return CachedSession


__all__ = ["CommunityRow", "IdentityCache", "MemberRow", "watched_session_class"]
