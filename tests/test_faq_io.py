"""FAQ import and export (bot.services.faq_io) on both databases: a file exported, imported
into a fresh database and exported again is the same file byte for byte; a file with any bad
row imports nothing and names every bad row by its line; imported entries are found as the
bot's own are."""

import io
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.config import Settings
from bot.services.factory import Services, build_services
from bot.services.faq_io import (
    COLUMNS,
    BadRows,
    FaqIOService,
    UnknownFormat,
    UnknownGroup,
    format_of,
)
from bot.services.members import GroupInfo
from storage.db import Database, transaction
from storage.models import AuditEntry, Community, FaqEntry
from tests import databases
from tests.fakes.clock import FakeClock
from tests.services.conftest import identity

PLANNERS = GroupInfo(chat_id=-1001234567890, title="Planificadores", is_forum=False)
HYDRO = GroupInfo(chat_id=-1009876543210, title="Гидрологи", is_forum=False)
HEADER = ",".join(COLUMNS)


def _settings() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def fresh_url(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second fresh, migrated database of the same kind as `database_url`."""
    if database_url.startswith("sqlite"):
        template = request.getfixturevalue("sqlite_template")
        yield databases.copy_sqlite(template, tmp_path / "fresh.db")
        return
    admin, template = request.getfixturevalue("pg_template")
    name = databases.create_pg_database(admin, template)
    yield databases.pg_url_for(admin, name)
    databases.drop_pg_database(admin, name)


class Bot:
    """One database with the bot's services over it (a new session each call)."""

    def __init__(self, db: Database, clock: FakeClock) -> None:
        self.db, self.clock = db, clock
        self.sessions: list = []

    def services(self) -> Services:
        session = self.db.session()
        self.sessions.append(session)
        return build_services(session, self.clock, _settings())

    def files(self) -> FaqIOService:
        session = self.db.session()
        self.sessions.append(session)
        return FaqIOService(session, self.clock)

    async def group(self, info: GroupInfo, user_id: int = 1) -> int:
        actor = await self.services().members.seen(identity(user_id, "Ana"), info, private=False)
        return actor.community_id

    async def export(self, fmt: str, chat_id: int | None = None) -> bytes:
        out = io.StringIO(newline="")
        await self.files().export(out, fmt, chat_id=chat_id)
        return out.getvalue().encode("utf-8")

    async def import_(self, data: bytes | str, fmt: str = "csv", **kwargs):
        raw = data.encode("utf-8") if isinstance(data, str) else data
        return await self.files().import_file(raw, fmt, **kwargs)

    async def count(self, model: type = FaqEntry) -> int:
        async with self.db.session() as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0

    async def found(self, community_id: int, text: str) -> list[str]:
        result = await self.services().faq.search([community_id], text, page_size=50)
        return [hit.entry.question for hit in result.hits]

    async def close(self) -> None:
        for session in self.sessions:
            await session.close()


@pytest.fixture
async def bot(db: Database, clock: FakeClock) -> AsyncIterator[Bot]:
    b = Bot(db, clock)
    yield b
    await b.close()


@pytest.fixture
async def other(fresh_url: str, clock: FakeClock) -> AsyncIterator[Bot]:
    database = Database(fresh_url, now=lambda: clock.now().timestamp())
    b = Bot(database, clock)
    yield b
    await b.close()
    await database.dispose()


TRICKY_ANSWER = (
    'Primero, el "catastro"; luego, la zonificación.\nВторая строка, с запятой, и «кавычками».\r\n'
    "Baris ketiga 🏙️👩🏽‍💻 — done\u2028(with a line separator)\ttab"
)
LONG_ACCEPTED = "¿" + "Cómo planificar la ciudad, paso a paso? " * 48 + "?"  # ~2,000 characters


async def _populate(bot: Bot) -> tuple[int, int]:
    planners, hydro = await bot.group(PLANNERS), await bot.group(HYDRO, 2)
    faq = bot.services().faq
    first = await faq.add(
        planners,
        None,
        "¿Cómo hacer, en 3 pasos, la planificación urbana?",
        TRICKY_ANSWER,
        ["Planificación", "GIS; QGIS", "presupuesto"],
    )
    bot.clock.advance(days=1, microseconds=123457)
    second = await faq.add(hydro, None, "Как измерить сток?", "Датчиками, 😀 «вот так».", ["[в]"])
    review = bot.clock.now() + timedelta(hours=2)  # due for review by the time it is exported
    await bot.services().faq.edit(hydro, second.id, None, review_at=review)
    bot.clock.advance(hours=3)
    gone = await faq.add(planners, None, "Old tariffs", "Superseded, see 2027.")
    await bot.services().faq.delete(planners, gone.id, None)
    await bot.services().faq.open(first.id, [planners])
    await bot.services().faq.open(first.id, [planners])
    # An accepted answer: a long question and 15 topics, as questions may have.
    accepted = {
        "community": PLANNERS.chat_id,
        "question": LONG_ACCEPTED,
        "answer": "Con un plan, y datos abiertos.",
        "tags": [f"tema {i}" for i in range(15)],
        "language": "es",
        "source": "answer",
        "verified": True,
        "helpful": 4,
        "created_at": "2026-10-01T08:00:00.5Z",
        "updated_at": "2026-10-02T08:00:00+03:00",
    }
    await bot.import_(json.dumps(accepted, ensure_ascii=False), "jsonl")
    return planners, hydro


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
async def test_export_import_export_is_the_same_file(bot: Bot, other: Bot, fmt: str) -> None:
    await _populate(bot)
    exported = await bot.export(fmt)
    text = exported.decode("utf-8")
    assert "🏙️👩🏽‍💻" in text and "«кавычками»" in text and "\u2028" in text
    assert "2026-11-03T09:00:00.123457Z" in text  # microseconds kept, in UTC
    assert "2026-10-02T05:00:00Z" in text  # an offset converted to UTC
    if fmt == "csv":
        assert text.startswith(HEADER + "\n")
        # A label holding ";" makes the cell a JSON list; otherwise labels are "; "-separated.
        assert '"[""Planificación"", ""GIS; QGIS"", ""presupuesto""]"' in text
        assert "tema 0; tema 1; tema 2" in text

    await other.group(PLANNERS), await other.group(HYDRO, 2)
    result = await other.import_(exported, fmt)
    assert (result.count, result.published) == (4, 3)
    assert result.groups == {PLANNERS.chat_id: 3, HYDRO.chat_id: 1}
    assert await other.export(fmt) == exported
    assert await other.export(fmt, PLANNERS.chat_id) == await bot.export(fmt, PLANNERS.chat_id)


async def test_imported_entries_are_searched_as_the_bots_own(bot: Bot, other: Bot) -> None:
    await _populate(bot)
    planners, hydro = await other.group(PLANNERS), await other.group(HYDRO, 2)
    await other.import_(await bot.export("csv"))
    assert await other.found(planners, "planificacion urbana") == [
        "¿Cómo hacer, en 3 pasos, la planificación urbana?"
    ]
    assert await other.found(planners, "qgis") == [
        "¿Cómo hacer, en 3 pasos, la planificación urbana?"
    ]
    assert await other.found(hydro, "сток") == ["Как измерить сток?"]
    assert await other.found(planners, "tariffs") == []  # deleted: kept, never found
    assert await other.found(planners, "planificar") == [LONG_ACCEPTED]


async def test_a_hand_written_file_gets_the_defaults(bot: Bot) -> None:
    planners = await bot.group(PLANNERS)
    written = (
        "\ufeffquestion,answer,tags,review_at,community\r\n"
        f"Zoning appeals,Within 30 days.,zoning; appeals,2027-01-31,{PLANNERS.chat_id}\r\n"
        "\r\n"
        f'"Flood maps",National service.,,2027-02-01T10:00:00+02:00,{PLANNERS.chat_id}\r\n'
    )
    result = await bot.import_(written)
    assert (result.count, result.published) == (2, 2)
    lines = (await bot.export("csv")).decode().splitlines()
    assert lines[1].startswith(
        f"{PLANNERS.chat_id},Zoning appeals,Within 30 days.,zoning; appeals,,import,false,,"
        "2027-01-31T00:00:00Z,true,,0,0,2026-11-02T09:00:00Z,2026-11-02T09:00:00Z"
    )
    assert "2027-02-01T08:00:00Z" in lines[2]
    assert await bot.found(planners, "appeals") == ["Zoning appeals"]


async def test_every_bad_row_is_reported_by_its_line_and_nothing_is_imported(bot: Bot) -> None:
    planners = await bot.group(PLANNERS)
    chat = PLANNERS.chat_id
    rows = [
        "community,question,answer,tags,verified,views,review_at,deleted_at,published",
        f'{chat},Fine one,"An answer\nspread over\nthree lines",,,,,,',  # lines 2-4
        f"{chat},,No question,,,,,,",  # 5
        f'{chat},Too long,"{"x" * 3001}",,,,,,',  # 6
        f"{chat},Tags,Many,{';'.join(f't{i}' for i in range(11))},,,,,",  # 7
        f"{chat},Bool,Bad,,maybe,-3,31/01/2027,,",  # 8
        "-100555,Unknown group,Answer,,,,,,",  # 9
        f"{chat},Only,three cells",  # 10
        f"{chat},Deleted,Yet published,,,,,2026-01-01,true",  # 11
        f'{chat},"Another\nfine one",Yes,,,,,,',  # 12-13
        ",No group,Answer,,,,,,",  # 14
    ]
    with pytest.raises(BadRows) as caught:
        await bot.import_("\n".join(rows) + "\n")
    reported = [str(p) for p in caught.value.problems]
    assert reported == [
        "line 5: the question is empty",
        "line 6: the answer is longer than 3000 characters",
        "line 7: more than 10 tags",
        "line 8: verified must be true or false, not 'maybe'; views must be a whole number "
        "from 0 to 2147483647, not '-3'; review_at must be an ISO date or date and time such "
        "as 2027-01-31 or 2027-01-31T09:00:00Z, not '31/01/2027'",
        "line 9: no group with chat id -100555 is known to the bot (add the bot to the group "
        "first)",
        "line 10: 3 cells where the header has 9",
        "line 11: a deleted entry (deleted_at is set) cannot be published",
        "line 14: community (the group's chat id) is missing",
    ]
    assert await bot.count() == 0 and await bot.count(AuditEntry) == 0
    assert await bot.found(planners, "fine") == []


async def test_bad_json_lines(bot: Bot) -> None:
    await bot.group(PLANNERS)
    chat = PLANNERS.chat_id
    good = {"community": chat, "question": "Q", "answer": "A"}
    lines = [
        json.dumps(good),
        "",
        '{"community": 1, "question": "unterminated',  # 3
        "[1, 2]",  # 4
        json.dumps({**good, "colour": "red"}),  # 5
        json.dumps({**good, "tags": "a; b", "verified": "yes", "views": 2}),
        json.dumps({**good, "tags": [1], "question": 5, "community": True}),  # 7
        json.dumps({**good, "source": "robot", "language": "español!"}),  # 8
    ]
    with pytest.raises(BadRows) as caught:
        await bot.import_("\r\n".join(lines), "jsonl")
    assert [str(p) for p in caught.value.problems] == [
        "line 3: not valid JSON: unterminated string starting at (column 30)",
        "line 4: not a JSON object",
        "line 5: unknown field 'colour'",
        "line 7: community must be a group's chat id (a number), not 'true'; question must be "
        "text; tags must be a list of strings",
        "line 8: language must be a language code such as es, not 'español!'; source must be "
        "one of answer, moderator, import, not 'robot'",
    ]
    assert await bot.count() == 0


async def test_a_file_that_is_not_what_it_says(bot: Bot) -> None:
    await bot.group(PLANNERS)
    cases = {
        "question,answr\nQ,A\n": "line 1: header: unknown column 'answr'; no answer column",
        "question,answer,question\nQ,A,B\n": "line 1: header: column 'question' given twice",
        'question,answer\nQ,"A\n': "line 2: not CSV: unexpected end of data",
    }
    for text, problem in cases.items():
        with pytest.raises(BadRows) as caught:
            await bot.import_(text)
        assert str(caught.value.problems[0]).startswith(problem), caught.value.problems
    latin1 = "question,answer,community\nQ,A,1\nPlanificación,Sí,1\n".encode("latin-1")
    with pytest.raises(BadRows) as caught:
        await bot.import_(latin1)
    assert [str(p) for p in caught.value.problems] == ["line 3: not UTF-8 text"]
    assert await bot.count() == 0


async def test_one_groups_rows_and_the_audit_entry(bot: Bot) -> None:
    planners, hydro = await bot.group(PLANNERS), await bot.group(HYDRO, 2)
    text = (
        "community,question,answer\n"
        f"{PLANNERS.chat_id},Planning,Plan.\n"
        f"{HYDRO.chat_id},Runoff,Measure it.\n"
        ",Zoning,Ask the council.\n"
    )
    result = await bot.import_(text, chat_id=PLANNERS.chat_id, name="faq.csv")
    assert (result.count, result.skipped) == (2, 1)
    assert await bot.found(planners, "zoning") == ["Zoning"]
    assert await bot.found(hydro, "runoff") == []
    async with bot.db.session() as session:
        audit = list(await session.scalars(select(AuditEntry)))
    assert len(audit) == 1
    assert (audit[0].action, audit[0].community_id) == ("faq_import", planners)
    assert audit[0].details["count"] == 2 and audit[0].details["file"] == "faq.csv"
    with pytest.raises(UnknownGroup):
        await bot.import_(text, chat_id=-1)
    with pytest.raises(UnknownGroup):
        await bot.export("csv", chat_id=-1)
    assert await bot.count() == 2


async def test_unverified_accepted_answers_wait_where_the_group_verifies(bot: Bot) -> None:
    planners = await bot.group(PLANNERS)
    async with bot.db.session() as session, transaction(session, write=True):
        await session.execute(update(Community).values(faq_verification=True))
    rows = [
        {"community": PLANNERS.chat_id, "question": "Unverified", "answer": "A", "source": s}
        for s in ("answer", "moderator")
    ]
    result = await bot.import_("\n".join(json.dumps(r) for r in rows), "jsonl")
    assert (result.count, result.published) == (2, 1)
    assert await bot.found(planners, "unverified") == ["Unverified"]
    assert (
        '"source": "answer", "verified": false, "verified_at": null, "review_at": null, '
        '"published": false' in (await bot.export("jsonl")).decode()
    )


def test_the_format_comes_from_the_option_or_the_extension() -> None:
    assert format_of("faq.CSV") == "csv" and format_of("x/faq.jsonl") == "jsonl"
    assert format_of("faq.txt", "jsonl") == "jsonl"
    for name in ("faq.json", "faq", "faq.xlsx"):
        with pytest.raises(UnknownFormat, match="--format"):
            format_of(name)
