"""aiosqlite connections that cost one thread round trip per statement.

aiosqlite runs each call on its connection's own thread and hands the result back to the event
loop: a round trip of ~75 µs of CPU. SQLAlchemy's aiosqlite adapter makes four of them per
statement (open a cursor, execute, fetch, close) and one more to reset every connection it
returns to the pool, so a two-query read cost 13 round trips, more CPU than the rest of the
update together. Here the whole statement (execute, fetch, close) runs in one round trip, a
BEGIN rides along with the transaction's first statement (for a read-mostly transaction, its
first write: reads before it see the latest committed data, as under PostgreSQL's READ
COMMITTED, and a transaction that only reads needs no COMMIT), and COMMIT or ROLLBACK is
skipped when SQLite says no transaction is open.

Plugged in through ``create_async_engine(async_creator=...)``; SQLAlchemy's own aiosqlite
dialect stays in charge of everything else (it reaches the wrapped aiosqlite connection for
isolation level, functions and termination through attribute delegation).
"""

import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiosqlite

Row = tuple[Any, ...]


class OneHopCursor:
    """A cursor whose statement has already run by the time ``execute`` returns."""

    __slots__ = ("_owner", "_rows", "arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, owner: "OneHopConnection") -> None:
        self._owner = owner
        self._rows: list[Row] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def __aenter__(self) -> "OneHopCursor":
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> "OneHopCursor":
        def run(raw: sqlite3.Connection) -> tuple[Any, list[Row], int, int | None]:
            cursor = raw.cursor()
            try:
                cursor.execute(sql, () if parameters is None else parameters)
                description = cursor.description
                rows = cursor.fetchall() if description else []
                return description, rows, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        self.description, self._rows, self.rowcount, self.lastrowid = await self._owner._run(
            run, reads=_reads_only(sql)
        )
        return self

    async def executemany(self, sql: str, seq: Sequence[Sequence[Any]]) -> "OneHopCursor":
        def run(raw: sqlite3.Connection) -> tuple[int, int | None]:
            cursor = raw.cursor()
            try:
                cursor.executemany(sql, seq)
                return cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        self.description, self._rows = None, []
        self.rowcount, self.lastrowid = await self._owner._run(run)
        return self

    async def fetchall(self) -> list[Row]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Row | None:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Row]:
        size = self.arraysize if size is None else size
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def close(self) -> None:
        self._rows = []


class _CursorContext:
    """What ``aiosqlite.Connection.cursor()`` returns, minus the round trip."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: OneHopCursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> OneHopCursor:
        return self._cursor

    async def __aexit__(self, *_exc: object) -> None:
        return None

    def __await__(self) -> Any:
        return self.__aenter__().__await__()


class OneHopConnection:
    """Wraps an ``aiosqlite.Connection``; anything not defined here goes to it."""

    def __init__(self, inner: aiosqlite.Connection) -> None:
        self._inner = inner
        # Unknown until a statement has run: assume a transaction may be open.
        self._in_transaction = True
        self._begin: str | None = None  # a BEGIN not sent yet (see begin_later)
        self._begin_at_write = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def begin_later(self, statement: str, *, at_first_write: bool = False) -> None:
        """Send `statement` (a BEGIN) with the next statement, in the same round trip, or with
        the first statement that is not a SELECT (`at_first_write`); a transaction that never
        sends it costs no BEGIN and no COMMIT."""
        self._begin, self._begin_at_write = statement, at_first_write

    async def _run(self, work: Callable[[sqlite3.Connection], Any], *, reads: bool = False) -> Any:
        """`work(raw_connection)` on the connection's thread, after any pending BEGIN that is
        due (`reads`: `work` only reads); records whether a transaction is open afterwards
        (read on that thread, so it is exact)."""
        begin = self._begin
        if begin is not None and reads and self._begin_at_write:
            begin = None  # still only reading: each SELECT sees the latest committed data

        def call() -> Any:
            raw = self._inner._conn
            try:
                if begin is not None:
                    raw.execute(begin)
                    # Only now: a BEGIN that failed (say, busy) stays due for the next statement.
                    self._begin = None
                return work(raw)
            finally:
                self._in_transaction = _in_transaction(raw)

        return await self._inner._execute(call)

    def cursor(self) -> _CursorContext:
        return _CursorContext(OneHopCursor(self))

    async def commit(self) -> None:
        self._begin = None  # begun and ended without a statement: nothing to commit
        if self._in_transaction:
            await self._run(lambda raw: raw.commit())

    async def rollback(self) -> None:
        self._begin = None
        if self._in_transaction:
            await self._run(lambda raw: raw.rollback())


def _reads_only(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "SELECT"


def _in_transaction(raw: sqlite3.Connection) -> bool:
    try:
        return raw.in_transaction
    except sqlite3.Error:  # closed: let the next COMMIT/ROLLBACK report it
        return True


def one_hop_creator(database: str, **connect_args: Any) -> Callable[[], Awaitable[Any]]:
    """An ``async_creator`` for ``create_async_engine`` opening `database` through aiosqlite."""

    async def create() -> OneHopConnection:
        pending = aiosqlite.connect(database, **connect_args)
        pending._thread.daemon = True  # as SQLAlchemy does: never block interpreter exit
        return OneHopConnection(await pending)

    return create


__all__ = ["OneHopConnection", "OneHopCursor", "one_hop_creator"]
