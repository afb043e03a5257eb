"""Meetup .ics files: calendars read them back as the same instant, the same event after a
move, and only a member's private copy holds the join link."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.calendar import CalendarMeetup, meetup_ics

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LIMA = ZoneInfo("America/Lima")
MEETUP = CalendarMeetup(
    id=7,
    title="Budget calendars: what worked",
    start=datetime(2026, 12, 15, 18, 0, tzinfo=LIMA),
    duration=timedelta(minutes=90),
    timezone="America/Lima",
    description="Bring one lesson; Zoom, 90 minutes, Spanish & English",
)


def event_of(ics: bytes):
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_the_start_is_the_same_instant_in_utc_with_the_groups_time_zone() -> None:
    calendar, event = event_of(meetup_ics(MEETUP, now=NOW))
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == datetime(2026, 12, 15, 23, 0, tzinfo=UTC)  # 18:00 in Lima
    assert start.utcoffset() == timedelta(0)
    assert end - start == timedelta(minutes=90)
    assert str(calendar["x-wr-timezone"]) == "America/Lima"
    assert str(event["summary"]) == "Budget calendars: what worked"
    assert "Spanish & English" in str(event["description"])
    assert str(event["status"]) == "CONFIRMED"


def test_the_group_copy_has_no_join_link_and_the_private_one_has() -> None:
    link = "https://us02web.zoom.us/j/123456789?pwd=secret"
    public = meetup_ics(MEETUP, now=NOW)
    private = meetup_ics(MEETUP, now=NOW, join_url=link)
    _, group_event = event_of(public)
    assert b"zoom.us" not in public and "url" not in group_event
    _, event = event_of(private)
    assert str(event["url"]) == link
    assert link in str(event["description"])


def test_a_moved_or_cancelled_meetup_replaces_the_same_event() -> None:
    _, first = event_of(meetup_ics(MEETUP, now=NOW))
    moved = replace(MEETUP, start=MEETUP.start + timedelta(days=1), sequence=1)
    _, second = event_of(meetup_ics(moved, now=NOW))
    assert str(second["uid"]) == str(first["uid"])
    assert int(second["sequence"]) > int(first["sequence"])
    assert second.decoded("dtstart") - first.decoded("dtstart") == timedelta(days=1)
    calendar, third = event_of(meetup_ics(replace(moved, cancelled=True, sequence=2), now=NOW))
    assert str(third["uid"]) == str(first["uid"])
    assert str(third["status"]) == "CANCELLED"
    assert str(calendar["method"]) == "CANCEL"


def test_naive_times_and_empty_meetups_are_refused() -> None:
    with pytest.raises(ValueError):
        meetup_ics(replace(MEETUP, start=datetime(2026, 12, 15, 18, 0)), now=NOW)
    with pytest.raises(ValueError):
        meetup_ics(replace(MEETUP, duration=timedelta(0)), now=NOW)
