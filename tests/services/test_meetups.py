"""Meetups on both databases: times read in the community's timezone, the join link queued
privately once to those going or maybe, reminders claimed once, and moves and cancellations
told to everyone who answered."""

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.schedules import BadDateTime
from bot.services.meetups import (
    INVITE_KIND,
    BadDuration,
    BadLink,
    BadTitle,
    Counts,
    Letter,
    MeetupClosed,
    MeetupsService,
    Notice,
    UnknownMeetup,
    checked_link,
)
from storage.db import transaction
from storage.models import AuditEntry, Community, Meetup, Member, OutboxMessage
from tests.services.conftest import GROUP, identity

LINK = "https://us02web.zoom.us/j/81234567890?pwd=abc"
OTHER = GROUP.__class__(chat_id=-100999, title="Hydrologists", is_forum=False)


def write(notice: Notice) -> str:
    who = notice.member.first_name if notice.member else "group"
    return f"{notice.kind}:{notice.meetup.id}:{who}"


@pytest.fixture
async def people(services, db):
    ana = await services().members.seen(identity(1, "Ana"), GROUP, private=False)
    ben = await services().members.seen(identity(2, "Ben"), GROUP, private=False)
    cy = await services().members.seen(identity(3, "Cy"), GROUP, private=False)
    dan = await services().members.seen(identity(5, "Dan"), OTHER, private=False)
    async with db.session() as session, transaction(session, write=True):
        community = await session.get(Community, ana.community_id)
        community.timezone = "America/Lima"
        for m in (ana, ben):  # Cy never started the bot
            (await session.get(Member, m.member_id)).dm_available = True
    return {"ana": ana, "ben": ben, "cy": cy, "dan": dan, "c": ana.community_id}


async def outbox(db) -> list[tuple[int, str]]:
    async with db.session() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(m.chat_id, m.payload.get("text") or m.payload["caption"]) for m in rows]


async def create(services, people, when="15.12.2026 18:00", **kwargs):
    args = {"title": "Budget calendars", "when": when, "minutes": 90, "link": LINK, **kwargs}
    return await services().meetups.create(people["c"], people["ana"].member_id, **args)


async def test_a_meetup_starts_at_local_time_and_is_audited(services, people, db) -> None:
    meetup = await create(services, people)
    assert meetup.starts_at == datetime(2026, 12, 15, 23, 0, tzinfo=UTC)  # 18:00 in Lima
    assert [m.id for m in await services().meetups.upcoming(people["c"])] == [meetup.id]
    async with db.session() as session:
        (entry,) = await session.scalars(select(AuditEntry))
    assert (entry.action, entry.target_id) == ("meetup_add", meetup.id)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"when": "31.02.2026 18:00"}, BadDateTime),
        ({"when": "01.11.2026 18:00"}, BadDateTime),  # before the clock's now
        ({"title": "   "}, BadTitle),
        ({"minutes": 0}, BadDuration),
        ({"link": "http://zoom.us/j/1"}, BadLink),
        ({"link": "https://evil.example/j/1"}, BadLink),
    ],
)
async def test_bad_input_creates_nothing(services, people, db, changes, error) -> None:
    with pytest.raises(error):
        await create(services, people, **changes)
    assert await services().meetups.upcoming(people["c"]) == []


def test_links_to_known_call_services_only() -> None:
    assert checked_link(" https://meet.google.com/abc-defg-hij ") == (
        "https://meet.google.com/abc-defg-hij"
    )
    assert checked_link("https://meet.jit.si/PlannersOfPeru")
    assert checked_link("https://jitsi.example.org/room")
    for bad in ["https://zoom.us.evil.example/j/1", "zoom.us/j/1", "https://zoom.us/j/1 x"]:
        with pytest.raises(BadLink):
            checked_link(bad)


async def test_the_link_goes_once_privately_to_going_or_maybe(services, people, db) -> None:
    meetup = await create(services, people)
    meetups = services().meetups
    first = await meetups.rsvp(meetup.id, people["ana"].member_id, "going", write)
    again = await services().meetups.rsvp(meetup.id, people["ana"].member_id, "maybe", write)
    ben = await services().meetups.rsvp(meetup.id, people["ben"].member_id, "cant", write)
    cy = await services().meetups.rsvp(meetup.id, people["cy"].member_id, "going", write)
    assert (first.link, again.link, ben.link, cy.link) == ("queued", None, None, "unreachable")
    assert cy.counts == Counts(going=1, maybe=1, cant=1)
    assert await outbox(db) == [(1, f"link:{meetup.id}:Ana")]


async def test_reminders_are_claimed_once_and_reach_going_and_maybe(
    services, people, db, clock
) -> None:
    meetup = await create(services, people)
    await services().meetups.rsvp(meetup.id, people["ana"].member_id, "going", write)
    await services().meetups.rsvp(meetup.id, people["ben"].member_id, "cant", write)
    await services().meetups.rsvp(meetup.id, people["cy"].member_id, "maybe", write)
    before = len(await outbox(db))
    clock.current = meetup.starts_at - timedelta(hours=23)
    # Two instances at once: one of them reminds.
    claimed = await asyncio.gather(
        services().meetups.remind(write), services().meetups.remind(write)
    )
    assert sorted(claimed) == [0, 1]
    day = (await outbox(db))[before:]
    assert day == [
        (1, f"reminder_day:{meetup.id}:Ana"),
        (GROUP.chat_id, f"reminder_day:{meetup.id}:group"),
    ]
    clock.current = meetup.starts_at - timedelta(minutes=30)
    assert await services().meetups.remind(write) == 1
    assert await services().meetups.remind(write) == 0
    assert [t for _, t in (await outbox(db))[before + 2 :]] == [
        f"reminder_hour:{meetup.id}:Ana",
        f"reminder_hour:{meetup.id}:group",
    ]


async def test_a_move_tells_everyone_who_answered_and_reminds_again(
    services, people, db, clock
) -> None:
    meetup = await create(services, people)
    for who, answer in (("ana", "going"), ("ben", "cant")):
        await services().meetups.rsvp(meetup.id, people[who].member_id, answer, write)
    clock.current = meetup.starts_at - timedelta(hours=2)
    await services().meetups.remind(write)
    before = len(await outbox(db))
    moved = await services().meetups.move(
        people["c"], meetup.id, people["ana"].member_id, "16.12.2026 18:00", write
    )
    assert moved.starts_at == meetup.starts_at + timedelta(days=1) and moved.sequence == 1
    assert [t for _, t in (await outbox(db))[before:]] == [
        f"moved:{meetup.id}:Ana",
        f"moved:{meetup.id}:Ben",
        f"moved:{meetup.id}:group",
    ]
    clock.current = moved.starts_at - timedelta(hours=2)
    assert await services().meetups.remind(write) == 1  # the day's reminder, for the new time


async def test_a_cancelled_meetup_takes_no_answers_and_another_group_cannot_touch_it(
    services, people, db
) -> None:
    meetup = await create(services, people)
    await services().meetups.rsvp(meetup.id, people["ben"].member_id, "maybe", write)
    with pytest.raises(UnknownMeetup):
        await services().meetups.cancel(people["dan"].community_id, meetup.id, None, write)
    await services().meetups.cancel(people["c"], meetup.id, people["ana"].member_id, write)
    assert (await outbox(db))[-2:] == [
        (2, f"cancelled:{meetup.id}:Ben"),
        (GROUP.chat_id, f"cancelled:{meetup.id}:group"),
    ]
    with pytest.raises(MeetupClosed):
        await services().meetups.rsvp(meetup.id, people["ana"].member_id, "going", write)
    with pytest.raises(MeetupClosed):
        await services().meetups.cancel(people["c"], meetup.id, None, write)
    assert await services().meetups.upcoming(people["c"]) == []


def letters(notice: Notice) -> str | Letter:
    """What the bot's writer does: the group's invitation with buttons, its calendar a file;
    the group's reminder names those who cannot be messaged."""
    if notice.kind == "invitation":
        return Letter(f"invite:{notice.meetup.id}", reply_markup={"inline_keyboard": []})
    if notice.kind == "calendar":
        return Letter(f"ics:{notice.meetup.id}", document=("meetup.ics", "BEGIN:VCALENDAR"))
    names = ",".join(m.first_name for m in notice.unreachable)
    return write(notice) + (f":{names}" if names else "")


async def test_the_invitation_and_its_calendar_are_queued_with_the_meetup(
    services, people, db, clock
) -> None:
    meetup = await create(services, people, thread_id=7, write=letters)
    async with db.session() as session:
        invite, ics = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    assert (invite.kind, invite.ref_id, invite.chat_id) == (INVITE_KIND, meetup.id, GROUP.chat_id)
    assert invite.payload["message_thread_id"] == 7 and "reply_markup" in invite.payload
    assert ics.payload["document"] == ["meetup.ics", "BEGIN:VCALENDAR"]
    async with db.session() as session, transaction(session, write=True):  # as delivery does
        await MeetupsService(session, clock).posted(meetup.id, 4242)
    assert (await services().meetups.meetup(people["c"], meetup.id)).group_message_id == 4242
    with pytest.raises(UnknownMeetup):  # another community's id is no meetup there
        await services().meetups.meetup(people["dan"].community_id, meetup.id)


async def test_a_button_of_another_community_is_no_meetup_there(services, people, db) -> None:
    meetup = await create(services, people)
    with pytest.raises(UnknownMeetup):
        await services().meetups.rsvp(
            meetup.id,
            people["dan"].member_id,
            "going",
            write,
            community_id=people["dan"].community_id,
        )
    assert await services().meetups.counts(meetup.id) == Counts()


async def test_the_group_reminder_names_those_who_cannot_be_messaged(
    services, people, db, clock
) -> None:
    meetup = await create(services, people)
    await services().meetups.rsvp(meetup.id, people["ana"].member_id, "going", letters)
    await services().meetups.rsvp(meetup.id, people["cy"].member_id, "maybe", letters)
    await services().meetups.rsvp(meetup.id, people["ben"].member_id, "cant", letters)
    clock.current = meetup.starts_at - timedelta(minutes=50)
    assert await services().meetups.remind(letters) == 1  # the day's is late: the hour's only
    texts = [t for _, t in await outbox(db)]
    assert f"reminder_hour:{meetup.id}:group:Cy" in texts
    assert f"reminder_hour:{meetup.id}:Ana" in texts and not any(":Ben" in t for t in texts)


async def test_a_weekly_meetup_recurs_once_at_the_same_local_time_across_dst(
    services, people, db, clock
) -> None:
    async with db.session() as session, transaction(session, write=True):
        (await session.get(Community, people["c"])).timezone = "Europe/Berlin"
    clock.current = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
    meetup = await create(services, people, when="23.03.2027 18:00", recurrence="weekly")
    assert meetup.starts_at == datetime(2027, 3, 23, 17, 0, tzinfo=UTC)  # CET
    assert await services().meetups.recur(letters) == 0  # not started yet
    clock.current = meetup.starts_at + timedelta(minutes=1)
    # Two instances (or a restart) at once: one next occurrence.
    created = await asyncio.gather(
        services().meetups.recur(letters), services().meetups.recur(letters)
    )
    assert sorted(created) == [0, 1]
    assert await services().meetups.recur(letters) == 0
    async with db.session() as session:
        rows = list(await session.scalars(select(Meetup).order_by(Meetup.id)))
    assert [m.starts_at for m in rows] == [
        meetup.starts_at,
        datetime(2027, 3, 30, 16, 0, tzinfo=UTC),  # 18:00 CEST: the clocks moved on the 28th
    ]
    assert rows[1].recurrence == "weekly" and rows[1].series_starts_at == meetup.starts_at
    assert [t for _, t in await outbox(db)][-2:] == [f"invite:{rows[1].id}", f"ics:{rows[1].id}"]


async def test_a_monthly_meetup_keeps_its_weekday_of_the_month(services, people, db, clock):
    async with db.session() as session, transaction(session, write=True):
        (await session.get(Community, people["c"])).timezone = "Europe/Berlin"
    clock.current = datetime(2027, 1, 2, tzinfo=UTC)
    meetup = await create(services, people, when="29.01.2027 18:00", recurrence="monthly")
    starts = []
    for _ in range(3):  # the fifth Friday becomes the last Friday of each month
        async with db.session() as session:
            latest = await session.scalar(select(Meetup).order_by(Meetup.id.desc()).limit(1))
        clock.current = latest.starts_at + timedelta(minutes=5)
        assert await services().meetups.recur(letters) == 1
        async with db.session() as session:
            starts.append(await session.scalar(select(func.max(Meetup.starts_at))))
    berlin = [s.astimezone(ZoneInfo("Europe/Berlin")) for s in starts]
    assert [f"{b:%a %d.%m %H:%M}" for b in berlin] == [
        "Fri 26.02 18:00",
        "Fri 26.03 18:00",
        "Fri 30.04 18:00",
    ]
    assert meetup.recurrence == "monthly"


async def test_a_cancelled_recurring_meetup_ends_its_series(services, people, db, clock) -> None:
    meetup = await create(services, people, recurrence="weekly")
    await services().meetups.cancel(people["c"], meetup.id, None, write)
    clock.current = meetup.starts_at + timedelta(minutes=1)
    assert await services().meetups.recur(letters) == 0


async def test_a_meetup_announced_within_a_reminder_window_skips_that_reminder(
    services, people, db, clock
) -> None:
    """Created 20 hours ahead: the invitation says when it is, so no "tomorrow" reminder comes
    right after it; the hour's reminder still does. One created 30 minutes ahead gets none."""
    soon = clock.now() + timedelta(hours=20)
    when = soon.astimezone(ZoneInfo("America/Lima")).strftime("%d.%m.%Y %H:%M")
    meetup = await create(services, people, when=when)
    await services().meetups.rsvp(meetup.id, people["ana"].member_id, "going", write)
    before = len(await outbox(db))
    clock.advance(minutes=1)
    assert await services().meetups.remind(write) == 0
    clock.current = meetup.starts_at - timedelta(minutes=59)
    assert await services().meetups.remind(write) == 1
    assert [t for _, t in (await outbox(db))[before:]] == [
        f"reminder_hour:{meetup.id}:Ana",
        f"reminder_hour:{meetup.id}:group",
    ]
    imminent = clock.now() + timedelta(minutes=30)
    when = imminent.astimezone(ZoneInfo("America/Lima")).strftime("%d.%m.%Y %H:%M")
    await create(services, people, when=when)
    clock.advance(minutes=1)
    assert await services().meetups.remind(write) == 0


async def test_after_a_downtime_only_the_hours_reminder_goes(services, people, db, clock) -> None:
    meetup = await create(services, people)
    await services().meetups.rsvp(meetup.id, people["ana"].member_id, "going", write)
    before = len(await outbox(db))
    clock.current = meetup.starts_at - timedelta(minutes=20)  # down through the day's time
    await services().meetups.remind(write)
    assert [t for _, t in (await outbox(db))[before:]] == [
        f"reminder_hour:{meetup.id}:Ana",
        f"reminder_hour:{meetup.id}:group",
    ]
