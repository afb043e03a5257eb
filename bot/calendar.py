"""Meetup invitations as iCalendar files, for members to add to their calendars.

The start is written in UTC (one instant whatever the reader's calendar thinks of time zones)
with the community's time zone beside it (X-WR-TIMEZONE), so calendars that honour it show the
meetup as the group sees it. The UID is the meetup's own, so a moved or cancelled meetup
replaces the event already added (SEQUENCE grows with each change). The join link goes only
into the copy sent privately: a group's copy can be forwarded to anyone.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

PRODUCT = "-//peerbot//meetups//EN"


@dataclass(frozen=True, slots=True)
class CalendarMeetup:
    id: int
    title: str
    start: datetime  # aware, any zone: written in UTC
    duration: timedelta
    timezone: str  # IANA name of the community's time zone
    description: str = ""
    sequence: int = 0  # times it was moved (or cancelled)
    cancelled: bool = False


def uid(meetup_id: int, domain: str) -> str:
    return f"meetup-{meetup_id}@{domain}"


def meetup_ics(
    meetup: CalendarMeetup,
    *,
    now: datetime,
    domain: str = "peerbot",
    join_url: str | None = None,
) -> bytes:
    """The .ics file of `meetup`; `join_url` only for a member's private copy."""
    if meetup.start.tzinfo is None or now.tzinfo is None:
        raise ValueError("aware datetimes only")
    if meetup.duration <= timedelta(0):
        raise ValueError("a meetup lasts some time")
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if meetup.cancelled else "PUBLISH")
    calendar.add("x-wr-timezone", meetup.timezone)
    event = Event()
    event.add("uid", uid(meetup.id, domain))
    event.add("dtstamp", now.astimezone(UTC))
    start = meetup.start.astimezone(UTC)
    event.add("dtstart", start)
    event.add("dtend", start + meetup.duration)
    event.add("summary", meetup.title)
    event.add("sequence", meetup.sequence)
    event.add("status", "CANCELLED" if meetup.cancelled else "CONFIRMED")
    description = meetup.description
    if join_url:
        event.add("url", join_url)
        event.add("location", join_url)
        description = f"{description}\n\n{join_url}" if description else join_url
    if description:
        event.add("description", description)
    calendar.add_component(event)
    return calendar.to_ical()
