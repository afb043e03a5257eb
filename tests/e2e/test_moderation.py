"""Moderation, told as the group lives it: María, an administrator, hides a question (no more
invitations go out for it) and an answer that had entered the FAQ (gone from /search, its copy
in the group deleted); she suspends Chen, who is then not asked, and María herself is refused
(in Spanish) while suspended by Bob, until the time passes or the suspension is lifted.
Members and moderators of another group are refused; /audit shows it all with the reasons."""

from typing import Any

from sqlalchemy import select

from bot.timefmt import local_datetime
from storage.models import (
    Answer,
    AnswerVote,
    AuditEntry,
    Community,
    Question,
    RoutingRequest,
    Suspension,
)
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, OLGA, Harness
from tests.e2e.test_edge_cases import as_anonymous_admin
from tests.e2e.test_faq import accepted
from tests.e2e.test_faq_admin import es
from tests.e2e.test_questions import CHEN, answered, deliver, group_with_experts
from tests.fakes.telegram_api import Chat, User

OTHER = Chat(-1001000000002, "supergroup", title="Water Engineers")


async def maria_moderates(h: Harness) -> None:
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    await h.say(MARIA, "hola a todos", GROUP)


async def said(h: Harness, user: User, text: str, chat: Chat = GROUP) -> dict[str, Any]:
    """`user` writes `text`; the message, for others to reply to."""
    update = h.fake.text_update(user, text, chat)
    await h.send(update)
    return update["message"]


async def test_a_hidden_question_sends_no_more_invitations(h: Harness) -> None:
    await group_with_experts(h)
    await maria_moderates(h)
    await h.say(ALICE, "/ask Which #GIS layers for zoning? Buy my course!", GROUP)
    await h.say(MARIA, "/hide q1 advertising", GROUP)
    reply = h.last_text(GROUP.id)
    assert reply.startswith(es(h, "Question #{number} is hidden.").format(number=1))
    assert es(h, "{count} open invitation(s) to answer it ended.").format(count=2) in reply
    # The bot may not delete Alice's message: María is told to remove it by hand.
    assert (
        es(
            h,
            "I could not remove its message in the group (I need the right to delete "
            "messages): please remove it by hand.",
        )
        in reply
    )
    assert await deliver(h) == 0  # neither Bob nor Chen is asked any more
    for expert in (BOB, CHEN):
        assert not any(
            "Buy my course" in m.get("text", "") for m in h.fake.sent_messages(expert.id)
        )
    statuses = await h.all(select(RoutingRequest.status))
    assert statuses == ["expired", "expired"]
    await h.say(ALICE, "/open", GROUP)
    assert "Buy my course" not in h.last_text(GROUP.id)
    question = await h.one(select(Question))
    assert question.hidden_reason == "advertising" and question.next_escalation_at is None


async def test_hiding_an_answer_in_reply_removes_it_from_the_group_and_the_faq(
    h: Harness,
) -> None:
    await accepted(h)
    await maria_moderates(h)
    await h.say(CHEN, "/search cadastral", GROUP)
    assert "Which #GIS layers for zoning?" in h.last_text(GROUP.id)
    answer = await h.one(select(Answer))
    copy = next(
        m for m in h.fake.sent_messages(GROUP.id) if "Answer to question #1" in m.get("text", "")
    )
    await h.say(MARIA, "/hide wrong and unsafe advice", GROUP, reply_to=copy)
    reply = h.last_text(GROUP.id)
    hidden = es(h, "The answer {id} to question #{number} is hidden.")
    assert reply.startswith(hidden.format(id=answer.id, number=1))
    assert es(h, "Its FAQ entry is out of searches and suggestions.") in reply
    assert h.fake.calls_to("deleteMessage", message_id=copy["message_id"])
    await h.say(CHEN, "/search cadastral", GROUP)
    assert "Nothing in the FAQ matches" in h.last_text(GROUP.id)
    actions = [(e.action, e.details.get("reason")) for e in await h.all(select(AuditEntry))]
    assert ("hide", "wrong and unsafe advice") in actions
    assert ("faq_delete", "wrong and unsafe advice") in actions

    await h.say(MARIA, f"/unhide a{answer.id} checked again", GROUP)
    assert es(h, "Its FAQ entry is back in searches.") in h.last_text(GROUP.id)
    await h.say(CHEN, "/search cadastral", GROUP)
    assert "Which #GIS layers for zoning?" in h.last_text(GROUP.id)


async def test_a_suspended_member_is_refused_in_their_language_until_it_ends(h: Harness) -> None:
    await group_with_experts(h)
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    await h.say(MARIA, "/start")
    await h.say(MARIA, "hola", GROUP)
    await h.say(BOB, "/suspend @maria 3d repeated advertising", GROUP)
    suspension = await h.one(select(Suspension))
    assert "María Moderadora can't ask or answer here until" in h.last_text(GROUP.id)
    assert "Reason: repeated advertising" in h.last_text(GROUP.id)

    await h.say(MARIA, "/ask ¿Qué capas #GIS usan?", GROUP)
    expected = es(
        h,
        "Sorry, the moderators of {group} have paused your asking and answering there "
        "until {until}. Reason: {reason}",
    ).format(
        group=GROUP.title,
        until=local_datetime(suspension.until, "UTC", "es"),
        reason="repeated advertising",
    )
    assert h.last_text(GROUP.id) == expected
    assert await h.all(select(Question)) == []

    h.clock.advance(days=3, minutes=1)
    await h.say(MARIA, "/ask ¿Qué capas #GIS usan?", GROUP)
    assert len(await h.all(select(Question))) == 1

    await h.say(BOB, "/suspend @maria 1w again", GROUP)
    await h.say(MARIA, "/ask ¿Y para zonificación #GIS?", GROUP)
    assert len(await h.all(select(Question))) == 1
    await h.say(BOB, "/unsuspend @maria", GROUP)
    assert "María Moderadora can ask and answer here again." in h.last_text(GROUP.id)
    await h.say(MARIA, "/ask ¿Y para zonificación #GIS?", GROUP)
    assert len(await h.all(select(Question))) == 2


async def test_a_suspended_expert_is_not_invited(h: Harness) -> None:
    await group_with_experts(h)
    await maria_moderates(h)
    message = await said(h, CHEN, "buy followers cheap!!!")
    await h.say(MARIA, "/suspend 2w spam", GROUP, reply_to=message)
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    assert await deliver(h) == 1
    asked = await h.all(select(RoutingRequest.member_id))
    assert asked == [(await h.member(BOB)).id]


async def test_members_and_other_groups_moderators_are_refused(h: Harness) -> None:
    await group_with_experts(h)
    await maria_moderates(h)
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    refusal = "Only the group's administrators can moderate it. Nothing was changed."
    await h.say(ALICE, "/hide q1 spam", GROUP)
    assert h.last_text(GROUP.id) == refusal
    await h.say(ALICE, "/suspend @bob_expert 1d spam", GROUP)
    assert h.last_text(GROUP.id) == refusal

    # Olga administers another group with the bot: not this one.
    await h.add_bot_to_group(by=OLGA, group=OTHER)
    h.fake.set_chat_member(OTHER, OLGA, "administrator")
    await h.say(OLGA, "привет", OTHER)
    await h.say(OLGA, "hi", GROUP)
    await h.say(OLGA, "/hide q1 spam", GROUP)
    assert h.fake.last_message(GROUP.id)["text"] == h.dp["i18n"].gettext(refusal, locale="ru")
    # In her own group, #1 and Bob are not there to act on.
    answer_ids = await h.all(select(Answer.id))
    await h.say(OLGA, "/hide q1 spam", OTHER)
    no_question = "There is no question #{number} here. Nothing was changed."
    ru = h.dp["i18n"].gettext(no_question, locale="ru").format(number=1)
    assert h.last_text(OTHER.id) == ru
    await h.say(OLGA, "/suspend @bob_expert 1d spam", OTHER)
    unknown = "I don't know that member in this group. Nothing was changed."
    assert h.last_text(OTHER.id) == h.dp["i18n"].gettext(unknown, locale="ru")
    assert answer_ids == []
    assert (await h.one(select(Question))).hidden_at is None
    assert await h.all(select(Suspension)) == []
    assert await h.all(select(AuditEntry)) == []


async def test_bad_durations_and_reasons_are_explained(h: Harness) -> None:
    await group_with_experts(h)
    await maria_moderates(h)
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    await h.say(MARIA, "/hide q1", GROUP)
    assert "/hide q12 advertising" in h.last_text(GROUP.id)
    await h.say(MARIA, "/hide", GROUP)
    assert "/hide q12 spam" in h.last_text(GROUP.id)
    await h.say(MARIA, "/suspend @chen forever spam", GROUP)
    assert "forever" in h.last_text(GROUP.id)
    assert "/suspend @username 3d repeated advertising" in h.last_text(GROUP.id)
    await h.say(MARIA, "/suspend @chen 3d", GROUP)
    assert "/suspend @username 3d repeated advertising" in h.last_text(GROUP.id)
    await h.say(MARIA, "/suspend @maria 3d testing", GROUP)
    assert h.last_text(GROUP.id) == es(h, "Administrators can't be suspended. Nothing was changed.")
    await h.say(MARIA, "/audit lots", GROUP)
    assert "/audit 20" in h.last_text(GROUP.id)
    assert (await h.one(select(Question))).hidden_at is None
    assert await h.all(select(Suspension)) == []
    assert await h.all(select(AuditEntry)) == []


async def test_audit_shows_this_groups_entries_with_reasons(h: Harness) -> None:
    await group_with_experts(h)
    await maria_moderates(h)
    await h.say(ALICE, "/ask Which #GIS layers for zoning? <b>buy</b>", GROUP)
    await h.say(MARIA, "/audit", GROUP)
    assert h.last_text(GROUP.id) == es(h, "Nothing is in this group's audit log yet.")
    await h.say(MARIA, "/hide q1 advertising <script>", GROUP)
    await h.send(as_anonymous_admin(h.fake.text_update(MARIA, "/suspend @chen 12h spam", GROUP)))
    assert "Chen can't ask or answer here until" in h.fake.last_message(GROUP.id)["text"]
    await h.say(MARIA, "/audit", GROUP)
    text = h.last_text(GROUP.id)
    assert text.index(es(h, "suspended {name} for {duration}").format(name="Chen", duration="12h"))
    assert es(h, "an administrator posting as the group") in text
    assert es(h, "hid question #{number}").format(number=1) in text
    assert "advertising <script>" in text  # escaped on the way, shown as written
    assert text.index("Chen") < text.index("#1")  # newest first
    [suspension] = await h.all(select(AuditEntry).where(AuditEntry.action == "suspend"))
    assert suspension.actor_id is None and suspension.details["as_group"] is True
    await h.say(MARIA, "/audit 1", GROUP)
    assert "#1" not in h.last_text(GROUP.id)


async def test_the_bots_copy_of_a_question_is_hidden_in_reply_to_it(h: Harness) -> None:
    await group_with_experts(h)
    await maria_moderates(h)
    await h.say(ALICE, "/ask What #GIS license do municipalities use? DM me for cheap keys")
    await deliver(h)  # the group's copy and the invitations
    post = h.fake.last_message(GROUP.id)
    assert "cheap keys" in post["text"]
    await h.say(MARIA, "/hide selling licences", GROUP, reply_to=post)
    assert h.last_text(GROUP.id).startswith(es(h, "Question #{number} is hidden.").format(number=1))
    assert h.fake.calls_to("deleteMessage", message_id=post["message_id"])
    await h.press(BOB, "✍️ Answer", BOB.id)  # the invitation he got before is over
    assert "no longer waits for you" in h.last_answer()["text"]
    await h.say(MARIA, "/hide q1 again", GROUP)
    assert h.last_text(GROUP.id) == es(h, "That is hidden already.") + " " + es(
        h, "Nothing was changed."
    )


async def test_in_a_forum_topic_the_topic_is_not_the_member_replied_to(h: Harness) -> None:
    """In a forum, Telegram gives a message posted in a topic the topic's first message as
    its reply: that is not a member singled out."""
    forum = Chat(-1001000000003, "supergroup", title="Planners Forum", is_forum=True)
    await h.add_bot_to_group(by=MARIA, group=forum)
    h.fake.set_chat_member(forum, MARIA, "administrator")
    await h.say(MARIA, "hola", forum)
    root = await said(h, CHEN, "Topic: GIS tools", forum)
    update = h.fake.text_update(
        MARIA, "/suspend 3d spam", forum, thread_id=root["message_id"], reply_to=root
    )
    await h.send(update)
    assert "/suspend @username 3d repeated advertising" in h.last_text(forum.id)
    assert await h.all(select(Suspension)) == []


async def test_an_expert_suspended_after_the_invitation_cannot_answer_it(h: Harness) -> None:
    await group_with_experts(h)
    await maria_moderates(h)
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    await deliver(h)
    invitation = h.fake.last_message(BOB.id)
    await h.say(MARIA, "/suspend @bob_expert 1d rude replies", GROUP)
    await h.press(BOB, "✍️ Answer", BOB.id)
    assert "paused your asking and answering" in h.last_text(BOB.id)
    assert "Reason: rude replies" in h.last_text(BOB.id)
    await h.say(BOB, "Use the cadastral layer.", reply_to=invitation)
    assert "paused your asking and answering" in h.last_text(BOB.id)
    assert await h.all(select(Answer)) == []


async def test_a_suspended_experts_waiting_invitation_goes_to_the_next_peer(h: Harness) -> None:
    await group_with_experts(h)
    await maria_moderates(h)
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    async with h.db.session() as session:  # one peer per round: Bob first (alphabetically)
        community = await session.scalar(select(Community))
        community.routing_fanout = 1
        await session.commit()
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    await deliver(h)
    first = (await h.one(select(RoutingRequest))).member_id
    suspended, other = (BOB, CHEN) if first == (await h.member(BOB)).id else (CHEN, BOB)
    await h.say(MARIA, f"/suspend @{suspended.username} 1d rude replies", GROUP)
    assert es(h, "{count} question(s) waiting for their answer now go to other members.").format(
        count=1
    ) in h.last_text(GROUP.id)
    assert await deliver(h) == 1
    assert "Which #GIS layers for zoning?" in h.last_text(other.id)
    requests = {r.member_id: r.status for r in await h.all(select(RoutingRequest))}
    assert requests == {
        (await h.member(suspended)).id: "expired",
        (await h.member(other)).id: "sent",
    }
    await h.press(suspended, "✍️ Answer", suspended.id)
    assert "paused your asking and answering" in h.last_text(suspended.id)


async def test_a_hidden_answer_can_be_neither_voted_on_nor_accepted(h: Harness) -> None:
    await answered(h)
    await maria_moderates(h)
    answer = await h.one(select(Answer))
    await h.say(MARIA, f"/hide a{answer.id} unsafe advice", GROUP)
    await h.press(ALICE, "👍 Helpful", ALICE.id)
    hidden = "The group's moderators have hidden this answer: it can't be accepted or voted on."
    assert h.last_answer()["text"] == hidden
    await h.press(ALICE, "✅ Accept", ALICE.id)
    assert h.last_answer()["text"] == hidden
    assert await h.all(select(AnswerVote)) == []
    assert (await h.one(select(Question))).status == "open"
