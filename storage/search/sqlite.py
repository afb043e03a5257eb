"""SQLite FTS5: an index is a virtual table (text, scope, key) whose rowid is the entry's
doc_id, tokenized by unicode61 with diacritics removed and ranked by bm25."""

from collections.abc import Sequence

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.search import Hit, put_entry


def create_ddl(index: str, documents: str) -> list[str]:
    # `documents` is unused: FTS5 tables take no foreign keys (callers remove stale entries,
    # and a search maps doc ids back through the documents table anyway).
    del documents
    return [
        f"CREATE VIRTUAL TABLE {index} USING fts5("
        "body, scope UNINDEXED, key UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"
    ]


def match_expression(terms: Sequence[str]) -> str:
    """`"a" OR "b"`: each term a quoted string, so FTS5 reads it as a word, never as syntax.
    Terms come from `query_terms` (letters and digits only), so no quote is inside."""
    return " OR ".join(f'"{t}"' for t in terms if '"' not in t)


def put_statements(index: str) -> list[TextClause]:
    """Statements (parameters: id, scope, key, body as `index_text`) that index an entry."""
    return [
        text(f"DELETE FROM {index} WHERE rowid = :id"),
        text(f"INSERT INTO {index} (rowid, body, scope, key) VALUES (:id, :body, :scope, :key)"),
    ]


class SqliteSearch:
    async def put(
        self,
        session: AsyncSession,
        index: str,
        doc_id: int,
        scope: int,
        text_: str,
        key: int | None = None,
    ) -> None:
        await put_entry(session, put_statements(index), doc_id, scope, text_, key)

    async def remove(self, session: AsyncSession, index: str, doc_id: int) -> None:
        await session.execute(text(f"DELETE FROM {index} WHERE rowid = :id"), {"id": doc_id})

    async def top(
        self, session: AsyncSession, index: str, scope: int, terms: Sequence[str], limit: int
    ) -> list[Hit]:
        expression = match_expression(terms)
        if not expression or limit <= 0:
            return []
        rows = await session.execute(
            text(
                f"SELECT rowid, key, -bm25({index}) FROM {index} "
                f"WHERE {index} MATCH :q AND scope = :scope ORDER BY rank LIMIT :n"
            ),
            {"q": expression, "scope": scope, "n": limit},
        )
        return [Hit(int(d), None if k is None else int(k), float(r)) for d, k, r in rows if r > 0]
