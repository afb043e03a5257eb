"""The identity cache never stores a row that a concurrent write has already replaced, and
stays within its size bound."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from storage.cache import IdentityCache, MemberRow
from storage.db import Database, transaction
from storage.models import Member

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def member(user_id: int, name: str = "Ana") -> Member:
    return Member(
        user_id=user_id, first_name=name, created_at=NOW, updated_at=NOW, spoken_languages=[]
    )


async def add_member(db: Database, user_id: int, name: str = "Ana") -> None:
    async with db.session() as session:
        session.add(member(user_id, name))
        await session.commit()


def row(user_id: int, language: str | None = None) -> MemberRow:
    return MemberRow(user_id, user_id, "Ana", None, None, "en", language, True)


async def test_a_read_that_raced_a_write_is_not_cached(db: Database) -> None:
    await add_member(db, 7)
    generation = db.cache.generation
    async with db.session() as reader:  # reads the row as it is now...
        stale = MemberRow.of(await reader.scalar(select(Member).where(Member.user_id == 7)))
    async with db.session() as writer:  # ...while someone changes it
        ana = await writer.scalar(select(Member).where(Member.user_id == 7))
        ana.language = "es"
        await writer.commit()
    db.cache.fill(generation, stale)
    assert db.cache.member(7) is None
    db.cache.fill(db.cache.generation, row(7, "es"))
    assert db.cache.member(7) == row(7, "es")


async def test_writes_to_other_members_do_not_stop_caching(db: Database) -> None:
    """Under load someone is always being written; a read of Ana must still be cached."""
    generation = db.cache.generation
    async with db.session() as writer:
        writer.add(member(9, "Bo"))
        await writer.commit()
    assert db.cache.generation != generation
    db.cache.fill(generation, row(7))
    assert db.cache.member(7) == row(7)


async def test_a_writer_caches_what_it_wrote_where_writers_are_serialized(db: Database) -> None:
    generation = db.cache.generation
    async with db.session() as writer:
        writer.add(member(5))
        await writer.commit()
        own = db.cache.own_write(writer)
    db.cache.fill(generation, row(5), own=own)
    if db.is_sqlite:  # its own commit dropped the row: still stored
        assert db.cache.member(5) == row(5)
    else:  # PostgreSQL: another write may have landed between its read and its commit
        assert own is None and db.cache.member(5) is None


async def test_a_writer_never_caches_over_a_later_write(db: Database) -> None:
    await add_member(db, 5)
    generation = db.cache.generation
    async with db.session() as writer, db.session() as other:
        ana = await writer.scalar(select(Member).where(Member.user_id == 5))
        ana.language = "es"
        await writer.commit()
        own = db.cache.own_write(writer)
        changed = await other.scalar(select(Member).where(Member.user_id == 5))
        changed.language = "ru"  # someone else's change lands after the writer's commit
        await other.commit()
    db.cache.fill(generation, row(5, "es"), own=own)
    assert db.cache.member(5) is None


async def test_a_write_between_a_writers_read_and_commit_is_not_hidden(db: Database) -> None:
    await add_member(db, 5)
    generation = db.cache.generation
    async with db.session() as writer, db.session() as other:
        if db.is_sqlite:  # on the connection its transaction holds: fail fast, do not wait
            await (await other.connection()).exec_driver_sql("PRAGMA busy_timeout=50")
        async with transaction(writer, write=True):
            mine = await writer.scalar(select(Member).where(Member.user_id == 5))
            theirs = await other.scalar(select(Member).where(Member.user_id == 5))
            theirs.language = "es"  # the member picks Spanish in another chat...
            if db.is_sqlite:
                # ...which SQLite holds back while the writer holds the lock: nothing can land
                # between a writer's read and its commit, the premise of IdentityCache.own_write
                with pytest.raises(OperationalError, match="locked"):
                    await other.commit()
                await other.rollback()
            else:
                await other.commit()
            mine.first_name = "Ana B"  # ...while this update records a new name
        own = db.cache.own_write(writer)
    db.cache.fill(generation, MemberRow.of(mine), own=own)
    if db.is_sqlite:
        assert db.cache.member(5) == MemberRow.of(mine)
    else:  # what the writer read is stale: it would say language None
        assert db.cache.member(5) is None


async def test_a_core_statement_on_a_cached_table_drops_what_it_may_have_changed(
    db: Database,
) -> None:
    await add_member(db, 6)
    db.cache.fill(db.cache.generation, row(6))
    card = db.cache.derived("card", "members", by_member=True)
    await card.get(6, _value("old bio"))
    members = Member.__table__
    async with db.session() as session, transaction(session, write=True):
        await session.execute(update(members).where(members.c.user_id == 6).values(bio="new"))
    assert db.cache.member(6) is None
    assert await card.get(6, _value("new")) == "new"


def _value(value: str) -> Callable[[], Awaitable[str]]:
    async def load() -> str:
        return value

    return load


async def test_rolled_back_write_still_drops_what_it_touched(db: Database) -> None:
    await add_member(db, 8)
    db.cache.fill(db.cache.generation, row(8))
    async with db.session() as session:
        ana = await session.scalar(select(Member).where(Member.user_id == 8))
        ana.language = "ru"
        await session.flush()
        await session.rollback()
    assert db.cache.member(8) is None


def test_entries_expire_and_the_oldest_go_first() -> None:
    now = [0.0]
    cache = IdentityCache(ttl=30, max_entries=3, now=lambda: now[0])
    for user_id in (1, 2, 3):
        cache.fill(cache.generation, row(user_id))
    assert cache.member(1) is not None  # 1 is now the most recently used
    cache.fill(cache.generation, row(4))
    assert [cache.member(u) is not None for u in (1, 2, 3, 4)] == [True, False, True, True]
    now[0] = 30.0
    assert cache.member(1) is None and len(cache.members) == 2
