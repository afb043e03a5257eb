"""The figures of /stats, counted by the database, never by loading rows.

Weeks and months are the community's, in its time zone: the caller gives their edges as UTC
instants (daylight-saving changes included), and each week is counted by a range read of the
covering index ix_questions_stats, no sorting; an interaction's month is a CASE over the month
edges. The one expression SQLite and PostgreSQL spell
differently (seconds between two instants) is in _WAIT.

A period's answers are read first (CROSS JOIN: SQLite keeps that order), by the covering index
ix_answers_stats on when they were given, and each one's question then by its key: a week reads
that week's answers, not every question of the community.

Anonymous questions count as asked and answered, but are never tied to their asker: not in the
active members, not in a pair (the export leaves their asker out too)."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import TextClause, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Community, Member, Question, UTCDateTime

WEEKS_PER_STATEMENT = 100
SORT_CACHE_KIB = -32768  # negative: KiB, as PRAGMA cache_size takes it
_WAIT = {
    "sqlite": "(julianday(q.first_answer_at) - julianday(q.created_at)) * 86400.0",
    "postgresql": "extract(epoch FROM q.first_answer_at - q.created_at)",
}
_QUESTIONS = "q.community_id = :c AND q.created_at >= :since AND q.created_at <= :until"
_ANSWERS = "q.community_id = :c AND a.created_at >= :since AND a.created_at <= :until"
# Everything about members, in one statement: the period's answers are joined to their
# questions once (`period`, materialized), then counted per author, and per unordered pair
# {lo, hi} of helper and asker (as one integer: member ids fit 31 bits): whether lo helped hi,
# whether hi helped lo, and their first and last month. Rows: (0, answers, active members,
# members who both asked and answered, 0), (1, member, answers, accepted, 0) for each top
# helper, and (2, contacts, directed pairs, reciprocal pairs, sustained pairs).
_MEMBERS = f"""
WITH period AS MATERIALIZED (
    SELECT a.author_id AS author, a.accepted AS accepted, {{month}} AS mon,
        CASE WHEN q.anonymous THEN NULL ELSE q.asker_id END AS asker
    FROM answers a CROSS JOIN questions q WHERE q.id = a.question_id AND {_ANSWERS}
), per_author AS (
    SELECT author AS m, count(*) AS n, sum(CASE WHEN accepted THEN 1 ELSE 0 END) AS acc
    FROM period GROUP BY author
), askers AS (
    SELECT DISTINCT q.asker_id AS m FROM questions q
    WHERE {_QUESTIONS} AND q.asker_id IS NOT NULL AND NOT q.anonymous
), voters AS (
    SELECT DISTINCT v.member_id AS m
    FROM answer_votes v CROSS JOIN answers a CROSS JOIN questions q
    WHERE a.id = v.answer_id AND q.id = a.question_id AND q.community_id = :c
      AND v.created_at >= :since AND v.created_at <= :until
), pairs AS (
    SELECT max(CASE WHEN author < asker THEN 1 ELSE 0 END) AS fwd,
        max(CASE WHEN author > asker THEN 1 ELSE 0 END) AS back,
        min(mon) AS first_month, max(mon) AS last_month
    FROM period WHERE author IS NOT NULL AND asker IS NOT NULL AND author <> asker
    GROUP BY CASE WHEN author < asker THEN author * 4294967296 + asker
        ELSE asker * 4294967296 + author END
)
SELECT 0, (SELECT coalesce(sum(n), 0) FROM per_author),
    (SELECT count(*) FROM (SELECT m FROM askers UNION SELECT m FROM per_author
     WHERE m IS NOT NULL UNION SELECT m FROM voters) AS active),
    (SELECT count(*) FROM (SELECT m FROM askers INTERSECT SELECT m FROM per_author) AS both_ways),
    0
UNION ALL
SELECT * FROM (SELECT 1, m, n, acc, 0 FROM per_author WHERE m IS NOT NULL
    ORDER BY acc DESC, n DESC, m LIMIT :top) AS top
UNION ALL
SELECT 2, count(*), coalesce(sum(fwd + back), 0), coalesce(sum(fwd * back), 0),
    coalesce(sum(CASE WHEN first_month < last_month THEN 1 ELSE 0 END), 0)
FROM pairs
"""


@dataclass(frozen=True, slots=True)
class HelperRow:
    member_id: int
    first_name: str
    last_name: str | None
    answers: int
    accepted: int


@dataclass(frozen=True, slots=True)
class NetworkRow:
    pairs: int  # helper -> asker, directed
    contacts: int  # the same, unordered
    reciprocal: int  # unordered pairs who helped each other both ways
    sustained: int  # unordered pairs who interacted in two or more calendar months


@dataclass(frozen=True, slots=True)
class MembersRow:
    answers: int  # given in the period
    active: int  # members who asked, answered or voted
    both_ways: int  # members who both asked and answered
    helpers: list[HelperRow]  # most accepted answers first, then most answers
    network: NetworkRow


class StatsRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    def _query(self, sql: str, params: dict[str, Any]) -> TextClause:
        """`sql` with its instants bound as stored (naive UTC)."""
        instants = [k for k, v in params.items() if isinstance(v, datetime)]
        return text(sql).bindparams(*(bindparam(k, type_=UTCDateTime()) for k in instants))

    async def _run(self, sql: str, **params: Any) -> list[Any]:
        return list(await self.session.execute(self._query(sql, params), params))

    @asynccontextmanager
    async def _sort_memory(self) -> AsyncIterator[None]:
        """SQLite: a larger page cache for one statement's big sorts (one row per pair of
        members), so they stay in memory rather than spill to temporary files (about a fifth
        less CPU on 150,000 answers); the connection's own size comes back after it."""
        if self.dialect != "sqlite":
            yield
            return
        before = int(await self.session.scalar(text("PRAGMA cache_size")) or -2000)
        await self.session.execute(text(f"PRAGMA cache_size = {SORT_CACHE_KIB}"))
        try:
            yield
        finally:
            await self.session.execute(text(f"PRAGMA cache_size = {before}"))

    async def community(self, community_id: int) -> Community | None:
        return await self.session.get(Community, community_id)

    async def community_id_of_chat(self, chat_id: int) -> int | None:
        return await self.session.scalar(select(Community.id).where(Community.chat_id == chat_id))

    async def first_question(self, c: int) -> datetime | None:
        return await self.session.scalar(
            select(func.min(Question.created_at)).where(Question.community_id == c)
        )

    async def week_counts(self, c: int, edges: Sequence[datetime]) -> list[tuple[int, int]]:
        """(asked, answered since) for each range [edges[i], edges[i + 1]) of ask times: one
        range read of ix_questions_stats each, in one statement per hundred weeks."""
        counts: list[tuple[int, int]] = []
        for start in range(0, len(edges) - 1, WEEKS_PER_STATEMENT):
            chunk = edges[start : start + WEEKS_PER_STATEMENT + 1]
            params: dict[str, Any] = {"c": c}
            selects = []
            for i in range(len(chunk) - 1):
                params[f"lo{i}"], params[f"hi{i}"] = chunk[i], chunk[i + 1]
                selects.append(
                    f"SELECT {i}, count(*), count(q.first_answer_at) FROM questions q "
                    f"WHERE q.community_id = :c AND q.created_at >= :lo{i} "
                    f"AND q.created_at < :hi{i}"
                )
            rows = await self._run(" UNION ALL ".join(selects), **params)
            counts += [(int(r[1]), int(r[2])) for r in sorted(rows, key=lambda r: int(r[0]))]
        return counts

    async def median_wait(
        self, c: int, since: datetime, until: datetime, answered: int
    ) -> float | None:
        """Median seconds from a question (of the period) to its first answer: the middle one
        or two of the `answered` waits, sorted by the database."""
        if answered == 0:
            return None
        middle = await self._run(
            f"SELECT {_WAIT[self.dialect]} AS wait FROM questions q WHERE {_QUESTIONS} "
            "AND q.first_answer_at IS NOT NULL ORDER BY 1 LIMIT :n OFFSET :skip",
            c=c,
            since=since,
            until=until,
            n=1 if answered % 2 else 2,
            skip=(answered - 1) // 2,
        )
        return sum(float(row[0]) for row in middle) / len(middle)

    async def members(
        self, c: int, since: datetime, until: datetime, months: Sequence[datetime], top: int
    ) -> MembersRow:
        """`months`: where the community's calendar months begin after `since`, as UTC."""
        params: dict[str, Any] = {"c": c, "since": since, "until": until, "top": top}
        cases = []
        for i, edge in enumerate(months):
            params[f"m{i}"] = edge
            cases.append(f"WHEN a.created_at < :m{i} THEN {i}")
        month = f"CASE {' '.join(cases)} ELSE {len(months)} END" if cases else "0"
        async with self._sort_memory():
            found = await self._run(_MEMBERS.format(month=month), **params)
        rows = [[int(x or 0) for x in r] for r in found]
        [totals] = [r for r in rows if r[0] == 0]
        [(_kind, contacts, pairs, reciprocal, sustained)] = [r for r in rows if r[0] == 2]
        best = sorted((r[1:4] for r in rows if r[0] == 1), key=lambda h: (-h[2], -h[1], h[0]))
        names = {}
        if best:
            found = await self.session.execute(
                select(Member.id, Member.first_name, Member.last_name).where(
                    Member.id.in_([h[0] for h in best])
                )
            )
            names = {r[0]: (r[1], r[2]) for r in found}
        return MembersRow(
            answers=totals[1],
            active=totals[2],
            both_ways=totals[3],
            helpers=[HelperRow(m, *names.get(m, ("?", None)), n, acc) for m, n, acc in best],
            network=NetworkRow(pairs, contacts, reciprocal, sustained),
        )

    async def prompts(self, c: int, since: datetime, until: datetime) -> tuple[int, int]:
        """(prompts posted in the period, replies they drew)."""
        [row] = await self._run(
            "SELECT count(*), coalesce(sum(reply_count), 0) FROM prompt_posts "
            "WHERE community_id = :c AND slot >= :since AND slot <= :until",
            c=c,
            since=since,
            until=until,
        )
        return int(row[0]), int(row[1])

    async def meetups(self, c: int, since: datetime) -> tuple[int, dict[str, int], int, int]:
        """Meetups starting from `since` on (upcoming ones too), not cancelled: (how many,
        RSVPs by answer, RSVPs whose attendance is recorded, those who attended)."""
        where = "m.community_id = :c AND m.starts_at >= :since AND m.status <> 'cancelled'"
        [count] = await self._run(f"SELECT count(*) FROM meetups m WHERE {where}", c=c, since=since)
        rows = await self._run(
            "SELECT r.answer, count(*), count(r.attended), "
            "sum(CASE WHEN r.attended THEN 1 ELSE 0 END) "
            f"FROM meetup_rsvps r JOIN meetups m ON m.id = r.meetup_id WHERE {where} "
            "GROUP BY r.answer",
            c=c,
            since=since,
        )
        answers = {str(r[0]): int(r[1]) for r in rows}
        marked = sum(int(r[2]) for r in rows)
        attended = sum(int(r[3] or 0) for r in rows)
        return int(count[0]), answers, marked, attended
