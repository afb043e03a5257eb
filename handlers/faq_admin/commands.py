"""The commands, in the group (acting on it) and in the private chat (on a group the moderator
administers, picked with buttons when several), and the deep links from one to the other."""

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.rights import Rights
from bot.services.communities import CommunitiesService, CommunityView
from bot.services.faq import FaqService, UnknownEntry
from bot.services.members import Actor
from bot.services.profiles import ProfilesService
from handlers.faq_admin.dialogs import begin_add, show_entry
from handlers.faq_admin.texts import (
    entry_id_of,
    no_group_moderated,
    no_such_entry,
    not_a_moderator,
    stale_text,
    unverified_text,
    usage,
)
from handlers.keyboards.faq_admin import (
    ADD_PAYLOAD,
    EDIT_PAYLOAD,
    FaqAct,
    FaqPickCb,
    pick_keyboard,
    private_chat_button,
)
from handlers.questions import drop_buttons
from handlers.rights import MAX_ID, is_moderator, moderated_by, moderated_community

COMMANDS = {
    "faq_add": FaqAct.ADD,
    "faq_edit": FaqAct.EDIT,
    "faq_delete": FaqAct.DELETE,
    "faq_restore": FaqAct.RESTORE,
    "faq_verify": FaqAct.VERIFY,
    "faq_stale": FaqAct.STALE,
}
NEEDS_ID = frozenset({FaqAct.EDIT, FaqAct.DELETE, FaqAct.RESTORE, FaqAct.VERIFY})


def entry_of(act: FaqAct, args: str | None) -> int | None:
    """The entry a command names; 0 for none needed (/faq_verify alone lists what waits)."""
    if act not in NEEDS_ID or (act == FaqAct.VERIFY and not (args or "").strip()):
        return 0
    return entry_id_of(args)


async def cmd_faq_verification(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    faq: FaqService,
    group_id: int | None = None,
    actor: Actor | None = None,
) -> None:
    """Moderators: `/faq_verification on` (accepted answers wait for /faq_verify) or `off`."""
    if group_id is None or not await is_moderator(bot, message, rights):
        await message.reply(not_a_moderator())
        return
    choice = (command.args or "").strip().lower()
    if choice not in ("on", "off"):
        await message.reply(
            _(
                "Say whether accepted answers wait for a moderator before entering the FAQ: "
                "/faq_verification on (they wait for /faq_verify) or /faq_verification off."
            )
        )
        return
    await faq.set_verification(group_id, choice == "on", actor.member_id if actor else None)
    if choice == "on":
        text = _(
            "From now on accepted answers enter the FAQ once a moderator verifies them: "
            "/faq_verify lists those waiting. Entries already published stay."
        )
    else:
        text = _("From now on accepted answers enter the FAQ at once.")
    await message.reply(text)


async def one_shot(
    faq: FaqService, act: FaqAct, community: CommunityView, entry_id: int, actor_id: int | None
) -> str:
    """Delete, restore, verify (one line each), or the list of stale entries."""
    if act == FaqAct.STALE:
        return stale_text(await faq.stale(community.id), community)
    if act == FaqAct.VERIFY and entry_id == 0:  # no id: what waits for verification
        return unverified_text(await faq.awaiting_verification(community.id), community)
    change = {FaqAct.DELETE: faq.delete, FaqAct.RESTORE: faq.restore, FaqAct.VERIFY: faq.verify}
    try:
        view = await change[act](community.id, entry_id, actor_id)
    except UnknownEntry:
        return no_such_entry(entry_id, community)
    if act == FaqAct.DELETE:
        text = _("Entry #{id} is deleted: searches no longer find it. Undo: /faq_restore {id}")
    elif view.deleted:  # verified, but still deleted
        text = _("Entry #{id} is verified; it stays deleted until /faq_restore {id}.")
    elif not view.published:  # an accepted answer whose author has not agreed yet
        text = _("Entry #{id} is saved, but stays out of searches until its author agrees.")
    elif act == FaqAct.RESTORE:
        text = _("Entry #{id} is restored: searches find it again.")
    else:
        text = _("Entry #{id} is verified.")
    return text.format(id=view.id)


async def cmd_faq_group(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    faq: FaqService,
    communities: CommunitiesService,
    group_id: int | None = None,
    actor: Actor | None = None,
) -> None:
    act = COMMANDS[command.command.lower()]
    community = await communities.by_id(group_id) if group_id is not None else None
    if community is None or not await is_moderator(bot, message, rights):
        await message.reply(not_a_moderator())
        return
    entry_id = entry_of(act, command.args)
    if entry_id is None:
        await message.reply(usage(act))
        return
    if act in (FaqAct.ADD, FaqAct.EDIT):
        await _to_private_chat(message, bot, faq, act, community, entry_id)
        return
    actor_id = actor.member_id if actor is not None else None  # None: posting as the group
    await message.reply(await one_shot(faq, act, community, entry_id, actor_id))


async def _to_private_chat(
    message: Message, bot: Bot, faq: FaqService, act: FaqAct, community: CommunityView, entry: int
) -> None:
    """The dialogs run in the private chat, for this group: a deep link carries it there."""
    username = (await bot.me()).username or ""
    if act == FaqAct.ADD:
        payload = ADD_PAYLOAD.format(community_id=community.id)
        text = _("Let's write the new entry in our private chat: tap the button.")
    else:
        try:
            await faq.entry(community.id, entry)
        except UnknownEntry:
            await message.reply(no_such_entry(entry, community))
            return
        payload = EDIT_PAYLOAD.format(community_id=community.id, entry_id=entry)
        text = _("Let's edit entry #{id} in our private chat: tap the button.").format(id=entry)
    button = private_chat_button(username, payload, _("Open the private chat"))
    await message.reply(text, reply_markup=button)


async def cmd_faq_private(
    message: Message,
    command: CommandObject,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    rights: Rights,
    profiles: ProfilesService,
    faq: FaqService,
) -> None:
    act = COMMANDS[command.command.lower()]
    entry_id = entry_of(act, command.args)
    if entry_id is None:
        await message.answer(usage(act))
        return
    mine = await moderated_by(bot, rights, profiles, actor.user_id)
    if not mine:
        await message.answer(no_group_moderated())
    elif len(mine) > 1:
        await message.answer(
            _("Which group's FAQ is this for?"), reply_markup=pick_keyboard(mine, act, entry_id)
        )
    else:
        await run_private(bot, state, faq, actor, act, mine[0], entry_id)


async def cb_pick(
    query: CallbackQuery,
    callback_data: FaqPickCb,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    rights: Rights,
    communities: CommunitiesService,
    faq: FaqService,
) -> None:
    """A group chosen from the buttons: its rights are asked of Telegram again, now."""
    community = await moderated_community(bot, rights, communities, actor.user_id, callback_data.c)
    lists = callback_data.act == FaqAct.VERIFY and callback_data.e == 0
    bad_entry = callback_data.act in NEEDS_ID and not lists and not 0 < callback_data.e <= MAX_ID
    if community is None or bad_entry:
        await query.answer(not_a_moderator(), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query)  # chosen: a second tap must not act twice
    await run_private(bot, state, faq, actor, callback_data.act, community, callback_data.e)


async def run_private(
    bot: Bot,
    state: FSMContext,
    faq: FaqService,
    actor: Actor,
    act: FaqAct,
    community: CommunityView,
    entry_id: int,
) -> None:
    """A command for `community`, whose rights were just checked."""
    if act == FaqAct.ADD:
        await begin_add(bot, state, actor.user_id, community)
    elif act == FaqAct.EDIT:
        await state.clear()
        await show_entry(bot, faq, actor.user_id, community, entry_id)
    else:
        await bot.send_message(
            actor.user_id, await one_shot(faq, act, community, entry_id, actor.member_id)
        )


async def cmd_start_link(
    message: Message,
    command: CommandObject,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    rights: Rights,
    communities: CommunitiesService,
    faq: FaqService,
) -> None:
    """`?start=faqadd_<community>` or `faqedit_<community>_<entry>` from a group's reply: the
    payload is user input, so the rights in that community are checked again."""
    kind, _sep, rest = (command.args or "").partition("_")
    community_id, _sep, entry = rest.partition("_")
    community = await moderated_community(
        bot, rights, communities, actor.user_id, entry_id_of(community_id) or 0
    )
    if community is None:
        await message.answer(not_a_moderator())
        return
    if kind == "faqadd":
        await run_private(bot, state, faq, actor, FaqAct.ADD, community, 0)
        return
    entry_id = entry_id_of(entry)
    if entry_id is None:
        await message.answer(usage(FaqAct.EDIT))
        return
    await run_private(bot, state, faq, actor, FaqAct.EDIT, community, entry_id)
