"""/ask in a group; the asked peers' buttons (Answer, Not my area, Later); the answer dialog."""

import logging
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.delivery import Delivery
from bot.services.members import Actor
from bot.services.questions import (
    AlreadyVoted,
    AnswerRelay,
    AnswerTooLong,
    EmptyAnswer,
    EmptyQuestion,
    NotYourAnswer,
    NotYourQuestion,
    NotYourRequest,
    PeerInvite,
    QuestionError,
    QuestionsService,
    QuestionTooLong,
)
from handlers.filters import groups, private, private_buttons, private_or_commands, where

log = logging.getLogger(__name__)


class Answering(StatesGroup):
    text = State()


class RequestCb(CallbackData, prefix="rq"):
    act: str  # a: answer, d: not my area, l: later
    id: int


class AnswerCb(CallbackData, prefix="an"):
    act: str  # ok: accept, h: helpful
    id: int


def group_link(chat_id: int, message_id: int | None) -> str | None:
    """A t.me link to a supergroup message (members of the group can open it)."""
    text = str(chat_id)
    if message_id is None or not text.startswith("-100"):
        return None
    return f"https://t.me/c/{text[4:]}/{message_id}"


def invite_message(i18n: I18n, invite: PeerInvite) -> tuple[str, dict[str, Any]]:
    """A peer's private invitation, in the peer's language."""
    with i18n.context(), i18n.use_locale(invite.locale):  # also outside an update
        header = _("<b>Question #{number}</b> in {title}").format(
            number=invite.number, title=escape(invite.community_title, quote=False)
        )
        if invite.reminder:
            header = _("⏰ Reminder") + "\n" + header
        lines = [header]
        if invite.asker_name:
            lines.append(_("Asked by {name}").format(name=escape(invite.asker_name, quote=False)))
        if invite.tags:
            lines.append(
                _("Topics: {tags}").format(
                    tags=", ".join(escape(t, quote=False) for t in invite.tags)
                )
            )
        lines += ["", escape(invite.text, quote=False), ""]
        link = group_link(invite.community_chat_id, invite.group_message_id)
        if link:
            lines.append(_('<a href="{link}">Open it in the group</a>').format(link=link))
        lines.append(_("You know this topic: can you help?"))
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=_("✍️ Answer"),
                        callback_data=RequestCb(act="a", id=invite.request_id).pack(),
                    )
                ],
                [
                    InlineKeyboardButton(
                        text=_("Not my area"),
                        callback_data=RequestCb(act="d", id=invite.request_id).pack(),
                    ),
                    InlineKeyboardButton(
                        text=_("Later"),
                        callback_data=RequestCb(act="l", id=invite.request_id).pack(),
                    ),
                ],
            ]
        )
    return "\n".join(lines), markup.model_dump(exclude_none=True)


def _answer_button(text: str, act: str, answer_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=AnswerCb(act=act, id=answer_id).pack())


def answer_messages(
    i18n: I18n, relay: AnswerRelay
) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
    """The answer as the asker sees it privately (Accept, Helpful) and as the group sees it
    (Helpful), with their buttons."""
    name = escape(relay.author_name, quote=False)
    body = escape(relay.answer, quote=False)
    with i18n.context(), i18n.use_locale(relay.asker_locale):
        to_asker = _("<b>An answer to your question #{number}</b>, from {name}:").format(
            number=relay.number, name=name
        )
        asker_buttons = [
            _answer_button(_("✅ Accept"), "ok", relay.answer_id),
            _answer_button(_("👍 Helpful"), "h", relay.answer_id),
        ]
    with i18n.context(), i18n.use_locale(relay.group_locale):
        to_group = _("<b>Answer to question #{number}</b>, from {name}:").format(
            number=relay.number, name=name
        )
        group_buttons = [_answer_button(_("👍 Helpful"), "h", relay.answer_id)]
    return (
        (f"{to_asker}\n\n{body}", _markup(asker_buttons)),
        (f"{to_group}\n\n{body}", _markup(group_buttons)),
    )


def _markup(row: list[InlineKeyboardButton]) -> dict[str, Any]:
    return InlineKeyboardMarkup(inline_keyboard=[row]).model_dump(exclude_none=True)


def question_error_text(error: QuestionError) -> str:
    if isinstance(error, EmptyQuestion):
        return _("Write your question after /ask, e.g. /ask How do you run a budget hearing?")
    if isinstance(error, QuestionTooLong):
        return _("Your question is {length} characters; please keep it to {limit}.").format(
            length=error.length, limit=error.limit
        )
    if isinstance(error, EmptyAnswer):
        return _("Please send your answer as text, or /cancel.")
    if isinstance(error, AnswerTooLong):
        return _("Your answer is {length} characters; please keep it to {limit}.").format(
            length=error.length, limit=error.limit
        )
    return _("That button has expired. Send /profile to start again.")


async def cmd_ask_group(
    message: Message,
    command: CommandObject,
    actor: Actor,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None = None,
) -> None:
    assert actor.community_id is not None  # recorded for every group message
    try:
        asked = await questions.ask(
            community_id=actor.community_id,
            asker_member_id=actor.member_id,
            text=command.args or "",
            render=lambda invite: invite_message(i18n, invite),
            group_message_id=message.message_id,
            thread_id=message.message_thread_id if message.is_topic_message else None,
        )
    except QuestionError as error:
        await message.reply(question_error_text(error))
        return
    if asked.peers:
        text = _(
            "Question #{number} is in. I asked {peers} peer(s) who know the topic privately; "
            "their answers will appear here."
        ).format(number=asked.number, peers=asked.peers)
    else:
        text = _(
            "Question #{number} is in. Nobody here has listed this topic yet; anyone who knows "
            "it can reply to this message."
        ).format(number=asked.number)
    await message.reply(text)
    if delivery is not None:
        delivery.wake()


async def cmd_ask_private(message: Message) -> None:
    await message.answer(
        _(
            "Ask in your group: send /ask followed by your question there, and I'll find the "
            "members who know the topic."
        )
    )


async def cb_request(
    query: CallbackQuery,
    callback_data: RequestCb,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None = None,
) -> None:
    """Callback data is user input: the service checks the request is this member's."""
    render = lambda invite: invite_message(i18n, invite)  # noqa: E731
    try:
        if callback_data.act == "a":
            request = await questions.open_request(callback_data.id, actor.member_id)
            await state.set_state(Answering.text)
            await state.update_data(request_id=request.request_id)
            await query.answer()
            await bot.send_message(
                actor.user_id,
                _(
                    "Send your answer to question #{number} as one message (up to 3000 "
                    "characters), or /cancel."
                ).format(number=request.number),
            )
            return
        if callback_data.act == "d":
            await questions.decline(callback_data.id, actor.member_id, render)
            note = _("Thanks, I'll ask someone else.")
        elif callback_data.act == "l":
            await questions.later(callback_data.id, actor.member_id, actor.locale, render)
            note = _("I'll remind you in 4 hours.")
        else:
            raise NotYourRequest()
    except NotYourRequest:
        await query.answer(question_error_text(NotYourRequest()), show_alert=True)
        return
    await query.answer(note)
    await _drop_buttons(query)
    if delivery is not None:
        delivery.wake()


async def _drop_buttons(query: CallbackQuery) -> None:
    if query.message is None:
        return
    try:
        await query.message.edit_reply_markup(reply_markup=None)  # type: ignore[union-attr]
    except TelegramAPIError as error:  # too old to edit, or already edited
        log.warning("could not remove the request buttons: %s", error)


async def st_answer_text(
    message: Message,
    state: FSMContext,
    actor: Actor,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None = None,
) -> None:
    data = await state.get_data()
    try:
        number = await questions.answer(
            data["request_id"],
            actor.member_id,
            message.text or "",
            lambda relay: answer_messages(i18n, relay),
        )
    except NotYourRequest:
        await state.clear()
        await message.answer(question_error_text(NotYourRequest()))
        return
    except QuestionError as error:
        await message.answer(question_error_text(error))
        return
    await state.clear()
    await message.answer(
        _("Thank you! Your answer to question #{number} goes to the asker and the group.").format(
            number=number
        )
    )
    if delivery is not None:
        delivery.wake()


async def cb_answer(
    query: CallbackQuery, callback_data: AnswerCb, actor: Actor, questions: QuestionsService
) -> None:
    """Accept (the asker only) or Helpful (anyone but the author, once)."""
    try:
        if callback_data.act == "ok":
            number = await questions.accept(callback_data.id, actor.member_id)
            await query.answer(
                _("Accepted: question #{number} is answered. Thank you!").format(number=number)
            )
            await _drop_buttons(query)
        else:
            count = await questions.helpful(callback_data.id, actor.member_id)
            await query.answer(_("Marked helpful ({count}).").format(count=count))
    except AlreadyVoted:
        await query.answer(_("You have already marked this answer helpful."))
    except NotYourAnswer:
        if callback_data.act == "ok":
            text = _("Only the member who asked can accept an answer.")
        else:
            text = _("You can't mark your own answer helpful.")
        await query.answer(text, show_alert=True)


async def cmd_close(
    message: Message, command: CommandObject, actor: Actor, questions: QuestionsService
) -> None:
    assert actor.community_id is not None
    raw = (command.args or "").strip().lstrip("#")
    if not raw.isdigit():
        await message.reply(_("Say which question to close, e.g. /close 12"))
        return
    try:
        await questions.close(actor.community_id, int(raw), actor.member_id)
    except NotYourQuestion:
        await message.reply(
            _("Only the member who asked question #{number} can close it.").format(number=raw)
        )
        return
    await message.reply(_("Question #{number} is closed. Thanks, everyone!").format(number=raw))


async def st_answer_not_text(message: Message) -> None:
    await message.answer(question_error_text(EmptyAnswer()))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(private_or_commands)
    router.message.register(cmd_ask_group, Command("ask"), groups)
    router.message.register(cmd_ask_private, Command("ask"), private)
    router.message.register(cmd_close, Command("close"), groups)
    router.callback_query.register(cb_request, private_buttons, RequestCb.filter())
    router.callback_query.register(cb_answer, AnswerCb.filter())
    answering = StateFilter(Answering.text)
    router.message.register(
        st_answer_text, answering, private, where(F.text), where(~F.text.startswith("/"))
    )
    router.message.register(st_answer_not_text, answering, private, where(~F.text))
    return router
