"""The dialogs, in the private chat: /faq_add (question → answer → topics → review date) and
/faq_edit (one part at a time, chosen with buttons). Each step checks what was typed and asks
again when it is wrong; the moderator's rights are asked of Telegram again before writing."""

from datetime import datetime
from html import escape

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.rights import Rights
from bot.services.communities import CommunitiesService, CommunityView
from bot.services.faq import (
    MAX_FAQ_ANSWER,
    MAX_FAQ_QUESTION,
    MAX_FAQ_TAGS,
    FaqError,
    FaqService,
    UnknownEntry,
    checked_answer,
    checked_question,
    entry_tags,
    review_date,
)
from bot.services.members import Actor
from handlers.faq_admin.texts import entry_card, faq_error_text, no_such_entry, not_a_moderator
from handlers.keyboards.faq_admin import FaqEditCb, FaqSkipCb, Part, edit_keyboard, skip_keyboard
from handlers.questions import drop_buttons
from handlers.rights import MAX_ID, dialog_community, moderated_community


class FaqAdd(StatesGroup):
    question = State()
    answer = State()
    tags = State()
    review = State()


class FaqEdit(StatesGroup):
    value = State()  # the new text of the part chosen with a button


SKIP_WORDS = frozenset({"skip", "-", "—"})
Change = dict[str, object]  # keyword arguments of FaqService.edit


async def begin_add(bot: Bot, state: FSMContext, user_id: int, community: CommunityView) -> None:
    await state.clear()
    await state.set_state(FaqAdd.question)
    await state.update_data(community_id=community.id)
    await bot.send_message(
        user_id,
        _(
            "A new FAQ entry for {title}. Send the question, as members would ask it (up to "
            "{limit} characters), or /cancel."
        ).format(title=escape(community.title, quote=False), limit=MAX_FAQ_QUESTION),
    )


async def st_add_question(message: Message, state: FSMContext) -> None:
    try:
        question = checked_question(message.text or "")
    except FaqError as error:
        await message.answer(faq_error_text(error) + " " + _("Send the question again."))
        return
    await state.update_data(question=question)
    await state.set_state(FaqAdd.answer)
    await message.answer(
        _("Now the answer (up to {limit} characters).").format(limit=MAX_FAQ_ANSWER)
    )


async def st_add_answer(message: Message, state: FSMContext) -> None:
    try:
        answer = checked_answer(message.text or "")
    except FaqError as error:
        await message.answer(faq_error_text(error) + " " + _("Send the answer again."))
        return
    await state.update_data(answer=answer)
    await state.set_state(FaqAdd.tags)
    sent = await message.answer(
        _(
            "Its topics, separated by commas (e.g. GIS, zoning; at most {limit}), or skip: "
            "tap Skip or send -."
        ).format(limit=MAX_FAQ_TAGS),
        reply_markup=skip_keyboard("t"),
    )
    await state.update_data(kb=sent.message_id)


def is_skip(text: str) -> bool:
    word = text.strip().lower()
    return word in SKIP_WORDS or word == _("skip").lower()


async def st_add_tags(message: Message, state: FSMContext, bot: Bot) -> None:
    text = message.text or ""
    try:
        tags = [] if is_skip(text) else entry_tags(text)
    except FaqError as error:
        await message.answer(faq_error_text(error) + " " + _("Send the topics again."))
        return
    await _ask_review(bot, state, message.chat.id, tags)


async def _ask_review(bot: Bot, state: FSMContext, chat_id: int, tags: list[str]) -> None:
    await state.update_data(tags=tags)
    await state.set_state(FaqAdd.review)
    sent = await bot.send_message(
        chat_id,
        _(
            "Should it be checked again on some day (an answer that depends on rules that "
            "change)? Send the review date, e.g. 2027-06-30, or skip: tap Skip or send -."
        ),
        reply_markup=skip_keyboard("r"),
    )
    await state.update_data(kb=sent.message_id)


async def st_add_review(
    message: Message,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    rights: Rights,
    communities: CommunitiesService,
    faq: FaqService,
    clock: Clock,
) -> None:
    text = message.text or ""
    community = await communities.by_id((await state.get_data())["community_id"])
    if community is None:  # the bot left the group meanwhile
        await state.clear()
        await message.answer(not_a_moderator())
        return
    try:
        review = None if is_skip(text) else review_date(text, community.timezone, clock.now())
    except FaqError as error:
        await message.answer(faq_error_text(error) + " " + _("Send the date again, or -."))
        return
    await finish_add(bot, state, actor, rights, communities, faq, review)


async def cb_skip(
    query: CallbackQuery,
    callback_data: FaqSkipCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    rights: Rights,
    communities: CommunitiesService,
    faq: FaqService,
) -> None:
    data, current = await state.get_data(), await state.get_state()
    step = {"t": FaqAdd.tags.state, "r": FaqAdd.review.state}.get(callback_data.step)
    if query.message is None or query.message.message_id != data.get("kb") or current != step:
        await query.answer(_("That button has expired."), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query)
    if callback_data.step == "t":
        await _ask_review(bot, state, actor.user_id, [])
    else:
        await finish_add(bot, state, actor, rights, communities, faq, None)


async def finish_add(
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    rights: Rights,
    communities: CommunitiesService,
    faq: FaqService,
    review: datetime | None,
) -> None:
    """The entry is written once the dialog is done, if the moderator still is one."""
    data = await state.get_data()
    await state.clear()
    community = await moderated_community(
        bot, rights, communities, actor.user_id, data["community_id"]
    )
    if community is None:
        await bot.send_message(actor.user_id, not_a_moderator())
        return
    try:
        view = await faq.add(
            community.id, actor.member_id, data["question"], data["answer"], data["tags"], review
        )
    except FaqError as error:  # a review date that passed while the dialog was open
        await bot.send_message(actor.user_id, faq_error_text(error))
        return
    lead = _("Added to the FAQ of {title}:").format(title=escape(community.title, quote=False))
    tail = _("Change it with /faq_edit {id}, remove it with /faq_delete {id}.").format(id=view.id)
    await bot.send_message(actor.user_id, entry_card(view, community.timezone, lead, tail))


async def show_entry(
    bot: Bot,
    faq: FaqService,
    user_id: int,
    community: CommunityView,
    entry_id: int,
    lead: str | None = None,
) -> None:
    try:
        view = await faq.entry(community.id, entry_id)
    except UnknownEntry:
        await bot.send_message(user_id, no_such_entry(entry_id, community))
        return
    prompt = _("What do you want to change?")
    await bot.send_message(
        user_id,
        entry_card(view, community.timezone, lead or "", prompt),
        reply_markup=edit_keyboard(community.id, view.id, has_review=view.review_at is not None),
    )


async def cb_edit(
    query: CallbackQuery,
    callback_data: FaqEditCb,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    rights: Rights,
    communities: CommunitiesService,
    faq: FaqService,
) -> None:
    community = await moderated_community(bot, rights, communities, actor.user_id, callback_data.c)
    if community is None or not 0 < callback_data.e <= MAX_ID:
        await query.answer(not_a_moderator(), show_alert=True)
        return
    try:
        await faq.entry(community.id, callback_data.e)
    except UnknownEntry:
        # An alert holds 200 characters: no room for the group's title.
        await query.answer(faq_error_text(UnknownEntry()), show_alert=True)
        return
    await query.answer()
    if callback_data.part == Part.CLEAR_REVIEW:
        await save_edit(bot, state, actor, faq, community, callback_data.e, {"review_at": None})
        return
    await state.clear()
    await state.set_state(FaqEdit.value)
    await state.update_data(community_id=community.id, entry_id=callback_data.e)
    await state.update_data(part=callback_data.part.value)
    await bot.send_message(actor.user_id, edit_prompt(callback_data.part))


def edit_prompt(part: Part) -> str:
    if part == Part.QUESTION:
        text = _("Send the new question (up to {limit} characters).").format(limit=MAX_FAQ_QUESTION)
    elif part == Part.ANSWER:
        text = _("Send the new answer (up to {limit} characters).").format(limit=MAX_FAQ_ANSWER)
    elif part == Part.TAGS:
        text = _("Send the topics, separated by commas (at most {limit}), or - for none.").format(
            limit=MAX_FAQ_TAGS
        )
    else:
        text = _("Send the new review date, e.g. 2027-06-30.")
    return text + " " + _("Or /cancel.")


async def st_edit_value(
    message: Message,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    rights: Rights,
    communities: CommunitiesService,
    faq: FaqService,
    clock: Clock,
) -> None:
    data = await state.get_data()
    community = await dialog_community(
        bot, rights, communities, state, actor.user_id, not_a_moderator()
    )
    if community is None:
        return
    try:
        change = edit_change(Part(data["part"]), message.text or "", community, clock)
    except FaqError as error:
        await message.answer(faq_error_text(error) + " " + _("Send it again, or /cancel."))
        return
    await save_edit(bot, state, actor, faq, community, data["entry_id"], change)


def edit_change(part: Part, text: str, community: CommunityView, clock: Clock) -> Change:
    """What FaqService.edit is to change, from what the moderator typed (raises FaqError)."""
    if part == Part.QUESTION:
        return {"question": checked_question(text)}
    if part == Part.ANSWER:
        return {"answer": checked_answer(text)}
    if part == Part.TAGS:
        return {"tags": [] if is_skip(text) else entry_tags(text)}
    return {"review_at": review_date(text, community.timezone, clock.now())}


async def save_edit(
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    faq: FaqService,
    community: CommunityView,
    entry_id: int,
    change: Change,
) -> None:
    await state.clear()
    try:
        await faq.edit(community.id, entry_id, actor.member_id, **change)  # type: ignore[arg-type]
    except UnknownEntry:
        await bot.send_message(actor.user_id, no_such_entry(entry_id, community))
        return
    except FaqError as error:  # e.g. a review date that passed since it was typed
        await bot.send_message(actor.user_id, faq_error_text(error))
        return
    lead = _("Saved. Entry #{id} now reads:").format(id=entry_id)
    await show_entry(bot, faq, actor.user_id, community, entry_id, lead=lead)


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    """/cancel leaves the dialog (as everywhere); here nothing was saved yet, so say that."""
    await state.clear()
    await message.answer(_("Cancelled. The FAQ was not changed."))


async def st_not_text(message: Message) -> None:
    await message.answer(_("Please send text here, or /cancel."))
