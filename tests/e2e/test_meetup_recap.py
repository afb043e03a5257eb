"""After a meetup, told as they live it: María (an administrator, Spanish) held "Budget
calendars"; Alice said Going, Bob Maybe, Olga Can't. Once it is over, Alice and Bob are asked
privately whether they attended and their answers are kept (a second press changes them);
María is offered a recap, writes it, previews it and posts it in the group, kept in the FAQ
where /search finds it. Forged presses (another member's question, a meetup of another group, a
meetup not over) change nothing; a member who is not an administrator cannot post a recap; with
no moderator reachable privately, the offer goes to the group and leads María to the private
chat. (The meetup is created through the service: the /meetup dialog is not part of this.)"""

from datetime import timedelta

from sqlalchemy import select

from bot import jobs
from bot.attendance_messages import AttendCb, Attended, RecapCb
from bot.services.attendance import Attendance, AttendanceService
from bot.services.meetups import MeetupsService
from storage.db import transaction
from storage.models import AuditEntry, Community, FaqEntry, Meetup, MeetupRsvp, OutboxMessage
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, OLGA, Harness
from tests.e2e.test_faq_admin import moderated
from tests.e2e.test_questions import CHEN, deliver
from tests.fakes.telegram_api import Chat, User

LINK = "https://meet.jit.si/planners-budget"
OTHER = Chat(-1001000000002, "supergroup", title="Hydrologists")
RECAP = "We compared participatory budgeting calendars across three districts."
ANSWERS = {ALICE: "going", BOB: "maybe", OLGA: "cant"}


def es(h: Harness, text: str) -> str:
    return h.dp["i18n"].gettext(text, locale="es")


async def follow_up(h: Harness) -> int:
    return await jobs.follow_up_meetups(h.bot, h.db, h.clock, h.settings, h.dp["i18n"])


async def group_ready(h: Harness, group: Chat = GROUP, *, maria_private: bool = True) -> int:
    """María moderates `group`; Alice, Bob, Olga and Chen are members who started the bot."""
    community_id = await moderated(h, group)
    for user in (BOB, OLGA, CHEN):
        await h.say(user, "hola", group)
    for user in (ALICE, BOB, OLGA, CHEN) + ((MARIA,) if maria_private else ()):
        await h.say(user, "/help")
    return community_id


async def meetup(
    h: Harness,
    community_id: int,
    answers: dict[User, str] = ANSWERS,
    when: str = "03.11.2026 18:00",
) -> Meetup:
    """María's meetup (an hour long), its invitation the bot's first message in the group."""
    maria = await h.member(MARIA)
    async with h.db.session() as session:
        created = await MeetupsService(session, h.clock).create(
            community_id, maria.id, title="Budget calendars", when=when, minutes=60, link=LINK
        )
        for user, answer in answers.items():
            member = await h.member(user)
            await MeetupsService(session, h.clock).rsvp(
                created.id, member.id, answer, lambda notice: "Join: " + LINK
            )
        community = await session.get(Community, community_id)
        async with transaction(session, write=True):
            row = await session.get(Meetup, created.id)
            row.group_message_id = h.fake.sent_messages(community.chat_id)[0]["message_id"]
    return row


def end(h: Harness, held: Meetup, minutes: int = 5) -> None:
    h.clock.current = held.starts_at + timedelta(minutes=held.duration_minutes + minutes)


async def attended(h: Harness, held: Meetup) -> dict[int, bool | None]:
    rows = await h.all(select(MeetupRsvp).where(MeetupRsvp.meetup_id == held.id))
    return {row.member_id: row.attended for row in rows}


async def figures(h: Harness, held: Meetup) -> Attendance:
    async with h.db.session() as session:
        return await AttendanceService(session, h.clock).figures(held.id)


async def test_members_who_said_they_would_come_are_asked_and_answer(h: Harness) -> None:
    held = await meetup(h, await group_ready(h))
    h.clock.current = held.starts_at + timedelta(minutes=59)
    assert await follow_up(h) == 0  # still on
    end(h, held)
    assert await follow_up(h) == 1
    assert await follow_up(h) == 0  # once
    await deliver(h)
    for user in (ALICE, BOB):
        assert "Did you attend Budget calendars" in h.last_text(user.id)
    assert not any("Did you attend" in text for text in h.replies(OLGA.id))  # she said Can't
    assert any(
        es(h, "📝 Post a recap") in str(m.get("reply_markup"))
        for m in h.fake.sent_messages(MARIA.id)
    )

    await h.press(ALICE, "Yes, I was there")
    assert h.last_answer()["text"] == "Thank you!"
    assert "Noted: you were there" in h.last_text(ALICE.id)
    await h.press(ALICE, "No, I missed it")  # changed her mind
    assert "you could not make it" in h.last_text(ALICE.id)
    await h.press(ALICE, "• No, I missed it")  # the same again: nothing new
    assert h.last_answer()["text"] == "Thank you!"
    await h.press(BOB, "Yes, I was there")
    alice, bob = await h.member(ALICE), await h.member(BOB)
    assert {k: v for k, v in (await attended(h, held)).items() if k in (alice.id, bob.id)} == {
        alice.id: False,
        bob.id: True,
    }
    assert await figures(h, held) == Attendance(asked=2, yes=1, no=1)


async def test_forged_presses_change_nothing(h: Harness) -> None:
    held = await meetup(h, await group_ready(h))
    upcoming = await meetup(h, held.community_id, {ALICE: "going"}, when="20.11.2026 18:00")
    elsewhere = await meetup(h, await moderated(h, OTHER), {BOB: "going"})
    end(h, held)
    assert await follow_up(h) == 2  # this group's meetup and the other group's
    await deliver(h)
    before = {m.id: await attended(h, m) for m in (held, upcoming, elsewhere)}

    await h.press(BOB, "Yes, I was there", ALICE.id)  # the button of Alice's question
    assert h.last_answer() == {
        **h.last_answer(),
        "text": "That button is not for you. Nothing was changed.",
        "show_alert": True,
    }
    question = h.fake.last_message(ALICE.id)
    for target, refusal in (
        (elsewhere, "That button is not for you. Nothing was changed."),  # she was not asked
        (upcoming, "That meetup has not ended yet. Nothing was changed."),
    ):
        data = AttendCb(m=target.id, a=Attended.YES).pack()
        await h.send(h.fake.callback(ALICE, question, data))
        assert h.last_answer()["text"] == refusal
    assert {m.id: await attended(h, m) for m in (held, upcoming, elsewhere)} == before
    assert "Did you attend Budget calendars" in h.last_text(ALICE.id)  # not edited


async def test_maria_posts_the_recap_and_keeps_it_in_the_faq(h: Harness) -> None:
    held = await meetup(h, await group_ready(h))
    end(h, held)
    await follow_up(h)
    await deliver(h)
    await h.press(ALICE, "Yes, I was there")

    await h.press(MARIA, es(h, "📝 Post a recap"))
    prompt = h.last_text(MARIA.id)
    line = es(
        h, "Attendance: {asked} asked; {yes} came, {no} did not, {unanswered} have not answered."
    )
    assert line.format(asked=2, yes=1, no=0, unanswered=1) in prompt
    await h.say(MARIA, "x" * 3001)  # too long: asked again, politely
    assert es(h, "Send the recap again, or /cancel.") in h.last_text(MARIA.id)
    await h.say(MARIA, RECAP)
    preview = h.fake.last_message(MARIA.id)
    assert RECAP in preview["text"] and "Budget calendars" in preview["text"]
    await h.press(MARIA, es(h, "📣 Post and save to the FAQ"))
    entry = await h.one(select(FaqEntry))
    assert f"#{entry.id}" in h.last_text(MARIA.id)

    await deliver(h)
    post = h.fake.last_message(GROUP.id)
    assert post["text"].startswith("📝") and RECAP in post["text"]
    assert "Budget calendars" in post["text"]
    assert post["reply_to_message"]["message_id"] == held.group_message_id
    assert entry.answer == RECAP and "Budget calendars" in entry.question and entry.published
    await h.say(CHEN, "/search participatory districts", GROUP)
    assert "Budget calendars" in h.last_text(GROUP.id)
    actions = [a.action for a in await h.all(select(AuditEntry))]
    assert "faq_add" in actions and "meetup_recap" in actions

    await h.press(MARIA, es(h, "📝 Post a recap"))  # once is enough
    again = h.fake.last_message(MARIA.id)
    title = es(h, "The recap of <b>{title}</b> was posted already.").format(title="X")
    assert title.split("<b>")[0] in again["text"]
    link = f"https://t.me/c/{str(GROUP.id)[4:]}/{post['message_id']}"
    assert any(e.get("url") == link for e in again.get("entities", []))
    recaps = await h.all(select(OutboxMessage).where(OutboxMessage.kind == "meetup_recap"))
    assert len(recaps) == 1


async def test_only_a_moderator_can_post_the_recap(h: Harness) -> None:
    held = await meetup(h, await group_ready(h))
    end(h, held)
    await follow_up(h)
    await deliver(h)
    refusal = "Only the group's administrators can post a meetup's recap. Nothing was changed."
    question = h.fake.last_message(ALICE.id)
    await h.send(h.fake.callback(ALICE, question, RecapCb(m=held.id).pack()))
    assert h.last_answer()["text"] == refusal and h.last_answer()["show_alert"]
    await h.say(ALICE, f"/start recap_{held.id}")
    assert h.last_text(ALICE.id) == refusal
    await h.say(ALICE, RECAP)  # no dialog was started: not taken as a recap

    await h.set_status(MARIA, "member")  # no longer an administrator
    await h.press(MARIA, es(h, "📝 Post a recap"))
    assert h.last_answer()["text"] == es(h, refusal)
    await deliver(h)
    assert await h.all(select(OutboxMessage).where(OutboxMessage.kind == "meetup_recap")) == []
    assert await h.all(select(FaqEntry)) == []


async def test_with_no_moderator_reachable_the_offer_goes_to_the_group(h: Harness) -> None:
    held = await meetup(h, await group_ready(h, maria_private=False))
    end(h, held)
    await follow_up(h)
    await deliver(h)  # María never started the bot: the group is asked instead
    community = await h.one(select(Community))
    label = h.dp["i18n"].gettext("📝 Post a recap", locale=community.language)
    offer = h.fake.last_message(GROUP.id)
    assert "Budget calendars" in offer["text"]
    assert offer["reply_to_message"]["message_id"] == held.group_message_id

    await h.press(ALICE, label, GROUP.id)
    assert h.last_answer()["show_alert"]
    await h.press(MARIA, label, GROUP.id)
    assert h.last_answer()["url"].endswith(f"?start=recap_{held.id}")
    await h.say(MARIA, f"/start recap_{held.id}")  # the link opens the private chat
    assert es(h, "Send the recap as one message (up to {limit} characters), or /cancel.").format(
        limit=3000
    ) in h.last_text(MARIA.id)
    await h.say(MARIA, "/cancel")
    assert h.last_text(MARIA.id) == es(h, "Cancelled. Nothing was posted.")
