"""/start (with deep links), /profile, /expertise and the profile card's buttons (those for
time zone, quiet hours and pausing questions, and /quiet, are in handlers/availability.py)."""

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import SUPPORTED_LANGUAGES
from bot.services.communities import CommunitiesService
from bot.services.members import Actor
from bot.services.profiles import Entry, NotInCommunity, ProfilesService
from bot.telegram import chat_member
from handlers import availability
from handlers.filters import private, private_buttons
from handlers.keyboards.profile import (
    LANGUAGE_NAMES,
    Act,
    ProfileCb,
    communities_keyboard,
    profile_keyboard,
    ui_language_keyboard,
)
from handlers.onboarding import begin_bio, begin_languages, begin_tags, stale, with_lead
from handlers.render import profile_card

log = logging.getLogger(__name__)

IN_GROUP = {"creator", "administrator", "member"}


async def _is_in_group(bot: Bot, chat_id: int, user_id: int) -> bool:
    member = await chat_member(bot, chat_id, user_id)
    if member is None:
        return False
    return member.status in IN_GROUP or bool(getattr(member, "is_member", False))


async def cmd_start_profile(
    message: Message,
    command: CommandObject,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    profiles: ProfilesService,
    communities: CommunitiesService,
) -> None:
    community = await communities.by_id(int(command.args.removeprefix("profile_")))
    if community is None:
        await message.answer(_("That link is no longer valid. Send /profile instead."))
        return
    if not await _is_in_group(bot, community.chat_id, actor.user_id):
        await message.answer(
            _(
                "I could not confirm that you are a member of {title}. Join the group first, "
                "then tap its button again."
            ).format(title=escape(community.title, quote=False))
        )
        return
    await profiles.confirm_member(actor.user_id, community.id)
    await state.clear()
    lead = _("Hi {name}! Let's set up your profile for {title}.").format(
        name=escape(message.from_user.first_name, quote=False),
        title=escape(community.title, quote=False),
    )
    step = await profiles.tag_step(actor.member_id, community.id)
    await begin_tags(bot, state, actor, step, single=False, lead=lead)


async def cmd_start(
    message: Message, bot: Bot, state: FSMContext, actor: Actor, profiles: ProfilesService
) -> None:
    await state.clear()
    lead = _(
        "Hi {name}! I connect members of peer-learning groups: questions asked in the "
        "group reach the people who know the topic. Let's set up your profile."
    ).format(name=escape(message.from_user.first_name, quote=False))
    await _start_for(bot, message, state, actor, profiles, purpose="o", lead=lead)


async def cmd_profile(
    message: Message, bot: Bot, state: FSMContext, actor: Actor, profiles: ProfilesService
) -> None:
    await state.clear()
    await _start_for(bot, message, state, actor, profiles, purpose="p")


async def cmd_expertise(
    message: Message, bot: Bot, state: FSMContext, actor: Actor, profiles: ProfilesService
) -> None:
    await state.clear()
    await _start_for(bot, message, state, actor, profiles, purpose="e")


async def _start_for(
    bot: Bot,
    message: Message,
    state: FSMContext,
    actor: Actor,
    profiles: ProfilesService,
    *,
    purpose: str,
    lead: str | None = None,
) -> None:
    """Onboarding ('o'), profile card ('p') or topics ('e'), in the member's community; with
    several communities the member picks one first. `lead` opens the first message."""
    entry = await profiles.entry(actor.member_id, purpose=purpose)
    if entry.must_pick:
        keyboard = communities_keyboard(entry.communities, purpose)
        text = with_lead(lead, _("Which community is this for?"))
        await message.answer(text, reply_markup=keyboard)
        return
    await _go(bot, state, actor, profiles, entry, purpose, lead=lead)


async def _go(
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    profiles: ProfilesService,
    entry: Entry,
    purpose: str,
    *,
    lead: str | None = None,
) -> None:
    if entry.profile is not None:
        paused = entry.profile.availability is not None and entry.profile.availability.paused
        await bot.send_message(
            actor.user_id,
            with_lead(lead, profile_card(entry.profile)),
            reply_markup=profile_keyboard(entry.community_id, paused=paused),
        )
    elif entry.tags is not None:
        await begin_tags(bot, state, actor, entry.tags, single=purpose == "e", lead=lead)
    else:
        text = with_lead(
            lead,
            _(
                "I don't know your group yet. Topics belong to a group: add me to your group, or "
                "tap the button in my welcome message there."
            ),
        )
        if purpose == "o":  # languages and bio do not need a group
            await begin_languages(bot, state, profiles, actor, lead=text)
        else:
            await bot.send_message(actor.user_id, text)


async def cb_pick_community(
    query: CallbackQuery,
    callback_data: ProfileCb,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    profiles: ProfilesService,
) -> None:
    if callback_data.code not in {"o", "p", "e"}:
        return await stale(query)
    try:
        entry = await profiles.entry(
            actor.member_id, purpose=callback_data.code, community_id=callback_data.id
        )
    except NotInCommunity:
        return await stale(query)
    await query.answer()
    await state.clear()
    await _go(bot, state, actor, profiles, entry, callback_data.code)


async def cb_edit_tags(
    query: CallbackQuery,
    callback_data: ProfileCb,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    profiles: ProfilesService,
) -> None:
    try:
        entry = await profiles.entry(actor.member_id, purpose="e", community_id=callback_data.id)
    except NotInCommunity:
        return await stale(query)
    await query.answer()
    await state.clear()
    await _go(bot, state, actor, profiles, entry, "e")


async def cb_edit_step(
    query: CallbackQuery,
    callback_data: ProfileCb,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    profiles: ProfilesService,
) -> None:
    """Edit languages or bio alone, then show the card of the community it was opened from."""
    if not await availability.own_community(profiles, actor, callback_data.id):
        return await stale(query)
    await query.answer()
    await state.clear()
    await state.update_data(single=True, community_id=callback_data.id or None)
    if callback_data.act == Act.EDIT_LANGS:
        await begin_languages(bot, state, profiles, actor)
    else:
        await begin_bio(bot, state, actor)


async def cb_ui_menu(query: CallbackQuery) -> None:
    await query.answer()
    await query.message.answer(
        _("Which language should I use with you?"), reply_markup=ui_language_keyboard()
    )


async def cb_ui_set(
    query: CallbackQuery,
    callback_data: ProfileCb,
    actor: Actor,
    profiles: ProfilesService,
    i18n: I18n,
) -> None:
    if callback_data.code not in SUPPORTED_LANGUAGES:
        return await stale(query)
    await profiles.set_ui_language(actor.user_id, callback_data.code)
    with i18n.use_locale(callback_data.code):
        await query.answer()
        await query.message.edit_text(
            _("Done: I will write to you in {language}.").format(
                language=LANGUAGE_NAMES[callback_data.code]
            )
        )


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(private)
    router.callback_query.filter(private_buttons)
    router.message.register(
        cmd_start_profile, CommandStart(deep_link=True, magic=F.args.regexp(r"^profile_(\d+)$"))
    )
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_profile, Command("profile"))
    router.message.register(cmd_expertise, Command("expertise"))
    router.callback_query.register(cb_pick_community, ProfileCb.filter(F.act == Act.PICK_COMMUNITY))
    router.callback_query.register(cb_edit_tags, ProfileCb.filter(F.act == Act.EDIT_TAGS))
    router.callback_query.register(
        cb_edit_step, ProfileCb.filter(F.act.in_({Act.EDIT_LANGS, Act.EDIT_BIO}))
    )
    router.callback_query.register(cb_ui_menu, ProfileCb.filter(F.act == Act.UI_MENU))
    router.callback_query.register(cb_ui_set, ProfileCb.filter(F.act == Act.UI_SET))
    router.include_router(availability.setup())  # time zone, quiet hours, pause; /quiet
    return router
