"""The /settings menu and /topics, told as moderators live them: Bob, an administrator of an
English-speaking group, changes each kind of setting from the menu and sees its effect (the
group's language, the schedule's local time, how many peers a question reaches, the topic
prompts go to); a bad timezone is refused and nothing changes; Alice, a member, is refused; a
forged button changes nothing; every change is in /audit."""

from datetime import UTC

from sqlalchemy import select

from bot.services.topics import TopicsService
from storage.models import (
    Answer,
    AuditEntry,
    Community,
    PromptSchedule,
    Question,
    QuestionTag,
    RoutingRequest,
    Tag,
)
from tests.e2e.conftest import ALICE, BOB, GROUP, OLGA, Harness
from tests.e2e.test_edge_cases import as_anonymous_admin
from tests.e2e.test_meetups import invitation, plan
from tests.e2e.test_prompts import fire
from tests.e2e.test_questions import CHEN, deliver, group_with_experts
from tests.fakes.telegram_api import Chat

FORUM = Chat(-1001000000077, "supergroup", title="Planners Forum", is_forum=True)
TOPIC = 42
OTHER = Chat(-1001000000078, "supergroup", title="Other Planners")


async def bob_moderates(h: Harness) -> None:
    await group_with_experts(h)
    h.fake.set_chat_member(GROUP, BOB, "administrator")


async def community(h: Harness, chat: Chat = GROUP) -> Community:
    return await h.one(select(Community).where(Community.chat_id == chat.id))


async def test_choices_and_toggles_change_with_a_press(h: Harness) -> None:
    await bob_moderates(h)
    await h.say(BOB, "/settings", GROUP)
    menu = h.last_text(GROUP.id)
    assert "Settings of Municipal Planners" in menu and "Peers asked per round: 3" in menu

    await h.press(BOB, "👥 Peers asked", GROUP.id)
    await h.press(BOB, "1", GROUP.id)
    assert "Peers asked per round: 1" in h.last_text(GROUP.id)  # the menu shows the new value
    await h.press(BOB, "⏱ Escalation", GROUP.id)
    await h.press(BOB, "48 h", GROUP.id)
    assert "Next round after: 48 h" in h.last_text(GROUP.id)
    await h.press(BOB, "Open answering: off", GROUP.id)
    assert "Open answering: on" in h.last_text(GROUP.id)
    await h.press(BOB, "FAQ verification: off", GROUP.id)
    assert "FAQ verification: on" in h.last_text(GROUP.id)
    found = await community(h)
    assert (found.routing_fanout, found.escalation_hours) == (1, 48)
    assert found.open_answering and found.faq_verification

    # The next question asks one peer only, and the round waits 48 hours.
    await h.say(ALICE, "/ask Which #GIS layers do you use for zoning maps?", GROUP)
    assert "1 peer(s)" in h.fake.last_message(GROUP.id)["text"]
    question = await h.one(select(Question))
    assert (question.next_escalation_at - question.created_at).total_seconds() == 48 * 3600

    await h.say(BOB, "/audit", GROUP)
    audit = h.last_text(GROUP.id)
    assert "set peers asked per round: 1" in audit
    assert "set hours before the next round: 48" in audit
    assert "set open answering: on" in audit and "set FAQ verification: on" in audit


async def test_language_change_makes_the_group_hear_another_language(h: Harness) -> None:
    await bob_moderates(h)
    await h.say(BOB, "/settings", GROUP)
    await h.press(BOB, "🌐 Language", GROUP.id)
    await h.press(BOB, "Русский", GROUP.id)
    assert "Language: Русский" in h.last_text(GROUP.id)
    assert (await community(h)).language == "ru"
    await h.send(h.fake.new_chat_members(GROUP, OLGA, [OLGA]))
    welcome = h.last_text(GROUP.id)
    assert "Ольга" in welcome and "Добро пожаловать" in welcome


async def test_timezone_is_typed_privately_and_a_bad_one_changes_nothing(h: Harness) -> None:
    await bob_moderates(h)
    await h.say(BOB, "/prompt_schedule mon 09:00", GROUP)
    await h.say(BOB, "/settings", GROUP)
    await h.press(BOB, "🕒 Timezone", GROUP.id)
    assert h.last_answer()["text"] == "I asked you in our private chat."
    assert "Send the timezone of Municipal Planners" in h.last_text(BOB.id)

    await h.say(BOB, "Mars/Olympus_Mons")
    assert "I don't know that timezone" in h.last_text(BOB.id)
    assert (await community(h)).timezone == "UTC"
    await h.say(BOB, "Asia/Jakarta")
    assert "Saved." in h.last_text(BOB.id) and "Timezone: Asia/Jakarta" in h.last_text(BOB.id)
    assert "Timezone: Asia/Jakarta" in h.last_text(GROUP.id)  # the group's menu too
    assert (await community(h)).timezone == "Asia/Jakarta"

    # The schedule keeps its 09:00, now in Jakarta (UTC+7): 02:00 UTC.
    schedule = await h.one(select(PromptSchedule))
    assert schedule.next_fire_at.astimezone(UTC).hour == 2
    await h.say(BOB, "/prompt_schedule", GROUP)
    assert "Asia/Jakarta" in h.last_text(GROUP.id) and "9:00" in h.last_text(GROUP.id)

    await h.say(BOB, "Europe/Madrid")  # the dialog is over: not a setting any more
    assert (await community(h)).timezone == "Asia/Jakarta"


async def test_quiet_hours_and_welcome_text(h: Harness) -> None:
    await bob_moderates(h)
    await h.say(BOB, "/settings")  # in private: Bob moderates one group
    assert "Settings of Municipal Planners" in h.last_text(BOB.id)
    await h.press(BOB, "🌙 Quiet hours", BOB.id)
    await h.say(BOB, "7 to 5 maybe")
    assert "Nothing was changed" in h.last_text(BOB.id)
    await h.say(BOB, "00:00-23:59")
    assert "Quiet hours for members without their own: 00:00–23:59" in h.last_text(BOB.id)

    # Nobody has quiet hours of their own: the group's keep everyone from being asked now.
    await h.say(ALICE, "/ask Which #GIS layers do you use for zoning maps?", GROUP)
    assert await h.all(select(RoutingRequest)) == []
    await h.press(BOB, "🌙 Quiet hours", BOB.id)
    await h.say(BOB, "off")
    assert "Quiet hours for members without their own: none" in h.last_text(BOB.id)

    await h.press(BOB, "👋 Welcome text", BOB.id)
    await h.press(BOB, "✏️ Write a new one", BOB.id)
    await h.say(BOB, "x" * 1001)
    assert "too long" in h.last_text(BOB.id)
    await h.say(BOB, "Read the pinned <rules> first!")
    await h.send(h.fake.new_chat_members(GROUP, OLGA, [OLGA]))
    assert "Read the pinned <rules> first!" in h.last_text(GROUP.id)
    await h.press(BOB, "👋 Welcome text", BOB.id)
    await h.press(BOB, "↩️ Use the default", BOB.id)
    assert (await community(h)).welcome_text is None


async def test_members_and_forged_buttons_change_nothing(h: Harness) -> None:
    await bob_moderates(h)
    await h.say(ALICE, "/settings", GROUP)
    assert "Only the group's administrators" in h.last_text(GROUP.id)
    await h.say(BOB, "/settings", GROUP)
    await h.press(ALICE, "Open answering: off", GROUP.id)  # a member presses Bob's menu
    assert "Only the group's administrators" in h.last_answer()["text"]
    assert not (await community(h)).open_answering

    menu = h.fake.last_message(GROUP.id)
    own = (await community(h)).id
    other = await h.add_bot_to_group(by=BOB, group=OTHER)  # Bob administers it too
    h.fake.set_chat_member(OTHER, BOB, "administrator")
    forged = (f"se:f:{own}:11", f"se:l:{own}:fr", f"se:o:{own}:2", f"se:f:{other}:2")
    for data in (*forged, f"se:h:{own}:prompts", f"se:c:{own}:nope", f"se:a:{own}:title"):
        await h.send(h.fake.callback(BOB, menu, data))
        assert h.last_answer().get("show_alert")
    assert (await community(h)).routing_fanout == 3 and (await community(h)).language == "en"
    assert await h.all(select(AuditEntry)) == []


async def test_prompts_and_meetups_go_to_the_chosen_forum_topic(h: Harness) -> None:
    await h.add_bot_to_group(by=BOB, group=FORUM)
    h.fake.set_chat_member(FORUM, BOB, "administrator")
    await h.say(BOB, "/prompt_schedule mon 09:00", FORUM)  # in the general chat
    await h.say(BOB, "/settings", FORUM, thread_id=TOPIC)
    await h.press(BOB, "Post prompts here", FORUM.id)
    assert f"Prompts and the digest go to: topic {TOPIC}" in h.last_text(FORUM.id)
    await h.press(BOB, "Post meetups here", FORUM.id)
    assert (await community(h, FORUM)).meetup_thread_id == TOPIC

    h.clock.advance(days=7, seconds=30)
    assert await fire(h) == 1
    await deliver(h)
    post = h.fake.last_message(FORUM.id)
    assert post["text"].startswith("💬") and post["message_thread_id"] == TOPIC

    meetup = await plan(h, BOB, FORUM)  # /meetup sent in the general chat
    await deliver(h)
    assert (await invitation(h, meetup.id, FORUM.id))["message_thread_id"] == TOPIC

    # The topic is deleted: the next prompt goes to the general chat instead of being lost.
    h.fake.fail("sendMessage", error_code=400, description="Bad Request: message thread not found")
    h.clock.advance(days=7)
    assert await fire(h) == 1
    await deliver(h)
    post = h.fake.last_message(FORUM.id)
    assert post["text"].startswith("💬") and "message_thread_id" not in post

    await h.press(BOB, "Prompts: any topic", FORUM.id)
    assert (await community(h, FORUM)).prompt_thread_id is None


async def test_topics_vocabulary_with_synonyms(h: Harness) -> None:
    await bob_moderates(h)
    await h.say(ALICE, "/topics add Budgeting", GROUP)
    assert "Only the group's administrators" in h.last_text(GROUP.id)
    await h.say(BOB, "/topics add Urban Planning", GROUP)
    assert "“Urban Planning” is a topic now." in h.last_text(GROUP.id)
    await h.say(BOB, "/topics add urban  planning", GROUP)
    assert "That is a topic already. Nothing was changed." in h.last_text(GROUP.id)
    await h.say(BOB, "/topics synonym urban planning = Zonificación", GROUP)
    assert "now get the topic “Urban Planning”" in h.last_text(GROUP.id)
    await h.say(BOB, "/topics synonym urban planning = GIS", GROUP)  # Bob's own tag
    assert "already belongs to “GIS”" in h.last_text(GROUP.id)
    await h.say(BOB, "/topics add " + "x" * 41, GROUP)
    assert "1 to 40 characters" in h.last_text(GROUP.id)
    await h.say(BOB, "/topics", GROUP)
    assert "• Urban Planning — zonificacion" in h.last_text(GROUP.id)

    await h.say(ALICE, "/ask Any tips on zonificacion near rivers?", GROUP)
    question = await h.one(select(Question))
    tag = await h.one(select(Tag).where(Tag.name == "urban planning"))
    tags = await h.all(select(QuestionTag.tag_id).where(QuestionTag.question_id == question.id))
    assert tag.id in tags

    await h.say(BOB, "/topics remove Urban Planning", GROUP)
    assert "keep the tag" in h.last_text(GROUP.id)
    tag = await h.one(select(Tag).where(Tag.name == "urban planning"))
    assert not tag.is_topic  # un-curated: the question keeps it
    await h.say(BOB, "/audit", GROUP)
    assert "removed the topic “Urban Planning”" in h.last_text(GROUP.id)
    assert CHEN  # the experts of group_with_experts


async def test_an_anonymous_admin_is_recorded_as_the_group(h: Harness) -> None:
    await bob_moderates(h)
    await h.send(as_anonymous_admin(h.fake.text_update(BOB, "/topics add Budgeting", GROUP)))
    assert "“Budgeting” is a topic now." in h.last_text(GROUP.id)
    await h.send(as_anonymous_admin(h.fake.text_update(BOB, "/settings", GROUP)))
    assert "Settings of Municipal Planners" in h.last_text(GROUP.id)
    [entry] = await h.all(select(AuditEntry))
    assert entry.actor_id is None and entry.details["as_group"] is True
    await h.say(BOB, "/audit", GROUP)
    assert "an administrator posting as the group added the topic" in h.last_text(GROUP.id)


async def test_a_moderator_of_two_groups_picks_one_in_private(h: Harness) -> None:
    await bob_moderates(h)
    await h.add_bot_to_group(by=BOB, group=OTHER)
    h.fake.set_chat_member(OTHER, BOB, "administrator")
    await h.say(BOB, "hello", OTHER)
    await h.say(BOB, "/settings")
    assert h.last_text(BOB.id) == "Which group's settings?"
    await h.press(BOB, "Other Planners", BOB.id)
    assert "Settings of Other Planners" in h.last_text(BOB.id)

    await h.set_status(BOB, "member", OTHER)  # no longer an administrator there
    await h.press(BOB, "Open answering: off", BOB.id)
    assert "Only the group's administrators" in h.last_answer()["text"]
    assert not (await community(h, OTHER)).open_answering


async def test_an_answer_replied_to_an_invitation_is_not_taken_as_a_setting(h: Harness) -> None:
    """Bob leaves the welcome-text step unfinished; his reply to an invitation later is his
    answer to the question, not the group's welcome."""
    await bob_moderates(h)
    await h.say(BOB, "/settings")
    await h.press(BOB, "👋 Welcome text", BOB.id)
    await h.press(BOB, "✏️ Write a new one", BOB.id)
    await h.say(ALICE, "/ask Which #GIS layers do you use for zoning maps?", GROUP)
    await deliver(h)
    invitation_message = h.fake.last_message(BOB.id)
    assert "Which #GIS layers" in invitation_message["text"]
    await h.say(BOB, "The cadastral layer.", reply_to=invitation_message)
    assert (await community(h)).welcome_text is None
    assert [a.text for a in await h.all(select(Answer))] == ["The cadastral layer."]


async def test_a_members_off_overrides_the_groups_quiet_hours(h: Harness) -> None:
    await bob_moderates(h)
    await h.say(BOB, "/settings")
    await h.press(BOB, "🌙 Quiet hours", BOB.id)
    await h.say(BOB, "00:00-23:59")
    await h.say(CHEN, "/quiet")
    await h.say(CHEN, "off")
    await h.say(ALICE, "/ask Which #GIS layers do you use for zoning maps?", GROUP)
    asked = [r.member_id for r in await h.all(select(RoutingRequest))]
    assert asked == [(await h.member(CHEN)).id]  # Bob keeps the group's quiet hours


async def test_a_long_topic_list_comes_in_several_messages(h: Harness) -> None:
    await bob_moderates(h)
    group = await community(h)
    labels = [f"Topic number {i:03d} about municipal planning"[:40] for i in range(150)]
    async with h.db.session() as session:
        topics = TopicsService(session, h.clock)
        for label in labels:
            await topics.add(group.id, label, None)
    before = len(h.replies(GROUP.id))
    await h.say(BOB, "/topics", GROUP)
    pages = h.replies(GROUP.id)[before:]
    assert len(pages) >= 2 and all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in pages)
    assert all(any(label in p for p in pages) for label in labels)
