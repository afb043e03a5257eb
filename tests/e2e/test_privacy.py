"""A member's own data: /mydata sends all of it privately as JSON; /forgetme erases it after a
confirmation, and the group keeps its questions, answers and FAQ without the name. Flood
limits on /ask and /search."""

import json
import re
from typing import Any

from sqlalchemy import func, select

from storage.models import (
    Answer,
    Community,
    FaqEntry,
    Member,
    MemberExpertise,
    OutboxMessage,
    Question,
    RoutingRequest,
)
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, Harness
from tests.e2e.test_faq import accepted
from tests.e2e.test_questions import CHEN, deliver, group_with_experts


def my_data(h: Harness, user_id: int) -> dict[str, Any]:
    sent = h.fake.last_message(user_id)
    assert sent["document"]["file_name"] == "peerbot-mydata.json"
    return json.loads(h.fake.uploads[sent["document"]["file_id"]].content.decode("utf-8"))


async def test_mydata_holds_the_members_own_data_only(h: Harness) -> None:
    await accepted(h)  # Alice asked #1, Bob's answer was accepted and is in the FAQ
    await h.say(ALICE, "/mydata")
    alice = my_data(h, ALICE.id)
    assert alice["profile"]["first_name"] == "Alice"
    [question] = alice["questions_asked"]
    assert question["text"] == "Which #GIS layers for zoning?"
    assert question["community"] == GROUP.title and question["created_at"].endswith("+00:00")
    assert alice["answers_given"] == [] and alice["memberships"][0]["community"] == GROUP.title
    text = json.dumps(alice)
    assert "The cadastral one." not in text and "bob_expert" not in text

    await h.say(BOB, "/mydata")
    bob = my_data(h, BOB.id)
    assert [a["text"] for a in bob["answers_given"]] == ["The cadastral one."]
    assert bob["answers_given"][0]["accepted"] is True
    assert {e["topic"] for e in bob["expertise"]} == {"GIS", "zoning"}  # declared, earned
    assert bob["invitations_received"][0]["status"] == "answered"
    assert bob["questions_asked"] == [] and "Alice" not in json.dumps(bob)
    [entry] = bob["faq_entries_from_your_answers"]
    assert entry["answer"] == "The cadastral one." and entry["published"] is True
    assert alice["faq_entries_from_your_answers"] == [] and alice["moderation_actions"] == []


async def test_mydata_asked_in_the_group_goes_to_the_private_chat(h: Harness) -> None:
    await accepted(h)
    await h.say(ALICE, "/mydata", GROUP)
    assert "sent it to our private chat" in h.last_text(GROUP.id)
    assert my_data(h, ALICE.id)["questions_asked"]
    assert h.fake.calls_to("sendDocument", chat_id=GROUP.id) == []
    await h.say(MARIA, "/mydata", GROUP)  # never started the bot: a link to the private chat
    reply = h.fake.last_message(GROUP.id)
    assert "abre nuestro chat privado y te los enviaré allí" in reply["text"]  # María's Spanish
    assert "start=mydata" in str(reply["reply_markup"])
    await h.say(MARIA, "/start mydata")
    assert my_data(h, MARIA.id)["profile"]["first_name"] == "María"


async def test_forgetme_erases_the_member_and_keeps_the_groups_knowledge(h: Harness) -> None:
    await accepted(h)
    alice_before = (await h.member(ALICE)).first_name, (await h.one(select(Question))).asker_id
    await h.say(BOB, "/forgetme")
    assert "cannot be undone" in h.last_text(BOB.id)
    await h.press(BOB, "Yes, forget me", BOB.id)
    done = h.last_text(BOB.id)
    assert "Done: I deleted your profile" in done and "1 answer(s) stay" in done

    answer = await h.one(select(Answer))
    assert answer.author_id is None and answer.text == "The cadastral one."
    chen = await h.member(CHEN)
    assert set(await h.all(select(MemberExpertise.member_id))) == {chen.id}  # Chen's only
    names = await h.all(select(Member.first_name))
    assert "Bob" not in names and "Former member" in names
    assert await h.member(BOB) is None  # his Telegram id is no longer stored

    await h.say(CHEN, "/search cadastral", GROUP)  # the FAQ entry stays, without the name
    assert "Which #GIS layers for zoning?" in h.last_text(GROUP.id)
    await h.press(CHEN, "1", GROUP.id)
    card = h.last_text(GROUP.id)
    assert "The cadastral one." in card and "Bob" not in card
    assert (await h.one(select(FaqEntry))).published

    # Nobody else's data changed: Alice still asked #1.
    assert ((await h.member(ALICE)).first_name, (await h.one(select(Question))).asker_id) == (
        alice_before
    )
    # Back with /start, Bob is a new member with nothing from before.
    await h.say(BOB, "/start")
    assert "set up your profile" in h.last_text(BOB.id)
    await h.say(BOB, "/mydata")
    bob = my_data(h, BOB.id)
    assert bob["answers_given"] == [] and bob["expertise"] == [] and bob["memberships"] == []
    assert "cadastral" not in json.dumps(bob)


async def test_forgetme_ends_open_invitations_and_anonymizes_the_asker(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    await h.say(CHEN, "/forgetme")
    await h.press(CHEN, "Yes, forget me", CHEN.id)
    chen = await h.one(select(Member).where(Member.first_name == "Former member"))
    [status] = await h.all(select(RoutingRequest.status).where(RoutingRequest.member_id == chen.id))
    assert status == "expired"
    await h.say(ALICE, "/forgetme")
    await h.press(ALICE, "Yes, forget me", ALICE.id)
    question = await h.one(select(Question))
    assert question.asker_id is None and question.text == "Which #GIS layers for zoning?"
    await h.say(BOB, "/open", GROUP)
    listing = h.last_text(GROUP.id)
    assert "Which #GIS layers" in listing and "Alice" not in listing


async def test_cancel_and_someone_elses_press_change_nothing(h: Harness) -> None:
    await accepted(h)
    await h.say(BOB, "/forgetme")
    await h.press(ALICE, "Yes, forget me", BOB.id)  # a forged press, from Alice
    assert "not for you" in h.fake.calls_to("answerCallbackQuery")[-1].params["text"]
    await h.press(BOB, "Cancel", BOB.id)
    assert h.last_text(BOB.id) == "Nothing was deleted."
    assert (await h.member(BOB)).first_name == "Bob"
    assert (await h.member(ALICE)).first_name == "Alice"
    assert (await h.one(select(Answer))).author_id == (await h.member(BOB)).id


async def test_the_ask_flood_limit_refuses_then_lets_through(h: Harness) -> None:
    await group_with_experts(h)
    for n in range(5):
        await h.say(ALICE, f"/ask Which #GIS layer number {n}?", GROUP)
    await h.say(ALICE, "/ask One #GIS question too many?", GROUP)
    assert "please try again in 10 minutes" in h.last_text(GROUP.id)
    assert await h.one(select(func.count()).select_from(Question)) == 5
    await h.say(BOB, "/ask Bob's own #GIS question?", GROUP)  # Alice's flood is hers only
    assert "Question #6 is in" in h.last_text(GROUP.id)
    h.clock.advance(minutes=9, seconds=30)
    await h.say(ALICE, "/ask Still too soon?", GROUP)
    assert "please try again in 30 seconds" in h.last_text(GROUP.id)
    h.clock.advance(seconds=31)
    await h.say(ALICE, "/ask After the window #GIS?", GROUP)
    assert "Question #7 is in" in h.last_text(GROUP.id)


async def test_the_search_flood_limit(h: Harness) -> None:
    await accepted(h)
    for _ in range(20):
        await h.say(CHEN, "/search cadastral", GROUP)
    assert "Which #GIS layers" in h.last_text(GROUP.id)
    await h.say(CHEN, "/search cadastral", GROUP)
    # (The fake Bot API's group rate limit moves the clock a little on the way.)
    assert re.search(r"please try again in \d\d seconds", h.last_text(GROUP.id))
    assert h.fake.calls_to("sendMessage")[-1].params["text"].startswith("That is a lot")
    await h.say(ALICE, "/search cadastral", GROUP)
    assert "Which #GIS layers" in h.last_text(GROUP.id)
    h.clock.advance(seconds=60)
    await h.say(CHEN, "/search cadastral", GROUP)
    assert "Which #GIS layers" in h.last_text(GROUP.id)


async def test_forgetme_speaks_the_members_language(h: Harness) -> None:
    await h.add_bot_to_group()
    await h.say(MARIA, "/forgetme")
    assert "No se puede deshacer." in h.last_text(MARIA.id)
    await h.press(MARIA, "Sí, olvídame", MARIA.id)
    assert h.last_text(MARIA.id).startswith("Hecho: borré tu perfil")
    await h.say(MARIA, "/forgetme", GROUP)  # a new member now, speaking Spanish again
    assert "chat privado" in h.last_text(GROUP.id)


async def test_a_suspended_member_erases_their_data_once_the_suspension_ends(h: Harness) -> None:
    await group_with_experts(h)
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    await h.say(BOB, "/suspend @alice 1d spam", GROUP)
    await h.say(ALICE, "/forgetme")
    assert "You can erase your data once that ends; nothing was deleted." in h.last_text(ALICE.id)
    assert not any(
        "Yes, forget me" in str(m.get("reply_markup")) for m in h.fake.sent_messages(ALICE.id)
    )
    h.clock.advance(days=1, minutes=1)
    await h.say(ALICE, "/forgetme")
    await h.press(ALICE, "Yes, forget me", ALICE.id)
    assert "Done: I deleted your profile" in h.last_text(ALICE.id)


async def test_a_suspension_begun_after_the_question_stops_the_erasure(h: Harness) -> None:
    await group_with_experts(h)
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    await h.say(ALICE, "/forgetme")
    await h.say(BOB, "/suspend @alice 1d spam", GROUP)
    await h.press(ALICE, "Yes, forget me", ALICE.id)
    assert "nothing was deleted" in h.last_text(ALICE.id)
    assert (await h.member(ALICE)).first_name == "Alice"


async def test_a_question_waiting_for_a_forgotten_expert_goes_to_the_next(h: Harness) -> None:
    await group_with_experts(h)
    async with h.db.session() as session:  # one peer per round
        (await session.scalar(select(Community))).routing_fanout = 1
        await session.commit()
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    await deliver(h)
    first = (await h.one(select(RoutingRequest))).member_id
    gone, other = (BOB, CHEN) if first == (await h.member(BOB)).id else (CHEN, BOB)
    await h.say(gone, "/forgetme")
    await h.press(gone, "Yes, forget me", gone.id)
    assert "ended 1 open invitation(s)" in h.last_text(gone.id)
    assert await deliver(h) == 1
    assert "Which #GIS layers for zoning?" in h.last_text(other.id)


async def test_forgetme_leaves_no_name_in_the_audit_and_no_messages_in_the_outbox(
    h: Harness,
) -> None:
    await group_with_experts(h)
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    await h.say(BOB, "/suspend @alice 1h spam", GROUP)
    await h.say(BOB, "/unsuspend @alice", GROUP)
    await h.say(BOB, "/mydata")
    actions = [a["action"] for a in my_data(h, BOB.id)["moderation_actions"]]
    assert actions == ["suspend", "unsuspend"]
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    await deliver(h)
    await h.press(CHEN, "✍️ Answer", CHEN.id)
    await h.say(CHEN, "The cadastral one.")
    await deliver(h)  # the answer reaches Alice privately
    assert await h.all(select(OutboxMessage).where(OutboxMessage.chat_id == ALICE.id))
    await h.say(ALICE, "/forgetme")
    await h.press(ALICE, "Yes, forget me", ALICE.id)
    assert await h.all(select(OutboxMessage).where(OutboxMessage.chat_id == ALICE.id)) == []
    await h.say(BOB, "/audit", GROUP)
    audit = h.last_text(GROUP.id)
    assert "suspended" in audit.lower() and "Alice" not in audit


async def test_typing_inline_does_not_use_up_the_search_limit(h: Harness) -> None:
    """Telegram asks again at nearly every keystroke: 30 inline queries leave /search free,
    and inline mode has its own, larger limit (100 per minute by default)."""
    await accepted(h)

    def results() -> list[str]:
        answer = h.fake.calls_to("answerInlineQuery")[-1].params
        return [r["title"] for r in answer["results"]]

    for typed in ["c", "ca", "cad", "cada", "cadas", "cadast"] * 5:
        await h.send(h.fake.inline_query(CHEN, typed))
    assert results() == ["Which #GIS layers for zoning?"]
    await h.say(CHEN, "/search cadastral", GROUP)
    assert "Which #GIS layers" in h.last_text(GROUP.id)
    for _ in range(70):  # 100 in the minute
        await h.send(h.fake.inline_query(CHEN, "cadast"))
    assert results() == ["Which #GIS layers for zoning?"]
    await h.send(h.fake.inline_query(CHEN, "cadast"))
    assert results() == []  # the 101st
    h.clock.advance(seconds=60)
    await h.send(h.fake.inline_query(CHEN, "cadast"))
    assert results() == ["Which #GIS layers for zoning?"]
