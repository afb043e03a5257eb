"""What follows a message's delivery (its request marked sent; a blocked peer replaced) commits
in the same transaction as the message's own status: a sender that dies in between leaves the
message to be taken over, never a question waiting on someone who cannot be reached."""

import asyncio
import logging
from typing import Any

import pytest
from sqlalchemy import select, text, update

from bot.delivery import Delivery
from bot.services.outbox import OutboxService
from storage.models import Community, OutboxMessage, RoutingRequest
from tests.e2e.conftest import ALICE, BOB, GROUP, Harness
from tests.e2e.test_questions import CHEN, deliver, group_with_experts
from tests.fakes.telegram_api import User


def sender(h: Harness, **kwargs: Any) -> Delivery:
    async def sleep(seconds: float) -> None:
        h.clock.advance(seconds=seconds)

    return Delivery(h.bot, h.db, h.clock, sleep=sleep, **kwargs)


async def dies_as_the_follow_up_begins(h: Harness) -> None:
    """A sender is cancelled (the process stops) right after Telegram answered, as what follows
    the message's outcome begins; after its lease another sender takes over."""
    task: asyncio.Task[int]

    async def killed(*_: object) -> None:
        task.cancel()
        await asyncio.sleep(0)  # the cancellation lands here

    task = asyncio.create_task(sender(h, on_outcome=killed).run_once())
    with pytest.raises(asyncio.CancelledError):
        await task
    h.clock.advance(minutes=5, seconds=1)


async def one_expert_at_a_time(h: Harness) -> tuple[User, User]:
    """Alice asked about GIS; returns (the expert invited first, the other)."""
    await group_with_experts(h)
    async with h.db.session() as session:
        await session.execute(update(Community).values(routing_fanout=1))
        await session.commit()
    await h.say(ALICE, "/ask #GIS anyone?", GROUP)
    request = await h.one(select(RoutingRequest))
    first = BOB if request.member_id == (await h.member(BOB)).id else CHEN
    return first, CHEN if first is BOB else BOB


async def test_a_blocked_peer_is_replaced_even_if_the_sender_dies_in_between(h: Harness) -> None:
    first, second = await one_expert_at_a_time(h)
    h.fake.block(first.id)
    await dies_as_the_follow_up_begins(h)
    await deliver(h)
    statuses = {r.member_id: r.status for r in await h.all(select(RoutingRequest))}
    assert statuses == {
        (await h.member(first)).id: "unreachable",
        (await h.member(second)).id: "sent",
    }
    assert "#GIS anyone?" in h.last_text(second.id)
    assert not (await h.member(first)).dm_available


async def test_a_sent_invitation_is_recorded_even_if_the_sender_dies_in_between(
    h: Harness,
) -> None:
    first, _ = await one_expert_at_a_time(h)
    await dies_as_the_follow_up_begins(h)
    await deliver(h)  # sent again: Telegram took it, but its record died with the sender
    request = await h.one(select(RoutingRequest))
    assert request.status == "sent"
    assert request.dm_message_id == h.fake.last_message(first.id)["message_id"]
    [row] = await h.all(select(OutboxMessage).where(OutboxMessage.kind == "routing_request"))
    assert row.status == "sent" and row.message_id == request.dm_message_id


async def test_a_follow_up_that_fails_leaves_the_message_settled(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await h.say(ALICE, "/help")
    async with h.db.session() as session:
        outbox = OutboxService(session, h.clock)
        await outbox.queue(ALICE.id, "with a follow-up", kind="test", ref_id=1)
        await session.commit()

    async def buggy(session: Any, message: OutboxMessage, outcome: str) -> None:
        await OutboxService(session, h.clock).queue(ALICE.id, "half a follow-up")
        await session.execute(text("SELECT * FROM no_such_table"))  # a bug

    with caplog.at_level(logging.WARNING):
        assert await sender(h, on_outcome=buggy).run_once() == 1
    [row] = await h.all(select(OutboxMessage))  # the follow-up's half is rolled back
    assert row.status == "sent" and row.message_id is not None
    assert "half a follow-up" not in h.replies(ALICE.id)
    [error] = [r for r in caplog.records if r.name == "bot.delivery"]
    assert error.levelno == logging.ERROR and error.exc_info is not None
