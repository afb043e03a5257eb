"""Rendering shared by several handler modules."""

import re
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.services.availability import clock_time, zone_label
from bot.services.profiles import Availability, Profile
from bot.services.questions import units
from handlers.keyboards.profile import LANGUAGE_NAMES

PAGE = 4000  # UTF-16 units of one message: Telegram's 4096, less some room


def pages(header: str, items: list[str], separator: str = "\n") -> list[str]:
    """The header and the items in as many messages as it takes, each within PAGE (an item
    longer than a page is cut)."""
    chunks: list[list[str]] = [[header]]
    size = units(header)
    for item in items:
        if units(item) > PAGE:
            # Half the units is safe with surrogate pairs; no entity (&amp;) is left cut.
            item = re.sub(r"&[#\w]*$", "", item[: PAGE // 2]) + "…"
        if size + units(item) + units(separator) > PAGE:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += units(item) + units(separator)
    return [separator.join(chunk) for chunk in chunks]


def profile_card(profile: Profile) -> str:
    name = escape(profile.first_name, quote=False)
    if profile.username:
        name += f" (@{escape(profile.username, quote=False)})"
    none = _("not set yet")
    topics = ", ".join(escape(t, quote=False) for t in profile.tags) or none
    languages = ", ".join(LANGUAGE_NAMES[c] for c in profile.spoken_languages) or none
    bio = escape(profile.bio, quote=False) if profile.bio else none
    lines = [_("<b>Name:</b> {name}").format(name=name)]
    if profile.community is not None:
        title = escape(profile.community.title, quote=False)
        lines.append(_("<b>Community:</b> {title}").format(title=title))
        lines.append(_("<b>Topics:</b> {topics}").format(topics=topics))
    lines.append(_("<b>Languages:</b> {languages}").format(languages=languages))
    lines.append(_("<b>Bio:</b> {bio}").format(bio=bio))
    if profile.availability is not None:
        lines += availability_lines(profile.availability)
    return "\n".join(lines)


def quiet_hours_text(availability: Availability) -> str:
    """`22:00–07:00 (Europe/Madrid)`; without a zone, says they are read in UTC."""
    if availability.quiet is None:
        return _("none")
    start, end = (clock_time(m) for m in availability.quiet)
    if availability.timezone is None:
        return _("{start}–{end} (UTC, as your time zone is not set)").format(start=start, end=end)
    return f"{start}–{end} ({escape(zone_label(availability.timezone), quote=False)})"


def availability_lines(availability: Availability) -> list[str]:
    zone = (
        escape(zone_label(availability.timezone), quote=False)
        if availability.timezone
        else _("not set yet (UTC is used)")
    )
    questions = (
        _("paused: nobody will ask you until you resume") if availability.paused else _("welcome")
    )
    return [
        _("<b>Time zone:</b> {zone}").format(zone=zone),
        _("<b>Quiet hours:</b> {hours}").format(hours=quiet_hours_text(availability)),
        _("<b>Questions to me:</b> {state}").format(state=questions),
    ]
