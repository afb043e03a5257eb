"""Discussion prompts, told as they live them: María, an administrator, adds a prompt and
schedules prompts for Mondays at 09:00; when Monday comes the job posts the least recently used
prompt in the group, and Alice's reply to it is counted. Alice may not manage prompts; a bad
schedule is refused with an example, and nothing changes."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy import select, update

from bot import jobs
from bot.app import create_bot, create_dispatcher
from bot.services.prompts import STARTERS
from storage.db import Database
from storage.models import Community, PromptPost, PromptSchedule
from tests.e2e.conftest import ALICE, GROUP, MARIA, OLGA, Harness
from tests.e2e.test_faq_admin import moderated
from tests.e2e.test_questions import deliver


async def fire(h: Harness) -> int:
    return await jobs.post_prompts(h.bot, h.db, h.clock, h.settings, h.dp["i18n"])


async def test_scheduled_prompt_is_posted_and_replies_counted(h: Harness) -> None:
    await moderated(h)
    await h.say(MARIA, "/prompt_add What did you map this week?", GROUP)
    assert "#5" in h.last_text(GROUP.id)  # after the four starters
    await h.say(MARIA, "/prompt_schedule mon 09:00", GROUP)
    assert "lun a las 09:00" in h.last_text(GROUP.id)  # María reads Spanish
    await h.say(MARIA, "/prompt_schedule", GROUP)
    assert "lun, 9 nov 2026, 9:00" in h.last_text(GROUP.id)  # in her language's format

    h.clock.advance(days=6)
    assert await fire(h) == 0  # not Monday yet
    h.clock.advance(days=1, seconds=30)
    assert await fire(h) == 1
    assert await fire(h) == 0  # the slot is taken
    await deliver(h)
    post = h.fake.last_message(GROUP.id)
    # The first starter (share a challenge), in the group's language.
    community = await h.one(select(Community))
    starter = h.dp["i18n"].gettext(STARTERS["challenge"], locale=community.language)
    assert post["text"].startswith("💬 " + starter)

    await h.say(ALICE, "In our office we pair new planners with a mentor.", GROUP, reply_to=post)
    await h.say(ALICE, "And we keep a shared glossary.", GROUP, reply_to=post)
    [row] = await h.all(select(PromptPost))
    assert row.message_id == post["message_id"] and row.reply_count == 2


async def test_member_is_refused_and_bad_schedule_explained(h: Harness) -> None:
    await moderated(h)
    await h.say(ALICE, "/prompt_schedule mon 09:00", GROUP)
    assert h.last_text(GROUP.id) == (
        "Only the group's administrators can manage its prompts. Nothing was changed."
    )
    await h.say(MARIA, "/prompt_schedule every monday at 9", GROUP)
    assert "/prompt_schedule lun,jue 09:00" in h.last_text(GROUP.id)  # in her words
    await h.say(MARIA, "/prompt_schedule mon 25:00", GROUP)
    assert "/prompt_schedule lun,jue 09:00" in h.last_text(GROUP.id)
    assert await h.all(select(PromptSchedule)) == []


async def test_schedules_in_the_moderators_own_words(h: Harness) -> None:
    await moderated(h)
    await h.say(MARIA, "/prompt_schedule lun,jue 09:00", GROUP)
    reply = h.last_text(GROUP.id)
    assert "Los temas se publican lun, jue a las 09:00 (UTC)" in reply
    assert "jue, 5 nov 2026, 9:00" in reply  # Thursday
    [schedule] = await h.all(select(PromptSchedule))
    assert schedule.expression == "mon,thu 09:00"  # stored canonical, read by any language

    h.fake.set_chat_member(GROUP, OLGA, "administrator")
    await h.say(OLGA, "/prompt_schedule пн,чт 09:00", GROUP)
    assert "Темы публикуются пн, чт в 09:00 (UTC)" in h.last_text(GROUP.id)
    await h.say(OLGA, "/prompt_schedule", GROUP)
    assert "пн, чт в 09:00" in h.last_text(GROUP.id)
    await h.say(MARIA, "/prompt_schedule", GROUP)  # the same schedule, each in their language
    assert "lun, jue a las 09:00" in h.last_text(GROUP.id)

    await h.say(OLGA, "/prompt_schedule выходные 10:00", GROUP)
    assert "по выходным в 10:00" in h.last_text(GROUP.id)
    await h.say(OLGA, "/prompt_schedule пн,пн 09:00", GROUP)
    refusal = h.last_text(GROUP.id)
    assert "/prompt_schedule пн,чт 09:00" in refusal
    assert "(или ежедневно, будни, выходные 18:30)" in refusal
    await h.say(MARIA, "/prompt_schedule fines de semana 10:00", GROUP)
    assert "los fines de semana a las 10:00" in h.last_text(GROUP.id)
    [schedule] = await h.all(select(PromptSchedule))
    assert schedule.expression == "weekends 10:00"


# Reliability, told through the fake Bot API: the real firing job and the delivery worker,
# on the test's clock.


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def posts(h: Harness) -> list[datetime]:
    """When each prompt reached the group (the fake's record, on the test's clock)."""
    return [
        datetime.fromtimestamp(call.at, UTC)
        for call in h.fake.calls_to("sendMessage", chat_id=GROUP.id)
        if call.ok and call["text"].startswith("💬")
    ]


async def slots(h: Harness) -> list[datetime]:
    return list(await h.all(select(PromptPost.slot).order_by(PromptPost.slot)))


async def scheduled(h: Harness, expression: str, timezone: str = "UTC") -> None:
    """María moderates the group, whose timezone is `timezone`, and schedules its prompts."""
    community_id = await moderated(h)
    async with h.db.session() as session, session.begin():
        await session.execute(
            update(Community).where(Community.id == community_id).values(timezone=timezone)
        )
    await h.say(MARIA, f"/prompt_schedule {expression}", GROUP)
    assert "Los temas se publican" in h.last_text(GROUP.id)


@asynccontextmanager
async def instance(h: Harness) -> AsyncIterator[Harness]:
    """Another process of the bot on the same database and Bot API: a restart, or a second
    instance running beside the first."""
    db = Database(h.settings.database_url, now=lambda: h.clock.now().timestamp())

    async def sleep(seconds: float) -> None:
        h.clock.advance(seconds=seconds)

    bot = create_bot(h.settings, session=h.fake.create_session(), sleep=sleep)
    dp = create_dispatcher(h.settings, db, h.clock, storage=MemoryStorage(), with_scheduler=False)
    try:
        yield Harness(h.fake, bot, dp, db, h.clock, h.settings)
    finally:
        await bot.session.close()
        await db.dispose()


@pytest.mark.parametrize(
    ("timezone", "start", "expected"),
    [
        # Berlin moves from CET (+01) to CEST (+02) in the night to Sunday 29 March 2026.
        (
            "Europe/Berlin",
            utc(2026, 3, 28, 6, 3),
            [utc(2026, 3, 28, 8), utc(2026, 3, 29, 7), utc(2026, 3, 30, 7)],
        ),
        # Santiago moves from -03 to -04 at midnight between 4 and 5 April 2026.
        (
            "America/Santiago",
            utc(2026, 4, 4, 10, 3),
            [utc(2026, 4, 4, 12), utc(2026, 4, 5, 13), utc(2026, 4, 6, 13)],
        ),
    ],
)
async def test_nine_local_across_a_dst_change(
    h: Harness, timezone: str, start: datetime, expected: list[datetime]
) -> None:
    h.clock.current = start  # the day before the clocks change, before 09:00 local
    await scheduled(h, "diario 09:00", timezone)
    step = timedelta(minutes=10)  # the job polls; each run is followed by the delivery worker
    while h.clock.now() < expected[-1] + timedelta(hours=2):
        h.clock.advance(minutes=10)
        await fire(h)
        await deliver(h)
    assert await slots(h) == expected
    arrived = posts(h)
    assert len(arrived) == len(expected)
    for at, slot in zip(arrived, expected, strict=True):
        assert slot <= at < slot + step  # within one poll of the slot
        assert at.astimezone(ZoneInfo(timezone)).strftime("%H") == "09"


async def test_a_restart_or_a_second_instance_never_posts_a_slot_twice(h: Harness) -> None:
    await scheduled(h, "diario 09:00")
    h.clock.current = utc(2026, 11, 3, 9, 0, 20)
    assert await fire(h) == 1
    # The process dies before the delivery worker sent the post; a fresh one starts.
    async with instance(h) as restarted:
        assert await fire(restarted) == 0
        h.clock.advance(minutes=1)
        assert await fire(restarted) == 0
        assert await deliver(restarted) == 1
        assert await deliver(restarted) == 0

    # The next slot, with two instances running the job and the worker at the same moment.
    h.clock.current = utc(2026, 11, 4, 9, 0, 5)
    async with instance(h) as first, instance(h) as second:
        fired = await asyncio.gather(fire(first), fire(second), fire(h))
        assert sorted(fired) == [0, 0, 1]
        await asyncio.gather(deliver(first), deliver(second))
    assert await slots(h) == [utc(2026, 11, 3, 9), utc(2026, 11, 4, 9)]
    assert len(posts(h)) == 2


async def test_a_slot_missed_while_down_is_posted_once_within_grace(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await scheduled(h, "diario 09:00")  # on Monday 2 November, after 09:00
    # Down from Tuesday early until Thursday 09:30: three slots missed, the last by half an
    # hour, within the grace window (an hour): that one is posted, once.
    h.clock.current = utc(2026, 11, 5, 9, 30)
    async with instance(h) as restarted:
        assert await fire(restarted) == 1
        assert await fire(restarted) == 0
        await deliver(restarted)
    assert await slots(h) == [utc(2026, 11, 5, 9)]
    assert posts(h) == [utc(2026, 11, 5, 9, 30)]

    # Down again from Thursday 10:00 until Saturday 10:30, 90 minutes after the last slot:
    # beyond the grace window, nothing is posted late, and it is logged.
    h.clock.current = utc(2026, 11, 7, 10, 30)
    with caplog.at_level(logging.WARNING, logger="bot.services.prompts"):
        async with instance(h) as restarted:
            assert await fire(restarted) == 0
            await deliver(restarted)
    assert len(posts(h)) == 1
    assert any("skipped" in r.getMessage() for r in caplog.records)
    # The schedule goes on: Sunday at 09:00.
    h.clock.current = utc(2026, 11, 8, 9, 0, 30)
    assert await fire(h) == 1
    await deliver(h)
    assert await slots(h) == [utc(2026, 11, 5, 9), utc(2026, 11, 8, 9)]
    assert len(posts(h)) == 2
