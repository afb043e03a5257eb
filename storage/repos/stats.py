"""The figures of /stats, counted by the database (GROUP BY), never by loading rows.

Questions are counted per 15-minute slot of UTC time (every time zone's offset is a multiple of
15 minutes), so the caller can put each slot into its week in the community's time zone,
exactly, from a few thousand (slot, count) rows. The network figures bucket interactions by
calendar month in the community's zone at its current offset (a DST change moves a month's
edge by an hour). The few expressions SQLite and PostgreSQL spell differently are in _SQL.

Anonymous questions count as asked and answered, but are never tied to their asker: not in the
active members, not in a pair (the export leaves their asker out too)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import TextClause, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Community, UTCDateTime

SLOT_SECONDS = 900

_SQL = {
    "sqlite": {
        "slot": "CAST(strftime('%s', q.created_at) AS INTEGER) / 900",
        "wait": "(julianday(q.first_answer_at) - julianday(q.created_at)) * 86400.0",
        "month": "strftime('%Y-%m', a.created_at, :shift)",
    },
    "postgresql": {
        "slot": "CAST(floor(extract(epoch FROM q.created_at) / 900) AS BIGINT)",
        "wait": "extract(epoch FROM q.first_answer_at - q.created_at)",
        "month": "to_char(a.created_at + make_interval(secs => :shift), 'YYYY-MM')",
    },
}

_QUESTIONS = "q.community_id = :c AND q.created_at >= :since AND q.created_at <= :until"
_ANSWERS = "q.community_id = :c AND a.created_at >= :since AND a.created_at <= :until"
_ASKERS = f"SELECT q.asker_id AS m FROM questions q WHERE {_QUESTIONS} AND q.asker_id IS NOT NULL AND NOT q.anonymous"  # noqa: E501
_HELPERS = f"SELECT a.author_id AS m FROM answers a JOIN questions q ON q.id = a.question_id WHERE {_ANSWERS} AND a.author_id IS NOT NULL"  # noqa: E501
_VOTERS = (
    "SELECT v.member_id AS m FROM answer_votes v JOIN answers a ON a.id = v.answer_id "
    "JOIN questions q ON q.id = a.question_id WHERE q.community_id = :c "
    "AND v.created_at >= :since AND v.created_at <= :until"
)
_LO = "CASE WHEN helper < asker THEN helper ELSE asker END AS lo"
_HI = "CASE WHEN helper < asker THEN asker ELSE helper END AS hi"
_NETWORK = f"""
WITH edges AS (
    SELECT a.author_id AS helper, q.asker_id AS asker, {{month}} AS mon
    FROM answers a JOIN questions q ON q.id = a.question_id
    WHERE {_ANSWERS} AND a.author_id IS NOT NULL AND q.asker_id IS NOT NULL
      AND NOT q.anonymous AND a.author_id <> q.asker_id
), pairs AS (SELECT DISTINCT helper, asker FROM edges)
SELECT
    (SELECT count(*) FROM pairs),
    (SELECT count(*) FROM (SELECT {_LO}, {_HI} FROM pairs GROUP BY 1, 2) AS u),
    (SELECT count(*) FROM pairs p JOIN pairs r ON r.helper = p.asker AND r.asker = p.helper
     WHERE p.helper < p.asker),
    (SELECT count(*) FROM (SELECT {_LO}, {_HI} FROM edges GROUP BY 1, 2
     HAVING count(DISTINCT mon) >= 2) AS s)
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


class StatsRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.sql = _SQL[self.dialect]

    def _query(self, sql: str) -> TextClause:
        """`sql` with its instants (:since, :until) bound as stored: naive UTC."""
        instants = [n for n in ("since", "until") if f":{n}" in sql]
        return text(sql).bindparams(*(bindparam(n, type_=UTCDateTime()) for n in instants))

    async def _run(self, sql: str, **params: Any) -> list[Any]:
        return list(await self.session.execute(self._query(sql), params))

    async def community(self, community_id: int) -> Community | None:
        return await self.session.get(Community, community_id)

    async def community_id_of_chat(self, chat_id: int) -> int | None:
        return await self.session.scalar(select(Community.id).where(Community.chat_id == chat_id))

    async def question_slots(
        self, c: int, since: datetime, until: datetime
    ) -> list[tuple[int, int, int]]:
        """(15-minute slot since 1970, questions asked in it, those of them answered since)."""
        rows = await self._run(
            f"SELECT {self.sql['slot']} AS slot, count(*), count(q.first_answer_at) "
            f"FROM questions q WHERE {_QUESTIONS} GROUP BY 1",
            c=c,
            since=since,
            until=until,
        )
        return [(int(slot), int(asked), int(answered)) for slot, asked, answered in rows]

    async def median_wait(
        self, c: int, since: datetime, until: datetime, answered: int
    ) -> float | None:
        """Median seconds from a question (of the period) to its first answer: the middle one
        or two of the `answered` waits, sorted by the database."""
        if answered == 0:
            return None
        middle = await self._run(
            f"SELECT {self.sql['wait']} AS wait FROM questions q WHERE {_QUESTIONS} "
            "AND q.first_answer_at IS NOT NULL ORDER BY 1 LIMIT :n OFFSET :skip",
            c=c,
            since=since,
            until=until,
            n=1 if answered % 2 else 2,
            skip=(answered - 1) // 2,
        )
        return sum(float(row[0]) for row in middle) / len(middle)

    async def members(self, c: int, since: datetime, until: datetime) -> tuple[int, int]:
        """(members who asked, answered or voted; members who both asked and answered)."""
        params = {"c": c, "since": since, "until": until}
        active = await self._run(
            f"SELECT count(*) FROM ({_ASKERS} UNION {_HELPERS} UNION {_VOTERS}) AS active",
            **params,
        )
        both = await self._run(
            f"SELECT count(*) FROM ({_ASKERS} INTERSECT {_HELPERS}) AS both_ways", **params
        )
        return int(active[0][0]), int(both[0][0])

    async def helpers(
        self, c: int, since: datetime, until: datetime, limit: int
    ) -> tuple[int, list[HelperRow]]:
        """(answers given in the period; the top helpers, most accepted answers first)."""
        total = await self._run(
            f"SELECT count(*) FROM answers a JOIN questions q ON q.id = a.question_id "
            f"WHERE {_ANSWERS}",
            c=c,
            since=since,
            until=until,
        )
        rows = await self._run(
            "SELECT m.id, m.first_name, m.last_name, count(*) AS answers, "
            "sum(CASE WHEN a.accepted THEN 1 ELSE 0 END) AS accepted "
            "FROM answers a JOIN questions q ON q.id = a.question_id "
            f"JOIN members m ON m.id = a.author_id WHERE {_ANSWERS} "
            "GROUP BY m.id, m.first_name, m.last_name "
            "ORDER BY accepted DESC, answers DESC, m.id LIMIT :n",
            c=c,
            since=since,
            until=until,
            n=limit,
        )
        return int(total[0][0]), [
            HelperRow(int(r[0]), r[1], r[2], int(r[3]), int(r[4] or 0)) for r in rows
        ]

    async def network(
        self, c: int, since: datetime, until: datetime, offset_seconds: int
    ) -> NetworkRow:
        """`offset_seconds`: the community's offset from UTC, for its calendar months."""
        shift: object = float(offset_seconds)
        if self.dialect == "sqlite":
            shift = f"{offset_seconds:+d} seconds"  # a strftime() modifier
        [row] = await self._run(
            _NETWORK.format(month=self.sql["month"]), c=c, since=since, until=until, shift=shift
        )
        return NetworkRow(*(int(x) for x in row))

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
