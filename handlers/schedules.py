"""What the moderators' schedule commands share (/prompt_schedule, /digest_schedule): no
argument shows the schedule and its next firing in the group's time, `off` stops it, days and a
24-hour time set it, in the topic the command was sent in; a bad expression gets an example
and changes nothing. The caller has checked the rights."""

from dataclasses import dataclass
from html import escape
from typing import Protocol

from aiogram.filters import CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot import schedule_texts
from bot.schedules import BadSchedule, parse_weekly
from bot.services.slots import ScheduleView
from bot.timefmt import local_datetime


class Schedules(Protocol):
    async def schedule(self, community_id: int) -> ScheduleView | None: ...

    async def set_schedule(
        self, community_id: int, expression: str, thread_id: int | None
    ) -> ScheduleView: ...

    async def disable(self, community_id: int) -> bool: ...


@dataclass(frozen=True, slots=True)
class Wording:
    """A feature's own sentences, translated already."""

    example: str  # a command that sets a good schedule
    posted: str  # the schedule: {schedule}, {timezone}, {when} (the next firing)
    here: str  # it goes to this topic
    stop: str  # how to stop it
    none: str  # nothing is scheduled: {example}
    stopped: str  # `off` stopped it
    was_off: str  # `off`, with nothing on


async def schedule_command(
    message: Message,
    command: CommandObject,
    schedules: Schedules,
    community_id: int,
    wording: Wording,
) -> None:
    args = (command.args or "").strip()
    if not args:
        text = schedule_text(await schedules.schedule(community_id), wording)
    elif args.lower() == "off":
        text = wording.stopped if await schedules.disable(community_id) else wording.was_off
    else:
        thread_id = message.message_thread_id if message.is_topic_message else None
        try:
            view = await schedules.set_schedule(community_id, args, thread_id)
        except BadSchedule:
            text = _(
                "I could not read that schedule. Give days and a 24-hour time, e.g. {example} "
                "(or {keywords} 18:30). Nothing was changed."
            ).format(example=wording.example, keywords=schedule_texts.keywords())
        else:
            text = schedule_text(view, wording)
    await message.reply(text)


def schedule_text(view: ScheduleView | None, wording: Wording) -> str:
    if view is None or not view.enabled:
        return wording.none.format(example=wording.example)
    when = view.next_fire_at
    text = wording.posted.format(
        schedule=escape(schedule_texts.describe(parse_weekly(view.expression))),
        timezone=escape(view.timezone),
        when=local_datetime(when, view.timezone, with_zone=False) if when else "—",
    )
    if view.thread_id is not None:
        text += "\n" + wording.here
    return text + "\n" + wording.stop
