"""/ask in a group; the asked peers' buttons (Answer, Not my area, Later); the answer dialog."""

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.delivery import Delivery
from bot.messages import AnswerCb, RequestCb, answer_messages, group_link, invite_message
from bot.services.members import Actor
from bot.services.questions import (
    AlreadyVoted,
    AnswerTooLong,
    EmptyAnswer,
    EmptyQuestion,
    NotYourAnswer,
    NotYourQuestion,
    NotYourRequest,
    QuestionError,
    QuestionLine,
    QuestionsService,
    QuestionTooLong,
)
from bot.telegram import chat_member
from handlers.filters import groups, private, private_buttons, private_or_commands, where

log = logging.getLogger(__name__)


class Answering(StatesGroup):
    text = State()


MAX_ID = 2**31 - 1  # database ids and question numbers fit a 32-bit integer


def _number(raw: str | None) -> int | None:
    """A question number as typed ('12' or '#12'), or None if it is not one."""
    text = (raw or "").strip().lstrip("#")
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text)


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
    if isinstance(error, NotYourRequest):
        return _(
            "This question no longer waits for you: it was answered, closed or passed on. "
            "Nothing was changed."
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
            "Question #{number} is in. Nobody who can be asked right now has listed this topic; "
            "anyone who knows it can reply to this message."
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
        if not 0 < callback_data.id <= MAX_ID:  # forged
            raise NotYourRequest()
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
        if not 0 < callback_data.id <= MAX_ID:  # forged
            raise NotYourAnswer()
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
    number = _number(command.args)
    if number is None:
        await message.reply(_("Say which question to close, e.g. /close 12"))
        return
    try:
        await questions.close(actor.community_id, number, actor.member_id)
    except NotYourQuestion:
        await message.reply(
            _("Only the member who asked question #{number} can close it.").format(number=number)
        )
        return
    await message.reply(_("Question #{number} is closed. Thanks, everyone!").format(number=number))


def N_(text: str) -> str:
    """Marks `text` for translation where it is defined; translated where it is shown."""
    return text


STATUS = {"open": N_("open"), "answered": N_("answered"), "closed": N_("closed")}
REASONS = {  # bot.services.matching's score components, as /why names them
    "expertise": N_("expertise"),
    "text": N_("text"),
    "record": N_("record"),
    "language": N_("language"),
    "load": N_("load"),
    "cooldown": N_("cooldown"),
}
REQUEST_STATUS = {
    "pending": N_("not delivered yet"),
    "sent": N_("asked"),
    "later": N_("later"),
    "answered": N_("answered"),
    "declined": N_("not their area"),
    "unreachable": N_("unreachable"),
}


def _question_line(line: QuestionLine, *, where: bool, status: bool) -> str:
    text = line.text if len(line.text) <= 80 else line.text[:79] + "…"
    link = group_link(line.community_chat_id, line.group_message_id)
    number = f'<a href="{link}">#{line.number}</a>' if link else f"#{line.number}"
    parts = [number]
    if where:
        parts.append(_("in {title}").format(title=escape(line.community_title, quote=False)))
    parts.append("— " + escape(text, quote=False))
    details = [_("{count} answer(s)").format(count=line.answers)]
    if status:
        details.insert(0, _(STATUS.get(line.status, line.status)))
    return " ".join(parts) + f" ({', '.join(details)})"


def _listing(
    title: str, empty: str, lines: list[QuestionLine], *, where: bool, status: bool
) -> str:
    if not lines:
        return empty
    return "\n".join([title, *(_question_line(q, where=where, status=status) for q in lines)])


async def cmd_open(message: Message, actor: Actor, questions: QuestionsService) -> None:
    assert actor.community_id is not None
    lines = await questions.open_questions(actor.community_id)
    await message.reply(
        _listing(
            _("<b>Open questions</b>"),
            _("No open questions. Ask one with /ask followed by your question."),
            lines,
            where=False,
            status=False,
        )
    )


async def cmd_my_questions(message: Message, actor: Actor, questions: QuestionsService) -> None:
    lines = await questions.my_questions(actor.member_id)
    await message.answer(
        _listing(
            _("<b>Your questions</b>"),
            _("You have not asked anything yet. Ask in your group with /ask."),
            lines,
            where=True,
            status=True,
        )
    )


async def cmd_my_requests(message: Message, actor: Actor, questions: QuestionsService) -> None:
    lines = await questions.my_requests(actor.member_id)
    await message.answer(
        _listing(
            _(
                "<b>Questions waiting for your answer</b> (use the buttons in my message "
                "about each)"
            ),
            _("No questions are waiting for your answer."),
            lines,
            where=True,
            status=False,
        )
    )


async def is_moderator(bot: Bot, message: Message, settings: Settings) -> bool:
    """An administrator of this group (an anonymous one posts as the group), or an owner."""
    if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
        return True
    user = message.from_user
    if user is None:
        return False
    if user.id in settings.bot_admins:
        return True
    member = await chat_member(bot, message.chat.id, user.id)
    return member is not None and member.status in ("creator", "administrator")


async def cmd_why(
    message: Message,
    command: CommandObject,
    bot: Bot,
    actor: Actor,
    questions: QuestionsService,
    settings: Settings,
) -> None:
    """Moderators: who was asked about a question, and why."""
    assert actor.community_id is not None
    if not await is_moderator(bot, message, settings):
        await message.reply(_("Only the group's administrators can see that."))
        return
    number = _number(command.args)
    peers = await questions.why(actor.community_id, number) if number is not None else None
    if peers is None:
        await message.reply(_("Say which question, e.g. /why 12"))
        return
    if not peers:
        await message.reply(
            _("Nobody was asked about question #{number}: nobody has listed its topics.").format(
                number=number
            )
        )
        return
    lines = [_("<b>Question #{number}</b> was asked to:").format(number=number)]
    for peer in peers:
        reasons = ", ".join(f"{_(REASONS.get(k, k))} {v:.2f}" for k, v in peer.components.items())
        lines.append(
            _("{rank}. {name}: round {round}, score {score} ({reasons}); {status}").format(
                rank=peer.rank,
                name=escape(peer.name, quote=False),
                round=peer.round,
                score=f"{peer.score:.2f}",
                reasons=reasons,
                status=_(REQUEST_STATUS.get(peer.status, peer.status)),
            )
        )
    await message.reply("\n".join(lines))


async def st_answer_not_text(message: Message) -> None:
    await message.answer(question_error_text(EmptyAnswer()))


COMMANDS = ("ask", "close", "open", "why", "myquestions", "myrequests")


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(private_or_commands)
    router.callback_query.register(cb_request, private_buttons, RequestCb.filter())
    router.callback_query.register(cb_answer, AnswerCb.filter())
    answering = StateFilter(Answering.text)
    router.message.register(
        st_answer_text, answering, private, where(F.text), where(~F.text.startswith("/"))
    )
    router.message.register(st_answer_not_text, answering, private, where(~F.text))
    # Other messages (/start, /help, a dialog step) pass all of these in one check.
    commands = Router(name=f"{__name__}.commands")
    commands.message.filter(Command(*COMMANDS))
    commands.message.register(cmd_ask_group, Command("ask"), groups)
    commands.message.register(cmd_ask_private, Command("ask"), private)
    commands.message.register(cmd_close, Command("close"), groups)
    commands.message.register(cmd_open, Command("open"), groups)
    commands.message.register(cmd_why, Command("why"), groups)
    commands.message.register(cmd_my_questions, Command("myquestions"), private)
    commands.message.register(cmd_my_requests, Command("myrequests"), private)
    router.include_router(commands)
    return router
