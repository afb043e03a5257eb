"""The profile dialog (FSM): topics → languages → bio. Each step is saved when it is done;
/cancel leaves with earlier steps kept and the current one untouched."""

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import SUPPORTED_LANGUAGES
from bot.delivery import Delivery
from bot.messages import invite_message
from bot.services.members import Actor
from bot.services.profiles import (
    BadTags,
    BioEmpty,
    BioTooLong,
    NoLanguages,
    NoTags,
    ProfileError,
    ProfilesService,
    TagChoice,
    TagStep,
    TooManyTags,
)
from bot.services.questions import QuestionsService
from bot.services.tags import MAX_TAGS
from handlers.filters import private, private_buttons, where
from handlers.keyboards.profile import (
    Act,
    ProfileCb,
    bio_keyboard,
    languages_keyboard,
    profile_keyboard,
    tags_keyboard,
)
from handlers.render import profile_card


class Onboarding(StatesGroup):
    tags = State()
    languages = State()
    bio = State()


def profile_error_text(error: ProfileError) -> str:
    if isinstance(error, TooManyTags):
        return _("That would be {count} topics; the limit is {limit}. Remove some first.").format(
            count=error.count, limit=error.limit
        )
    if isinstance(error, BadTags):
        parts = []
        if error.too_long:
            parts.append(_("Each topic can be at most 40 characters."))
        if error.invalid:
            parts.append(_("A topic needs at least one letter or digit."))
        return " ".join(parts) + " " + _("Nothing was added; please try again.")
    if isinstance(error, NoTags):
        return _("Please type topics as text, separated by commas, e.g. GIS, budgeting.")
    if isinstance(error, BioTooLong):
        return _("Your bio is {length} characters; please keep it to {limit}.").format(
            length=error.length, limit=error.limit
        )
    if isinstance(error, BioEmpty):
        return _("Please send your bio as text, or tap Skip.")
    if isinstance(error, NoLanguages):
        return _("Choose at least one language.")
    return _("That button has expired. Send /profile to start again.")


def with_lead(lead: str | None, text: str) -> str:
    """`text` after an opening paragraph (a greeting), so a dialog starts with one message."""
    return f"{lead}\n\n{text}" if lead else text


async def begin_tags(
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    step: TagStep,
    *,
    single: bool,
    lead: str | None = None,
) -> None:
    await state.set_state(Onboarding.tags)
    await state.update_data(
        community_id=step.community_id, selected=step.selected, free={}, single=single
    )
    await _send_tags(bot, state, actor.user_id, step.choices, step.selected, {}, lead=lead)


async def _show_tags(bot: Bot, state: FSMContext, profiles: ProfilesService, chat_id: int) -> None:
    data = await state.get_data()
    choices = await profiles.tag_choices(data["community_id"], data["selected"])
    await _send_tags(bot, state, chat_id, choices, data["selected"], data["free"])


async def _send_tags(
    bot: Bot,
    state: FSMContext,
    chat_id: int,
    choices: list[TagChoice],
    selected: list[int],
    free: dict[str, str],
    *,
    lead: str | None = None,
) -> None:
    text = with_lead(
        lead,
        _(
            "Which topics do you know well? Tap to select (up to 20), or type your own, "
            "separated by commas. Tap Done when finished."
        ),
    )
    if free:
        own = ", ".join(escape(label, quote=False) for label in free.values())
        text += "\n\n" + _("Your own topics: {topics}").format(topics=own)
    sent = await bot.send_message(chat_id, text, reply_markup=tags_keyboard(choices, set(selected)))
    await state.update_data(kb=sent.message_id)


async def begin_languages(
    bot: Bot, state: FSMContext, profiles: ProfilesService, actor: Actor, *, lead: str | None = None
) -> None:
    profile = await profiles.profile(actor.member_id, None)
    langs = profile.spoken_languages or [actor.locale]
    await state.set_state(Onboarding.languages)
    await state.update_data(langs=langs)
    sent = await bot.send_message(
        actor.user_id,
        with_lead(lead, _("Which languages do you speak?")),
        reply_markup=languages_keyboard(set(langs)),
    )
    await state.update_data(kb=sent.message_id)


async def begin_bio(bot: Bot, state: FSMContext, actor: Actor) -> None:
    await state.set_state(Onboarding.bio)
    sent = await bot.send_message(
        actor.user_id,
        _(
            "Now a short bio (up to 500 characters): your role, organisation and what you "
            "work on. Or tap Skip."
        ),
        reply_markup=bio_keyboard(),
    )
    await state.update_data(kb=sent.message_id)


async def finish(bot: Bot, state: FSMContext, profiles: ProfilesService, actor: Actor) -> None:
    data = await state.get_data()
    await state.clear()
    await profiles.finish_onboarding(actor.user_id)
    profile = await profiles.profile(actor.member_id, data.get("community_id"))
    text = _("All set! This is your profile:") + "\n\n" + profile_card(profile)
    community_id = profile.community.id if profile.community else None
    paused = profile.availability is not None and profile.availability.paused
    keyboard = profile_keyboard(community_id, paused=paused)
    await bot.send_message(actor.user_id, text, reply_markup=keyboard)


async def _is_current(query: CallbackQuery, state: FSMContext) -> bool:
    """Only the keyboard of the step we are in may act; older keyboards are stale."""
    data = await state.get_data()
    return query.message is not None and query.message.message_id == data.get("kb")


async def cb_toggle_tag(
    query: CallbackQuery,
    callback_data: ProfileCb,
    state: FSMContext,
    profiles: ProfilesService,
    actor: Actor,
) -> None:
    data = await state.get_data()
    if not await _is_current(query, state):
        return await stale(query)
    try:
        await profiles.check_tag(actor.user_id, data["community_id"], callback_data.id)
    except ProfileError as error:
        return await query.answer(profile_error_text(error), show_alert=True)
    selected = list(data["selected"])
    if callback_data.id in selected:
        selected.remove(callback_data.id)
    elif len(selected) + len(data["free"]) >= MAX_TAGS:
        too_many = TooManyTags(len(selected) + len(data["free"]) + 1)
        return await query.answer(profile_error_text(too_many), show_alert=True)
    else:
        selected.append(callback_data.id)
    await state.update_data(selected=selected)
    choices = await profiles.tag_choices(data["community_id"], selected)
    await query.message.edit_reply_markup(reply_markup=tags_keyboard(choices, set(selected)))
    await query.answer()


async def st_tags_text(
    message: Message, state: FSMContext, profiles: ProfilesService, bot: Bot
) -> None:
    data = await state.get_data()
    try:
        free = ProfilesService.add_free_tags(message.text, data["selected"], data["free"])
    except ProfileError as error:
        await message.answer(profile_error_text(error))
        return
    await state.update_data(free=free)
    await _show_tags(bot, state, profiles, message.chat.id)


async def cb_tags_done(
    query: CallbackQuery,
    state: FSMContext,
    profiles: ProfilesService,
    questions: QuestionsService,
    actor: Actor,
    bot: Bot,
    i18n: I18n,
    delivery: Delivery | None = None,
) -> None:
    if not await _is_current(query, state):
        return await stale(query)
    data = await state.get_data()
    try:
        labels = await profiles.save_tags(
            actor.user_id, data["community_id"], data["selected"], data["free"]
        )
    except ProfileError as error:
        return await query.answer(profile_error_text(error), show_alert=True)
    # Questions on these topics that nobody could be asked about are routed again.
    render = lambda invite: invite_message(i18n, invite)  # noqa: E731
    invited = await questions.route_waiting(data["community_id"], actor.member_id, render)
    if invited and delivery is not None:
        delivery.wake()
    await query.answer(_("Saved {count} topics.").format(count=len(labels)))
    await query.message.edit_reply_markup(reply_markup=None)
    if data.get("single"):
        return await finish(bot, state, profiles, actor)
    await begin_languages(bot, state, profiles, actor)


async def cb_toggle_lang(query: CallbackQuery, callback_data: ProfileCb, state: FSMContext) -> None:
    if not await _is_current(query, state) or callback_data.code not in SUPPORTED_LANGUAGES:
        return await stale(query)
    langs = set((await state.get_data())["langs"]) ^ {callback_data.code}
    await state.update_data(langs=sorted(langs))
    await query.message.edit_reply_markup(reply_markup=languages_keyboard(langs))
    await query.answer()


async def cb_langs_done(
    query: CallbackQuery, state: FSMContext, profiles: ProfilesService, actor: Actor, bot: Bot
) -> None:
    if not await _is_current(query, state):
        return await stale(query)
    data = await state.get_data()
    try:
        await profiles.save_languages(actor.user_id, data["langs"])
    except ProfileError as error:
        return await query.answer(profile_error_text(error), show_alert=True)
    await query.answer(_("Saved."))
    await query.message.edit_reply_markup(reply_markup=None)
    if data.get("single"):
        return await finish(bot, state, profiles, actor)
    await begin_bio(bot, state, actor)


async def st_bio(
    message: Message, state: FSMContext, profiles: ProfilesService, actor: Actor, bot: Bot
) -> None:
    try:
        await profiles.save_bio(actor.user_id, message.text)
    except ProfileError as error:
        await message.answer(profile_error_text(error))
        return
    await finish(bot, state, profiles, actor)


async def cb_skip_bio(
    query: CallbackQuery, state: FSMContext, profiles: ProfilesService, actor: Actor, bot: Bot
) -> None:
    if not await _is_current(query, state):
        return await stale(query)
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await finish(bot, state, profiles, actor)


async def st_not_text(message: Message) -> None:
    """Stickers, photos, voice notes where the step needs text."""
    await message.answer(_("Please send text here, or use the buttons above. /cancel leaves."))


async def st_languages_text(message: Message) -> None:
    await message.answer(_("Please choose with the buttons above, then tap Done."))


async def stale(query: CallbackQuery) -> None:
    await query.answer(_("That button has expired. Send /profile to start again."), show_alert=True)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(private)
    router.callback_query.filter(private_buttons)
    tags, langs, bio = (
        StateFilter(s) for s in (Onboarding.tags, Onboarding.languages, Onboarding.bio)
    )
    text, not_command = where(F.text), where(~F.text.startswith("/"))
    buttons = router.callback_query.register
    buttons(cb_toggle_tag, tags, ProfileCb.filter(F.act == Act.TOGGLE_TAG))
    buttons(cb_tags_done, tags, ProfileCb.filter(F.act == Act.TAGS_DONE))
    buttons(cb_toggle_lang, langs, ProfileCb.filter(F.act == Act.TOGGLE_LANG))
    buttons(cb_langs_done, langs, ProfileCb.filter(F.act == Act.LANGS_DONE))
    buttons(cb_skip_bio, bio, ProfileCb.filter(F.act == Act.SKIP_BIO))
    router.message.register(st_tags_text, tags, text, not_command)
    router.message.register(st_bio, bio, text, not_command)
    router.message.register(
        st_not_text, StateFilter(Onboarding.tags, Onboarding.bio), where(~F.text)
    )
    router.message.register(st_languages_text, langs, not_command)
    return router
