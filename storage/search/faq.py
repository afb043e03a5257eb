"""The FAQ's search index, per dialect: weighted columns (question, tags, answer), ranked
matching with a bound on the work a very common word can cause, and a vocabulary of indexed
words with their spelling keys and trigrams, for correcting a misspelt query.

Texts are folded and split in Python (storage.search.index_text) on both backends, so both
match the same words; snippets are cut from the entry's own text by the service, the same way
on both (bot.services.faq).

Common words: ranking scores every entry that matches, so a word found in most entries would
make a search slow (on 100,000 entries, 35-85 ms rather than 1-6 ms). Stop words are never
searched for; beyond them, only the newest `CANDIDATES` entries of a community matching every
term (and `FILL_CANDIDATES` matching some) are ranked, found by walking the match list
backwards (entry ids grow with time), which is cheap.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    Integer,
    Text,
    TextClause,
    bindparam,
    column,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import UTCDateTime
from storage.search import words

INDEX = "faq_fts"
TERMS = "faq_fts_terms"  # every indexed word once, for spelling correction
TRIGRAMS = "faq_fts_trigrams"  # SQLite: the trigrams of TERMS
KEYS = "faq_fts_keys"  # the vocabulary's spelling keys (`spelling_keys`)
CANDIDATES = 1000  # the most entries with every term one search ranks
FILL_CANDIDATES = 300  # the most entries with some of the terms one search ranks
MIN_KEY = 3  # letters of a spelling key: a word of this many letters is its own only key
WEIGHTS = (10.0, 4.0, 1.0)  # question, tags, answer
MIN_TERM_WORD, MAX_TERM_WORD = 3, 30  # characters of a word kept for spelling correction
SCOPE_BITS = 32  # SQLite rowid: community id in the high bits, entry id in the low ones


@dataclass(frozen=True, slots=True)
class FaqQuery:
    terms: tuple[str, ...]  # folded words from storage.search.query_terms / words
    prefix: bool = False  # the last term is a word still being typed
    any: bool = False  # entries with any of the terms, not all of them


@dataclass(frozen=True, slots=True)
class FaqDoc:
    """What a search shows of an entry: read with its rank for the page asked for."""

    community_id: int
    question: str
    answer: str
    tags: list[str]
    language: str | None
    source: str
    review_at: datetime | None
    view_count: int
    updated_at: datetime
    question_id: int | None
    author_consent: str | None  # the author's choice (None: no author, or not asked yet)
    author_first_name: str | None
    author_last_name: str | None
    question_number: int | None  # the original question, when it is still there
    group_chat_id: int | None
    group_message_id: int | None


@dataclass(frozen=True, slots=True)
class FaqHit:
    entry_id: int
    rank: float  # higher is more relevant (rounded, so nearly equal ranks tie exactly)
    # The entry's own, for breaking ties without reading it (only published entries are hits).
    verified: bool = False
    helpful: int = 0
    all_terms: bool = True  # matches every term (otherwise some: ranked below those that do)
    doc: FaqDoc | None = None  # for the hits in the window asked for

    @property
    def order(self) -> tuple[bool, float, bool, int, int]:
        """Best first: every term before some, then relevance, then verified, more helpful,
        newest (the index's own order, for merging communities)."""
        return (not self.all_terms, -self.rank, not self.verified, -self.helpful, -self.entry_id)


@dataclass(frozen=True, slots=True)
class Ranked:
    hits: list[FaqHit]
    # Asked for with `spelling` and nothing found: (key, word) for each indexed word that
    # shares a key with a query word.
    similar: list[tuple[str, str]]


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


def spelling_keys(word: str) -> set[str]:
    """The word and the word less any one letter (keys of MIN_KEY letters or more): two words
    one typo apart (a letter wrong, missing, extra, or two swapped) share a key, so a misspelt
    word finds its candidates by exact lookups instead of comparing it with every word of the
    vocabulary (`one_typo` then tells which candidates really are one typo away)."""
    keys = {word[:i] + word[i + 1 :] for i in range(len(word))} if len(word) > MIN_KEY else set()
    return {word, *keys}


def one_typo(a: str, b: str) -> bool:
    """`a` and `b` differ by one letter wrong, missing or extra, or two neighbours swapped
    (sharing a spelling key is necessary for that, not enough: "trace" and "racer" share
    "race")."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
        return len(diff) == 1 or (swapped and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i in range(len(short)) if short[i] != long[i]), len(short))
    return short[i:] == long[i + 1 :]


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


def keys_ddl(dialect: str) -> list[str]:
    """The spelling keys of the vocabulary (migration 0008)."""
    table = (
        f"CREATE TABLE {KEYS} (key TEXT NOT NULL, term TEXT NOT NULL, "
        f"CONSTRAINT pk_{KEYS} PRIMARY KEY (key, term))"
    )
    return [table + (" WITHOUT ROWID" if dialect == "sqlite" else "")]


def keys_rows(terms: Iterable[str]) -> list[dict[str, str]]:
    return [{"k": k, "t": t} for t in terms for k in spelling_keys(t)]


class FaqIndex:
    """The dialect's FAQ index; `for_session` picks it."""

    @staticmethod
    def for_session(session: AsyncSession) -> "FaqIndex":
        if session.get_bind().dialect.name == "sqlite":
            return SqliteFaqIndex()
        return PostgresFaqIndex()

    _PUT: TextClause  # parameters: id, scope, question, tags, answer (folded words)
    _TERM: TextClause  # parameter: t, a word of the vocabulary (once, whatever is given)
    _KEY: TextClause  # parameters: k, t: a spelling key of a word (once, whatever is given)
    _TOP: TextClause  # see `_parameters`
    _LIKE: TextClause  # parameters: w, the word; q, its trigrams in FTS5 syntax; n
    _REPLACES_BY_DELETE = False  # FTS5 has no upsert: an entry is deleted, then inserted
    _SPELLED = text(f"SELECT key, term FROM {KEYS} WHERE key IN :keys").bindparams(
        bindparam("keys", expanding=True)
    )
    # Words with their spelling keys (every keyed word is its own key): what is not there is
    # new, even if the vocabulary has it (written by a version without keys).
    _KNOWN = text(f"SELECT term FROM {KEYS} WHERE key IN :terms AND key = term").bindparams(
        bindparam("terms", expanding=True)
    )

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
        rows, found = self._prepared(entries)
        await session.execute(self._PUT, rows)
        known: set[str] = set()
        for start in range(0, len(found), 1000):
            known.update(await session.scalars(self._KNOWN, {"terms": found[start : start + 1000]}))
        new = [t for t in found if t not in known]
        if new:
            await session.execute(self._TERM, [{"t": t} for t in new])
            await session.execute(self._KEY, keys_rows(new))

    async def remove(self, session: AsyncSession, entry_id: int, scope: int) -> None:
        raise NotImplementedError

    async def analyze(self, session: AsyncSession) -> None:
        """After a bulk load: refresh what the query planner knows of the tables (PostgreSQL
        plans searches by it; until autovacuum comes by, a fresh import's searches may take
        tens of times longer)."""

    async def top(
        self,
        session: AsyncSession,
        scope: int,
        query: FaqQuery,
        limit: int,
        *,
        shown: tuple[int, int] = (0, 0),
        spelling: Sequence[str] = (),
    ) -> Ranked:
        """The best `limit` published entries of `scope` for `query`, best first (`FaqHit.order`):
        those with every term, then, when fewer than `limit` have them all, those with some.
        The hits at places `shown` (from, to: 0-based, end excluded) carry their entry's
        `FaqDoc`. When nothing is found, the vocabulary's words that share one of the
        `spelling` keys are returned too. All in one statement: each costs more on the way
        to the database and back than most searches cost inside it."""
        if not query.terms or limit <= 0:
            return Ranked([], [])
        rows = await session.execute(
            self._TOP, self._parameters(scope, query, limit, shown, spelling)
        )
        hits, similar = [], []
        for row in rows:
            if row.kind:
                similar.append((row.question, row.answer))
                continue
            doc = None
            if row.shown:
                doc = FaqDoc(*row[DOC_COLUMNS_AT:-1])
            hits.append(
                FaqHit(row.entry_id, row.rank, bool(row.verified), row.helpful, not row.tier, doc)
            )
        return Ranked(hits, similar)

    def _parameters(
        self,
        scope: int,
        query: FaqQuery,
        limit: int,
        shown: tuple[int, int],
        spelling: Sequence[str],
    ) -> dict[str, object]:
        return {
            "q": self._expression(query),
            "q_any": self._expression(FaqQuery(query.terms, prefix=query.prefix, any=True)),
            "fill": len(query.terms) > 1,
            "n": limit,
            "n_fill": limit * 2,
            "cap": CANDIDATES,
            "cap_fill": FILL_CANDIDATES,
            "first": shown[0],
            "last": shown[1],
            "spell": bool(spelling),
            "keys": self._keys(spelling),
            **self._scoped(scope),
        }

    @staticmethod
    def _scoped(scope: int) -> dict[str, object]:
        """The parameters that confine the statement to the scope."""
        raise NotImplementedError

    @staticmethod
    def _expression(query: FaqQuery) -> str:
        raise NotImplementedError

    @staticmethod
    def _keys(keys: Sequence[str]) -> object:
        return list(keys)

    async def known_terms(self, session: AsyncSession, word: str, limit: int) -> list[str]:
        """Indexed words that look like `word` (shared trigrams), best first."""
        raise NotImplementedError

    async def spelled(self, session: AsyncSession, keys: Sequence[str]) -> list[tuple[str, str]]:
        """(key, word) for every indexed word with one of the spelling `keys`."""
        if not keys:
            return []
        rows = await session.execute(self._SPELLED, {"keys": list(keys)})
        return [(k, t) for k, t in rows]

    @staticmethod
    def _prepared(
        entries: Sequence[dict[str, object]],
    ) -> tuple[list[dict[str, object]], list[str]]:
        """The index's rows (texts as `index_text`) and the words worth correcting towards,
        each text folded and split once."""
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
        return rows, [t for t in sorted(found) if _correctable(t)]


# The statement's shape, the same on both backends (each ranks its own way in `a` and `b`):
#   a: the best `n` of the newest `cap` entries with every term;
#   b: only when there are several terms and `a` found fewer than `n`, the best of the newest
#      `cap_fill` entries with any of them (a one-time condition: otherwise never run);
#   ranked: both, in order (a first, then relevance, verified, helpful, newest), numbered;
#   then the entry, its author and its question joined for the places `shown` only;
#   and, only when nothing was found at all, the spelling keys' words (kind 1, in the
#   question and answer columns).
_RESULT = (
    "SELECT 0 AS kind, r.entry_id, r.tier, r.rank, r.verified, r.helpful, "
    "d.id IS NOT NULL AS shown, d.community_id, d.question, d.answer, d.tags, d.language, "
    "d.source, d.review_at, d.view_count, d.updated_at, d.question_id, m.faq_consent, "
    "m.first_name, m.last_name, qn.number, c.chat_id, qn.group_message_id, r.place "
    "FROM ranked AS r "
    "LEFT JOIN faq_entries AS d ON d.id = r.entry_id AND r.place > :first AND r.place <= :last "
    "LEFT JOIN members AS m ON m.id = d.author_id "
    "LEFT JOIN questions AS qn ON qn.id = d.question_id "
    "LEFT JOIN communities AS c ON c.id = d.community_id AND qn.id IS NOT NULL "
    "WHERE r.place <= :n "
    "UNION ALL "
    "SELECT 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, key, term, NULL, NULL, NULL, NULL, "
    f"NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 FROM {KEYS} "
    "WHERE key IN ({keys} WHERE :spell AND NOT EXISTS (SELECT 1 FROM ranked)) "
    "ORDER BY kind, place"
)
_RANKED = (
    "hits AS (SELECT * FROM a UNION ALL "
    "SELECT * FROM b WHERE entry_id NOT IN (SELECT entry_id FROM a)), "
    "ranked AS (SELECT entry_id, tier, rank, verified, helpful, row_number() OVER ("
    "ORDER BY tier, rank DESC, verified DESC, helpful DESC, entry_id DESC) AS place FROM ("
    "SELECT h.entry_id, h.tier, {rounded} AS rank, e.verified, e.helpful_count AS helpful "
    "FROM hits AS h JOIN faq_entries AS e ON e.id = h.entry_id WHERE e.published) AS o) "
)
_COLUMNS = (
    column("kind", Integer),
    column("entry_id", Integer),
    column("tier", Integer),
    column("rank", Float),
    column("verified", Boolean),
    column("helpful", Integer),
    column("shown", Boolean),
    column("community_id", Integer),
    column("question", Text),
    column("answer", Text),
    column("tags", JSON),
    column("language", Text),
    column("source", Text),
    column("review_at", UTCDateTime),
    column("view_count", Integer),
    column("updated_at", UTCDateTime),
    column("question_id", Integer),
    column("author_consent", Text),
    column("author_first_name", Text),
    column("author_last_name", Text),
    column("question_number", Integer),
    column("group_chat_id", BigInteger),
    column("group_message_id", BigInteger),
    column("place", Integer),
)
DOC_COLUMNS_AT = 7  # FaqDoc's fields, in order, from here (the place is last)


def _top(ranking: str, rounded: str, keys: str) -> TextClause:
    """`rounded`: h.score rounded to 6 places, so that nearly equal scores tie; `keys`: the
    spelling keys of the list `:keys`, as rows (one statement text whatever their number:
    the database prepares it once)."""
    ranked, result = _RANKED.format(rounded=rounded), _RESULT.replace("{keys}", keys)
    return text(f"WITH {ranking}, {ranked}{result}").columns(*_COLUMNS)


def _sqlite_expression(query: FaqQuery) -> str:
    """FTS5 syntax where every term is a quoted string (terms hold letters and digits only),
    so nothing a member typed is ever read as an operator."""
    quoted = [f'"{t}"' for t in query.terms if '"' not in t]
    if quoted and query.prefix:
        quoted[-1] += "*"
    return (" OR " if query.any else " ").join(quoted)


def _sqlite_arm(name: str, tier: int, match: str, cap: str, limit: str, when: str = "") -> str:
    """The best `limit` of the newest `cap` entries matching `match` in the scope's rowid
    range (found by walking the match list backwards from the range's end). `when`: only if
    this holds, as a one-row guard joined first (in a WHERE, SQLite would walk the match list
    before testing it)."""
    source = f"(SELECT 1 WHERE {when}) AS go CROSS JOIN {INDEX}" if when else INDEX
    return (
        f"{name} AS MATERIALIZED (SELECT {INDEX}.rowid & {(1 << SCOPE_BITS) - 1} AS entry_id, "
        f"{tier} AS tier, bm25({INDEX}, {', '.join(map(str, WEIGHTS))}) AS score "
        f"FROM {source} WHERE {INDEX} MATCH {match} AND {INDEX}.rowid <= :hi AND "
        f"{INDEX}.rowid >= coalesce((SELECT rowid FROM {INDEX} WHERE {INDEX} MATCH {match} "
        f"AND rowid BETWEEN :lo AND :hi ORDER BY rowid DESC LIMIT 1 OFFSET {cap} - 1), :lo) "
        f"ORDER BY score, {INDEX}.rowid DESC LIMIT {limit})"
    )


class SqliteFaqIndex(FaqIndex):
    """FTS5; an entry's rowid is (community id << 32) | entry id, so a community's entries are
    one rowid range that FTS5 seeks to, and the newest are the highest."""

    _PUT = text(
        f"INSERT INTO {INDEX} (rowid, question, tags, answer) "
        "VALUES ((:scope << 32) | :id, :question, :tags, :answer)"
    )
    _REMOVE = text(f"DELETE FROM {INDEX} WHERE rowid = (:scope << 32) | :id")
    _TERM = text(f"INSERT OR IGNORE INTO {TERMS} (term) VALUES (:t)")
    _KEY = text(f"INSERT OR IGNORE INTO {KEYS} (key, term) VALUES (:k, :t)")
    _REPLACES_BY_DELETE = True
    _TOP = _top(
        _sqlite_arm("a", 0, ":q", ":cap", ":n")
        + ", "
        + _sqlite_arm(
            "b",
            1,
            ":q_any",
            ":cap_fill",
            ":n_fill",
            ":fill AND (SELECT count(*) FROM a) < :n",
        ),
        "round(-h.score, 6)",  # bm25: lower is better
        "SELECT value FROM json_each(:keys)",
    )
    _LIKE = text(f"SELECT term FROM {TRIGRAMS} WHERE {TRIGRAMS} MATCH :q ORDER BY rank LIMIT :n")

    async def remove(self, session: AsyncSession, entry_id: int, scope: int) -> None:
        await session.execute(self._REMOVE, {"id": entry_id, "scope": scope})

    @staticmethod
    def _scoped(scope: int) -> dict[str, object]:
        low = scope << SCOPE_BITS
        return {"lo": low, "hi": low + (1 << SCOPE_BITS) - 1}

    @staticmethod
    def _expression(query: FaqQuery) -> str:
        return _sqlite_expression(query)

    @staticmethod
    def _keys(keys: Sequence[str]) -> object:
        return json.dumps(list(keys))

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


def _postgres_arm(name: str, tier: int, match: str, cap: str, limit: str, when: str = "") -> str:
    """The newest `cap` matches found without ranking (the GIN index, then the doc ids), and
    only those ranked."""
    return (
        f"{name} AS MATERIALIZED (SELECT doc_id AS entry_id, {tier} AS tier, "
        "ts_rank_cd(vector, tq) AS score FROM ("
        f"SELECT doc_id, vector FROM {INDEX} WHERE {when}scope = :scope "
        f"AND vector @@ to_tsquery('simple', {match}) ORDER BY doc_id DESC LIMIT {cap}"
        f") AS m, to_tsquery('simple', {match}) AS tq ORDER BY score DESC, doc_id DESC "
        f"LIMIT {limit})"
    )


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
    _KEY = text(f"INSERT INTO {KEYS} (key, term) VALUES (:k, :t) ON CONFLICT DO NOTHING")
    _TOP = _top(
        _postgres_arm("a", 0, ":q", ":cap", ":n")
        + ", "
        + _postgres_arm(
            "b",
            1,
            ":q_any",
            ":cap_fill",
            ":n_fill",
            "(:fill AND (SELECT count(*) FROM a) < :n) AND ",
        ),
        "round(h.score::numeric, 6)::float8",
        "SELECT k FROM unnest(CAST(:keys AS TEXT[])) AS k",
    )
    _LIKE = text(
        f"SELECT term FROM {TERMS} WHERE term % :w "
        "ORDER BY similarity(term, :w) DESC, term LIMIT :n"
    )

    async def remove(self, session: AsyncSession, entry_id: int, scope: int) -> None:
        await session.execute(text(f"DELETE FROM {INDEX} WHERE doc_id = :id"), {"id": entry_id})

    async def analyze(self, session: AsyncSession) -> None:
        await session.execute(text(f"ANALYZE faq_entries, {INDEX}, {TERMS}, {KEYS}"))

    @staticmethod
    def _scoped(scope: int) -> dict[str, object]:
        return {"scope": scope}

    @staticmethod
    def _expression(query: FaqQuery) -> str:
        return _tsquery(query)

    async def known_terms(self, session: AsyncSession, word: str, limit: int) -> list[str]:
        return list(await session.scalars(self._LIKE, {"w": word, "n": limit}))
