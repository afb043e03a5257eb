"""Dialog state in Redis (several instances): a dialog begun on one dispatcher continues on
another, as when a load balancer sends the next update elsewhere."""

from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy import func, select

from bot.app import create_dispatcher
from storage.models import Question
from tests.e2e.conftest import ALICE, BOB, GROUP, Harness
from tests.e2e.test_questions import group_with_experts


async def test_dialog_continues_on_another_instance(
    h: Harness, redis_storage: RedisStorage
) -> None:
    first = create_dispatcher(
        h.settings, h.db, h.clock, storage=redis_storage, with_scheduler=False
    )
    second = create_dispatcher(
        h.settings, h.db, h.clock, storage=redis_storage, with_scheduler=False
    )
    community_id = await h.add_bot_to_group()
    await h.say(ALICE, "hi", GROUP)

    h.dp = first
    await h.say(ALICE, f"/start profile_{community_id}")
    h.dp = second
    await h.say(ALICE, "Catastro")
    assert "Catastro" in h.last_text(ALICE.id)
    await h.press(ALICE, "Done ✔")
    assert "languages" in h.last_text(ALICE.id)


async def test_the_flood_limit_is_shared_by_the_instances(
    h: Harness, redis_storage: RedisStorage
) -> None:
    first, second = (
        create_dispatcher(h.settings, h.db, h.clock, storage=redis_storage, with_scheduler=False)
        for _ in range(2)
    )
    await group_with_experts(h)
    for n in range(5):  # a load balancer spreads Alice's questions over both
        h.dp = (first, second)[n % 2]
        await h.say(ALICE, f"/ask #GIS question {n}?", GROUP)
    h.dp = first
    await h.say(ALICE, "/ask #GIS one too many?", GROUP)
    assert "please try again in 10 minutes" in h.last_text(GROUP.id)
    assert await h.one(select(func.count()).select_from(Question)) == 5
    h.dp = second
    await h.say(BOB, "/ask #GIS Bob's?", GROUP)
    assert "Question #6 is in" in h.last_text(GROUP.id)
    h.clock.advance(minutes=10)
    await h.say(ALICE, "/ask #GIS later?", GROUP)
    assert "Question #7 is in" in h.last_text(GROUP.id)
