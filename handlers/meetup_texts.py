"""What the meetup handlers say when something cannot be done: one wording per problem."""

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.schedules import BadDateTime, UnknownTimezone
from bot.services.communities import CommunityView
from bot.services.meetups import (
    MAX_MINUTES,
    MAX_TITLE,
    MIN_MINUTES,
    BadDuration,
    BadLink,
    BadTitle,
    MeetupClosed,
    MeetupError,
    UnknownMeetup,
)

MOVE_USAGE = "/meetup_move 3 15.12.2026 18:30"


def not_a_moderator() -> str:
    return _("Only the group's administrators can manage its meetups. Nothing was changed.")


def link_refused() -> str:
    return _(
        "I can only take an https link to a Zoom, Google Meet or Jitsi call, e.g. "
        "https://us02web.zoom.us/j/123456789 or https://meet.jit.si/OurGroup. Send it again."
    )


def bad_time(error: BadDateTime | UnknownTimezone, community: CommunityView) -> str:
    """Why a date and time cannot be the start, and how to write one."""
    timezone = escape(community.timezone)
    if isinstance(error, UnknownTimezone):
        return _(
            "The group's timezone, {timezone}, is unknown to me, so I cannot read times in "
            "it. Nothing was changed."
        ).format(timezone=timezone)
    reasons = {
        "date": _("There is no such day in the calendar."),
        "time": _("There is no such time of day: use 00:00 to 23:59."),
        "past": _("That time has already passed in {timezone}.").format(timezone=timezone),
        "gap": _("The clocks skip that time that day in {timezone}.").format(timezone=timezone),
    }
    reason = reasons.get(error.reason, _("I could not read that date and time."))
    return (
        reason
        + " "
        + _(
            "Send a date and time to come in {timezone}, e.g. 15.12.2026 18:00 or 2026-12-15 18:00."
        ).format(timezone=timezone)
    )


def meetup_error(error: MeetupError) -> str:
    if isinstance(error, BadTitle):
        return _("A title has 1 to {limit} characters.").format(limit=MAX_TITLE)
    if isinstance(error, BadDuration):
        return _("A meetup lasts {low} to {high} minutes.").format(
            low=MIN_MINUTES, high=MAX_MINUTES
        )
    if isinstance(error, BadLink):
        return link_refused()
    if isinstance(error, MeetupClosed):
        return _("That meetup is over or cancelled. Nothing was changed.")
    if isinstance(error, UnknownMeetup):
        return _("There is no such meetup in this group (see /meetups). Nothing was changed.")
    return _("That cannot be done. Nothing was changed.")
