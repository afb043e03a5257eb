"""Messages queued in the outbox reach Telegram exactly once, within its limits, whatever it
answers: flood control and server errors are waited out, a blocked member is recorded, a
refused message is kept with the reason, and a sender that died is taken over."""

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.delivery import Delivery
from bot.services.outbox import OutboxService
from storage.db import transaction
from storage.models import OutboxMessage
from storage.repos.outbox import OutboxRepo
from tests.e2e.conftest import ALICE, BOB, GROUP, Harness


def delivery(h: Harness, **kwargs: object) -> Delivery:
    async def sleep(seconds: float) -> None:
        h.clock.advance(seconds=seconds)

    return Delivery(h.bot, h.db, h.clock, sleep=sleep, **kwargs)  # type: ignore[arg-type]


async def queue(h: Harness, chat_id: int, text: str, **kwargs: object) -> OutboxMessage | None:
    async with h.db.session() as session, transaction(session, write=True):
        return await OutboxService(session, h.clock).queue(chat_id, text, **kwargs)  # type: ignore[arg-type]


async def rows(h: Harness) -> list[OutboxMessage]:
    return list(await h.all(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_queued_messages_go_out_once_in_order_within_telegrams_limits(h: Harness) -> None:
    await h.say(ALICE, "/help")
    await h.say(BOB, "/help")
    await h.add_bot_to_group()
    h.fake.clear_calls()
    for i in range(8):  # more than Telegram lets through to one chat in a burst
        await queue(h, ALICE.id, f"Alice {i}")
    await queue(h, GROUP.id, "Group <b>1</b>")
    await queue(h, BOB.id, "Bob 0")
    await queue(h, GROUP.id, "Group 2")
    assert await delivery(h).run_once() == 11
    assert await delivery(h).run_once() == 0  # nothing twice
    assert [m["text"] for m in h.fake.sent_messages(ALICE.id)][-8:] == [
        f"Alice {i}" for i in range(8)
    ]
    assert [m["text"] for m in h.fake.sent_messages(GROUP.id)][-2:] == ["Group 1", "Group 2"]
    assert h.fake.rate_limited_calls == 0
    assert {r.status for r in await rows(h)} == {"sent"}
    assert all(r.message_id for r in await rows(h))


async def test_a_message_queued_with_a_change_that_rolled_back_is_not_sent(h: Harness) -> None:
    await h.say(ALICE, "/help")
    async with h.db.session() as session:
        with pytest.raises(RuntimeError):
            async with transaction(session, write=True):
                await OutboxService(session, h.clock).queue(ALICE.id, "never")
                raise RuntimeError("the change failed")
    assert await rows(h) == []


async def test_the_same_key_is_queued_once(h: Harness) -> None:
    await h.say(ALICE, "/help")
    assert await queue(h, ALICE.id, "Question #1", dedupe_key="q1:m1") is not None
    assert await queue(h, ALICE.id, "Question #1", dedupe_key="q1:m1") is None
    await delivery(h).run_once()
    assert [m["text"] for m in h.fake.sent_messages(ALICE.id)].count("Question #1") == 1


async def test_long_flood_control_is_waited_out_later(h: Harness) -> None:
    await h.say(ALICE, "/help")
    await queue(h, ALICE.id, "after the flood")
    h.fake.fail("sendMessage", error_code=429, retry_after=600)
    sender = delivery(h)
    assert await sender.run_once() == 0
    [row] = await rows(h)
    assert row.status == "pending" and row.next_attempt_at >= h.clock.now()
    assert await sender.run_once() == 0  # not due yet
    h.clock.advance(seconds=600)
    assert await sender.run_once() == 1
    assert h.fake.last_message(ALICE.id)["text"] == "after the flood"


async def test_server_errors_are_retried_with_backoff(h: Harness) -> None:
    await h.say(ALICE, "/help")
    await queue(h, ALICE.id, "eventually")
    h.fake.fail("sendMessage", error_code=502, times=3)  # the Bot retries twice on its own
    sender = delivery(h)
    assert await sender.run_once() == 0
    h.clock.advance(seconds=5)
    assert await sender.run_once() == 1
    [row] = await rows(h)
    assert row.status == "sent" and row.attempts == 2


async def test_a_member_who_blocked_the_bot_is_recorded_without_a_traceback(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await h.say(ALICE, "/help")
    h.fake.block(ALICE.id)
    await queue(h, ALICE.id, "you blocked me")
    with caplog.at_level(logging.WARNING):
        assert await delivery(h).run_once() == 0
    [row] = await rows(h)
    assert row.status == "failed" and "blocked" in (row.error or "")
    assert not (await h.member(ALICE)).dm_available
    warnings = [r for r in caplog.records if r.name == "bot.delivery"]
    assert len(warnings) == 1 and warnings[0].exc_info is None


async def test_a_refused_message_is_kept_with_the_reason(h: Harness) -> None:
    await h.say(ALICE, "/help")
    await queue(h, ALICE.id, "x" * 5000)  # over Telegram's 4096 characters
    assert await delivery(h).run_once() == 0
    [row] = await rows(h)
    assert row.status == "refused" and "too long" in (row.error or "").lower()


async def test_a_sender_that_died_mid_batch_is_taken_over_after_its_lease(h: Harness) -> None:
    await h.say(ALICE, "/help")
    await queue(h, ALICE.id, "in flight when the sender died")
    now = h.clock.now()
    async with h.db.session() as session, transaction(session, write=True):
        assert len(await OutboxRepo(session).claim(now, now + timedelta(minutes=5), 10)) == 1
    sender = delivery(h)
    assert await sender.run_once() == 0  # still claimed
    h.clock.advance(minutes=5, seconds=1)
    assert await sender.run_once() == 1
    assert [m["text"] for m in h.fake.sent_messages(ALICE.id)].count(
        "in flight when the sender died"
    ) == 1


async def test_a_live_sender_keeps_its_batch_however_slowly_it_is_paced(h: Harness) -> None:
    # Twenty messages to one member go out at one a second: twice the 10 s lease. A second
    # sender looking in meanwhile (another instance) finds nothing to take over.
    await h.say(ALICE, "/help")
    for i in range(20):
        await queue(h, ALICE.id, f"slow {i}")
    other = delivery(h, lease=timedelta(seconds=10))
    looked: list[int] = []

    async def sleep(seconds: float) -> None:
        h.clock.advance(seconds=seconds)
        looked.append(await other.run_once())

    sender = Delivery(h.bot, h.db, h.clock, sleep=sleep, lease=timedelta(seconds=10))
    assert await sender.run_once() == 20
    assert len(looked) >= 19 and sum(looked) == 0
    texts = [m["text"] for m in h.fake.sent_messages(ALICE.id)]
    slow = sorted(t for t in texts if t.startswith("slow"))
    assert slow == sorted(f"slow {i}" for i in range(20))


async def test_two_senders_never_send_one_message_twice(h: Harness) -> None:
    await h.say(ALICE, "/help")
    await h.say(BOB, "/help")
    for i in range(10):
        await queue(h, ALICE.id if i % 2 else BOB.id, f"m{i}")
    sent = await asyncio.gather(delivery(h, batch=3).run_once(), delivery(h, batch=3).run_once())
    assert sum(sent) == 10
    texts = [m["text"] for chat in (ALICE.id, BOB.id) for m in h.fake.sent_messages(chat)]
    assert sorted(t for t in texts if t.startswith("m")) == sorted(f"m{i}" for i in range(10))


async def test_an_outage_is_waited_out_however_many_tries_it_takes(h: Harness) -> None:
    await h.say(ALICE, "/help")
    await queue(h, ALICE.id, "after the outage")
    h.fake.fail("sendMessage", error_code=502, times=60)  # the Bot tries 3 times a go
    sender = delivery(h)
    for _ in range(40):  # 40 fake minutes of 502s
        await sender.run_once()
        h.clock.advance(minutes=1)
    [row] = await rows(h)
    assert row.status == "pending" and row.attempts > 8
    h.clock.advance(hours=1)
    for _ in range(200):  # until the outage is over
        if await sender.run_once():
            break
        h.clock.advance(hours=1)
    assert h.fake.last_message(ALICE.id)["text"] == "after the outage"


async def test_a_message_older_than_two_days_is_given_up(h: Harness) -> None:
    await h.say(ALICE, "/help")
    await queue(h, ALICE.id, "too late")
    h.fake.fail("sendMessage", error_code=502, times=10_000)
    sender = delivery(h)
    for _ in range(60):
        await sender.run_once()
        h.clock.advance(hours=1)
    [row] = await rows(h)
    assert row.status == "failed"


async def test_a_group_that_became_a_supergroup_still_gets_its_message(h: Harness) -> None:
    await h.add_bot_to_group()
    await queue(h, GROUP.id, "for the group")
    h.fake.migrate(GROUP, -1009999)  # Telegram now answers for the new chat id
    assert await delivery(h).run_once() == 1
    assert h.fake.last_message(-1009999)["text"] == "for the group"


async def test_a_message_for_a_deleted_forum_topic_goes_to_the_main_chat(h: Harness) -> None:
    await h.add_bot_to_group()
    await queue(h, GROUP.id, "in the topic", thread_id=77, reply_to=1)
    h.fake.fail("sendMessage", error_code=400, description="Bad Request: message thread not found")
    assert await delivery(h).run_once() == 1
    last = h.fake.last_message(GROUP.id)
    assert last["text"] == "in the topic" and "message_thread_id" not in last


async def test_a_queued_file_is_sent_as_a_document_with_its_caption(h: Harness) -> None:
    await h.say(ALICE, "/help")
    calendar = "BEGIN:VCALENDAR\r\nSUMMARY:Café <b>\r\nEND:VCALENDAR\r\n"
    await queue(h, ALICE.id, "Add it to your <b>calendar</b>", document=("meetup.ics", calendar))
    assert await delivery(h).run_once() == 1
    [call] = h.fake.calls_to("sendDocument")
    upload = call.params["document"]
    assert (upload.filename, upload.content) == ("meetup.ics", calendar.encode())
    sent = h.fake.last_message(ALICE.id)
    assert sent["caption"] == "Add it to your calendar"
    assert sent["document"]["file_name"] == "meetup.ics"
    assert {r.status for r in await rows(h)} == {"sent"}


async def test_a_caption_longer_than_telegram_takes_is_refused_when_queued(h: Harness) -> None:
    with pytest.raises(ValueError, match="1024"):
        await queue(h, ALICE.id, "x" * 1025, document=("meetup.ics", "BEGIN:VCALENDAR"))
    assert await rows(h) == []
