"""Full-text search, one backend per database dialect (SQLite FTS5, PostgreSQL tsvector).

An *index* is a table of searchable texts next to the rows they describe: each entry has the
id of its row (`doc_id`), a scope (the community, so one group never searches another's) and
its text. Expert documents (who knows what, for routing) use one; the FAQ can use another.

User text never reaches a query language raw: `query_terms` reduces it to folded word tokens
(letters and digits only), and each backend quotes them as plain terms joined by OR, so quotes,
`*`, `NEAR`, `AND/OR/NOT`, `:`, `-` or parentheses are only ever separators or words.
Texts and queries are folded and split into words the same way, in Python, on both backends
(case, diacritics: "Planificación" is found by "planificacion"), so both rank the same words.
"""

import functools
import re
import sys
import unicodedata
from collections.abc import Sequence
from typing import NamedTuple, Protocol

from sqlalchemy import TextClause
from sqlalchemy.ext.asyncio import AsyncSession

MAX_TERMS = 16  # a long question keeps its 16 longest words: the query stays cheap
MIN_TERM = 2  # characters

# Words so common in the communities' languages (en, es, ru, id) that they match nearly every
# document: they would cost a scan of the whole index and rank nothing.
_STOP_WORDS = """
    a an and are as at be but by can do does for from has have how i if in is it its me my no
    not of on or our so that the their them then there these they this to was we what when
    where which who why will with would you your any some about should could use using
    de la el en y que los las del un una por con para es se al lo como mas pero sus le ya o
    este esta si porque muy sin sobre tambien me hay donde quien desde todo nos cuando mi qué
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее
    мне было вот от меня еще нет о из ему теперь когда даже ну ли если уже или ни быть был
    него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо
    ней для мы тебя их чем была сам чтобы без будто чего раз тоже себе под будет ж кто этот
    yang dan di ke dari ini itu untuk dengan tidak ada adalah pada juga saya kami kita akan
    atau bisa dalam karena oleh sudah apa bagaimana
"""
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without diacritics (é → e, ё → е, ß → ss), for texts and queries alike."""
    if text.isascii():  # the same, without decomposing (most English and Indonesian text)
        return text.lower()
    # Compatibility forms first (𝐓 → T), then case (T → t), then what casefold composed.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return unicodedata.normalize("NFC", decomposed.translate(_combining()))


@functools.cache
def _combining() -> dict[int, None]:
    """Every combining mark, to be removed by str.translate (built once: 60 ms)."""
    return {c: None for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c))}


STOP_WORDS = frozenset(fold(w) for w in _STOP_WORDS.split())


def words(text: str) -> list[str]:
    """The folded words of `text`: runs of letters and digits, nothing else."""
    return _WORD.findall(fold(text))


def folded_words(folded: str) -> list[str]:
    """`words` of a text already folded."""
    return _WORD.findall(folded)


def index_text(text: str) -> str:
    """What an index stores of `text`: its words, space-separated. The database's tokenizer
    then splits a document exactly as `query_terms` splits a query (a character it would keep
    inside a word, an unassigned code point say, is already a separator here)."""
    return " ".join(words(text))


def query_terms(text: str, limit: int = MAX_TERMS) -> list[str]:
    """The meaningful words of a query, once each, at most `limit` (the longest: rare words
    tend to be long), in their order in the text."""
    seen: dict[str, None] = {}
    for word in words(text):
        if len(word) >= MIN_TERM and word not in STOP_WORDS:
            seen.setdefault(word, None)
    terms = list(seen)
    if len(terms) > limit:
        kept = set(sorted(terms, key=lambda w: (-len(w), w))[:limit])
        terms = [t for t in terms if t in kept]
    return terms


class Hit(NamedTuple):
    doc_id: int
    key: int | None  # what the entry was indexed with (e.g. an expert document's member)
    rank: float  # > 0, higher is more relevant


class SearchBackend(Protocol):
    """One dialect's way to keep and rank an index (see the module docstring)."""

    async def put(
        self,
        session: AsyncSession,
        index: str,
        doc_id: int,
        scope: int,
        text: str,
        key: int | None = None,
    ) -> None:
        """Index `text` as the entry `doc_id` (replacing what it said before); `key` comes
        back with each hit, so a search needs no second query to say whose entry it is."""
        ...

    async def remove(self, session: AsyncSession, index: str, doc_id: int) -> None: ...

    async def top(
        self, session: AsyncSession, index: str, scope: int, terms: Sequence[str], limit: int
    ) -> list[Hit]:
        """The best `limit` entries of `scope` matching any of `terms` (from `query_terms`),
        most relevant first."""
        ...


async def put_entry(
    session: AsyncSession,
    statements: Sequence[TextClause],
    doc_id: int,
    scope: int,
    text: str,
    key: int | None,
) -> None:
    """Run a backend's `put_statements` for one entry."""
    params = {"id": doc_id, "body": index_text(text), "scope": scope, "key": key}
    for statement in statements:
        await session.execute(statement, params)


def backend_for(dialect: str) -> SearchBackend:
    """The search backend of a SQLAlchemy dialect name ("sqlite", "postgresql")."""
    if dialect == "sqlite":
        from storage.search.sqlite import SqliteSearch

        return SqliteSearch()
    if dialect == "postgresql":
        from storage.search.postgres import PostgresSearch

        return PostgresSearch()
    raise ValueError(f"no full-text search for the {dialect} dialect")


def session_backend(session: AsyncSession) -> SearchBackend:
    return backend_for(session.get_bind().dialect.name)


def create_index(dialect: str, index: str, documents: str) -> list[str]:
    """DDL creating the index `index` over rows of the table `documents` (for migrations)."""
    if dialect == "sqlite":
        from storage.search.sqlite import create_ddl
    else:
        from storage.search.postgres import create_ddl
    return create_ddl(index, documents)


def put_statements(dialect: str, index: str) -> list[TextClause]:
    """What `put` executes (parameters: id, scope, key, body as `index_text`), for
    backfills."""
    if dialect == "sqlite":
        from storage.search import sqlite as module
    else:
        from storage.search import postgres as module  # type: ignore[no-redef]
    return module.put_statements(index)


def drop_index(dialect: str, index: str) -> list[str]:
    return [f"DROP TABLE IF EXISTS {index}"]


def is_index_table(name: str) -> bool:
    """Tables that belong to a search index rather than to the models (an FTS5 table and its
    shadow tables, a tsvector table): by convention their names contain `_fts`."""
    return "_fts" in name
