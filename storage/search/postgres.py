"""PostgreSQL: an index is a table (doc_id, scope, key, tsvector) with a GIN index on the vector,
built with the `simple` configuration from folded words (storage.search.index_text), ranked by
ts_rank. Folding in Python rather than with `unaccent` keeps both backends' words identical
and needs no extension (see docs/routing.md)."""

from collections.abc import Sequence

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.search import Hit, put_entry


def create_ddl(index: str, documents: str) -> list[str]:
    return [
        f"CREATE TABLE {index} ("
        f"doc_id INTEGER NOT NULL REFERENCES {documents} (id) ON DELETE CASCADE, "
        "scope INTEGER NOT NULL, key INTEGER, vector TSVECTOR NOT NULL, "
        f"CONSTRAINT pk_{index} PRIMARY KEY (doc_id))",
        f"CREATE INDEX ix_{index}_vector ON {index} USING GIN (vector)",
        f"CREATE INDEX ix_{index}_scope ON {index} (scope)",
    ]


def tsquery_source(terms: Sequence[str]) -> str:
    """`'a' | 'b'` for to_tsquery: each term quoted, so it is only ever a word (terms come
    from `query_terms`: letters and digits, no quote or backslash inside)."""
    return " | ".join(f"'{t}'" for t in terms if "'" not in t and "\\" not in t)


def put_statements(index: str) -> list[TextClause]:
    """Statements (parameters: id, scope, key, body as `index_text`) that index an entry."""
    return [
        text(
            f"INSERT INTO {index} (doc_id, scope, key, vector) "
            "VALUES (:id, :scope, :key, to_tsvector('simple', :body)) "
            "ON CONFLICT (doc_id) DO UPDATE SET scope = EXCLUDED.scope, key = EXCLUDED.key, "
            "vector = EXCLUDED.vector"
        )
    ]


class PostgresSearch:
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
        await session.execute(text(f"DELETE FROM {index} WHERE doc_id = :id"), {"id": doc_id})

    async def top(
        self, session: AsyncSession, index: str, scope: int, terms: Sequence[str], limit: int
    ) -> list[Hit]:
        source = tsquery_source(terms)
        if not source or limit <= 0:
            return []
        rows = await session.execute(
            text(
                f"SELECT doc_id, key, ts_rank(vector, q) AS r FROM {index}, "
                "to_tsquery('simple', :q) AS q "
                "WHERE scope = :scope AND vector @@ q ORDER BY r DESC, doc_id LIMIT :n"
            ),
            {"q": source, "scope": scope, "n": limit},
        )
        return [Hit(int(d), None if k is None else int(k), float(r)) for d, k, r in rows if r > 0]
