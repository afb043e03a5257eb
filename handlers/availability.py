"""When a member may be asked: time zone, quiet hours (also /quiet) and the pause on questions,
from the profile card. Each step saves once and shows the card again."""

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.services.availability import (
    AvailabilityError,
    BadOffset,
    BadQuietTime,
    EmptyQuietHours,
    UnknownTimezone,
    zone_label,
)
from bot.services.members import Actor
from bot.services.profiles import ProfilesService
from handlers.filters import where
from handlers.keyboards.profile import (
    Act,
    ProfileCb,
    profile_keyboard,
    quiet_keyboard,
    timezone_keyboard,
)
from handlers.onboarding import stale, with_lead
from handlers.render import profile_card, quiet_hours_text


class AvailabilityStep(StatesGroup):
    timezone = State()
    quiet = State()


def availability_error_text(error: AvailabilityError) -> str:
    if isinstance(error, UnknownTimezone):
        return _(
            "I don't know that time zone. Please type a name such as Europe/Madrid or "
            "America/Lima, an offset such as UTC+3, or tap a button above. Nothing was changed."
        )
    if isinstance(error, BadOffset):
        return _(
            "Offsets go from UTC-12 to UTC+14, in whole hours or the half hours some places "
            "use (such as +05:30). Nothing was changed."
        )
    if isinstance(error, BadQuietTime):
        return _("Hours go from 00 to 23 and minutes from 00 to 59, e.g. 22:00-07:30.")
    if isinstance(error, EmptyQuietHours):
        return _("Start and end are the same time. Send two different times, e.g. 22-07.")
    return _("Please send two times, from and to, e.g. 22-07 or 22:00-07:30, or “off”.")


async def own_community(profiles: ProfilesService, actor: Actor, community_id: int) -> bool:
    """Callback data is user input: 0 (no community) or one of the member's communities."""
    return community_id == 0 or community_id in {
        c.id for c in await profiles.communities_of(actor.user_id)
    }


async def show_card(
    bot: Bot, actor: Actor, profiles: ProfilesService, community_id: int | None, lead: str
) -> None:
    profile = await profiles.profile(actor.member_id, community_id)
    paused = profile.availability is not None and profile.availability.paused
    await bot.send_message(
        actor.user_id,
        with_lead(lead, profile_card(profile)),
        reply_markup=profile_keyboard(community_id, paused=paused),
    )


async def begin_quiet(
    bot: Bot, state: FSMContext, profiles: ProfilesService, actor: Actor, community_id: int | None
) -> None:
    now = await profiles.availability(actor.member_id)
    await state.set_state(AvailabilityStep.quiet)
    await state.update_data(community_id=community_id)
    ask = _(
        "When should I not send you questions? Send a start and an end, e.g. 22-07 or "
        "22:00-07:30, or “off” for none."
    )
    if now.timezone is None:
        where_ = _("I don't know your time zone yet, so the times are read in UTC.")
    else:
        where_ = _("The times are read in your time zone, {zone}.").format(
            zone=escape(zone_label(now.timezone), quote=False)
        )
    current = _("Now: {hours}").format(hours=quiet_hours_text(now))
    keyboard = quiet_keyboard(community_id, has_timezone=now.timezone is not None)
    await bot.send_message(actor.user_id, f"{ask}\n{where_}\n\n{current}", reply_markup=keyboard)


async def cmd_quiet(
    message: Message, bot: Bot, state: FSMContext, actor: Actor, profiles: ProfilesService
) -> None:
    await state.clear()
    mine = await profiles.communities_of(actor.user_id)
    await begin_quiet(bot, state, profiles, actor, mine[0].id if len(mine) == 1 else None)


async def cb_quiet_menu(
    query: CallbackQuery,
    callback_data: ProfileCb,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    profiles: ProfilesService,
) -> None:
    if not await own_community(profiles, actor, callback_data.id):
        return await stale(query)
    await query.answer()
    await state.clear()
    await begin_quiet(bot, state, profiles, actor, callback_data.id or None)


async def _save_quiet(
    bot: Bot, state: FSMContext, actor: Actor, profiles: ProfilesService, text: str
) -> str | None:
    """Save and show the card; on bad input, the reply to give (nothing changed)."""
    try:
        saved = await profiles.set_quiet_hours(actor.user_id, text)
    except AvailabilityError as error:
        return availability_error_text(error)
    data = await state.get_data()
    await state.clear()
    if saved.quiet is None:
        lead = _("Saved: questions may reach you at any time.")
    elif saved.timezone is None:
        lead = _(
            "Saved. Your time zone is not set, so these hours are read in UTC: tap “🌍 Time "
            "zone” below to use your own clock."
        )
    else:
        lead = _("Saved.")
    await show_card(bot, actor, profiles, data.get("community_id"), lead)
    return None


async def st_quiet(
    message: Message, bot: Bot, state: FSMContext, actor: Actor, profiles: ProfilesService
) -> None:
    error = await _save_quiet(bot, state, actor, profiles, message.text)
    if error:
        await message.answer(error)


async def cb_quiet_off(
    query: CallbackQuery, bot: Bot, state: FSMContext, actor: Actor, profiles: ProfilesService
) -> None:
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await _save_quiet(bot, state, actor, profiles, "off")


async def cb_timezone_menu(
    query: CallbackQuery,
    callback_data: ProfileCb,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    profiles: ProfilesService,
) -> None:
    if not await own_community(profiles, actor, callback_data.id):
        return await stale(query)
    await query.answer()
    await state.clear()
    await state.set_state(AvailabilityStep.timezone)
    # "q": opened from the quiet hours step, which comes back once the zone is set.
    await state.update_data(community_id=callback_data.id or None, then=callback_data.code)
    text = _(
        "Which time zone are you in? Type a name such as Europe/Madrid or America/Lima, or an "
        "offset such as UTC+3, or tap one below. /cancel leaves."
    )
    await bot.send_message(actor.user_id, text, reply_markup=timezone_keyboard())


async def _save_timezone(
    bot: Bot, state: FSMContext, actor: Actor, profiles: ProfilesService, text: str
) -> str | None:
    try:
        zone = await profiles.set_timezone(actor.user_id, text)
    except AvailabilityError as error:
        return availability_error_text(error)
    data = await state.get_data()
    await state.clear()
    saved = _("Saved: your time zone is {zone}.").format(zone=escape(zone_label(zone), quote=False))
    if data.get("then") == "q":
        await bot.send_message(actor.user_id, saved)
        await begin_quiet(bot, state, profiles, actor, data.get("community_id"))
    else:
        await show_card(bot, actor, profiles, data.get("community_id"), saved)
    return None


async def st_timezone(
    message: Message, bot: Bot, state: FSMContext, actor: Actor, profiles: ProfilesService
) -> None:
    error = await _save_timezone(bot, state, actor, profiles, message.text)
    if error:
        await message.answer(error)


async def cb_timezone_set(
    query: CallbackQuery,
    callback_data: ProfileCb,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    profiles: ProfilesService,
) -> None:
    error = await _save_timezone(bot, state, actor, profiles, callback_data.code)
    if error:  # a forged zone in the button
        return await stale(query)
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)


async def cb_pause(
    query: CallbackQuery, callback_data: ProfileCb, actor: Actor, profiles: ProfilesService
) -> None:
    """Sets the state the button names (not a toggle), so a repeated tap changes nothing."""
    if callback_data.code not in {"0", "1"} or not await own_community(
        profiles, actor, callback_data.id
    ):
        return await stale(query)
    paused = callback_data.code == "1"
    await profiles.set_paused(actor.user_id, paused)
    community_id = callback_data.id or None
    profile = await profiles.profile(actor.member_id, community_id)
    await query.answer(
        _("Paused: nobody will ask you questions until you resume.")
        if paused
        else _("Resumed: questions on your topics will reach you again.")
    )
    await query.message.edit_text(
        profile_card(profile), reply_markup=profile_keyboard(community_id, paused=paused)
    )


async def st_timezone_not_text(message: Message) -> None:
    await message.answer(_("Please type your time zone, or tap a button above. /cancel leaves."))


async def st_quiet_not_text(message: Message) -> None:
    await message.answer(
        _(
            "Please send your quiet hours as text, e.g. 22-07, or tap a button above. "
            "/cancel leaves."
        )
    )


def setup() -> Router:
    """Included in the profile router, whose private-chat filters it shares."""
    router = Router(name=__name__)
    zone, quiet = StateFilter(AvailabilityStep.timezone), StateFilter(AvailabilityStep.quiet)
    text, not_text, not_command = where(F.text), where(~F.text), where(~F.text.startswith("/"))
    router.message.register(cmd_quiet, Command("quiet"))
    router.message.register(st_timezone, zone, text, not_command)
    router.message.register(st_quiet, quiet, text, not_command)
    router.message.register(st_timezone_not_text, zone, not_text)
    router.message.register(st_quiet_not_text, quiet, not_text)
    buttons = router.callback_query.register
    buttons(cb_timezone_menu, ProfileCb.filter(F.act == Act.TZ_MENU))
    buttons(cb_timezone_set, zone, ProfileCb.filter(F.act == Act.TZ_SET))
    buttons(cb_quiet_menu, ProfileCb.filter(F.act == Act.QUIET_MENU))
    buttons(cb_quiet_off, quiet, ProfileCb.filter(F.act == Act.QUIET_OFF))
    buttons(cb_pause, ProfileCb.filter(F.act == Act.PAUSE))
    return router
