"""The ways to ask, told as members live them: /ask alone opens a short dialog, a mention of the
bot or a reply to its prompt asks in the group, and /ask or /ask_anon in the private chat asks
one of the member's groups (posted there, so answers have something to reply to)."""

from sqlalchemy import func, select, update

from storage.models import Community, Membership, Question, RoutingRequest
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, Harness
from tests.e2e.test_questions import CHEN, deliver, group_with_experts
from tests.fakes.telegram_api import Chat

OTHER = Chat(-1001000000002, "supergroup", title="Budget Officials")


def mention(text: str, username: str = "peerbot_test_bot") -> dict:
    at = f"@{username}"
    offset = text.index(at)
    return {"type": "mention", "offset": offset, "length": len(at)}


async def questions(h: Harness) -> list[Question]:
    return await h.all(select(Question).order_by(Question.id))


async def test_ask_alone_in_the_group_prompts_and_the_reply_is_the_question(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask", GROUP)
    prompt = h.fake.last_message(GROUP.id)
    assert "What is your question?" in prompt["text"]
    sent = h.fake.calls_to("sendMessage", chat_id=GROUP.id)[-1]
    assert sent.params["reply_markup"]["force_reply"] is True
    await h.say(CHEN, "a sticker-like reply", GROUP, reply_to=prompt)  # anyone may answer it...
    await h.say(ALICE, "Which #GIS layers show flood risk?", GROUP, reply_to=prompt)
    asked = await questions(h)
    assert [q.text for q in asked] == ["a sticker-like reply", "Which #GIS layers show flood risk?"]
    assert "Question #2 is in" in h.fake.last_message(GROUP.id)["text"]
    assert (
        asked[1].group_message_id
        == h.fake.sent_messages(GROUP.id)[-1]["reply_to_message"]["message_id"]
    )


async def test_a_picture_in_reply_to_the_prompt_is_asked_for_in_words(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask", GROUP)
    prompt = h.fake.last_message(GROUP.id)
    photo = h.fake.photo_message(ALICE, GROUP)
    photo["message"]["reply_to_message"] = prompt
    await h.send(photo)
    assert "questions written as text" in h.fake.last_message(GROUP.id)["text"]
    assert await questions(h) == []


async def test_a_mention_of_the_bot_asks_what_the_message_says(h: Harness) -> None:
    await group_with_experts(h)
    text = "@peerbot_test_bot which #GIS tool for zoning?"
    await h.say(ALICE, text, GROUP, entities=[mention(text)])
    (question,) = await questions(h)
    assert question.text == "which #GIS tool for zoning?"
    assert "Question #1 is in" in h.fake.last_message(GROUP.id)["text"]
    assert await deliver(h) == 2
    assert "which #GIS tool for zoning?" in h.last_text(BOB.id)


async def test_a_bare_mention_prompts_and_other_mentions_or_replies_ask_nothing(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "@peerbot_test_bot", GROUP, entities=[mention("@peerbot_test_bot")])
    assert "What is your question?" in h.fake.last_message(GROUP.id)["text"]
    other = "@someone_else do you know?"
    await h.say(ALICE, other, GROUP, entities=[mention(other, "someone_else")])
    await h.say(ALICE, "/ask Which #GIS course?", GROUP)
    ack = h.fake.last_message(GROUP.id)
    before = len(h.fake.sent_messages(GROUP.id))
    await h.say(CHEN, "great question, following", GROUP, reply_to=ack)  # chatter, not a question
    assert len(h.fake.sent_messages(GROUP.id)) == before
    assert [q.text for q in await questions(h)] == ["Which #GIS course?"]


async def test_a_private_question_is_posted_in_the_group_and_answers_reply_to_it(
    h: Harness,
) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask What #GIS license do municipalities use?")
    assert "Question #1 is in Municipal Planners" in h.last_text(ALICE.id)
    assert await deliver(h) == 3  # the group's copy and two invitations
    post = h.fake.last_message(GROUP.id)
    assert "Question #1" in post["text"] and "from Alice" in post["text"]
    assert "What #GIS license do municipalities use?" in post["text"]
    (question,) = await questions(h)
    assert question.group_message_id == post["message_id"]
    await h.press(BOB, "✍️ Answer", BOB.id)
    await h.say(BOB, "QGIS: free, and good enough.")
    await deliver(h)
    relayed = h.fake.last_message(GROUP.id)
    assert "QGIS: free" in relayed["text"]
    assert relayed["reply_to_message"]["message_id"] == post["message_id"]
    assert "QGIS: free" in h.last_text(ALICE.id)


async def test_ask_alone_in_private_is_a_short_dialog(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask")
    assert "Send your question for Municipal Planners" in h.last_text(ALICE.id)
    await h.send(h.fake.photo_message(ALICE))
    assert "questions written as text" in h.last_text(ALICE.id)
    await h.say(ALICE, "x" * 4001)
    assert "4001 characters" in h.last_text(ALICE.id)
    await h.say(ALICE, "How do you price #GIS training?")
    assert "Question #1 is in Municipal Planners" in h.last_text(ALICE.id)
    assert [q.text for q in await questions(h)] == ["How do you price #GIS training?"]
    await h.say(ALICE, "and this is chatter, not a second question")
    assert len(await questions(h)) == 1


async def test_cancel_leaves_the_dialog_without_asking(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask")
    await h.say(ALICE, "/cancel")
    assert "Cancelled" in h.last_text(ALICE.id)
    await h.say(ALICE, "Is this a question?")
    assert await questions(h) == []


async def test_a_member_of_two_groups_chooses_one_and_forged_choices_change_nothing(
    h: Harness,
) -> None:
    await group_with_experts(h)
    await h.add_bot_to_group(by=MARIA, group=OTHER)
    await h.say(ALICE, "hola", OTHER)
    await h.say(ALICE, "/ask Which #GIS layers for budgets?")
    choice = h.fake.last_message(ALICE.id)
    assert "Which group is this question for?" in choice["text"]
    stranger = await h.add_bot_to_group(by=MARIA, group=Chat(-1001000000003, "supergroup", "X"))
    await h.send(h.fake.callback(ALICE, choice, f"ak:{stranger}"))  # not her group
    assert h.last_answer().get("show_alert") is True
    assert await questions(h) == []
    await h.press(ALICE, "Budget Officials", ALICE.id)
    (question,) = await questions(h)
    other = await h.one(select(Community).where(Community.chat_id == OTHER.id))
    assert question.community_id == other.id and question.text == "Which #GIS layers for budgets?"
    assert "Question #1 is in Budget Officials" in h.last_text(ALICE.id)


async def test_an_anonymous_question_hides_the_asker_but_moderators_can_see(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask_anon", GROUP)
    assert "send me /ask_anon there" in h.fake.last_message(GROUP.id)["text"]
    assert await questions(h) == []
    await h.say(ALICE, "/ask_anon Is it normal that our #GIS budget was cut?")
    assert "Your name is not shown" in h.last_text(ALICE.id)
    await deliver(h)
    post = h.fake.last_message(GROUP.id)["text"]
    assert "asked anonymously" in post and "Alice" not in post
    assert "Alice" not in h.last_text(BOB.id) and "our #GIS budget" in h.last_text(BOB.id)
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    await h.say(MARIA, "/start")
    await h.say(MARIA, "/why 1", GROUP)
    why = h.fake.last_message(GROUP.id)["text"]
    assert "Alice" not in why and "Pregunta anónima" in why  # in her language
    assert "de forma anónima Alice" in h.last_text(MARIA.id)  # privately, for her only
    await h.press(BOB, "✍️ Answer", BOB.id)
    await h.say(BOB, "Yes, it happens: show what the maps saved.")
    await deliver(h)
    assert "show what the maps saved" in h.last_text(ALICE.id)  # answers still reach her


async def test_a_question_of_4000_characters_reaches_the_peers_whole_or_trimmed(
    h: Harness,
) -> None:
    await group_with_experts(h)
    long = "#GIS " + "é" * 3995
    await h.say(ALICE, f"/ask {long}", GROUP)
    assert "Question #1 is in" in h.fake.last_message(GROUP.id)["text"]
    assert await deliver(h) == 2  # Telegram (the fake) would refuse more than 4096
    invite = h.last_text(BOB.id)
    assert "Question #1" in invite and invite.count("é") > 3800 and "…" in invite
    assert (await h.one(select(Question))).text == long  # nothing the asker wrote is lost


async def test_an_empty_or_too_long_question_stores_nothing(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask " + "word " * 900, GROUP)
    assert "please keep it to 4000" in h.fake.last_message(GROUP.id)["text"]
    await h.say(ALICE, "/ask    ", GROUP)
    assert "What is your question?" in h.fake.last_message(GROUP.id)["text"]
    assert await h.one(select(func.count()).select_from(Question)) == 0
    assert await h.one(select(func.count()).select_from(RoutingRequest)) == 0


async def test_an_outsider_cannot_ask_a_group_privately(h: Harness) -> None:
    await group_with_experts(h)
    async with h.db.session() as session:  # Alice left the group
        await session.execute(update(Membership).values(active=False))
        await session.commit()
    await h.say(ALICE, "/ask Anything #GIS?")
    assert "I don't know your group yet" in h.last_text(ALICE.id)
    assert await questions(h) == []
