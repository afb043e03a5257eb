"""The hot paths stay fast without hiding anything: recording who wrote costs no database round
trip once the bot knows them, yet the caches never hide a change (local writes show at once,
other instances' writes within the cache's time to live); no update waits for a worker thread;
Bot API answer models are built once."""

import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from aiogram.dispatcher.event.handler import CallableObject
from aiogram.methods import Response
from aiogram.types import Message
from sqlalchemy import event, select, update

from storage.cache import DEFAULT_TTL
from storage.db import Database
from storage.models import Member, Membership
from tests.e2e.conftest import ALICE, BOB, GROUP, Harness
from tests.fakes.telegram_api import Chat


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def test_known_members_messages_need_no_database(h: Harness) -> None:
    await h.add_bot_to_group()
    await h.say(ALICE, "Hello, planners!", GROUP)
    await h.say(ALICE, "/help")  # her first private message records that she can be DMed
    if not h.db.is_sqlite:
        # PostgreSQL does not serialize writers: the row written is read once more before it
        # is cached (another write may have landed between that update's read and commit).
        await h.say(ALICE, "Thanks!", GROUP)
    with statements(h.db) as sql:
        await h.say(ALICE, "Anyone tried participatory budgeting?", GROUP)
        await h.say(ALICE, "/help")
    assert sql == []
    assert "What I do" in h.last_text(ALICE.id)


async def test_blocked_member_writing_again_can_be_messaged_again(h: Harness) -> None:
    await h.say(ALICE, "/help")
    await h.say(ALICE, "/help")
    h.fake.block(ALICE.id)
    await h.say(ALICE, "/help")  # the reply fails with 403: recorded as unreachable
    assert not (await h.member(ALICE)).dm_available
    h.fake.unblock(ALICE.id)
    await h.say(ALICE, "/help")
    assert (await h.member(ALICE)).dm_available
    assert "What I do" in h.last_text(ALICE.id)


async def test_member_who_left_and_writes_again_is_active_again(h: Harness) -> None:
    await h.add_bot_to_group(by=BOB)
    await h.say(ALICE, "hola", GROUP)
    await h.say(ALICE, "¿qué tal?", GROUP)
    await h.send(h.fake.left_chat_member(GROUP, ALICE, ALICE))
    assert not (await h.one(select(Membership))).active
    await h.say(ALICE, "I'm back (the join was not reported)", GROUP)
    assert (await h.one(select(Membership))).active


async def test_another_instances_change_shows_within_the_time_to_live(
    h: Harness, database_url: str
) -> None:
    i18n = h.dp["i18n"]
    spanish = i18n.gettext("There is nothing to cancel.", locale="es")
    await h.say(ALICE, "/cancel")
    await h.say(ALICE, "/cancel")
    assert h.last_text(ALICE.id) == "There is nothing to cancel."
    other = Database(database_url)  # another instance, with a cache of its own
    try:
        async with other.session() as session:
            await session.execute(
                update(Member).where(Member.user_id == ALICE.id).values(language="es")
            )
            await session.commit()
    finally:
        await other.dispose()
    h.clock.advance(seconds=DEFAULT_TTL)
    await h.say(ALICE, "/cancel")
    assert h.last_text(ALICE.id) == spanish


async def test_no_update_waits_for_a_worker_thread(h: Harness) -> None:
    """aiogram runs a filter or handler that is not a coroutine in a worker thread, a round
    trip that cost more than the rest of a typical update; handlers/filters.py has the
    in-loop versions."""
    threaded: list[str] = []
    for router in h.dp.chain_tail:
        for name, observer in router.observers.items():
            checks: list[CallableObject] = list(observer._handler.filters or [])
            for handler in observer.handlers:
                checks += [handler, *(handler.filters or [])]
            threaded += [
                f"{router.name}.{name}: {check.callback!r}"
                for check in checks
                if not check.awaitable
            ]
    assert threaded == []


async def test_bot_api_answers_do_not_rebuild_their_model_after_garbage_collection(
    h: Harness,
) -> None:
    """aiogram validates answers with Response[<type>], which pydantic caches only weakly;
    rebuilding it after each full collection cost ~20 ms of CPU per Bot API call."""
    await h.say(ALICE, "/help")
    model = weakref.ref(Response[Message])
    gc.collect()
    assert model() is not None
    await h.say(ALICE, "/help")
    assert model() is Response[Message]


async def test_joining_another_group_shows_in_the_community_picker_at_once(h: Harness) -> None:
    await h.add_bot_to_group()
    await h.say(ALICE, "hola", GROUP)
    await h.say(ALICE, "/profile")  # one community: her card, no picker
    assert "Which community" not in h.last_text(ALICE.id)
    other = Chat(-1002, "supergroup", title="Budget Officials")
    await h.add_bot_to_group(group=other)
    await h.say(ALICE, "/profile")  # still one community
    await h.say(ALICE, "hi there", other)
    await h.say(ALICE, "/profile")
    assert "Which community" in h.last_text(ALICE.id)


async def test_profile_card_is_read_once_and_shows_own_edits_at_once(h: Harness) -> None:
    await h.add_bot_to_group()
    await h.say(ALICE, "hola", GROUP)
    await h.say(ALICE, "/profile")
    await h.say(ALICE, "/profile")  # (PostgreSQL reads once more what her first one wrote)
    await h.say(BOB, "hi all", GROUP)  # others joining write members rows: not Alice's
    with statements(h.db) as sql:
        await h.say(ALICE, "/profile")
    assert sql == []
    await h.press(ALICE, "Edit bio")
    await h.say(ALICE, "Transport planner in Quito")
    await h.say(ALICE, "/profile")
    assert "Transport planner in Quito" in h.last_text(ALICE.id)
