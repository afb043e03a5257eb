"""Moderators keep the FAQ: /faq_add (a dialog), /faq_edit <id>, /faq_delete <id>,
/faq_restore <id>, /faq_verify [<id>], /faq_stale and /faq_verification on|off.

In the group a command acts on that group; the dialogs (adding, editing) continue in the private
chat through a deep link that carries the group. In the private chat a command acts on a group
the moderator administers, picked with buttons when there are several. Rights are asked of
Telegram again at every step that changes something (a button or a link proves nothing), and an
entry of another community is "no such entry". FaqService writes the audit log."""

from aiogram import F, Router
from aiogram.filters import Command, CommandStart, StateFilter

from handlers.faq_admin import commands, dialogs
from handlers.faq_admin.commands import COMMANDS
from handlers.faq_admin.dialogs import FaqAdd, FaqEdit
from handlers.filters import groups, private, private_buttons, private_or_commands, where
from handlers.keyboards.faq_admin import FaqEditCb, FaqPickCb, FaqSkipCb


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(private_or_commands)
    typed = Router(name=f"{__name__}.commands")
    typed.message.filter(Command(*COMMANDS))
    typed.message.register(commands.cmd_faq_group, groups)
    typed.message.register(commands.cmd_faq_private, private)
    router.include_router(typed)
    router.message.register(commands.cmd_faq_verification, Command("faq_verification"), groups)
    deep_link = CommandStart(deep_link=True, magic=F.args.regexp(r"^faq(add_\d+|edit_\d+_\d+)$"))
    router.message.register(commands.cmd_start_link, deep_link, private)
    router.callback_query.filter(private_buttons)
    router.callback_query.register(commands.cb_pick, FaqPickCb.filter())
    router.callback_query.register(dialogs.cb_edit, FaqEditCb.filter())
    router.callback_query.register(dialogs.cb_skip, FaqSkipCb.filter())
    in_dialog = StateFilter(FaqAdd, FaqEdit)
    router.message.register(dialogs.cmd_cancel, in_dialog, Command("cancel"), private)
    text, not_command = where(F.text), where(~F.text.startswith("/"))
    steps = {
        FaqAdd.question: dialogs.st_add_question,
        FaqAdd.answer: dialogs.st_add_answer,
        FaqAdd.tags: dialogs.st_add_tags,
        FaqAdd.review: dialogs.st_add_review,
        FaqEdit.value: dialogs.st_edit_value,
    }
    for step, handler in steps.items():
        router.message.register(handler, StateFilter(step), private, text, not_command)
    not_caption_command = where(~F.caption.startswith("/"))  # a photo captioned /cancel
    router.message.register(
        dialogs.st_not_text, in_dialog, private, where(~F.text), not_caption_command
    )
    return router
