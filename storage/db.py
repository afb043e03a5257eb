"""Engine and session factory; SQLite tuned for many concurrent short transactions."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.cache import IdentityCache, watched_session_class
from storage.sqlite import OneHopConnection, one_hop_creator

_BEGIN_OPTION = "peerbot_sqlite_begin"


class Database:
    """Owns the engine. Services open one short transaction per use case through it."""

    def __init__(
        self, url: str, *, echo: bool = False, now: Callable[[], float] = time.monotonic
    ) -> None:
        """`now`: seconds on any monotonic scale, for the identity cache's expiry."""
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": not self.is_sqlite}
        if self.is_sqlite:
            kwargs["async_creator"] = one_hop_creator(self.url.database or ":memory:", timeout=30)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        # SQLite writers hold the database's write lock from their first statement (BEGIN
        # IMMEDIATE), so what a writer read is still current when it commits.
        self.cache = IdentityCache(now=now, serialized_writes=self.is_sqlite)
        self.sessionmaker = async_sessionmaker(
            self.engine,
            expire_on_commit=False,
            sync_session_class=watched_session_class(self.cache),
        )

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    @asynccontextmanager
    async def light_session(self) -> AsyncIterator[AsyncSession]:
        """A session for work that often never reaches the database (an update answered from
        the caches). Only a session still in a transaction holds a connection, so only such a
        session is closed; closing an unused one would cost more than the rest of the update."""
        session = self.sessionmaker()
        try:
            yield session
        finally:
            if session.in_transaction():
                # As AsyncSession's own context manager does: a cancellation must not leave
                # the connection out of the pool.
                await asyncio.shield(session.close())

    async def dispose(self) -> None:
        await self.engine.dispose()


def _tune_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front (BEGIN IMMEDIATE), so a reader-turned-writer can never
        # fail with SQLITE_BUSY_SNAPSHOT under concurrency; plain readers stay concurrent.
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        driver = conn.connection.dbapi_connection
        inner = getattr(driver, "_connection", None)
        if isinstance(inner, OneHopConnection):  # sent with a statement: no round trip of its own
            # A reading transaction begins at its first write, if any: its reads see the latest
            # committed data, as under PostgreSQL's READ COMMITTED (the services assume no more),
            # and one that only reads needs no COMMIT.
            inner.begin_later(f"BEGIN {mode}", at_first_write=mode == "DEFERRED")
        else:  # straight to the driver: none of a full statement execution's cost
            driver.execute(f"BEGIN {mode}")


@asynccontextmanager
async def transaction(session: AsyncSession, *, write: bool) -> AsyncIterator[AsyncSession]:
    """One short transaction: committed on success, rolled back on error, never left open.

    A transaction already open on the session (a bug: someone forgot to end one) is committed
    first, so no transaction can stay open across a Telegram call.
    """
    if session.in_transaction():
        await session.commit()
    if write:
        await session.connection(execution_options={_BEGIN_OPTION: "IMMEDIATE"})
    try:
        yield session
    except BaseException:
        await session.rollback()
        raise
    await commit_if_needed(session)


async def commit_if_needed(session: AsyncSession) -> None:
    """Commit what the session holds; a session that never touched the database (everything
    came from the caches) has nothing to commit, and skipping it saves most of its cost."""
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        await session.commit()
