"""Discussion prompts on a real database: the least recently used prompt is posted, none twice
before the bank is used up; a slot is claimed once however many firings race for it; a slot
missed beyond the grace window is skipped; '09:00 local' stays 09:00 local across DST."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.services.prompts import STARTERS, PromptsService
from storage.models import Community, OutboxMessage, PromptPost
from tests.services.conftest import GROUP, fire_due, queued

GRACE = timedelta(hours=1)


def render(prompt) -> str:
    return prompt.text


async def community(services, db, timezone: str = "UTC") -> int:
    view = await services().communities.bot_added(
        GROUP.chat_id, GROUP.title, is_forum=False, language="en"
    )
    async with db.session() as session, session.begin():
        await session.execute(
            update(Community).where(Community.id == view.id).values(timezone=timezone)
        )
    return view.id


async def tick(db, clock) -> int:
    """One run of the firing job."""
    return await fire_due(db, clock, PromptsService, GRACE, render)


async def posted(db) -> list[OutboxMessage]:
    return await queued(db, "prompt_post")


async def test_least_recently_used_without_repeats(db, clock, services) -> None:
    community_id = await community(services, db)
    async with db.session() as session:
        prompts = PromptsService(session, clock)
        await prompts.add(community_id, "What map did you draw this week?", None)
        await prompts.set_schedule(community_id, "daily 09:00", None)
    bank = len(STARTERS) + 1
    for _ in range(bank * 2):
        clock.advance(days=1)
        assert await tick(db, clock) == 1
    texts = [m.payload["text"] for m in await posted(db)]
    first, second = texts[:bank], texts[bank:]
    assert len(set(first)) == bank  # every prompt once before any repeats
    assert second == first  # then again, in the same order
    assert first[: len(STARTERS)] == list(STARTERS.values())  # seeded starter pack


async def test_two_claims_of_one_slot_post_once(db, clock, services) -> None:
    community_id = await community(services, db)
    async with db.session() as session:
        await PromptsService(session, clock).set_schedule(community_id, "daily 09:00", None)
    clock.advance(days=1)
    async with db.session() as session:
        [(schedule_id, slot)] = await PromptsService(session, clock).due()

    async def fire() -> bool:
        async with db.session() as session:
            return await PromptsService(session, clock).fire(schedule_id, slot, GRACE, render)

    results = await asyncio.gather(*(fire() for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    assert len(await posted(db)) == 1
    assert await tick(db, clock) == 0  # and a restart's run finds nothing due


async def test_missed_beyond_grace_is_skipped_once(db, clock, services, caplog) -> None:
    community_id = await community(services, db)
    async with db.session() as session:
        await PromptsService(session, clock).set_schedule(community_id, "daily 09:00", None)
    clock.advance(days=1, minutes=30)  # down over the slot, back within the grace window
    assert await tick(db, clock) == 1
    clock.current = datetime(2026, 11, 6, 11, 0, tzinfo=UTC)  # down over three slots, back
    # two hours after the last
    assert await tick(db, clock) == 0
    assert len(await posted(db)) == 1
    assert sum("skipped" in r.getMessage() for r in caplog.records) == 1
    clock.current = datetime(2026, 11, 7, 9, 0, tzinfo=UTC)  # the schedule goes on
    assert await tick(db, clock) == 1


async def test_berlin_nine_oclock_across_march_dst(db, clock, services) -> None:
    clock.current = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    community_id = await community(services, db, "Europe/Berlin")
    async with db.session() as session:
        await PromptsService(session, clock).set_schedule(community_id, "daily 09:00", None)
    for _ in range(4 * 24 * 60 // 15):  # the job every 15 minutes, four days
        clock.advance(minutes=15)
        await tick(db, clock)
    async with db.session() as session:
        slots = list(await session.scalars(select(PromptPost.slot).order_by(PromptPost.slot)))
    assert slots == [
        datetime(2026, 3, 28, 8, 0, tzinfo=UTC),  # CET, UTC+1
        datetime(2026, 3, 29, 7, 0, tzinfo=UTC),  # CEST from 29 March, UTC+2
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 7, 0, tzinfo=UTC),
    ]
