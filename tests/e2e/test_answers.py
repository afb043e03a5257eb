"""Capturing answers without relying on a button: a peer answers by replying to the invitation,
a 'thanks' reply counts as helpful and offers the asker Accept, and a moderator can accept on
the asker's behalf."""

from sqlalchemy import func, select

from storage.models import Answer, Question
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, Harness
from tests.e2e.test_questions import CHEN, answered, deliver, group_with_experts


async def test_a_reply_to_the_invitation_is_the_answer(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    await deliver(h)
    invitation = h.fake.last_message(BOB.id)
    await h.say(BOB, "The cadastral one, always.", reply_to=invitation)
    assert "Thank you! Your answer to question #1" in h.last_text(BOB.id)
    await deliver(h)
    assert "The cadastral one, always." in h.fake.last_message(GROUP.id)["text"]
    await h.say(BOB, "And a second thought.", reply_to=invitation)  # the request is answered
    assert "no longer waits for you" in h.last_text(BOB.id)
    assert await h.one(select(func.count()).select_from(Answer)) == 1


async def test_pressing_answer_twice_says_so_and_creates_nothing(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    await deliver(h)
    await h.press(BOB, "✍️ Answer", BOB.id)
    prompts = len(h.fake.sent_messages(BOB.id))
    await h.press(BOB, "✍️ Answer", BOB.id)
    assert "already answering question #1" in h.last_answer()["text"]
    assert len(h.fake.sent_messages(BOB.id)) == prompts
    await h.say(BOB, "One answer.")
    await h.press(BOB, "✍️ Answer", BOB.id)  # after answering: over
    assert "no longer waits for you" in h.last_answer()["text"]
    assert await h.one(select(func.count()).select_from(Answer)) == 1


async def test_thanks_in_the_group_counts_as_helpful_and_the_asker_is_offered_accept(
    h: Harness,
) -> None:
    await answered(h)
    posted = h.fake.last_message(GROUP.id)  # Bob's answer, relayed to the group
    await h.say(CHEN, "Thanks Bob, super useful!", GROUP, reply_to=posted)
    assert (await h.one(select(Answer))).helpful_count == 1
    await h.say(CHEN, "спасибо!", GROUP, reply_to=posted)  # once per member
    await h.say(BOB, "thanks for asking", GROUP, reply_to=posted)  # never for oneself
    await h.say(CHEN, "Thanks, but it did not work for me", GROUP, reply_to=posted)
    assert (await h.one(select(Answer))).helpful_count == 1
    await h.say(ALICE, "¡Muchas gracias!", GROUP, reply_to=posted)
    offer = h.fake.last_message(GROUP.id)
    assert "If this answer solved question #1" in offer["text"]
    assert (await h.one(select(Answer))).helpful_count == 2
    await h.press(CHEN, "✅ Accept", GROUP.id)  # the offer is for the asker only
    assert "Only the member who asked" in h.last_answer()["text"]
    await h.press(ALICE, "✅ Accept", GROUP.id)
    assert (await h.one(select(Question))).status == "answered"


async def test_thanks_in_private_to_the_answer_counts_too(h: Harness) -> None:
    await answered(h)
    copy = h.fake.last_message(ALICE.id)  # the answer as Alice got it privately
    await h.say(ALICE, "terima kasih banyak", reply_to=copy)
    assert "If this answer solved question #1" in h.last_text(ALICE.id)
    assert (await h.one(select(Answer))).helpful_count == 1


async def test_a_moderator_accepts_on_the_askers_behalf(h: Harness) -> None:
    await answered(h)
    posted = h.fake.last_message(GROUP.id)
    await h.say(CHEN, "/accept", GROUP, reply_to=posted)
    assert "Only the member who asked, or a moderator" in h.fake.last_message(GROUP.id)["text"]
    assert (await h.one(select(Question))).status == "open"
    await h.say(CHEN, "/accept", GROUP)
    assert "Reply /accept to the answer" in h.fake.last_message(GROUP.id)["text"]
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    await h.say(MARIA, "/accept", GROUP, reply_to=posted)
    assert "la pregunta #1 está respondida" in h.fake.last_message(GROUP.id)["text"]  # her language
    answer = await h.one(select(Answer))
    maria = await h.member(MARIA)
    assert answer.accepted and answer.accepted_by_id == maria.id
    assert (await h.one(select(Question))).status == "answered"
