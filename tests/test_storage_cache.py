"""The identity cache never stores a row that a concurrent write has already replaced, and
stays within its size bound."""

from datetime import UTC, datetime

from sqlalchemy import select

from storage.cache import IdentityCache, MemberRow
from storage.db import Database
from storage.models import Member

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def row(user_id: int, language: str | None = None) -> MemberRow:
    return MemberRow(user_id, user_id, "Ana", None, None, "en", language, True)


async def test_a_read_that_raced_a_write_is_not_cached(db: Database) -> None:
    async with db.session() as session:
        session.add(
            Member(user_id=7, first_name="Ana", created_at=NOW, updated_at=NOW, spoken_languages=[])
        )
        await session.commit()
    generation = db.cache.generation
    async with db.session() as reader:  # reads the row as it is now...
        stale = MemberRow.of(await reader.scalar(select(Member).where(Member.user_id == 7)))
    async with db.session() as writer:  # ...while someone changes it
        member = await writer.scalar(select(Member).where(Member.user_id == 7))
        member.language = "es"
        await writer.commit()
    db.cache.fill(generation, stale)
    assert db.cache.member(7) is None
    db.cache.fill(db.cache.generation, row(7, "es"))
    assert db.cache.member(7) == row(7, "es")


async def test_writes_to_other_members_do_not_stop_caching(db: Database) -> None:
    """Under load someone is always being written; a read of Ana must still be cached."""
    generation = db.cache.generation
    async with db.session() as writer:
        writer.add(
            Member(user_id=9, first_name="Bo", created_at=NOW, updated_at=NOW, spoken_languages=[])
        )
        await writer.commit()
    assert db.cache.generation != generation
    db.cache.fill(generation, row(7))
    assert db.cache.member(7) == row(7)


async def test_a_writer_may_cache_what_it_wrote_but_not_what_others_wrote_after(
    db: Database,
) -> None:
    generation = db.cache.generation
    async with db.session() as writer:
        writer.add(
            Member(user_id=5, first_name="Ana", created_at=NOW, updated_at=NOW, spoken_languages=[])
        )
        await writer.commit()
        own = db.cache.own_write(writer)
    assert own is not None
    db.cache.fill(generation, row(5), own=own)  # its own commit dropped the row: still stored
    assert db.cache.member(5) == row(5)

    generation = db.cache.generation
    async with db.session() as writer, db.session() as other:
        member = await writer.scalar(select(Member).where(Member.user_id == 5))
        member.language = "es"
        await writer.commit()
        own = db.cache.own_write(writer)
        changed = await other.scalar(select(Member).where(Member.user_id == 5))
        changed.language = "ru"  # someone else's change lands after the writer's commit
        await other.commit()
    db.cache.fill(generation, row(5, "es"), own=own)
    assert db.cache.member(5) is None
    assert db.cache.own_write(other) is not None and db.cache.own_write(other) is None


async def test_rolled_back_write_still_drops_what_it_touched(db: Database) -> None:
    async with db.session() as session:
        session.add(
            Member(user_id=8, first_name="Ana", created_at=NOW, updated_at=NOW, spoken_languages=[])
        )
        await session.commit()
    db.cache.fill(db.cache.generation, row(8))
    async with db.session() as session:
        member = await session.scalar(select(Member).where(Member.user_id == 8))
        member.language = "ru"
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
