"""Asking the group, told as members live it: /ask in the group reaches the peers who know the
topic privately, and their answers come back to the asker and to the group."""

from datetime import timedelta

from sqlalchemy import func, select, update

from bot import jobs
from bot.app import create_delivery
from storage.models import Answer, Community, MemberExpertise, Question, RoutingRequest
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, Harness
from tests.fakes.telegram_api import User

CHEN = User(105, "Chen", username="chen", language_code="en")


async def deliver(h: Harness) -> int:
    """Run the outbox sender as `peerbot run` wires it (on the test's clock)."""

    async def sleep(seconds: float) -> None:
        h.clock.advance(seconds=seconds)

    return await create_delivery(h.bot, h.db, h.clock, h.dp["i18n"], sleep).run_once()


async def knows(h: Harness, user: User, topics: str) -> None:
    """`user` joins the group's chat, starts the bot and declares `topics`."""
    await h.say(user, "hello everyone", GROUP)
    await h.say(user, "/expertise")
    await h.say(user, topics)
    await h.press(user, "Done ✔")


async def group_with_experts(h: Harness) -> None:
    await h.add_bot_to_group(by=BOB)  # an English-speaking group
    await knows(h, BOB, "GIS")
    await knows(h, CHEN, "GIS, zoning")
    await h.say(ALICE, "/start")  # so answers can reach her privately too
    await h.say(ALICE, "hi all", GROUP)


async def test_a_question_reaches_the_experts_and_the_answer_comes_back(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask Which #GIS layers do you use for zoning maps?", GROUP)
    ack = h.fake.last_message(GROUP.id)
    assert "Question #1 is in" in ack["text"] and "2 peer(s)" in ack["text"]
    assert await deliver(h) == 2
    invite = h.fake.last_message(BOB.id)
    assert "Question #1" in invite["text"] and "Which #GIS layers" in invite["text"]
    assert "Asked by Alice" in invite["text"]

    await h.press(BOB, "✍️ Answer", BOB.id)
    assert "Send your answer to question #1" in h.last_text(BOB.id)
    await h.say(BOB, "The cadastral layer & the <zoning> overlay.")
    assert "Thank you!" in h.last_text(BOB.id)
    assert await deliver(h) == 2
    assert "An answer to your question #1" in h.last_text(ALICE.id)
    assert "The cadastral layer & the <zoning> overlay." in h.last_text(ALICE.id)
    posted = h.fake.last_message(GROUP.id)
    assert "Answer to question #1" in posted["text"] and "from Bob" in posted["text"]
    question = await h.one(select(Question))
    assert posted.get("reply_to_message", {}).get("message_id") == question.group_message_id
    assert question.first_answer_at is not None


async def test_not_my_area_passes_the_question_to_the_next_expert(h: Harness) -> None:
    await group_with_experts(h)
    async with h.db.session() as session:
        await session.execute(update(Community).values(routing_fanout=1))
        await session.commit()
    await h.say(ALICE, "/ask #GIS question for one expert at a time", GROUP)
    await deliver(h)
    first = await h.one(select(RoutingRequest))
    first_user = BOB if first.member_id == (await h.member(BOB)).id else CHEN
    second_user = CHEN if first_user is BOB else BOB
    await h.press(first_user, "Not my area", first_user.id)
    assert "ask someone else" in h.last_answer()["text"]
    assert await deliver(h) == 1
    assert "#GIS question for one expert" in h.last_text(second_user.id)
    statuses = sorted(r.status for r in await h.all(select(RoutingRequest)))
    assert statuses == ["declined", "sent"]


async def test_later_reminds_the_expert_four_hours_on(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask Best #GIS course?", GROUP)
    await deliver(h)
    await h.press(BOB, "Later", BOB.id)
    assert "remind you in 4 hours" in h.last_answer()["text"]
    before = len(h.fake.sent_messages(BOB.id))
    assert await deliver(h) == 0
    h.clock.advance(hours=4)
    assert await deliver(h) == 1
    assert len(h.fake.sent_messages(BOB.id)) == before + 1
    assert "Reminder" in h.last_text(BOB.id) and "Best #GIS course?" in h.last_text(BOB.id)


async def test_someone_elses_request_button_changes_nothing(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask #GIS for experts only", GROUP)
    await deliver(h)
    request = await h.one(select(RoutingRequest).order_by(RoutingRequest.id).limit(1))
    invite = h.fake.last_message(BOB.id)
    await h.send(h.fake.callback(ALICE, invite, f"rq:d:{request.id}"))  # Alice forges it
    assert h.last_answer().get("show_alert") is True
    await h.send(h.fake.callback(BOB, invite, "rq:a:999999"))  # no such request
    assert h.last_answer().get("show_alert") is True
    assert {r.status for r in await h.all(select(RoutingRequest))} == {"sent"}
    assert await h.one(select(func.count()).select_from(Answer)) == 0


async def test_ask_without_a_question_explains_how(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask", GROUP)
    assert "What is your question?" in h.fake.last_message(GROUP.id)["text"]
    await h.say(ALICE, "/ask")
    assert "Send your question for Municipal Planners" in h.last_text(ALICE.id)
    assert await h.one(select(func.count()).select_from(Question)) == 0


async def test_a_question_nobody_knows_stays_open(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask Who has run a #Hackathon for civic data?", GROUP)
    assert (
        "Nobody who can be asked right now has listed this topic"
        in h.fake.last_message(GROUP.id)["text"]
    )
    # No peer is asked; the moderators (none of whom the bot can message) are asked in the group.
    assert await deliver(h) == 1
    assert await h.one(select(func.count()).select_from(RoutingRequest)) == 0
    assert "Moderators: could you invite someone who knows Hackathon?" in h.last_text(GROUP.id)
    question = await h.one(select(Question))
    assert question.status == "open"
    assert question.next_escalation_at == question.created_at + timedelta(hours=24)


async def test_each_expert_is_asked_in_their_own_language(h: Harness) -> None:
    await h.add_bot_to_group()
    done = h.dp["i18n"].gettext("Done ✔", locale="es")
    await h.say(MARIA, "hola a todos", GROUP)
    await h.say(MARIA, "/expertise")
    await h.say(MARIA, "Presupuesto participativo")
    await h.press(MARIA, done)
    await h.say(ALICE, "/ask How does presupuesto participativo work in Lima?", GROUP)
    assert await deliver(h) == 1
    invite = h.last_text(MARIA.id)
    assert "Pregunta #1" in invite and "Pregunta de Alice" in invite
    assert "Responder" in str(h.fake.last_message(MARIA.id)["reply_markup"])


async def test_an_expert_who_blocked_the_bot_is_replaced_by_the_next(h: Harness) -> None:
    await group_with_experts(h)
    async with h.db.session() as session:
        await session.execute(update(Community).values(routing_fanout=1))
        await session.commit()
    h.fake.block(BOB.id)
    h.fake.block(CHEN.id)
    await h.say(ALICE, "/ask #GIS anyone?", GROUP)
    await deliver(h)  # the first expert is unreachable: the other is asked instead
    statuses = sorted(r.status for r in await h.all(select(RoutingRequest)))
    assert statuses == ["unreachable", "unreachable"]  # both blocked: nobody left to ask
    h.fake.unblock(CHEN.id)
    await h.say(CHEN, "/start")  # Chen can be messaged again
    await h.say(ALICE, "/ask #GIS once more?", GROUP)
    assert await deliver(h) == 1
    assert "#GIS once more?" in h.last_text(CHEN.id)
    second = await h.all(select(RoutingRequest.status).join(Question).where(Question.number == 2))
    assert second == ["sent"]


async def answered(h: Harness) -> None:
    """Alice asked #1 about GIS; Bob answered it."""
    await group_with_experts(h)
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    await deliver(h)
    await h.press(BOB, "✍️ Answer", BOB.id)
    await h.say(BOB, "The cadastral one.")
    await deliver(h)


async def test_the_asker_accepts_an_answer_and_the_answerer_earns_weight(h: Harness) -> None:
    await answered(h)
    await h.press(CHEN, "👍 Helpful", GROUP.id)
    assert "Marked helpful (1)" in h.last_answer()["text"]
    await h.press(CHEN, "👍 Helpful", GROUP.id)
    assert "already marked" in h.last_answer()["text"]
    await h.press(ALICE, "✅ Accept", ALICE.id)
    assert "question #1 is answered" in h.last_answer()["text"]
    question = await h.one(select(Question))
    assert question.status == "answered" and question.next_escalation_at is None
    answer = await h.one(select(Answer))
    assert answer.accepted and answer.helpful_count == 1
    bob = await h.member(BOB)
    earned = await h.all(
        select(MemberExpertise.earned_weight).where(MemberExpertise.member_id == bob.id)
    )
    assert earned == [1.25, 1.25]  # on GIS and zoning: accepted (1) + one helpful vote (0.25)


async def test_only_the_asker_accepts_and_nobody_votes_for_themselves(h: Harness) -> None:
    await answered(h)
    answer = await h.one(select(Answer))
    group_copy = h.fake.last_message(GROUP.id)
    await h.send(h.fake.callback(CHEN, group_copy, f"an:ok:{answer.id}"))  # forged Accept
    assert "Only the member who asked" in h.last_answer()["text"]
    await h.press(BOB, "👍 Helpful", GROUP.id)
    assert "your own answer" in h.last_answer()["text"]
    answer = await h.one(select(Answer))
    assert not answer.accepted and answer.helpful_count == 0
    assert (await h.one(select(Question))).status == "open"


async def test_the_asker_closes_a_question(h: Harness) -> None:
    await answered(h)
    await h.say(BOB, "/close 1", GROUP)
    assert "Only the member who asked question #1" in h.fake.last_message(GROUP.id)["text"]
    await h.say(ALICE, "/close", GROUP)
    assert "/close 12" in h.fake.last_message(GROUP.id)["text"]
    await h.say(ALICE, "/close #1", GROUP)
    assert "Question #1 is closed" in h.fake.last_message(GROUP.id)["text"]
    question = await h.one(select(Question))
    assert question.status == "closed" and question.next_escalation_at is None


async def escalate(h: Harness) -> int:
    return await jobs.escalate_questions(h.bot, h.db, h.clock, h.settings, h.dp["i18n"])


async def test_an_unanswered_question_goes_to_more_peers_then_to_the_moderators(
    h: Harness,
) -> None:
    await group_with_experts(h)
    dana, emeka = User(106, "Dana", language_code="en"), User(107, "Emeka", language_code="en")
    await knows(h, dana, "GIS")
    await knows(h, emeka, "GIS")
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    await h.say(MARIA, "/start")  # a moderator the bot can message
    async with h.db.session() as session:
        await session.execute(update(Community).values(routing_fanout=2))
        await session.commit()
    await h.say(ALICE, "/ask Any #GIS help?", GROUP)
    await deliver(h)
    assert len(await h.all(select(RoutingRequest))) == 2
    h.clock.advance(hours=23)
    assert await escalate(h) == 0  # not yet
    h.clock.advance(hours=1)
    assert await escalate(h) == 1  # round 2: the two not asked yet
    assert await escalate(h) == 0  # once
    await deliver(h)
    rounds = sorted(r.round for r in await h.all(select(RoutingRequest)))
    assert rounds == [1, 1, 2, 2]
    h.clock.advance(hours=24)
    assert await escalate(h) == 1  # after two rounds: the moderators
    await deliver(h)
    notice = h.last_text(MARIA.id)  # in her language
    assert "#1" in notice and GROUP.title in notice and "/ask" not in notice
    h.clock.advance(hours=48)
    assert await escalate(h) == 0  # and nothing more


async def test_an_answered_question_is_not_escalated(h: Harness) -> None:
    await answered(h)
    h.clock.advance(hours=25)
    assert await escalate(h) == 0
    assert {r.round for r in await h.all(select(RoutingRequest))} == {1}


async def test_moderators_nobody_can_message_are_asked_in_the_group(h: Harness) -> None:
    await group_with_experts(h)
    h.fake.set_chat_member(GROUP, MARIA, "administrator")  # never started the bot
    await h.say(ALICE, "/ask Who knows #Hydrology?", GROUP)  # nobody: no peers at all
    for _ in range(2):
        h.clock.advance(hours=24)
        assert await escalate(h) == 1
    await deliver(h)
    notice = h.fake.last_message(GROUP.id)
    assert "Moderators: could you invite someone" in notice["text"]


async def test_open_questions_mine_and_waiting_for_me(h: Harness) -> None:
    await answered(h)  # #1, answered by Bob (not accepted: still open)
    await h.say(ALICE, "/ask Any #GIS training in Quito?", GROUP)  # #2
    await deliver(h)
    await h.say(ALICE, "/open", GROUP)
    listing = h.fake.last_message(GROUP.id)["text"]
    assert "#2 — Any #GIS training in Quito? (0 answer(s))" in listing
    assert "#1 — Which #GIS layers for zoning? (1 answer(s))" in listing
    await h.say(ALICE, "/myquestions")
    mine = h.last_text(ALICE.id)
    assert "#2 in Municipal Planners" in mine and "open" in mine
    await h.say(BOB, "/myrequests")
    waiting = h.last_text(BOB.id)
    assert "#2" in waiting and "#1" not in waiting  # he answered #1 already
    await h.say(ALICE, "/myrequests")
    assert "No questions are waiting" in h.last_text(ALICE.id)


async def test_why_shows_moderators_who_was_asked_and_why(h: Harness) -> None:
    await answered(h)
    await h.say(ALICE, "/why 1", GROUP)
    assert "Only the group's administrators" in h.fake.last_message(GROUP.id)["text"]
    await h.set_status(ALICE, "administrator")  # promoted: Telegram tells the bot
    await h.say(ALICE, "/why 1", GROUP)
    why = h.fake.last_message(GROUP.id)["text"]
    assert "Question #1 was asked to:" in why
    assert "Bob: round 1" in why and "answered" in why and "expertise" in why
    await h.say(ALICE, "/why 99", GROUP)
    assert "/why 12" in h.fake.last_message(GROUP.id)["text"]


async def nudge(h: Harness) -> int:
    return await jobs.nudge_askers(h.bot, h.db, h.clock, h.settings, h.dp["i18n"])


async def test_the_asker_is_reminded_once_to_accept_a_day_after_the_first_answer(
    h: Harness,
) -> None:
    await answered(h)
    h.clock.advance(hours=23)
    assert await nudge(h) == 0
    h.clock.advance(hours=1)
    assert await nudge(h) == 1
    assert await nudge(h) == 0  # once
    await deliver(h)
    assert "Your question #1" in h.last_text(ALICE.id) and "1 answer(s)" in h.last_text(ALICE.id)


async def test_an_accepted_question_needs_no_reminder(h: Harness) -> None:
    await answered(h)
    await h.press(ALICE, "✅ Accept", ALICE.id)
    h.clock.advance(hours=25)
    assert await nudge(h) == 0


async def test_odd_numbers_and_forged_ids_get_a_polite_answer(h: Harness) -> None:
    await answered(h)
    for odd in ("²", "99999999999999999999", "-1", "one"):
        await h.say(ALICE, f"/close {odd}", GROUP)
        assert "/close 12" in h.fake.last_message(GROUP.id)["text"]
    invite = h.fake.last_message(BOB.id)
    await h.send(h.fake.callback(BOB, invite, f"rq:a:{2**40}"))
    assert h.last_answer().get("show_alert") is True
    await h.send(h.fake.callback(BOB, invite, f"an:h:{2**40}"))
    assert h.last_answer().get("show_alert") is True


async def test_only_members_of_the_group_can_vote(h: Harness) -> None:
    await answered(h)
    outsider = User(108, "Outsider", language_code="en")
    await h.say(outsider, "/start")  # knows the bot, not the group
    answer = await h.one(select(Answer))
    await h.send(h.fake.callback(outsider, h.fake.last_message(outsider.id), f"an:h:{answer.id}"))
    assert h.last_answer().get("show_alert") is True
    assert (await h.one(select(Answer))).helpful_count == 0


async def test_a_refused_invitation_does_not_mark_the_expert_unreachable(h: Harness) -> None:
    await group_with_experts(h)
    h.fake.fail("sendMessage", error_code=400, when=lambda params: params["chat_id"] == BOB.id)
    await h.say(ALICE, "/ask #GIS anyone?", GROUP)
    await deliver(h)
    bob = await h.member(BOB)
    assert bob.dm_available
    statuses = {r.member_id: r.status for r in await h.all(select(RoutingRequest))}
    assert statuses[bob.id] == "pending" and len(statuses) == 2  # nobody asked instead


async def test_tags_only_questions_used_are_not_offered_as_topics(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask #Urgent help with #GIS please", GROUP)
    await h.say(ALICE, "/expertise")
    buttons = str(h.fake.last_message(ALICE.id).get("reply_markup"))
    assert "GIS" in buttons and "Urgent" not in buttons


async def test_a_reminder_for_a_closed_question_is_not_sent(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask Best #GIS course?", GROUP)
    await deliver(h)
    await h.press(BOB, "Later", BOB.id)
    await h.say(ALICE, "/close 1", GROUP)
    before = len(h.fake.sent_messages(BOB.id))
    h.clock.advance(hours=4)
    assert await deliver(h) == 0
    assert len(h.fake.sent_messages(BOB.id)) == before


async def test_a_question_nobody_knew_goes_to_the_first_member_who_adds_its_topic(
    h: Harness,
) -> None:
    await group_with_experts(h)
    await h.say(ALICE, "/ask Who has run a #Hackathon for civic data?", GROUP)
    await deliver(h)  # nobody knows hackathons yet: only word for the moderators
    assert await h.all(select(RoutingRequest)) == []
    dana = User(106, "Dana", language_code="en")
    await knows(h, dana, "hackathon, GIS")  # Dana joins and lists the topic
    assert await deliver(h) == 1
    assert "Who has run a #Hackathon" in h.last_text(dana.id)
    await knows(h, CHEN, "GIS, zoning, Hackathon")  # still open: Dana is asked already
    assert await deliver(h) == 0
    (request,) = await h.all(select(RoutingRequest))
    assert request.member_id == (await h.member(dana)).id and request.status == "sent"


async def test_the_later_reminder_is_in_the_language_of_the_invitation(h: Harness) -> None:
    await h.add_bot_to_group()  # María's group: Spanish
    pierre = User(109, "Pierre", language_code="fr")  # a language the bot does not speak
    await knows(h, pierre, "GIS")
    await h.say(ALICE, "/ask ¿Qué capas #GIS usan?", GROUP)
    await deliver(h)
    assert "Pregunta #1" in h.last_text(pierre.id)  # the group's language
    await h.press(pierre, h.dp["i18n"].gettext("Later", locale="es"), pierre.id)
    h.clock.advance(hours=4)
    assert await deliver(h) == 1
    assert "Pregunta #1" in h.last_text(pierre.id)  # and so is the reminder
