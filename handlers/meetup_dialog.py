"""The /meetup dialog, in the moderator's private chat (the group is not flooded): title → date
and time in the community's timezone → duration → description (or skip) → link (or a Zoom
meeting, when Zoom is configured) → public or private link → repeat → confirm. Each step
checks what was typed and asks again; FSM data holds only JSON values (Redis may keep it).
Nothing is created (not even the Zoom meeting) until confirmed, and the moderator's rights are
asked of Telegram again then."""

import logging
from datetime import datetime, timedelta
from html import escape
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.config import Settings
from bot.meetup_messages import MeetupWriter, local_time
from bot.rights import Rights
from bot.schedules import BadDateTime, UnknownTimezone, parse_local_datetime, zone
from bot.services.communities import CommunitiesService, CommunityView
from bot.services.meetups import (
    MAX_DESCRIPTION,
    MAX_MINUTES,
    MAX_TITLE,
    MIN_MINUTES,
    BadLink,
    MeetupError,
    MeetupsService,
    checked_link,
)
from bot.services.members import Actor
from bot.zoom import ZoomClient, ZoomError
from handlers.faq_admin.dialogs import is_skip
from handlers.keyboards.meetups import (
    MeetupStepCb,
    confirm_keyboard,
    public_keyboard,
    repeat_keyboard,
    skip_keyboard,
    zoom_keyboard,
)
from handlers.meetup_texts import bad_time, link_refused, meetup_error, not_a_moderator
from handlers.questions import drop_buttons
from handlers.rights import dialog_community

log = logging.getLogger(__name__)


class MeetupNew(StatesGroup):
    title = State()
    when = State()
    minutes = State()
    description = State()
    link = State()
    public = State()
    repeat = State()
    confirm = State()


async def begin(
    bot: Bot, state: FSMContext, user_id: int, community: CommunityView, thread_id: int | None
) -> None:
    await state.clear()
    await state.set_state(MeetupNew.title)
    await state.update_data(community_id=community.id, thread_id=thread_id)
    await bot.send_message(
        user_id,
        _(
            "A new meetup for {title}. What is it called? Send the title (up to {limit} "
            "characters), or /cancel."
        ).format(title=escape(community.title, quote=False), limit=MAX_TITLE),
    )


async def _community(state: FSMContext, communities: CommunitiesService) -> CommunityView | None:
    return await communities.by_id((await state.get_data())["community_id"])


def when_prompt(community: CommunityView, clock: Clock) -> str:
    """Ask for the date and time, with the timezone and an example a week from now."""
    example = (clock.now().astimezone(zone(community.timezone)) + timedelta(days=7)).date()
    return _(
        "When? Send the date and time in the group's timezone, {timezone}: e.g. "
        "{dotted} 18:00 or {iso} 18:00."
    ).format(
        timezone=escape(community.timezone),
        dotted=f"{example:%d.%m.%Y}",
        iso=f"{example:%Y-%m-%d}",
    )


async def st_title(
    message: Message, state: FSMContext, communities: CommunitiesService, clock: Clock
) -> None:
    title = " ".join((message.text or "").split())
    if not title or len(title) > MAX_TITLE:
        await message.answer(
            _("A title has 1 to {limit} characters. Send it again.").format(limit=MAX_TITLE)
        )
        return
    community = await _community(state, communities)
    if community is None:
        await _gone(message, state)
        return
    await state.update_data(title=title)
    await state.set_state(MeetupNew.when)
    try:
        await message.answer(when_prompt(community, clock))
    except UnknownTimezone:
        await state.clear()
        await message.answer(bad_time(UnknownTimezone(community.timezone), community))


async def st_when(
    message: Message, state: FSMContext, communities: CommunitiesService, clock: Clock
) -> None:
    community = await _community(state, communities)
    if community is None:
        await _gone(message, state)
        return
    text = " ".join((message.text or "").split())
    try:
        parse_local_datetime(text, community.timezone, clock.now())
    except (BadDateTime, UnknownTimezone) as error:
        await message.answer(bad_time(error, community))
        return
    await state.update_data(when=text)
    await state.set_state(MeetupNew.minutes)
    await message.answer(
        _("How long will it last, in minutes ({low} to {high})? E.g. 60.").format(
            low=MIN_MINUTES, high=MAX_MINUTES
        )
    )


async def st_minutes(message: Message, state: FSMContext, bot: Bot) -> None:
    text = (message.text or "").strip()
    minutes = int(text) if text.isdecimal() and len(text) < 6 else 0
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        await message.answer(
            _("Send the length as a number of minutes from {low} to {high}, e.g. 60.").format(
                low=MIN_MINUTES, high=MAX_MINUTES
            )
        )
        return
    await state.update_data(minutes=minutes)
    await state.set_state(MeetupNew.description)
    await _ask(
        bot,
        state,
        message.chat.id,
        _(
            "A few words on what it is about (up to {limit} characters), or skip: tap Skip "
            "or send -."
        ).format(limit=MAX_DESCRIPTION),
        skip_keyboard(),
    )


async def st_description(
    message: Message, state: FSMContext, bot: Bot, zoom: ZoomClient | None = None
) -> None:
    text = (message.text or "").strip()
    if len(text) > MAX_DESCRIPTION:
        await message.answer(
            _("That is longer than {limit} characters. Send a shorter one, or -.").format(
                limit=MAX_DESCRIPTION
            )
        )
        return
    await state.update_data(description="" if is_skip(text) else text)
    await ask_link(bot, state, message.chat.id, zoom is not None)


def zoom_ready(settings: Settings) -> bool:
    return bool(
        settings.zoom_account_id and settings.zoom_client_id and settings.zoom_client_secret
    )


async def ask_link(bot: Bot, state: FSMContext, chat_id: int, offer_zoom: bool) -> None:
    await state.set_state(MeetupNew.link)
    text = _("Send the link of the call: an https link to Zoom, Google Meet or Jitsi.")
    if offer_zoom:
        text = _("Shall I create a Zoom meeting? Tap the button, or send a link of your own.")
    await _ask(bot, state, chat_id, text, zoom_keyboard() if offer_zoom else None)


async def st_link(message: Message, state: FSMContext, bot: Bot) -> None:
    try:
        link = checked_link(message.text or "")
    except BadLink:
        await message.answer(link_refused())
        return
    await state.update_data(link=link)
    await _after_link(bot, state, message.chat.id)


async def _after_link(bot: Bot, state: FSMContext, chat_id: int) -> None:
    """The next step not answered yet: a link given after Zoom failed goes to confirm."""
    data = await state.get_data()
    if "public" not in data:
        await state.set_state(MeetupNew.public)
        text = _("Show the link in the group, or send it only to those who answer Going or Maybe?")
        await _ask(bot, state, chat_id, text, public_keyboard())
    elif "repeat" not in data:
        await _ask_repeat(bot, state, chat_id)
    else:
        await _ask_confirm(bot, state, chat_id)


async def _ask_repeat(bot: Bot, state: FSMContext, chat_id: int) -> None:
    await state.set_state(MeetupNew.repeat)
    await _ask(bot, state, chat_id, _("Does it repeat?"), repeat_keyboard())


async def _ask_confirm(bot: Bot, state: FSMContext, chat_id: int) -> None:
    await state.set_state(MeetupNew.confirm)
    await _ask(bot, state, chat_id, await _summary(state), confirm_keyboard())


async def _summary(state: FSMContext) -> str:
    data = await state.get_data()
    link = _("a new Zoom meeting") if data.get("zoom") else escape(data["link"])
    repeat = {"weekly": _("every week"), "monthly": _("every month")}.get(data["repeat"], _("once"))
    lines = [
        _("Please check:"),
        "📅 <b>" + escape(data["title"], quote=False) + "</b>",
        _("🕒 {when}, {minutes} min, {repeat}").format(
            when=escape(data["when"]), minutes=data["minutes"], repeat=repeat
        ),
        _("🔗 {link} ({shown})").format(
            link=link,
            shown=_("shown in the group") if data["public"] else _("sent privately"),
        ),
    ]
    if data["description"]:
        lines += ["", escape(data["description"][:300], quote=False)]
    return "\n".join(lines)


async def _ask(
    bot: Bot, state: FSMContext, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    sent = await bot.send_message(chat_id, text, reply_markup=markup)
    await state.update_data(kb=sent.message_id if markup else None)


async def cb_step(
    query: CallbackQuery,
    callback_data: MeetupStepCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    rights: Rights,
    communities: CommunitiesService,
    meetups: MeetupsService,
    clock: Clock,
    i18n: I18n,
    zoom: ZoomClient | None = None,
) -> None:
    """A dialog button: only the one the current step showed counts."""
    data, current = await state.get_data(), await state.get_state()
    step = getattr(MeetupNew, callback_data.step, None) if callback_data.step.isalpha() else None
    fresh = query.message is not None and query.message.message_id == data.get("kb")
    if not isinstance(step, State) or current != step.state or not fresh:
        await query.answer(_("That button has expired."), show_alert=True)
        return
    choice, chat_id = callback_data.v, actor.user_id
    await query.answer()
    await drop_buttons(query)
    if step == MeetupNew.description and choice == "skip":
        await state.update_data(description="")
        await ask_link(bot, state, chat_id, zoom is not None)
    elif step == MeetupNew.link and choice == "zoom" and zoom is not None:
        await state.update_data(zoom=True, link=None)
        await _after_link(bot, state, chat_id)
    elif step == MeetupNew.public and choice in ("yes", "no"):
        await state.update_data(public=choice == "yes")
        await _ask_repeat(bot, state, chat_id)
    elif step == MeetupNew.repeat and choice in ("none", "weekly", "monthly"):
        await state.update_data(repeat=choice)
        await _ask_confirm(bot, state, chat_id)
    elif step == MeetupNew.confirm and choice == "cancel":
        await state.clear()
        await bot.send_message(chat_id, cancelled())
    elif step == MeetupNew.confirm and choice == "create":
        await finish(bot, state, actor, rights, communities, meetups, clock, i18n, zoom)
    else:
        await bot.send_message(chat_id, _("That button has expired."))


async def finish(
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    rights: Rights,
    communities: CommunitiesService,
    meetups: MeetupsService,
    clock: Clock,
    i18n: I18n,
    zoom: ZoomClient | None,
) -> None:
    """Confirmed: rights again, then the Zoom meeting (if asked for), then the meetup with its
    invitation queued for the group."""
    data = await state.get_data()
    community = await dialog_community(
        bot, rights, communities, state, actor.user_id, not_a_moderator()
    )
    if community is None:
        return
    try:
        starts = parse_local_datetime(data["when"], community.timezone, clock.now())
    except (BadDateTime, UnknownTimezone) as error:  # the time passed while confirming
        await state.set_state(MeetupNew.when)
        await bot.send_message(actor.user_id, bad_time(error, community))
        return
    link = data.get("link")
    if data.get("zoom"):
        link = await _zoom_link(bot, state, actor, zoom, community, data, starts)
        if link is None:
            return
    await state.clear()
    try:
        meetup = await meetups.create(
            community.id,
            actor.member_id,
            title=data["title"],
            when=data["when"],
            minutes=data["minutes"],
            link=link,
            description=data["description"],
            public_link=data["public"],
            recurrence=None if data["repeat"] == "none" else data["repeat"],
            thread_id=data.get("thread_id"),
            write=MeetupWriter(i18n, clock),
        )
    except MeetupError as error:
        await bot.send_message(actor.user_id, meetup_error(error))
        return
    await bot.send_message(
        actor.user_id,
        _(
            "Meetup #{id} is created for {when}; the invitation is on its way to {title}. "
            "Change it with /meetup_move {id} or /meetup_cancel {id} in the group."
        ).format(
            id=meetup.id,
            when=local_time(meetup.starts_at, community.timezone, actor.locale),
            title=escape(community.title, quote=False),
        ),
    )


async def _zoom_link(
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    zoom: ZoomClient | None,
    community: CommunityView,
    data: dict[str, Any],
    starts: datetime,
) -> str | None:
    """A new Zoom meeting's link; None when Zoom failed: then a link is asked for instead."""
    try:
        if zoom is None:
            raise ZoomError("not configured")
        meeting = await zoom.create_meeting(
            data["title"],
            starts,
            timedelta(minutes=data["minutes"]),
            community.timezone,
            data["description"],
        )
        return checked_link(meeting.join_url)
    except (ZoomError, BadLink) as error:
        log.warning("zoom meeting for community %s: %s", community.id, error)
    await state.update_data(zoom=False)
    await bot.send_message(
        actor.user_id,
        _("Sorry, Zoom could not create the meeting just now. Please send a link instead."),
    )
    await ask_link(bot, state, actor.user_id, offer_zoom=False)
    return None


def cancelled() -> str:
    return _("Cancelled. No meetup was created.")


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(cancelled())


async def st_not_text(message: Message) -> None:
    await message.answer(_("Please send text here, or /cancel."))


async def st_buttons(message: Message) -> None:
    await message.answer(_("Please tap one of the buttons above, or /cancel."))


async def _gone(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(not_a_moderator())


def steps() -> dict[State, Any]:
    """What typed text does at each step; the button steps ask for a button."""
    return {
        MeetupNew.title: st_title,
        MeetupNew.when: st_when,
        MeetupNew.minutes: st_minutes,
        MeetupNew.description: st_description,
        MeetupNew.link: st_link,
        MeetupNew.public: st_buttons,
        MeetupNew.repeat: st_buttons,
        MeetupNew.confirm: st_buttons,
    }
