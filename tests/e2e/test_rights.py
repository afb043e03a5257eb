"""Who moderates: asked of Telegram once, kept for minutes, replaced at once when Telegram
tells the bot of a change (a chat_member update), shared by instances through Redis."""

from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import ChatMember

from bot.app import create_dispatcher
from tests.e2e.conftest import ALICE, BOB, GROUP, Harness

REFUSAL = "Only the group's administrators"


def checks(h: Harness, user_id: int) -> int:
    return len(h.fake.calls_to("getChatMember", chat_id=GROUP.id, user_id=user_id))


async def why(h: Harness, user: object) -> str:
    await h.say(user, "/why 1", GROUP)  # type: ignore[arg-type]
    return h.last_text(GROUP.id)


async def group_with_question(h: Harness) -> None:
    await h.add_bot_to_group()
    await h.say(ALICE, "/ask How do we budget for road maintenance?", GROUP)


async def test_rights_are_asked_once_and_kept_for_minutes(h: Harness) -> None:
    await group_with_question(h)
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    before = checks(h, BOB.id)
    for _ in range(3):
        assert REFUSAL not in await why(h, BOB)
    assert checks(h, BOB.id) == before + 1

    h.fake.set_chat_member(GROUP, BOB, "member")  # Telegram does not tell the bot
    h.clock.advance(minutes=4)
    assert REFUSAL not in await why(h, BOB)  # still within the five minutes
    h.clock.advance(minutes=1, seconds=1)
    assert REFUSAL in await why(h, BOB)  # asked again: no longer an administrator
    assert checks(h, BOB.id) == before + 2


async def test_a_chat_member_update_takes_effect_at_once(h: Harness) -> None:
    await group_with_question(h)
    assert REFUSAL in await why(h, ALICE)  # a member: kept as such
    await h.set_status(ALICE, "administrator")  # promoted; Telegram tells the bot
    assert REFUSAL not in await why(h, ALICE)
    await h.set_status(ALICE, "member")  # demoted
    assert REFUSAL in await why(h, ALICE)
    await h.set_status(ALICE, "creator")
    assert REFUSAL not in await why(h, ALICE)
    await h.set_status(ALICE, "left")
    assert REFUSAL in await why(h, ALICE)
    assert checks(h, ALICE.id) == 1  # only the first check asked Telegram


async def test_an_unanswered_check_refuses_and_is_not_kept(h: Harness) -> None:
    await group_with_question(h)
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    h.fake.fail("getChatMember", error_code=400, description="Bad Request: chat not found")
    assert REFUSAL in await why(h, BOB)  # Telegram would not say: the least is assumed
    assert REFUSAL not in await why(h, BOB)  # and the next check asks again


async def test_instances_share_what_telegram_told_one_of_them(
    h: Harness, redis_storage: RedisStorage
) -> None:
    first = create_dispatcher(
        h.settings, h.db, h.clock, storage=redis_storage, with_scheduler=False
    )
    second = create_dispatcher(
        h.settings, h.db, h.clock, storage=redis_storage, with_scheduler=False
    )
    h.dp = first
    await group_with_question(h)
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    assert REFUSAL not in await why(h, BOB)
    h.dp = second
    assert REFUSAL not in await why(h, BOB)
    assert checks(h, BOB.id) == 1  # the second instance did not ask again

    h.dp = first
    await h.set_status(BOB, "member")  # the update reaches the first instance only
    h.dp = second
    assert REFUSAL in await why(h, BOB)


class SlowTelegram:
    """A Bot whose getChatMember answer (an administrator, as Telegram said when asked) comes
    back only after a chat_member update demoting the member was handled."""

    def __init__(self, h: Harness) -> None:
        self.h = h

    async def get_chat_member(self, chat_id: int, user_id: int) -> ChatMember:
        answer = await self.h.bot.get_chat_member(chat_id, user_id)  # "administrator"
        await self.h.set_status(BOB, "member")  # handled while the answer is on its way
        return answer


async def test_an_answer_older_than_an_update_does_not_undo_it(h: Harness) -> None:
    await group_with_question(h)
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    rights = h.dp["rights"]
    stale = await rights.administers(SlowTelegram(h), GROUP.id, BOB.id)  # type: ignore[arg-type]
    assert stale is False  # the demotion told during the call wins over the answer
    assert REFUSAL in await why(h, BOB)


async def test_in_redis_too_an_older_answer_does_not_undo_an_update(
    h: Harness, redis_storage: RedisStorage
) -> None:
    h.dp = create_dispatcher(h.settings, h.db, h.clock, storage=redis_storage, with_scheduler=False)
    await group_with_question(h)
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    rights = h.dp["rights"]
    assert not await rights.administers(SlowTelegram(h), GROUP.id, BOB.id)  # type: ignore[arg-type]
    assert REFUSAL in await why(h, BOB)
