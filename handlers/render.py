"""Rendering shared by several handler modules."""

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.services.profiles import Profile
from handlers.keyboards.profile import LANGUAGE_NAMES


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
    return "\n".join(lines)
