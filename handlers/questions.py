"""The asked peers' buttons (Answer, Not my area, Later) and the answer dialog (or a reply to
the invitation); /close, /open, /why and the member's own lists."""

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.delivery import Delivery
from bot.messages import RequestCb, answer_messages, group_link, invite_message
from bot.rights import Rights
from bot.services.members import Actor
from bot.services.questions import (
    AnsweringClosed,
    AnswerTooLong,
    EmptyAnswer,
    EmptyQuestion,
    NotYourQuestion,
    NotYourRequest,
    OpenRequest,
    OwnQuestion,
    QuestionError,
    QuestionLine,
    QuestionsService,
    QuestionTooLong,
    Suspended,
    UnknownCommunity,
    UnknownQuestion,
    units,
)
from bot.services.settings import SettingsService
from bot.timefmt import local_datetime
from handlers.filters import (
    groups,
    private,
    private_buttons,
    private_or_commands,
    where,
)
from handlers.rights import MAX_ID, is_moderator

log = logging.getLogger(__name__)


class Answering(StatesGroup):
    text = State()


WHY_LIMIT = 4000  # UTF-16 units of a /why reply: Telegram's 4096, less room for "… and N more"


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
    if isinstance(error, UnknownCommunity):
        return _(
            "I can't find you among that group's members. Write something in the group, "
            "then ask again."
        )
    if isinstance(error, UnknownQuestion):
        return _("I can't find that question in your groups. Nothing was changed.")
    if isinstance(error, AnsweringClosed):
        return _(
            "In this group only the members I asked answer through me. You can reply to the "
            "question in the group."
        )
    if isinstance(error, OwnQuestion):
        return _("This is your own question: the others will answer it.")
    if isinstance(error, NotYourRequest):
        return _(
            "This question no longer waits for you: it was answered, closed or passed on. "
            "Nothing was changed."
        )
    if isinstance(error, Suspended):
        return _(
            "Sorry, the moderators of {group} have paused your asking and answering there "
            "until {until}. Reason: {reason}"
        ).format(
            group=escape(error.community_title),
            until=local_datetime(error.until, error.timezone),
            reason=escape(error.reason),
        )
    return _("That button has expired. Send /profile to start again.")


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
            if await _answering(state) == request.request_id:  # pressed twice
                await query.answer(_already_answering(request), show_alert=True)
                return
            await query.answer()
            await _begin_answer(bot, state, actor, request)
            return
        if callback_data.act == "d":
            await questions.decline(callback_data.id, actor.member_id, render)
            note = _("Thanks, I'll ask someone else.")
        elif callback_data.act == "l":
            await questions.later(callback_data.id, actor.member_id, render)
            note = _("I'll remind you in 4 hours.")
        else:
            raise NotYourRequest()
    except NotYourRequest:
        await query.answer(question_error_text(NotYourRequest()), show_alert=True)
        return
    except Suspended as error:  # too long for an alert: said in the chat
        await query.answer()
        if query.message is not None:
            await bot.send_message(query.message.chat.id, question_error_text(error))
        return
    await query.answer(note)
    await drop_buttons(query)
    if delivery is not None:
        delivery.wake()


async def drop_buttons(query: CallbackQuery) -> None:
    if query.message is None:
        return
    try:
        await query.message.edit_reply_markup(reply_markup=None)  # type: ignore[union-attr]
    except TelegramAPIError as error:  # too old to edit, or already edited
        log.warning("could not remove the request buttons: %s", error)


def _already_answering(request: OpenRequest) -> str:
    return _(
        "You are already answering question #{number}: send your answer as one message, or /cancel."
    ).format(number=request.number)


async def _begin_answer(bot: Bot, state: FSMContext, actor: Actor, request: OpenRequest) -> None:
    await state.set_state(Answering.text)
    await state.update_data(request_id=request.request_id)
    await bot.send_message(
        actor.user_id,
        _(
            "Send your answer to question #{number} as one message (up to 3000 "
            "characters), or /cancel."
        ).format(number=request.number),
    )


async def cmd_start_answer(
    message: Message,
    command: CommandObject,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    questions: QuestionsService,
) -> None:
    """The group's Answer button (`?start=answer_<question>`), where anyone may answer. The
    payload is user input: the service checks the question, the group's setting and the
    member."""
    question_id = _number((command.args or "").removeprefix("answer_"))
    try:
        if question_id is None or not 0 < question_id <= MAX_ID:
            raise UnknownQuestion()
        request = await questions.volunteer(question_id, actor.member_id)
    except QuestionError as error:
        await message.answer(question_error_text(error))
        return
    if await _answering(state) == request.request_id:
        await message.answer(_already_answering(request))
        return
    await _begin_answer(bot, state, actor, request)


async def cmd_answering(
    message: Message,
    command: CommandObject,
    bot: Bot,
    community_settings: SettingsService,
    rights: Rights,
    group_id: int | None = None,
    actor: Actor | None = None,
) -> None:
    """Moderators: `/answering open` (any member may answer) or `/answering peers`; the
    settings menu's toggle, audited the same way."""
    if group_id is None or not await is_moderator(bot, message, rights):
        await message.reply(_("Only the group's administrators can change that."))
        return
    choice = (command.args or "").strip().lower()
    if choice not in ("open", "peers"):
        await message.reply(
            _(
                "Say who may answer questions: /answering open (any member, with an Answer "
                "button under each question) or /answering peers (only the members I ask)."
            )
        )
        return
    actor_id = actor.member_id if actor else None
    await community_settings.set_open_answering(group_id, choice == "open", actor_id)
    if choice == "open":
        text = _("From now on any member can answer, with the Answer button under a question.")
    else:
        text = _("From now on only the members I ask can answer through me.")
    await message.reply(text)


async def _answering(state: FSMContext) -> int | None:
    """The request whose answer dialog is open, if any."""
    if await state.get_state() != Answering.text.state:
        return None
    request_id = (await state.get_data()).get("request_id")
    return request_id if isinstance(request_id, int) else None


async def submit_answer(
    message: Message,
    request_id: int,
    state: FSMContext,
    actor: Actor,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None,
) -> None:
    try:
        number = await questions.answer(
            request_id,
            actor.member_id,
            message.text or "",
            lambda relay: answer_messages(i18n, relay),
        )
    except NotYourRequest:
        if await _answering(state) == request_id:
            await state.clear()
        await message.answer(question_error_text(NotYourRequest()))
        return
    except QuestionError as error:
        await message.answer(question_error_text(error))
        return
    if await _answering(state) == request_id:
        await state.clear()
    await message.answer(
        _("Thank you! Your answer to question #{number} goes to the asker and the group.").format(
            number=number
        )
    )
    if delivery is not None:
        delivery.wake()


async def st_answer_text(
    message: Message,
    state: FSMContext,
    actor: Actor,
    questions: QuestionsService,
    i18n: I18n,
    delivery: Delivery | None = None,
) -> None:
    request_id = await _answering(state)
    if request_id is None:  # dialog data lost (e.g. an old state format)
        await state.clear()
        await message.answer(question_error_text(NotYourRequest()))
        return
    await submit_answer(message, request_id, state, actor, questions, i18n, delivery)


async def cmd_close(
    message: Message,
    command: CommandObject,
    bot: Bot,
    questions: QuestionsService,
    rights: Rights,
    group_id: int | None = None,
    actor: Actor | None = None,
) -> None:
    """The asker, or a moderator, closes a question."""
    number = _number(command.args)
    if number is None or group_id is None:
        await message.reply(_("Say which question to close, e.g. /close 12"))
        return
    member_id = actor.member_id if actor else None
    try:
        try:
            await questions.close(group_id, number, member_id)
        except NotYourQuestion:  # not the asker's: a moderator's, then?
            if not await is_moderator(bot, message, rights):
                raise
            await questions.close(group_id, number, member_id, moderating=True)
    except NotYourQuestion:
        await message.reply(
            _("Only the member who asked question #{number}, or a moderator, can close it.").format(
                number=number
            )
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
    "volunteered": N_("volunteered"),
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


async def cmd_open(
    message: Message, questions: QuestionsService, group_id: int | None = None
) -> None:
    lines = await questions.open_questions(group_id) if group_id is not None else []
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


async def cmd_why(
    message: Message,
    command: CommandObject,
    bot: Bot,
    questions: QuestionsService,
    rights: Rights,
    group_id: int | None = None,
    actor: Actor | None = None,
) -> None:
    """Moderators (also one posting as the group): who was asked about a question, and why."""
    if group_id is None or not await is_moderator(bot, message, rights):
        await message.reply(_("Only the group's administrators can see that."))
        return
    number = _number(command.args)
    report = await questions.why(group_id, number) if number is not None else None
    if report is None:
        await message.reply(_("Say which question, e.g. /why 12"))
        return
    peers = report.peers
    if report.anonymous:
        await _tell_asker_privately(bot, actor, number, report.asker_name)
    if not peers:
        await message.reply(
            _("Nobody was asked about question #{number}: nobody has listed its topics.").format(
                number=number
            )
        )
        return
    lines = [_("<b>Question #{number}</b> was asked to:").format(number=number)]
    if report.anonymous and actor is not None:
        lines.insert(0, _("Asked anonymously: I tell moderators who asked in private."))
    elif report.anonymous:  # posting as the group: there is nobody to tell in private
        lines.insert(0, _("Asked anonymously. Post as yourself to be told privately who asked."))
    size = sum(units(line) + 1 for line in lines)
    for shown, peer in enumerate(peers):
        reasons = ", ".join(f"{_(REASONS.get(k, k))} {v:.2f}" for k, v in peer.components.items())
        line = _("{rank}. {name}: round {round}, score {score} ({reasons}); {status}").format(
            rank=peer.rank,
            name=escape(peer.name, quote=False),
            round=peer.round,
            score=f"{peer.score:.2f}",
            reasons=reasons,
            status=_(REQUEST_STATUS.get(peer.status, peer.status)),
        )
        if size + units(line) + 1 > WHY_LIMIT:  # Telegram's limit, with room for the tail
            lines.append(_("… and {count} more.").format(count=len(peers) - shown))
            break
        lines.append(line)
        size += units(line) + 1
    await message.reply("\n".join(lines))


async def _tell_asker_privately(
    bot: Bot, actor: Actor | None, number: int, name: str | None
) -> None:
    """Who asked an anonymous question: for the moderator's eyes only, never in the group."""
    if actor is None or not actor.dm_available:
        return
    text = _("Question #{number} was asked anonymously by {name}. Please keep it private.").format(
        number=number, name=escape(name or "?", quote=False)
    )
    try:
        await bot.send_message(actor.user_id, text)
    except TelegramAPIError as error:
        log.warning("could not tell moderator %s who asked #%s: %s", actor.user_id, number, error)


async def cmd_accept_how(message: Message) -> None:
    await message.reply(_("Reply /accept to the answer (my message with it) that solved it."))


async def st_answer_not_text(message: Message) -> None:
    await message.answer(question_error_text(EmptyAnswer()))


COMMANDS = ("close", "open", "why", "myquestions", "myrequests", "accept", "answering")


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(private_or_commands)
    router.message.register(
        cmd_start_answer,
        CommandStart(deep_link=True, magic=F.args.regexp(r"^answer_\d+$")),
        private,
    )
    router.callback_query.register(cb_request, private_buttons, RequestCb.filter())
    answering = StateFilter(Answering.text)
    text, not_command = where(F.text), where(~F.text.startswith("/"))
    router.message.register(st_answer_text, answering, private, text, not_command)
    router.message.register(
        st_answer_not_text, answering, private, where(~F.text), where(~F.caption.startswith("/"))
    )
    # Other messages (/start, /help, a dialog step) pass all of these in one check.
    commands = Router(name=f"{__name__}.commands")
    commands.message.filter(Command(*COMMANDS))
    commands.message.register(cmd_close, Command("close"), groups)
    commands.message.register(cmd_open, Command("open"), groups)
    commands.message.register(cmd_why, Command("why"), groups)
    commands.message.register(cmd_accept_how, Command("accept"))
    commands.message.register(cmd_answering, Command("answering"), groups)
    commands.message.register(cmd_my_questions, Command("myquestions"), private)
    commands.message.register(cmd_my_requests, Command("myrequests"), private)
    router.include_router(commands)
    return router
