"""Meetups, told as they live them: María, an administrator, plans one with /meetup in the group
and the dialog continues in her private chat; the invitation is posted with RSVP buttons and a
calendar file. Bob (going) and Olga (maybe) get the link privately with a calendar file that
holds it; María (can't) gets none; Alice, who never started the bot, is told how to get it.
Reminders a day and an hour before reach going and maybe only, once. A cancellation tells
everyone who answered. Zoom meetings are created through the fake Zoom; a failing Zoom falls
back to asking for a link. Bad times, a member's /meetup and a forged button change nothing."""

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.fsm.storage.memory import MemoryStorage
from icalendar import Calendar
from sqlalchemy import select

from bot import jobs
from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from storage.db import Database
from storage.models import Community, Meetup, MeetupRsvp
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, OLGA, Harness
from tests.e2e.test_faq_admin import moderated
from tests.e2e.test_questions import deliver
from tests.fakes.clock import FakeClock
from tests.fakes.telegram_api import Chat, FakeTelegramAPI, User
from tests.fakes.zoom import FakeZoom

LINK = "https://us02web.zoom.us/j/81234567890?pwd=abc"
OTHER = Chat(-1001000000002, "supergroup", title="Hydrologists")


async def tap(h: Harness, user: User, data: str, chat_id: int | None = None) -> None:
    """Tap the button whose callback data starts with `data` on the newest message showing it."""
    chat = chat_id or user.id
    for sent in reversed(h.fake.sent_messages(chat)):
        current = h.fake.message(chat, sent["message_id"])
        for row in (current.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button.get("callback_data", "").startswith(data):
                    await h.send(h.fake.callback(user, current, button["callback_data"]))
                    return
    raise AssertionError(f"no button {data!r} in chat {chat}")


def buttons(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


def counts(message: dict[str, Any]) -> list[int]:
    """The numbers on the RSVP buttons (Going, Maybe, Can't), whatever the group's language."""
    return [int(text.rsplit(" · ", 1)[1]) for text in buttons(message)]


def documents(h: Harness, chat_id: int) -> list[tuple[str, str]]:
    """(caption, file content) of each file the bot sent to `chat_id`."""
    found = []
    for sent in h.fake.sent_messages(chat_id):
        if "document" in sent:
            upload = h.fake.uploads[sent["document"]["file_id"]]
            found.append((sent.get("caption", ""), upload.content.decode()))
    return found


async def open_dialog(h: Harness, user: User = MARIA, group: Chat = GROUP) -> None:
    """/meetup in the group, then the button's deep link into the private chat."""
    await h.say(user, "/meetup", group)
    reply = h.fake.last_message(group.id)
    url = reply["reply_markup"]["inline_keyboard"][0][0]["url"]
    await h.say(user, "/start " + url.split("start=")[1])


async def plan(
    h: Harness,
    user: User = MARIA,
    group: Chat = GROUP,
    *,
    when: str = "10.11.2026 18:00",
    link: str | None = LINK,
    public: bool = False,
    repeat: str = "none",
) -> Meetup:
    await open_dialog(h, user, group)
    for text in ("Budget calendars", when, "90", "How cities plan their budget year."):
        await h.say(user, text)
    if link is None:
        await tap(h, user, "md:link:zoom")
    else:
        await h.say(user, link)
    await tap(h, user, f"md:public:{'yes' if public else 'no'}")
    await tap(h, user, f"md:repeat:{repeat}")
    await tap(h, user, "md:confirm:create")
    return await h.one(select(Meetup).order_by(Meetup.id.desc()).limit(1))


async def rsvp(h: Harness, user: User, answer: str, meetup: Meetup) -> dict[str, Any]:
    await tap(h, user, f"mt:{answer}:{meetup.id}", GROUP.id)
    return h.last_answer()


async def invitation(h: Harness, meetup_id: int, chat_id: int = GROUP.id) -> dict[str, Any]:
    """The group's invitation as it reads now (the message the bot recorded for it)."""
    meetup = await h.one(select(Meetup).where(Meetup.id == meetup_id))
    assert meetup.group_message_id is not None, "the invitation was not posted"
    return h.fake.message(chat_id, meetup.group_message_id)


async def test_invitation_rsvps_links_and_reminders(h: Harness) -> None:
    await moderated(h)
    for user in (BOB, OLGA):  # they have started the bot; Alice has not
        await h.say(user, "/start")
    meetup = await plan(h)
    assert meetup.title == "Budget calendars" and meetup.duration_minutes == 90
    assert "#1" in h.last_text(MARIA.id)
    assert await deliver(h) == 2  # the invitation and its calendar file
    post = await invitation(h, meetup.id)
    # In the group's language (Spanish: María added the bot), at the group's local time.
    assert "Budget calendars" in post["text"] and "mar 10 nov 2026, 18:00 (UTC)" in post["text"]
    assert "90 min" in post["text"] and LINK not in post["text"]  # a private link
    assert counts(post) == [0, 0, 0] and buttons(post)[0].startswith("✅")
    [(caption, ics)] = documents(h, GROUP.id)
    assert "Budget calendars" in caption and "DTSTART:20261110T180000Z" in ics
    assert "zoom.us" not in ics  # the group's copy can be forwarded to anyone
    assert (await h.one(select(Meetup))).group_message_id == post["message_id"]

    assert (await rsvp(h, BOB, "going", meetup))["text"] == (
        "You're going. The link is on its way in a private message."
    )
    assert counts(await invitation(h, meetup.id)) == [1, 0, 0]
    await rsvp(h, OLGA, "maybe", meetup)
    await rsvp(h, MARIA, "cant", meetup)
    hint = await rsvp(h, ALICE, "going", meetup)
    deep_link = f"https://t.me/{h.fake.bot_user.username}?start=meetup_{meetup.id}"
    assert deep_link in hint["text"] and hint["url"] == deep_link
    # Pressed by members of every language, the buttons stay in the group's.
    assert buttons(await invitation(h, meetup.id)) == [
        "✅ Voy · 2",
        "🤔 Quizá · 1",
        "❌ No puedo · 1",
    ]
    for _ in range(3):  # a flood of presses: the same counts, nothing breaks
        await rsvp(h, BOB, "going", meetup)
    assert counts(await invitation(h, meetup.id)) == [2, 1, 1]
    assert "private chat" in h.last_answer()["text"]

    await deliver(h)
    for user in (BOB, OLGA):
        [(caption, ics)] = documents(h, user.id)
        [event] = Calendar.from_ical(ics).walk("VEVENT")
        assert LINK in caption and str(event["url"]) == LINK  # their copy holds the link
    assert documents(h, MARIA.id) == []  # can't: no link
    assert documents(h, ALICE.id) == []
    await h.say(ALICE, f"/start meetup_{meetup.id}")  # the toast's deep link
    await deliver(h)
    [(caption, _ics)] = documents(h, ALICE.id)
    assert LINK in caption

    async def remind() -> int:
        return await jobs.remind_meetups(h.bot, h.db, h.clock, h.settings, h.dp["i18n"])

    h.clock.current = meetup.starts_at.replace(day=9, hour=19)  # 23 h before
    assert await remind() == 1
    assert await remind() == 0  # the job runs again: no second reminder
    await deliver(h)
    h.clock.current = meetup.starts_at.replace(hour=17, minute=10)
    assert (await remind(), await remind()) == (1, 0)
    await deliver(h)
    for user in (BOB, OLGA, ALICE):
        reminders = [t for t in h.replies(user.id) if t.startswith("⏰")]
        assert len(reminders) == 2 and all(LINK in t for t in reminders)
    assert not [t for t in h.replies(MARIA.id) if t.startswith("⏰")]
    group = [t for t in h.replies(GROUP.id) if t.startswith("⏰")]
    assert len(group) == 2 and not any(LINK in t for t in group)


async def test_cancel_and_move_tell_everyone_who_answered(h: Harness) -> None:
    await moderated(h)
    await h.say(BOB, "/start")
    meetup = await plan(h)
    await deliver(h)
    await rsvp(h, BOB, "going", meetup)
    await rsvp(h, MARIA, "cant", meetup)
    await h.say(MARIA, f"/meetup_move {meetup.id} 11.11.2026 19:30", GROUP)
    assert f"#{meetup.id}" in h.last_text(GROUP.id)
    assert "mié 11 nov 2026, 19:30" in (await invitation(h, meetup.id))["text"]
    await deliver(h)
    [event] = Calendar.from_ical(documents(h, BOB.id)[-1][1]).walk("VEVENT")
    assert event["sequence"] == 1 and str(event["url"]) == LINK  # replaces the one he added
    moved = [c for c, ics in documents(h, GROUP.id) if "SEQUENCE:1" in ics]
    assert len(moved) == 1 and "19:30" in moved[0]

    await h.say(MARIA, f"/meetup_cancel {meetup.id}", GROUP)
    await deliver(h)
    post = await invitation(h, meetup.id)
    assert post["text"].startswith("❌") and buttons(post) == []
    for user in (BOB, MARIA):  # going and can't alike
        assert "METHOD:CANCEL" in documents(h, user.id)[-1][1]
    assert "METHOD:CANCEL" in documents(h, GROUP.id)[-1][1]
    assert (await h.one(select(Meetup))).status == "cancelled"
    await h.say(MARIA, f"/meetup_cancel {meetup.id}", GROUP)
    assert h.last_text(GROUP.id) == (  # María reads Spanish
        "Ese encuentro ya terminó o fue cancelado. No se cambió nada."
    )
    await h.say(ALICE, "/meetups", GROUP)
    assert "None planned" in h.last_text(GROUP.id)


async def test_meetups_lists_the_upcoming_ones(h: Harness) -> None:
    await moderated(h)
    meetup = await plan(h)
    await deliver(h)
    await rsvp(h, ALICE, "maybe", meetup)
    await h.say(ALICE, "/meetups", GROUP)
    listing = h.last_text(GROUP.id)
    assert f"#{meetup.id} Budget calendars, Tue 10 Nov 2026, 18:00 (UTC)" in listing
    assert "✅ 0 · 🤔 1 · ❌ 0" in listing


async def test_bad_times_links_and_rights_change_nothing(h: Harness) -> None:
    await moderated(h)
    h.fake.set_chat_member(GROUP, BOB, "administrator")  # an English-speaking moderator
    await h.say(ALICE, "/meetup", GROUP)
    assert h.last_text(GROUP.id) == (
        "Only the group's administrators can manage its meetups. Nothing was changed."
    )
    await open_dialog(h, BOB)
    assert "called" in h.last_text(BOB.id)
    await h.say(BOB, "Budget calendars")
    assert "UTC" in h.last_text(BOB.id) and "09.11.2026 18:00" in h.last_text(BOB.id)
    await h.say(BOB, "31.02.2027 10:00")
    assert h.last_text(BOB.id).startswith("There is no such day in the calendar.")
    await h.say(BOB, "01.11.2026 10:00")
    assert h.last_text(BOB.id).startswith("That time has already passed in UTC.")
    await h.say(BOB, "next tuesday")
    assert h.last_text(BOB.id).startswith("I could not read that date and time.")
    await h.say(BOB, "10.11.2026 18:00")
    await h.say(BOB, "ninety")
    assert "number of minutes" in h.last_text(BOB.id)
    await h.say(BOB, "90")
    await tap(h, BOB, "md:description:skip")
    assert "Zoom, Google Meet or Jitsi" in h.last_text(BOB.id)
    await h.say(BOB, "https://evil.example/j/1")
    assert h.last_text(BOB.id).startswith("I can only take an https link")
    await h.say(BOB, "/cancel")
    assert h.last_text(BOB.id) == "Cancelled. No meetup was created."
    assert await h.all(select(Meetup)) == []
    assert h.fake.sent_messages(GROUP.id)[-1]["text"].startswith("Let's plan")

    # Rights are asked again at confirmation: Bob stopped being an administrator meanwhile.
    await open_dialog(h, BOB)
    for text in ("Budget calendars", "10.11.2026 18:00", "90", "-", LINK):
        await h.say(BOB, text)
    await tap(h, BOB, "md:public:no")
    await tap(h, BOB, "md:repeat:weekly")
    await h.set_status(BOB, "member")
    await tap(h, BOB, "md:confirm:create")
    assert "Only the group's administrators" in h.last_text(BOB.id)
    assert await h.all(select(Meetup)) == []

    await h.say(MARIA, "/meetup_move 99 12.11.2026 18:00", GROUP)
    assert h.last_text(GROUP.id).startswith("No hay tal encuentro en este grupo")
    await h.say(ALICE, "/meetup_cancel 1", GROUP)
    assert "Only the group's administrators" in h.last_text(GROUP.id)


async def test_an_unknown_timezone_is_explained(h: Harness) -> None:
    await moderated(h)
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    async with h.db.session() as session:
        community = await session.scalar(select(Community))
        community.timezone = "Mars/Olympus_Mons"
        await session.commit()
    await open_dialog(h, BOB)
    await h.say(BOB, "Budget calendars")
    assert h.last_text(BOB.id) == (
        "The group's timezone, Mars/Olympus_Mons, is unknown to me, so I cannot read times in "
        "it. Nothing was changed."
    )
    await h.say(BOB, "10.11.2026 18:00")  # the dialog is over: nothing is created
    assert await h.all(select(Meetup)) == []


async def test_a_forged_button_of_another_group_changes_nothing(h: Harness) -> None:
    await moderated(h)
    await moderated(h, OTHER)
    other = await plan(h, group=OTHER)
    mine = await plan(h)
    await deliver(h)
    post = await invitation(h, mine.id)
    await h.send(h.fake.callback(ALICE, post, f"mt:going:{other.id}"))
    assert h.last_answer()["show_alert"] and "no such meetup" in h.last_answer()["text"]
    await h.send(h.fake.callback(ALICE, post, f"mt:yes:{mine.id}"))
    assert h.last_answer()["show_alert"]
    assert await h.all(select(MeetupRsvp)) == []
    assert counts(await invitation(h, mine.id)) == [0, 0, 0]


async def test_a_move_to_a_bad_time_is_refused(h: Harness) -> None:
    await moderated(h)
    meetup = await plan(h)
    await h.say(MARIA, f"/meetup_move {meetup.id} 31.02.2027 10:00", GROUP)
    await h.say(MARIA, f"/meetup_move {meetup.id} 01.11.2026 10:00", GROUP)
    assert (await h.one(select(Meetup))).starts_at == meetup.starts_at
    assert (await h.one(select(Meetup))).sequence == 0


@pytest.fixture
async def zoom() -> AsyncIterator[FakeZoom]:
    server = FakeZoom()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def hz(
    fake: FakeTelegramAPI, db: Database, clock: FakeClock, database_url: str, zoom: FakeZoom
) -> AsyncIterator[Harness]:
    """The bot with Zoom configured (ZOOM_API_URL pointing at the fake Zoom)."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=fake.token,
        telegram_api_url=fake.url,
        database_url=database_url,
        zoom_account_id=zoom.account_id,
        zoom_client_id=zoom.client_id,
        zoom_client_secret=zoom.client_secret,
        zoom_api_url=zoom.url,
    )

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    bot = create_bot(settings, session=fake.create_session(), sleep=sleep)
    dp = create_dispatcher(settings, db, clock, storage=MemoryStorage(), with_scheduler=False)
    yield Harness(fake, bot, dp, db, clock, settings)
    await bot.session.close()


async def test_a_zoom_meeting_is_created_and_a_failing_zoom_asks_for_a_link(
    hz: Harness, zoom: FakeZoom
) -> None:
    h = hz
    await moderated(h)
    meetup = await plan(h, link=None)
    [body] = zoom.meetings
    assert body["topic"] == "Budget calendars" and body["start_time"] == "2026-11-10T18:00:00Z"
    assert body["duration"] == 90 and re.fullmatch(
        r"https://us05web\.zoom\.us/j/\d+", meetup.join_url
    )

    zoom.failing = 3  # Zoom is down: María is asked for a link, then it goes on
    await open_dialog(h)
    for text in ("Second call", "12.11.2026 18:00", "45", "-"):
        await h.say(MARIA, text)
    await tap(h, MARIA, "md:link:zoom")
    await tap(h, MARIA, "md:public:yes")
    await tap(h, MARIA, "md:repeat:none")
    await tap(h, MARIA, "md:confirm:create")
    assert len(await h.all(select(Meetup))) == 1
    assert "Zoom" in h.replies(MARIA.id)[-2]  # said politely, then a link is asked for
    await h.say(MARIA, "https://meet.jit.si/PlannersOfPeru")
    await tap(h, MARIA, "md:confirm:create")  # public and repeat were answered already
    second = await h.one(select(Meetup).order_by(Meetup.id.desc()).limit(1))
    assert second.title == "Second call" and second.join_url == "https://meet.jit.si/PlannersOfPeru"
    assert second.public_link
    await deliver(h)
    assert "https://meet.jit.si/PlannersOfPeru" in (await invitation(h, second.id))["text"]
    assert "meet.jit.si" not in documents(h, GROUP.id)[-1][1]  # a file travels further


async def test_a_weekly_meetup_invites_to_its_next_occurrence_once(h: Harness) -> None:
    await moderated(h)
    meetup = await plan(h, repeat="weekly")
    await deliver(h)
    h.clock.current = meetup.starts_at.replace(minute=1)

    async def recur() -> int:
        return await jobs.recur_meetups(h.bot, h.db, h.clock, h.settings, h.dp["i18n"])

    assert (await recur(), await recur()) == (1, 0)
    await deliver(h)
    nxt = await h.one(select(Meetup).where(Meetup.id != meetup.id))
    assert "mar 17 nov 2026, 18:00 (UTC)" in (await invitation(h, nxt.id))["text"]
    assert nxt.group_message_id is not None
    community = await h.one(select(Community))
    assert nxt.community_id == community.id
