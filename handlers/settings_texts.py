"""What the /settings menu and its steps say."""

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.services.availability import (
    AvailabilityError,
    BadOffset,
    BadQuietTime,
    EmptyQuietHours,
    UnknownTimezone,
    clock_time,
    zone_label,
)
from bot.services.settings import MAX_WELCOME, SettingsView
from handlers.keyboards.settings import LANGUAGE_NAMES


def _on_off(enabled: bool) -> str:
    return _("on") if enabled else _("off")


def _topic(thread_id: int | None) -> str:
    if thread_id is None:
        return _("where the schedule or meetup was made")
    return _("topic {id}").format(id=thread_id)


def menu_text(view: SettingsView) -> str:
    quiet = f"{clock_time(view.quiet[0])}–{clock_time(view.quiet[1])}" if view.quiet else _("none")
    lines = [
        _("<b>Settings of {title}</b>").format(title=escape(view.title)),
        _("Language: {value}").format(value=LANGUAGE_NAMES.get(view.language, view.language)),
        _("Timezone: {value}").format(value=escape(zone_label(view.timezone))),
        _("Peers asked per round: {value}").format(value=view.routing_fanout),
        _("Next round after: {value} h").format(value=view.escalation_hours),
        _("Quiet hours for members without their own: {value}").format(value=quiet),
        _("Open answering: {value}").format(value=_on_off(view.open_answering)),
        _("FAQ verification: {value}").format(value=_on_off(view.faq_verification)),
        _("Welcome text: {value}").format(
            value=_("the default") if view.welcome_text is None else _("the group's own")
        ),
    ]
    if view.is_forum:
        lines += [
            _("Prompts and the digest go to: {value}").format(value=_topic(view.prompt_thread_id)),
            _("Meetup invitations go to: {value}").format(value=_topic(view.meetup_thread_id)),
            _("To choose a topic, send /settings in it."),
        ]
    return "\n".join(lines)


def choices_text(which: str) -> str:
    return {
        "lang": _("The language I use in the group:"),
        "fan": _("How many members I ask about each question, per round:"),
        "esc": _("How many hours a round waits for an answer before I ask more members:"),
        "wel": _("The welcome I post for newcomers:"),
    }[which]


def ask_text(which: str, view: SettingsView) -> str:
    title = escape(view.title)
    if which == "tz":
        return _(
            "Send the timezone of {title} as a name like Europe/Madrid or America/Lima (a city "
            "or UTC+3 work too), or /cancel. Now: {value}."
        ).format(title=title, value=escape(zone_label(view.timezone)))
    if which == "quiet":
        return _(
            "Send the quiet hours of {title} for members who set none of their own, like "
            "22:00-07:00, or off for none; or /cancel. They are read in each member's timezone "
            "(the group's, for members without one)."
        ).format(title=title)
    return _(
        "Send the welcome text for newcomers to {title} (up to {limit} characters), or "
        "/cancel. I put the newcomers' names before it."
    ).format(title=title, limit=MAX_WELCOME)


def bad_value(error: Exception) -> str:
    if isinstance(error, BadOffset):
        text = _("No place uses that offset. Try a city or a name like Europe/Madrid.")
    elif isinstance(error, UnknownTimezone):
        text = _("I don't know that timezone. Send a name like Europe/Madrid or America/Lima.")
    elif isinstance(error, BadQuietTime | EmptyQuietHours):
        text = _("Those hours don't work: use two different times, like 22:00-07:00.")
    elif isinstance(error, AvailabilityError):
        text = _("Send the hours like 22:00-07:00, or off.")
    else:
        text = _("That is too long: up to {limit} characters.").format(limit=MAX_WELCOME)
    return text + " " + _("Nothing was changed; send it again, or /cancel.")


def saved() -> str:
    return _("Saved.")


def not_a_moderator() -> str:
    return _("Only the group's administrators can change its settings. Nothing was changed.")


def bad_button() -> str:
    return _("That button is out of date. Send /settings again. Nothing was changed.")


def no_private_chat() -> str:
    return _(
        "I can't write to you privately yet. Open a chat with me (tap my name, then Start) "
        "and press the button again."
    )


def asked_privately() -> str:
    return _("I asked you in our private chat.")
