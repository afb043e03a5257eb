"""The moderators are told about a question nobody can answer, whatever happens on the way: the
word is queued with the change that decides it, and the sender turns it into a private notice
to each administrator it can reach (else a message in the group), retrying Telegram's outages."""

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.app import create_delivery
from storage.db import transaction
from storage.models import Community, OutboxMessage, Question
from storage.repos.outbox import OutboxRepo
from tests.e2e.conftest import ALICE, GROUP, MARIA, Harness
from tests.e2e.test_questions import deliver, escalate, group_with_experts
from tests.fakes.telegram_api import Chat

FORUM = Chat(-1001000000002, "supergroup", title="Planners Forum", is_forum=True)


def notices_to(h: Harness, user_id: int, words: str) -> list[str]:
    return [t for t in h.replies(user_id) if words in t]


async def a_moderator_the_bot_can_message(h: Harness) -> None:
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    await h.say(MARIA, "/start")


async def escalated_twice(h: Harness) -> None:
    """Question #1 went to one round of peers, then a second: the moderators are to be told."""
    await group_with_experts(h)
    await a_moderator_the_bot_can_message(h)
    async with h.db.session() as session:
        await session.execute(update(Community).values(routing_fanout=1))
        await session.commit()
    await h.say(ALICE, "/ask Any #GIS help?", GROUP)
    await deliver(h)
    h.clock.advance(hours=24)
    assert await escalate(h) == 1  # round 2
    await deliver(h)
    h.clock.advance(hours=24)
    assert await escalate(h) == 1  # the moderators


async def test_the_notice_arrives_after_telegram_fails_to_list_the_moderators(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await escalated_twice(h)
    h.fake.fail("getChatAdministrators", error_code=500, times=3)  # the Bot retries twice itself
    with caplog.at_level(logging.WARNING):
        await deliver(h)
    assert notices_to(h, MARIA.id, "#1") == []
    delivery_warnings = [r for r in caplog.records if r.name == "bot.delivery"]
    assert len(delivery_warnings) == 1 and "again in 5" in delivery_warnings[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)
    h.clock.advance(seconds=5)
    await deliver(h)
    [notice] = notices_to(h, MARIA.id, "#1")
    assert "sigue sin respuesta tras dos rondas" in notice  # in her language
    assert GROUP.title in notice
    word = await h.one(select(OutboxMessage).where(OutboxMessage.kind == "moderators"))
    assert word.status == "expanded"
    assert "Moderators" not in h.last_text(GROUP.id)  # told privately, not in the group


async def test_nobody_matches_at_ask_time_and_the_moderator_is_asked_privately(
    h: Harness,
) -> None:
    await group_with_experts(h)
    await a_moderator_the_bot_can_message(h)
    await h.say(ALICE, "/ask Who has modelled #Hydrology for #Floods?", GROUP)
    assert "Nobody who can be asked right now" in h.last_text(GROUP.id)  # the asker is told
    assert await deliver(h) == 1
    [notice] = notices_to(h, MARIA.id, "#1")
    assert "Municipal Planners" in notice and "Hydrology" in notice and "Floods" in notice
    assert "no tiene a nadie que figure con sus temas" in notice
    assert "Nobody who can be asked right now" in h.last_text(GROUP.id)  # nothing more there


async def test_nobody_matches_and_no_moderator_can_be_messaged_so_the_group_is_asked(
    h: Harness,
) -> None:
    await h.add_bot_to_group(group=FORUM)
    h.fake.set_chat_member(FORUM, MARIA, "administrator")  # never started the bot
    await h.say(ALICE, "/ask Who knows #Hydrology?", FORUM, thread_id=7)
    assert await deliver(h) == 1
    posted = h.fake.last_message(FORUM.id)
    # In the group's language (María, who added the bot, speaks Spanish).
    assert "Moderadores: ¿podrían invitar a alguien que sepa de Hydrology?" in posted["text"]
    question = await h.one(select(Question))
    assert posted.get("message_thread_id") == 7  # in the question's thread, replying to it
    assert posted.get("reply_to_message", {}).get("message_id") == question.group_message_id
    assert notices_to(h, MARIA.id, "#1") == []


async def test_two_senders_tell_each_moderator_once(h: Harness) -> None:
    await escalated_twice(h)
    senders = [create_delivery(h.bot, h.db, h.clock, h.dp["i18n"]) for _ in range(2)]
    await asyncio.gather(*(sender.run_once() for sender in senders))
    await deliver(h)
    assert len(notices_to(h, MARIA.id, "#1")) == 1


async def test_a_sender_that_died_listing_the_moderators_is_taken_over_once(h: Harness) -> None:
    await escalated_twice(h)
    now = h.clock.now()
    async with h.db.session() as session, transaction(session, write=True):  # then it died
        assert len(await OutboxRepo(session).claim(now, now + timedelta(minutes=5), 10)) == 1
    await deliver(h)
    assert notices_to(h, MARIA.id, "#1") == []  # still claimed
    h.clock.advance(minutes=5, seconds=1)
    await deliver(h)
    h.clock.advance(hours=1)
    await deliver(h)
    assert len(notices_to(h, MARIA.id, "#1")) == 1


async def test_word_about_a_question_closed_meanwhile_is_not_sent(h: Harness) -> None:
    await group_with_experts(h)
    await a_moderator_the_bot_can_message(h)
    await h.say(ALICE, "/ask Who knows #Hydrology?", GROUP)
    await h.say(ALICE, "/close 1", GROUP)
    assert await deliver(h) == 0
    assert notices_to(h, MARIA.id, "#1") == []
    assert h.fake.calls_to("getChatAdministrators") == []
