"""The FAQ's search index, per dialect: weighted columns (question, tags, answer), ranked
matching with a bound on the work a very common word can cause, and a vocabulary of indexed
words with trigrams, for correcting a misspelt query.

Texts are folded and split in Python (storage.search.index_text) on both backends, so both
match the same words; snippets are cut from the entry's own text by the service, the same way
on both (bot.services.faq).

Common words: ranking scores every entry that matches, so a word found in most entries would
make a search slow (on 100,000 entries, 35-85 ms rather than 1-6 ms). Stop words are never
searched for; beyond them, only the newest `CANDIDATES` matching entries of a community are
ranked, found by walking the match list backwards (entry ids grow with time), which is cheap.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.search import words

INDEX = "faq_fts"
TERMS = "faq_fts_terms"  # every indexed word once, for spelling correction
TRIGRAMS = "faq_fts_trigrams"  # SQLite: the trigrams of TERMS
CANDIDATES = 1000  # the most entries one search ranks
WEIGHTS = (10.0, 4.0, 1.0)  # question, tags, answer
MIN_TERM_WORD, MAX_TERM_WORD = 3, 30  # characters of a word kept for spelling correction
SCOPE_BITS = 32  # SQLite rowid: community id in the high bits, entry id in the low ones


@dataclass(frozen=True, slots=True)
class FaqQuery:
    terms: tuple[str, ...]  # folded words from storage.search.query_terms / words
    prefix: bool = False  # the last term is a word still being typed
    any: bool = False  # entries with any of the terms, not all of them


@dataclass(frozen=True, slots=True)
class FaqHit:
    entry_id: int
    rank: float  # > 0, higher is more relevant
    # The entry's own, for breaking ties without reading it (only published entries are hits).
    verified: bool = False
    helpful: int = 0


def _correctable(word: str) -> bool:
    """A word worth correcting a query towards (not a number, not tiny)."""
    return MIN_TERM_WORD <= len(word) <= MAX_TERM_WORD and not word.isdigit()


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams: the word padded with two spaces before and one after."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity: shared trigrams over all trigrams of either word."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def create_ddl(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"CREATE VIRTUAL TABLE {INDEX} USING fts5(question, tags, answer, "
            "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
            f"CREATE TABLE {TERMS} (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE)",
            f"CREATE VIRTUAL TABLE {TRIGRAMS} USING fts5(term, content = '{TERMS}', "
            "content_rowid = 'id', tokenize = 'trigram')",
            f"CREATE TRIGGER {TERMS}_added AFTER INSERT ON {TERMS} BEGIN "
            f"INSERT INTO {TRIGRAMS} (rowid, term) VALUES (new.id, new.term); END",
        ]
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE TABLE {INDEX} ("
        "doc_id INTEGER NOT NULL REFERENCES faq_entries (id) ON DELETE CASCADE, "
        "scope INTEGER NOT NULL, vector TSVECTOR NOT NULL, "
        f"CONSTRAINT pk_{INDEX} PRIMARY KEY (doc_id))",
        f"CREATE INDEX ix_{INDEX}_vector ON {INDEX} USING GIN (vector)",
        f"CREATE INDEX ix_{INDEX}_scope_doc_id ON {INDEX} (scope, doc_id)",
        f"CREATE TABLE {TERMS} (term TEXT NOT NULL, CONSTRAINT pk_{TERMS} PRIMARY KEY (term))",
        f"CREATE INDEX ix_{TERMS}_trigrams ON {TERMS} USING GIN (term gin_trgm_ops)",
    ]


def drop_ddl(dialect: str) -> list[str]:
    # pg_trgm stays: other databases' objects may use it, and it holds no data.
    if dialect == "sqlite":
        return [f"DROP TABLE IF EXISTS {t}" for t in (TRIGRAMS, TERMS, INDEX)]
    return [f"DROP TABLE IF EXISTS {t}" for t in (TERMS, INDEX)]


class FaqIndex:
    """The dialect's FAQ index; `for_session` picks it."""

    @staticmethod
    def for_session(session: AsyncSession) -> "FaqIndex":
        if session.get_bind().dialect.name == "sqlite":
            return SqliteFaqIndex()
        return PostgresFaqIndex()

    _PUT: TextClause  # parameters: id, scope, question, tags, answer (folded words)
    _TERM: TextClause  # parameter: t, a word of the vocabulary (once, whatever is given)
    _REPLACES_BY_DELETE = False  # FTS5 has no upsert: an entry is deleted, then inserted

    async def put(
        self,
        session: AsyncSession,
        entry_id: int,
        scope: int,
        question: str,
        tags: Sequence[str],
        answer: str,
    ) -> None:
        """Index the entry (replacing what it said before) and learn its words."""
        if self._REPLACES_BY_DELETE:
            await self.remove(session, entry_id, scope)
        entry = {"id": entry_id, "scope": scope, "question": question, "tags": tags}
        await self.put_many(session, [{**entry, "answer": answer}])

    async def put_many(self, session: AsyncSession, entries: Sequence[dict[str, object]]) -> None:
        """Index many entries at once (keys: id, scope, question, tags, answer), for imports
        and backfills."""
        if not entries:
            return
        rows, terms = self._prepared(entries)
        await session.execute(self._PUT, rows)
        if terms:
            await session.execute(self._TERM, terms)

    async def remove(self, session: AsyncSession, entry_id: int, scope: int) -> None:
        raise NotImplementedError

    async def analyze(self, session: AsyncSession) -> None:
        """After a bulk load: refresh what the query planner knows of the tables (PostgreSQL
        plans searches by it; until autovacuum comes by, a fresh import's searches may take
        tens of times longer)."""

    async def top(
        self, session: AsyncSession, scope: int, query: FaqQuery, limit: int
    ) -> list[FaqHit]:
        """The best `limit` published entries of `scope` for `query`, most relevant first,
        with what breaks their ties (read with them: no second query)."""
        raise NotImplementedError

    async def known_terms(self, session: AsyncSession, word: str, limit: int) -> list[str]:
        """Indexed words that look like `word` (shared trigrams), best first."""
        raise NotImplementedError

    @staticmethod
    def _prepared(
        entries: Sequence[dict[str, object]],
    ) -> tuple[list[dict[str, object]], list[dict[str, str]]]:
        """The index's rows (texts as `index_text`) and the new vocabulary, each text folded
        and split once."""
        rows, found = [], set()
        for e in entries:
            question, answer = words(str(e["question"])), words(str(e["answer"]))
            tags = words(" ".join(e["tags"]))  # type: ignore[arg-type]
            rows.append(
                {
                    "id": e["id"],
                    "scope": e["scope"],
                    "question": " ".join(question),
                    "tags": " ".join(tags),
                    "answer": " ".join(answer),
                }
            )
            found.update(question, tags, answer)
        return rows, [{"t": t} for t in sorted(found) if _correctable(t)]


def _sqlite_expression(query: FaqQuery) -> str:
    """FTS5 syntax where every term is a quoted string (terms hold letters and digits only),
    so nothing a member typed is ever read as an operator."""
    quoted = [f'"{t}"' for t in query.terms if '"' not in t]
    if quoted and query.prefix:
        quoted[-1] += "*"
    return (" OR " if query.any else " ").join(quoted)


class SqliteFaqIndex(FaqIndex):
    """FTS5; an entry's rowid is (community id << 32) | entry id, so a community's entries are
    one rowid range that FTS5 seeks to, and the newest are the highest."""

    _PUT = text(
        f"INSERT INTO {INDEX} (rowid, question, tags, answer) "
        "VALUES ((:scope << 32) | :id, :question, :tags, :answer)"
    )
    _REMOVE = text(f"DELETE FROM {INDEX} WHERE rowid = (:scope << 32) | :id")
    _TERM = text(f"INSERT OR IGNORE INTO {TERMS} (term) VALUES (:t)")
    _REPLACES_BY_DELETE = True
    # Ranked first (bm25 can only be computed in the full-text query), then joined to the
    # entries for their tie-breakers.
    _TOP = text(
        "SELECT t.rowid, t.score, e.verified, e.helpful_count FROM ("
        f"SELECT rowid, bm25({INDEX}, {', '.join(map(str, WEIGHTS))}) AS score FROM {INDEX} "
        f"WHERE {INDEX} MATCH :q AND rowid <= :hi AND rowid >= coalesce(("
        f"SELECT rowid FROM {INDEX} WHERE {INDEX} MATCH :q AND rowid BETWEEN :lo AND :hi "
        "ORDER BY rowid DESC LIMIT 1 OFFSET :cap), :lo) "
        "ORDER BY score LIMIT :n"
        f") AS t JOIN faq_entries AS e ON e.id = t.rowid & {(1 << SCOPE_BITS) - 1} "
        "WHERE e.published ORDER BY t.score"
    )
    _LIKE = text(f"SELECT term FROM {TRIGRAMS} WHERE {TRIGRAMS} MATCH :q ORDER BY rank LIMIT :n")

    async def remove(self, session: AsyncSession, entry_id: int, scope: int) -> None:
        await session.execute(self._REMOVE, {"id": entry_id, "scope": scope})

    async def top(
        self, session: AsyncSession, scope: int, query: FaqQuery, limit: int
    ) -> list[FaqHit]:
        expression = _sqlite_expression(query)
        if not expression or limit <= 0:
            return []
        low = scope << SCOPE_BITS
        rows = await session.execute(
            self._TOP,
            {
                "q": expression,
                "lo": low,
                "hi": low + (1 << SCOPE_BITS) - 1,
                "cap": CANDIDATES - 1,
                "n": limit,
            },
        )
        mask = (1 << SCOPE_BITS) - 1
        hits = [FaqHit(int(r) & mask, -float(s), bool(v), int(h)) for r, s, v, h in rows]
        return [h for h in hits if h.rank > 0]

    async def known_terms(self, session: AsyncSession, word: str, limit: int) -> list[str]:
        # The trigram tokenizer reads a quoted three-letter string as "contains these three".
        grams = sorted(g for g in trigrams(word) if " " not in g and '"' not in g)
        if not grams:
            return []
        rows = await session.scalars(
            self._LIKE, {"q": " OR ".join(f'"{g}"' for g in grams), "n": limit}
        )
        return list(rows)


def _tsquery(query: FaqQuery) -> str:
    """to_tsquery syntax where every term is quoted (terms hold letters and digits only)."""
    quoted = [f"'{t}'" for t in query.terms if "'" not in t and "\\" not in t]
    if quoted and query.prefix:
        quoted[-1] += ":*"
    return (" | " if query.any else " & ").join(quoted)


class PostgresFaqIndex(FaqIndex):
    """A tsvector per entry (question weighted A, tags B, answer D) under a GIN index, ranked
    by ts_rank_cd; the vocabulary has a pg_trgm index."""

    _PUT = text(
        f"INSERT INTO {INDEX} (doc_id, scope, vector) VALUES (:id, :scope, "
        "setweight(to_tsvector('simple', :question), 'A') || "
        "setweight(to_tsvector('simple', :tags), 'B') || "
        "setweight(to_tsvector('simple', :answer), 'D')) "
        "ON CONFLICT (doc_id) DO UPDATE SET scope = EXCLUDED.scope, vector = EXCLUDED.vector"
    )
    _TERM = text(f"INSERT INTO {TERMS} (term) VALUES (:t) ON CONFLICT DO NOTHING")
    # The newest CANDIDATES matches are found without ranking (the GIN index, then the doc
    # ids); only those are ranked, and the best joined to the entries for their tie-breakers.
    _TOP = text(
        "SELECT t.doc_id, t.r, e.verified, e.helpful_count FROM ("
        "SELECT doc_id, ts_rank_cd(vector, q) AS r FROM ("
        f"SELECT doc_id, vector FROM {INDEX} WHERE scope = :scope "
        "AND vector @@ to_tsquery('simple', :q) ORDER BY doc_id DESC LIMIT :cap"
        ") AS m, to_tsquery('simple', :q) AS q ORDER BY r DESC, doc_id DESC LIMIT :n"
        ") AS t JOIN faq_entries AS e ON e.id = t.doc_id WHERE e.published "
        "ORDER BY t.r DESC, t.doc_id DESC"
    )
    _LIKE = text(
        f"SELECT term FROM {TERMS} WHERE term % :w "
        "ORDER BY similarity(term, :w) DESC, term LIMIT :n"
    )

    async def remove(self, session: AsyncSession, entry_id: int, scope: int) -> None:
        await session.execute(text(f"DELETE FROM {INDEX} WHERE doc_id = :id"), {"id": entry_id})

    async def analyze(self, session: AsyncSession) -> None:
        await session.execute(text(f"ANALYZE faq_entries, {INDEX}, {TERMS}"))

    async def top(
        self, session: AsyncSession, scope: int, query: FaqQuery, limit: int
    ) -> list[FaqHit]:
        source = _tsquery(query)
        if not source or limit <= 0:
            return []
        rows = await session.execute(
            self._TOP, {"q": source, "scope": scope, "cap": CANDIDATES, "n": limit}
        )
        return [FaqHit(int(d), float(r), bool(v), int(h)) for d, r, v, h in rows if float(r) > 0]

    async def known_terms(self, session: AsyncSession, word: str, limit: int) -> list[str]:
        return list(await session.scalars(self._LIKE, {"w": word, "n": limit}))
