"""Moderators' figures and data: /stats [week|month|all] (a chart with a summary) and /export
(a zip of CSV files, sent privately: it names members).

In the group a command is for that group, from its administrators only. In the private chat it
is for a group the moderator administers, picked with buttons when several; a button proves
nothing, so Telegram is asked again when it is pressed. Replies go straight to the moderator
(they answer a command); the chart is drawn in a worker thread while the rest is counted."""

import io
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.rights import Rights
from bot.services.communities import CommunitiesService, CommunityView
from bot.services.members import Actor
from bot.services.profiles import ProfilesService
from bot.services.questions import units
from bot.services.stats import PERIODS, StatsService
from bot.stats_chart import report_with_chart
from handlers.filters import commands_only, groups, private, private_buttons
from handlers.keyboards.stats import StatsAct, StatsPickCb, pick_keyboard
from handlers.questions import drop_buttons
from handlers.rights import is_moderator, moderated_by, moderated_community
from handlers.stats_texts import (
    bad_period,
    chart_labels,
    export_caption,
    no_group_moderated,
    not_a_moderator,
    period_of,
    summary,
)

log = logging.getLogger(__name__)
CAPTION_LIMIT = 1024  # UTF-16 units, Telegram's limit for a photo's caption


async def send_stats(
    bot: Bot,
    chat_id: int,
    stats: StatsService,
    community_id: int,
    period: str,
    thread_id: int | None = None,
) -> None:
    """The chart with the summary as its caption (or below it, when longer than a caption)."""
    report, png = await report_with_chart(stats, community_id, period, chart_labels)
    text = summary(report)
    try:
        if png is None:
            await bot.send_message(chat_id, text, message_thread_id=thread_id)
            return
        photo = BufferedInputFile(png, filename="stats.png")
        fits = units(text) <= CAPTION_LIMIT
        await bot.send_photo(
            chat_id, photo, caption=text if fits else None, message_thread_id=thread_id
        )
        if not fits:
            await bot.send_message(chat_id, text, message_thread_id=thread_id)
    except TelegramAPIError as error:
        log.warning("stats of community %s not sent to %s: %s", community_id, chat_id, error)


async def send_export(
    bot: Bot, user_id: int, stats: StatsService, community: CommunityView
) -> bool:
    """The zip, to the moderator's private chat. False when Telegram would not take it."""
    out = io.BytesIO()
    written = await stats.export(community.id, out)
    document = BufferedInputFile(out.getvalue(), filename=f"peerbot-export-{community.id}.zip")
    caption = export_caption(community.title, sum(written.values()))
    try:
        await bot.send_document(user_id, document, caption=caption)
    except TelegramAPIError as error:
        log.warning("export of community %s not sent to %s: %s", community.id, user_id, error)
        return False
    return True


async def cmd_stats_group(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    stats: StatsService,
    group_id: int | None = None,
) -> None:
    if group_id is None or not await is_moderator(bot, message, rights):
        await message.reply(not_a_moderator())
        return
    period = period_of(command.args)
    if period is None:
        await message.reply(bad_period(command.args))
        return
    thread_id = message.message_thread_id if message.is_topic_message else None
    await send_stats(bot, message.chat.id, stats, group_id, period, thread_id)


async def cmd_export_group(
    message: Message,
    bot: Bot,
    rights: Rights,
    stats: StatsService,
    communities: CommunitiesService,
    group_id: int | None = None,
    actor: Actor | None = None,
) -> None:
    """Sent privately, never in the group: the files name members."""
    community = await communities.by_id(group_id) if group_id is not None else None
    if community is None or actor is None or not await is_moderator(bot, message, rights):
        await message.reply(not_a_moderator())
        return
    if await send_export(bot, actor.user_id, stats, community):
        await message.reply(_("I sent the export to you in our private chat."))
        return
    await message.reply(
        _(
            "I can't send you the export privately. Start a chat with me (open my profile and "
            "tap Start), then send /export again."
        )
    )


async def cmd_private(
    message: Message,
    command: CommandObject,
    bot: Bot,
    actor: Actor,
    rights: Rights,
    profiles: ProfilesService,
    stats: StatsService,
) -> None:
    is_stats = command.command.lower() == "stats"
    period = period_of(command.args) if is_stats else ""
    if period is None:
        await message.answer(bad_period(command.args))
        return
    mine = await moderated_by(bot, rights, profiles, actor.user_id)
    act = StatsAct.STATS if is_stats else StatsAct.EXPORT
    if not mine:
        await message.answer(no_group_moderated())
    elif len(mine) > 1:
        question = _("Which group's statistics?") if is_stats else _("Which group's data?")
        await message.answer(question, reply_markup=pick_keyboard(mine, act, period))
    else:
        await _run(bot, actor, stats, act, mine[0], period)


async def cb_pick(
    query: CallbackQuery,
    callback_data: StatsPickCb,
    bot: Bot,
    actor: Actor,
    rights: Rights,
    communities: CommunitiesService,
    stats: StatsService,
) -> None:
    """A group chosen from the buttons: its rights are asked of Telegram again, now."""
    community = await moderated_community(bot, rights, communities, actor.user_id, callback_data.c)
    bad_period = callback_data.act == StatsAct.STATS and callback_data.p not in PERIODS
    if community is None or bad_period:
        await query.answer(not_a_moderator(), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query)  # chosen: a second tap must not send it twice
    await _run(bot, actor, stats, callback_data.act, community, callback_data.p)


async def _run(
    bot: Bot,
    actor: Actor,
    stats: StatsService,
    act: StatsAct,
    community: CommunityView,
    period: str,
) -> None:
    if act == StatsAct.STATS:
        await send_stats(bot, actor.user_id, stats, community.id, period)
    elif not await send_export(bot, actor.user_id, stats, community):
        await bot.send_message(
            actor.user_id,
            _(
                "Telegram did not take the export file. The command line can write it: "
                "peerbot export --community CHAT_ID --out FILE"
            ),
        )


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(commands_only)
    router.message.register(cmd_stats_group, Command("stats"), groups)
    router.message.register(cmd_export_group, Command("export"), groups)
    router.message.register(cmd_private, Command("stats", "export"), private)
    router.callback_query.filter(private_buttons)
    router.callback_query.register(cb_pick, StatsPickCb.filter())
    return router
