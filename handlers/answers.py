"""What happens to an answer: Accept and Helpful buttons, a 'thanks' reply (counted as
helpful, and the asker offered Accept), and /accept by the asker or a moderator."""

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.delivery import Delivery
from bot.messages import AnswerCb, RequestCb
from bot.rights import Rights
from bot.services.members import Actor
from bot.services.questions import (
    AlreadyVoted,
    AnswerHidden,
    NotYourAnswer,
    NotYourRequest,
    QuestionsService,
)
from bot.services.thanks import is_thanks
from handlers.filters import private, replied_button, replies_to_bot, where
from handlers.questions import MAX_ID, drop_buttons, question_error_text, submit_answer
from handlers.rights import is_moderator

log = logging.getLogger(__name__)


async def cb_answer(
    query: CallbackQuery, callback_data: AnswerCb, actor: Actor, questions: QuestionsService
) -> None:
    """Accept (the asker only) or Helpful (anyone but the author, once)."""
    try:
        if not 0 < callback_data.id <= MAX_ID:  # forged
            raise NotYourAnswer()
        if callback_data.act == "ok":
            number = await questions.accept(callback_data.id, actor.member_id)
            await query.answer(
                _("Accepted: question #{number} is answered. Thank you!").format(number=number)
            )
            await drop_buttons(query)
        else:
            count = await questions.helpful(callback_data.id, actor.member_id)
            await query.answer(_("Marked helpful ({count}).").format(count=count))
    except AlreadyVoted:
        await query.answer(_("You have already marked this answer helpful."))
    except AnswerHidden:
        await query.answer(hidden_answer(), show_alert=True)
    except NotYourAnswer:
        if callback_data.act == "ok":
            text = _("Only the member who asked can accept an answer.")
        else:
            text = _("You can't mark your own answer helpful.")
        await query.answer(text, show_alert=True)


def hidden_answer() -> str:
    return _("The group's moderators have hidden this answer: it can't be accepted or voted on.")


class _Thanks(Filter):
    async def __call__(self, message: Message) -> bool:
        return is_thanks(message.text or message.caption)


async def thanks_reply(
    message: Message, button: AnswerCb, bot: Bot, actor: Actor, questions: QuestionsService
) -> None:
    """'Thanks!' in reply to an answer counts as Helpful; the asker is offered Accept."""
    if not 0 < button.id <= MAX_ID:
        return
    try:
        thanks = await questions.thank(button.id, actor.member_id)
    except NotYourAnswer:  # the answer is gone
        return
    if thanks.may_accept:
        accept = InlineKeyboardButton(
            text=_("✅ Accept"), callback_data=AnswerCb(act="ok", id=button.id).pack()
        )
        offer = _("Glad it helped! If this answer solved question #{number}, accept it:").format(
            number=thanks.number
        )
        markup = InlineKeyboardMarkup(inline_keyboard=[[accept]])
        if thanks.anonymous and message.chat.type != "private":
            # Offered only to the asker: in the group it would say who asked.
            if actor.dm_available:
                try:
                    await bot.send_message(actor.user_id, offer, reply_markup=markup)
                except TelegramAPIError as error:  # blocked us since: the nudge will do
                    log.warning("could not offer Accept to %s: %s", actor.user_id, error)
            return
        await message.reply(offer, reply_markup=markup)
    elif thanks.counted and message.chat.type == "private":
        await message.answer(_("Counted as helpful. Thank you!"))


async def cmd_accept(
    message: Message,
    button: AnswerCb,
    bot: Bot,
    questions: QuestionsService,
    rights: Rights,
    group_id: int | None = None,
    actor: Actor | None = None,
) -> None:
    """/accept in reply to an answer: the asker's, or a moderator's on the asker's behalf
    (also one posting as the group)."""
    moderating = None
    if message.chat.type != "private" and await is_moderator(bot, message, rights):
        moderating = group_id
    try:
        if not 0 < button.id <= MAX_ID:
            raise NotYourAnswer()
        member_id = actor.member_id if actor else None
        number = await questions.accept(button.id, member_id, moderating=moderating)
    except NotYourAnswer:
        await message.reply(
            _("Only the member who asked, or a moderator of this group, can accept an answer.")
        )
        return
    except AnswerHidden:
        await message.reply(hidden_answer())
        return
    text = _("Accepted: question #{number} is answered. Thank you!").format(number=number)
    waiting = await questions.faq.waiting_entry(button.id)
    if waiting is not None and "verification" in waiting[1]:
        text += "\n" + _(
            "📚 It enters the FAQ once a moderator verifies it: /faq_verify {id}"
        ).format(id=waiting[0])
    await message.reply(text)


async def reply_answer(
    message: Message,
    button: RequestCb,
    state: FSMContext,
    actor: Actor,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None = None,
) -> None:
    """A reply to the invitation is the answer (as if Answer had been pressed)."""
    if not 0 < button.id <= MAX_ID:
        await message.answer(question_error_text(NotYourRequest()))
        return
    await submit_answer(message, button.id, state, actor, questions, i18n, delivery)


class _RepliesToBot(Filter):
    async def __call__(self, message: Message, bot: Bot) -> bool:
        return replies_to_bot(message, bot)


def setup() -> Router:
    """Replies to the bot's messages about a question. Before the dialogs: a reply to an
    invitation is an answer even in the middle of editing one's profile."""
    router = Router(name=__name__)
    router.callback_query.register(cb_answer, AnswerCb.filter())
    router.message.filter(_RepliesToBot())
    text, not_command = where(F.text), where(~F.text.startswith("/"))
    router.message.register(reply_answer, private, text, not_command, replied_button(RequestCb))
    on_answer = replied_button(AnswerCb)
    router.message.register(cmd_accept, Command("accept"), on_answer)
    router.message.register(thanks_reply, on_answer, _Thanks())
    return router
