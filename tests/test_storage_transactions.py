"""Transactions stay all-or-nothing however they begin (on SQLite the BEGIN is sent with a
later statement to save a round trip), and reads see what others committed."""

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from storage.db import Database, transaction
from storage.models import Member

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def member(user_id: int, name: str = "Ana") -> Member:
    return Member(
        user_id=user_id, first_name=name, created_at=NOW, updated_at=NOW, spoken_languages=[]
    )


async def count(db: Database) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(Member)) or 0


@pytest.mark.parametrize("write", [False, True], ids=["read-mostly", "write"])
async def test_a_failed_write_leaves_nothing_behind(db: Database, write: bool) -> None:
    async with db.session() as session:
        session.add(member(1))
        await session.commit()
    async with db.session() as session:
        with pytest.raises(IntegrityError):
            async with transaction(session, write=write):
                await session.scalar(select(func.count()).select_from(Member))
                session.add(member(2))
                await session.flush()  # Ana (2) is written...
                session.add(member(1, "Duplicate"))
                await session.flush()  # ...then the same user again fails
    assert await count(db) == 1  # Ana (2) went with it


async def test_a_reading_transaction_sees_what_others_committed_since(db: Database) -> None:
    async with db.session() as reader, transaction(reader, write=False):
        assert await reader.scalar(select(func.count()).select_from(Member)) == 0
        async with db.session() as writer:
            writer.add(member(1))
            await writer.commit()  # not blocked by the open reading transaction
        assert await reader.scalar(select(func.count()).select_from(Member)) == 1


async def test_a_reader_turned_writer_commits_after_another_write(db: Database) -> None:
    """SQLite refuses a write from a transaction whose snapshot is older than another's commit
    (SQLITE_BUSY_SNAPSHOT); a reading transaction that writes must not hit that."""
    async with db.session() as session, transaction(session, write=False):
        await session.scalar(select(func.count()).select_from(Member))
        async with db.session() as other:
            other.add(member(1))
            await other.commit()
        session.add(member(2))
    assert await count(db) == 2


async def test_a_begin_that_failed_is_sent_again_with_the_next_statement(db: Database) -> None:
    """On SQLite the BEGIN goes out with the first statement; if the database is busy it fails
    there, and a retry in the same transaction must still be one transaction."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL sends BEGIN itself, when the transaction starts")
    assert db.url.database is not None
    blocker = sqlite3.connect(db.url.database, isolation_level=None)
    try:
        async with db.session() as session:
            await (await session.connection()).exec_driver_sql("PRAGMA busy_timeout=50")
            await session.commit()
            blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            async with transaction(session, write=True):
                with pytest.raises(OperationalError):
                    await session.scalar(select(func.count()).select_from(Member))
                blocker.execute("COMMIT")
                session.add(member(7))
                await session.flush()
                session.add(member(8))
                await session.flush()
                await session.rollback()
    finally:
        blocker.close()
    assert await count(db) == 0
