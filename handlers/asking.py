"""Asking: /ask in the group, a mention of the bot there or a reply to its question prompt
(bots in privacy mode see only those); /ask and /ask_anon in the private chat, with a short
dialog for what the command did not say (which community, the question itself)."""

import contextlib
import re
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.delivery import Delivery
from bot.flood import FloodLimiter
from bot.messages import answer_button, group_post, invite_message
from bot.services.faq import AlreadyChosen, Choice, UnknownEntry
from bot.services.members import Actor
from bot.services.profiles import ProfilesService
from bot.services.questions import (
    Asked,
    QuestionError,
    QuestionsService,
    UnknownCommunity,
    checked_question,
)
from handlers.faq import SuggestCb, suggestion_message
from handlers.filters import (
    addressed,
    groups,
    mentions_bot,
    private,
    private_buttons,
    replies_to_bot,
    spoken_to_in_group,
    where,
)
from handlers.flood import flooded
from handlers.questions import MAX_ID, N_, drop_buttons, question_error_text


class Asking(StatesGroup):
    community = State()  # private: which community the question is for
    text = State()  # private: the question itself


class AskCb(CallbackData, prefix="ak"):
    id: int  # the community (checked against the member's own by the service)


PROMPT = N_("❓ What is your question? Reply to this message with it.")


def _prompt_texts(i18n: I18n) -> set[str]:
    """The group prompt in every language, to recognise replies to it."""
    return {i18n.gettext(PROMPT, locale=locale) for locale in i18n.available_locales} | {PROMPT}


async def _ask_in_group(
    message: Message,
    text: str,
    actor: Actor,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None,
    flood: FloodLimiter | None,
) -> None:
    assert actor.community_id is not None  # recorded for every group message
    if await flooded(message, flood, "ask", actor.user_id):
        return
    thread_id = message.message_thread_id if message.is_topic_message else None
    try:
        suggestion = await questions.faq.suggest(  # entries that may answer it, first
            actor.community_id,
            actor.member_id,
            checked_question(text),
            group_message_id=message.message_id,
            thread_id=thread_id,
        )
    except QuestionError as error:
        await message.reply(question_error_text(error))
        return
    if suggestion is not None:  # the question waits for the asker's choice
        text, markup = suggestion_message(suggestion)
        await message.reply(text, reply_markup=markup)
        return
    try:
        asked = await questions.ask(
            community_id=actor.community_id,
            asker_member_id=actor.member_id,
            text=text,
            render=lambda invite: invite_message(i18n, invite),
            group_message_id=message.message_id,
            thread_id=thread_id,
        )
    except QuestionError as error:
        await message.reply(question_error_text(error))
        return
    await message.reply(_acknowledgement(asked), reply_markup=await _answer_markup(message, asked))
    if delivery is not None:
        delivery.wake()


async def _answer_markup(message: Message, asked: Asked) -> InlineKeyboardMarkup | None:
    if not asked.open_answering:  # else anyone in the group may answer, in the private chat
        return None
    me = await message.bot.me()  # type: ignore[union-attr]
    return answer_button(me.username or "", asked.question_id)


def _acknowledgement(asked: Asked) -> str:
    if asked.peers:
        return _(
            "Question #{number} is in. I asked {peers} peer(s) who know the topic privately; "
            "their answers will appear here."
        ).format(number=asked.number, peers=asked.peers)
    return _(
        "Question #{number} is in. Nobody who can be asked right now has listed this topic, "
        "so I asked the moderators to find someone who knows it."
    ).format(number=asked.number)


async def _prompt_in_group(message: Message) -> None:
    await message.reply(
        _(PROMPT),
        reply_markup=ForceReply(selective=True, input_field_placeholder=_("Your question")),
    )


async def cmd_ask_group(
    message: Message,
    command: CommandObject,
    actor: Actor,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None = None,
    flood: FloodLimiter | None = None,
) -> None:
    if not (command.args or "").strip():
        await _prompt_in_group(message)
        return
    await _ask_in_group(message, command.args or "", actor, questions, i18n, delivery, flood)


async def group_addressed(
    message: Message,
    bot: Bot,
    actor: Actor,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None = None,
    flood: FloodLimiter | None = None,
) -> None:
    """A mention of the bot asks what the rest of the message says; a reply to the question
    prompt asks what it says. Other replies to the bot are conversation, not questions."""
    text = message.text or message.caption
    if await mentions_bot(message, bot):  # a mention asks, whatever it replies to
        username = (await bot.me()).username or ""
        text = re.sub(rf"@{re.escape(username)}\b", " ", text or "", flags=re.IGNORECASE)
        if not text.strip():
            await _prompt_in_group(message)
            return
    elif replies_to_bot(message, bot):
        if (message.reply_to_message.text or "") not in _prompt_texts(i18n):  # type: ignore[union-attr]
            return
        if text is None:  # a photo or sticker without words
            await message.reply(question_error_text_media())
            return
    else:
        return
    await _ask_in_group(message, text or "", actor, questions, i18n, delivery, flood)


def question_error_text_media() -> str:
    return _("I can pass on questions written as text: please write yours in words.")


async def cmd_ask_anon_group(message: Message, bot: Bot) -> None:
    me = await bot.me()
    await message.reply(
        _(
            "Anonymous questions are asked in our private chat, so nobody here sees who asked: "
            "send me /ask_anon there. (You may want to delete this message.)"
        ),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=_("Open the private chat"), url=f"https://t.me/{me.username}"
                    )
                ]
            ]
        ),
    )


def _communities_keyboard(communities: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=title, callback_data=AskCb(id=cid).pack())]
            for cid, title in communities
        ]
    )


async def _begin_private(
    message: Message,
    text: str | None,
    anonymous: bool,
    state: FSMContext,
    actor: Actor,
    profiles: ProfilesService,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None,
) -> None:
    communities = await profiles.communities_of(actor.user_id)
    if not communities:
        await message.answer(
            _(
                "I don't know your group yet: questions go to a group's members. Add me to your "
                "group, or write something there first, then ask again."
            )
        )
        return
    await state.set_data({"anonymous": anonymous, "text": text})
    if len(communities) > 1:
        await state.set_state(Asking.community)
        await message.answer(
            _("Which group is this question for?"),
            reply_markup=_communities_keyboard([(c.id, c.title) for c in communities]),
        )
        return
    community = communities[0]
    await _next_step(
        message, community.id, community.title, state, actor, questions, i18n, delivery
    )


async def _next_step(
    message: Message,
    community_id: int,
    title: str,
    state: FSMContext,
    actor: Actor,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None,
) -> None:
    """Ask now if the question is known, else wait for it."""
    data = await state.get_data()
    await state.update_data(community_id=community_id, title=title)
    if data.get("text"):
        await _ask_privately(message, data["text"], state, actor, questions, i18n, delivery)
        return
    await state.set_state(Asking.text)
    await message.answer(
        _(
            "Send your question for {title} as one message (up to 4000 characters), or /cancel."
        ).format(title=escape(title, quote=False))
    )


async def _ask_privately(
    message: Message,
    text: str,
    state: FSMContext,
    actor: Actor,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None,
) -> None:
    data = await state.get_data()
    try:
        suggestion = await questions.faq.suggest(
            data["community_id"],
            actor.member_id,
            checked_question(text),
            anonymous=bool(data.get("anonymous")),
        )
    except QuestionError as error:  # the dialog stays where it was: the member may retry
        await state.update_data(text=None)
        await state.set_state(Asking.text)
        await message.answer(question_error_text(error) + "\n" + _("Or send /cancel."))
        return
    if suggestion is not None:  # the question is kept with them until the member chooses
        await state.clear()
        suggested, markup = suggestion_message(suggestion)
        await message.answer(suggested, reply_markup=markup)
        return
    username = (await message.bot.me()).username or ""  # type: ignore[union-attr]
    try:
        asked = await questions.ask(
            community_id=data["community_id"],
            asker_member_id=actor.member_id,
            text=text,
            render=lambda invite: invite_message(i18n, invite),
            anonymous=bool(data.get("anonymous")),
            post=lambda post: group_post(i18n, post, username),
        )
    except UnknownCommunity as error:  # left the group meanwhile: retrying cannot help
        await state.clear()
        await message.answer(question_error_text(error))
        return
    except QuestionError as error:  # the dialog stays where it was: the member may retry
        await state.update_data(text=None)
        await state.set_state(Asking.text)
        await message.answer(question_error_text(error) + "\n" + _("Or send /cancel."))
        return
    await state.clear()
    await message.answer(
        private_acknowledgement(asked, data.get("title", ""), data.get("anonymous"))
    )
    if delivery is not None:
        delivery.wake()


def private_acknowledgement(asked: Asked, title: str, anonymous: bool) -> str:
    title = escape(title, quote=False)
    if asked.peers:
        text = _(
            "Question #{number} is in {title}. I asked {peers} peer(s) who know the topic; "
            "their answers will come to you here and appear in the group."
        ).format(number=asked.number, title=title, peers=asked.peers)
    else:
        text = _(
            "Question #{number} is in {title}. Nobody who can be asked right now has listed "
            "this topic, so I asked the moderators to find someone; answers will come to you "
            "here."
        ).format(number=asked.number, title=title)
    if anonymous:
        text += "\n" + _(
            "Your name is not shown to the group or the peers asked; the group's "
            "moderators can see who asked."
        )
    return text


async def cmd_ask_private(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    actor: Actor,
    profiles: ProfilesService,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None = None,
    flood: FloodLimiter | None = None,
) -> None:
    """/ask (or /ask_anon) privately: the question for one of the member's groups."""
    if await flooded(message, flood, "ask", actor.user_id):
        await state.clear()
        return
    anonymous = command.command.lower() == "ask_anon"
    text = (command.args or "").strip() or None
    await _begin_private(
        message, text, anonymous, state, actor, profiles, questions, i18n, delivery
    )


async def cb_ask_community(
    query: CallbackQuery,
    callback_data: AskCb,
    state: FSMContext,
    actor: Actor,
    profiles: ProfilesService,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None = None,
) -> None:
    communities = {c.id: c for c in await profiles.communities_of(actor.user_id)}
    chosen = communities.get(callback_data.id) if 0 < callback_data.id <= MAX_ID else None
    if chosen is None or query.message is None:
        await query.answer(
            _("That group is not one of yours. Nothing was changed."), show_alert=True
        )
        return
    await query.answer()
    await drop_buttons(query)  # chosen: a second tap must not ask twice
    await _next_step(
        query.message,  # type: ignore[arg-type]
        chosen.id,
        chosen.title,
        state,
        actor,
        questions,
        i18n,
        delivery,
    )


async def st_ask_text(
    message: Message,
    state: FSMContext,
    actor: Actor,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None = None,
) -> None:
    await _ask_privately(message, message.text or "", state, actor, questions, i18n, delivery)


async def st_ask_not_text(message: Message) -> None:
    await message.answer(question_error_text_media() + "\n" + _("Or send /cancel."))


async def st_pick_community_text(message: Message) -> None:
    await message.answer(_("Tap the group this question is for, or send /cancel."))


async def cb_suggestion(
    query: CallbackQuery,
    callback_data: SuggestCb,
    actor: Actor,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None = None,
) -> None:
    """The asker's choice about the entries shown before asking: solved, or ask anyway."""
    outcome = "solved" if callback_data.act == "s" else "asked"
    entry = callback_data.e if 0 < callback_data.e <= MAX_ID else None
    try:
        if not 0 < callback_data.s <= MAX_ID:
            raise UnknownEntry()
        choice = await questions.faq.choose(callback_data.s, actor.member_id, outcome, entry)
    except UnknownEntry:
        await query.answer(_("Only the member who asked can choose here."), show_alert=True)
        return
    except AlreadyChosen:
        await query.answer(_("Already done."))
        await drop_buttons(query)
        return
    if outcome == "solved":
        await query.answer(_("Glad it helped!"))
        await _settle(query, _("✅ Glad it helped! The answer is counted as helpful."))
        return
    try:
        asked = await _ask_chosen(query, choice, actor, questions, i18n)
    except QuestionError as error:  # e.g. left the group meanwhile: the choice stays open
        await questions.faq.unchoose(callback_data.s)
        await query.answer(question_error_text(error), show_alert=True)
        return
    await query.answer()
    if choice.group_message_id is not None:
        markup = await _answer_markup(query.message, asked)  # type: ignore[arg-type]
        await _settle(query, _acknowledgement(asked), markup)
    else:
        title = (await questions.faq.titles([choice.community_id])).get(choice.community_id, "")
        await _settle(query, private_acknowledgement(asked, title, choice.anonymous))
    if delivery is not None:
        delivery.wake()


async def _ask_chosen(
    query: CallbackQuery, choice: Choice, actor: Actor, questions: QuestionsService, i18n: I18n
) -> Asked:
    post = None
    if choice.group_message_id is None:  # asked privately: posted in the group too
        username = (await query.bot.me()).username or ""  # type: ignore[union-attr]
        post = lambda p: group_post(i18n, p, username)  # noqa: E731
    return await questions.ask(
        community_id=choice.community_id,
        asker_member_id=actor.member_id,
        text=choice.question,
        render=lambda invite: invite_message(i18n, invite),
        anonymous=choice.anonymous,
        group_message_id=choice.group_message_id,
        thread_id=choice.thread_id,
        post=post,
    )


async def _settle(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """The suggestion message becomes what came of it (no buttons left to press twice)."""
    if query.message is not None:
        with contextlib.suppress(TelegramBadRequest):  # too old to edit: the choice stands
            await query.message.edit_text(text, reply_markup=markup)  # type: ignore[union-attr]


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(addressed)
    commands = Router(name=f"{__name__}.commands")
    commands.message.filter(Command("ask", "ask_anon"))
    commands.message.register(cmd_ask_group, Command("ask"), groups)
    commands.message.register(cmd_ask_anon_group, Command("ask_anon"), groups)
    commands.message.register(cmd_ask_private, private)
    router.include_router(commands)
    router.callback_query.register(cb_suggestion, SuggestCb.filter())
    router.callback_query.register(
        cb_ask_community, private_buttons, StateFilter(Asking.community), AskCb.filter()
    )
    not_command = where(~F.text.startswith("/"))
    asking = StateFilter(Asking.text)
    router.message.register(st_ask_text, asking, private, where(F.text), not_command)
    not_caption_command = where(~F.caption.startswith("/"))  # a photo captioned /cancel
    router.message.register(st_ask_not_text, asking, private, where(~F.text), not_caption_command)
    picking = StateFilter(Asking.community)
    router.message.register(st_pick_community_text, picking, private, not_command)
    router.message.register(group_addressed, spoken_to_in_group)
    return router
