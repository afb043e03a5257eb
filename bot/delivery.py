"""The outbox's sender: due messages go out under Telegram's limits; a 429 or a server error
puts a message back with a delay, a blocked member or a bad request ends it with the reason,
and a sender that dies mid-way leaves its claims to expire for another to take over (a live
sender renews its claim on the rest of a batch as it goes, so the lease can be short: a dead
sender's batch waits at most two minutes).

What follows a message's outcome (`on_outcome`) commits in the transaction that records it, so
a sender that dies in between leaves the whole message to be taken over (and, having been sent,
sent again: at least once, never lost). A message for a group's administrators (`expand`) is
turned, once Telegram has said who they are, into a message for each, in one transaction."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.outbox import DOCUMENT
from storage.db import Database, transaction
from storage.models import OutboxMessage
from storage.repos.members import MembersRepo
from storage.repos.outbox import OutboxRepo

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[Any]]
# Told what became of a message with a `kind`: (the session of the transaction recording it,
# the message, "sent" or "unreachable": the recipient blocked the bot or never started it).
# What it changes commits with the outcome. Other failures are kept on the message.
Outcome = Callable[[AsyncSession, OutboxMessage, str], Awaitable[Any]]
# Expands a message whose `kind` stands for a group's administrators, given their user ids, in
# the transaction that settles it: queues what each of them gets and returns None, or returns
# what to post in the group instead (none of them can be messaged privately).
Expand = Callable[[AsyncSession, OutboxMessage, list[int]], Awaitable[dict[str, Any] | None]]
# Asked just before sending a message with a `kind`: is it still wanted? (An invitation for a
# question closed meanwhile is not.)
# (Or, instead of True, what to send now in place of parts of its payload: an invitation is
# written again from the question as it is, so it links the group's copy of a question asked
# privately, posted after the invitation was queued.)
Wanted = Callable[[OutboxMessage], Awaitable[bool | dict[str, Any]]]

PRIVATE_INTERVAL = 1.0  # s between messages to one private chat (Telegram: about 1/s)
GROUP_INTERVAL = 3.0  # s between messages to one group (Telegram: 20/min)
GLOBAL_INTERVAL = 1 / 30  # s between any two messages (Telegram: about 30/s)
MAX_BACKOFF = timedelta(hours=1)


_THREAD_GONE = ("message thread not found", "topic_closed", "topic_deleted")


def _without_thread(payload: dict[str, Any], error: TelegramAPIError) -> dict[str, Any] | None:
    """`payload` without its forum topic (and reply), when `error` says the topic is gone."""
    if not isinstance(error, TelegramBadRequest) or "message_thread_id" not in payload:
        return None
    if not any(sign in error.message.lower() for sign in _THREAD_GONE):
        return None
    return {k: v for k, v in payload.items() if k not in ("message_thread_id", "reply_parameters")}


class Pacer:
    """Spaces messages per chat and overall, on the injectable clock."""

    def __init__(self, clock: Clock, sleep: Sleep) -> None:
        self.clock, self.sleep = clock, sleep
        self._chat_ready: dict[int, datetime] = {}
        self._global_ready: datetime | None = None

    async def wait_for(self, chat_id: int) -> None:
        now = self.clock.now()
        ready = max(filter(None, (self._chat_ready.get(chat_id), self._global_ready)), default=now)
        if ready > now:
            await self.sleep((ready - now).total_seconds())
            now = self.clock.now()
        interval = PRIVATE_INTERVAL if chat_id > 0 else GROUP_INTERVAL
        self._chat_ready[chat_id] = now + timedelta(seconds=interval)
        self._global_ready = now + timedelta(seconds=GLOBAL_INTERVAL)
        if len(self._chat_ready) > 10_000:  # forget chats whose spacing has passed
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}


class Delivery:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        clock: Clock,
        *,
        sleep: Sleep = asyncio.sleep,
        batch: int = 50,
        lease: timedelta = timedelta(minutes=2),
        give_up_after: timedelta = timedelta(hours=48),
        poll_seconds: float = 5.0,
        on_outcome: Outcome | None = None,
        still_wanted: Wanted | None = None,
        expand: Mapping[str, Expand] | None = None,
    ) -> None:
        """`on_outcome`: told when a message with a `kind` was sent or its recipient cannot be
        reached, so the change it reported can follow (e.g. invite another peer instead).
        `expand`: by kind, messages that stand for a group's administrators (see Expand)."""
        self.bot, self.db, self.clock = bot, db, clock
        self.on_outcome = on_outcome
        self.expand: Mapping[str, Expand] = expand or {}
        self.still_wanted = still_wanted
        self.batch, self.lease, self.give_up_after = batch, lease, give_up_after
        self.poll_seconds = poll_seconds
        self.pacer = Pacer(clock, sleep)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Send what is due, batch after batch, including what sending queued (a replacement
        invitation, say); returns how many messages were sent."""
        sent = 0
        while True:
            now = self.clock.now()
            async with self.db.session() as session:
                async with transaction(session, write=False):  # mostly there is nothing to do
                    if not await OutboxRepo(session).any_due(now):
                        return sent
                async with transaction(session, write=True):
                    claimed = await OutboxRepo(session).claim(now, now + self.lease, self.batch)
            lease_until = now + self.lease
            for place, message in enumerate(claimed):
                if self.clock.now() > lease_until - self.lease / 2:  # pacing took a while
                    lease_until = await self._renew(claimed[place:])
                sent += await self._deliver(message)
            if not claimed:  # due, but another sender claimed them first
                return sent

    async def run(self) -> None:
        """Deliver until cancelled; polls for messages other instances queued."""
        while True:
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:  # a bug: keep delivering the rest
                log.exception("outbox delivery failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)

    async def _renew(self, messages: list[OutboxMessage]) -> datetime:
        """Extend this sender's claim on the rest of its batch, so that a batch paced slower
        than the lease is not taken over by another sender while this one is alive."""
        until = self.clock.now() + self.lease
        async with self.db.session() as session, transaction(session, write=True):
            await OutboxRepo(session).extend([m.id for m in messages], until)
        return until

    async def _deliver(self, message: OutboxMessage) -> bool:
        payload = message.payload
        if message.kind is not None and self.still_wanted is not None:
            wanted = await self.still_wanted(message)
            if not wanted:
                await self._end(message, "dropped", "no longer wanted")
                return False
            if isinstance(wanted, dict):
                payload = {**payload, **wanted}
        try:
            if message.kind in self.expand:
                changes = await self._expand(message)
                if changes is None:  # settled: the notices it became are queued
                    return False
                payload = {**payload, **changes}
            await self.pacer.wait_for(message.chat_id)
            sent = await self._send(message.chat_id, payload)
        except TelegramAPIError as error:
            await self._failed(message, payload, error)
            return False
        message.message_id = sent.message_id
        await self._end(message, "sent", None, message_id=sent.message_id)
        return True

    async def _send(self, chat_id: int, payload: dict[str, Any]) -> Message:
        """sendMessage, or sendDocument for a payload that carries a file (bot.services.outbox)."""
        if DOCUMENT not in payload:
            return await self.bot.send_message(chat_id=chat_id, **payload)
        name, content = payload[DOCUMENT]
        rest = {k: v for k, v in payload.items() if k != DOCUMENT}
        upload = BufferedInputFile(content.encode(), filename=name)
        return await self.bot.send_document(chat_id=chat_id, document=upload, **rest)

    async def _expand(self, message: OutboxMessage) -> dict[str, Any] | None:
        """A message for a group's administrators: Telegram says who they are (no transaction
        is open meanwhile), then one transaction queues what each of them gets and settles the
        message. Returns None when settled, else what to post in the group instead (its text,
        and what it replies to)."""
        try:
            admins = await self.bot.get_chat_administrators(message.chat_id)
            user_ids = [a.user.id for a in admins if not a.user.is_bot]
        except TelegramBadRequest as error:  # no such list (any more): the group may still be
            if isinstance(error, TelegramMigrateToChat):
                raise
            log.warning("outbox #%s: no administrators to tell: %s", message.id, error)
            user_ids = []
        async with self.db.session() as session, transaction(session, write=True):
            changes = await self.expand[message.kind or ""](session, message, user_ids)
            if changes is None:
                await OutboxRepo(session).finish(
                    message.id, status="expanded", error=None, sent_at=self.clock.now()
                )
        return changes

    async def _failed(
        self, message: OutboxMessage, payload: dict[str, Any], error: TelegramAPIError
    ) -> None:
        """Record a failed attempt: again later, elsewhere, or never, by what Telegram said."""
        if isinstance(error, TelegramRetryAfter):
            log.warning("outbox #%s: flood control, again in %ss", message.id, error.retry_after)
            await self._again(message, timedelta(seconds=error.retry_after), str(error))
        elif isinstance(error, TelegramServerError | TelegramNetworkError):
            await self._outage(message, error)
        elif isinstance(error, TelegramMigrateToChat):  # the group became a supergroup
            log.warning(
                "outbox #%s: chat %s moved to %s",
                message.id,
                message.chat_id,
                error.migrate_to_chat_id,
            )
            await self._again(message, timedelta(0), str(error), chat_id=error.migrate_to_chat_id)
        elif isinstance(error, TelegramForbiddenError):
            log.warning("outbox #%s: chat %s unreachable: %s", message.id, message.chat_id, error)
            await self._end(message, "failed", str(error), unreachable=True)
        elif (without := _without_thread(payload, error)) is not None:
            # The forum topic is gone: the main chat instead.
            log.warning("outbox #%s: %s; sending to the main chat", message.id, error)
            await self._again(message, timedelta(0), str(error), payload=without)
        else:  # 400 and the like: sending again cannot help
            log.warning("outbox #%s: refused: %s", message.id, error)
            await self._end(message, "refused", str(error))

    async def _outage(self, message: OutboxMessage, error: TelegramAPIError) -> None:
        # Keep trying (backoff capped at an hour) for as long as a message is still worth
        # sending, rather than for a number of tries.
        delay = min(timedelta(seconds=5 * 2 ** min(message.attempts - 1, 16)), MAX_BACKOFF)
        if self.clock.now() + delay > message.created_at + self.give_up_after:
            log.warning("outbox #%s: giving up after %s: %s", message.id, self.give_up_after, error)
            await self._end(message, "failed", str(error))
        else:
            log.warning("outbox #%s: %s, again in %ss", message.id, error, delay.total_seconds())
            await self._again(message, delay, str(error))

    async def _tell(self, session: AsyncSession, message: OutboxMessage, outcome: str) -> None:
        """What follows the message's outcome, in the transaction that records the outcome: both
        commit or neither. A bug in the follow-up rolls back only the follow-up (a savepoint)."""
        if self.on_outcome is None or message.kind is None:
            return
        try:
            async with session.begin_nested():
                await self.on_outcome(session, message, outcome)
        except Exception:  # a bug in what follows; the message itself is settled
            log.exception("outbox #%s: handling its outcome (%s) failed", message.id, outcome)

    async def _again(
        self,
        message: OutboxMessage,
        delay: timedelta,
        error: str,
        *,
        chat_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        changes: dict[str, Any] = {}
        if chat_id is not None:
            changes["chat_id"] = chat_id
        if payload is not None:
            changes["payload"] = payload
        async with self.db.session() as session, transaction(session, write=True):
            await OutboxRepo(session).finish(
                message.id,
                status="pending",
                next_attempt_at=self.clock.now() + delay,
                error=error,
                **changes,
            )

    async def _end(
        self,
        message: OutboxMessage,
        status: str,
        error: str | None,
        *,
        message_id: int | None = None,
        unreachable: bool = False,
    ) -> None:
        now = self.clock.now()
        async with self.db.session() as session, transaction(session, write=True):
            await OutboxRepo(session).finish(
                message.id,
                status=status,
                error=error,
                message_id=message_id,
                sent_at=now if status == "sent" else None,
            )
            if unreachable and message.chat_id > 0:  # a member who blocked us or never started
                await MembersRepo(session).set_dm_available(message.chat_id, False, now)
            if status == "sent" or unreachable:
                await self._tell(session, message, "sent" if status == "sent" else "unreachable")
