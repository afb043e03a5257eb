"""Queueing messages that must not be lost: written with the change that causes them (inside
the caller's write transaction), sent later by bot.delivery under Telegram's limits."""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from storage.models import OutboxMessage
from storage.repos.outbox import OutboxRepo

DOCUMENT = "document"  # payload key of a file to send: [file name, text content]
CAPTION_LIMIT = 1024


class OutboxService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.clock = clock
        self.repo = OutboxRepo(session)

    async def queue(
        self,
        chat_id: int,
        text: str,
        *,
        reply_markup: dict[str, Any] | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
        dedupe_key: str | None = None,
        kind: str | None = None,
        ref_id: int | None = None,
        not_before: datetime | None = None,
        document: tuple[str, str] | None = None,
    ) -> OutboxMessage | None:
        """Queue an HTML message to `chat_id`. Call it inside the write transaction of the
        change it reports, so both happen or neither. None when `dedupe_key` is queued already.

        `document`: (file name, text content), sent as a file with `text` as its caption (at
        most 1,024 characters: Telegram's limit), e.g. a meetup's .ics calendar file."""
        now = self.clock.now()
        payload: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
        if document is not None:
            if len(text) > CAPTION_LIMIT:
                raise ValueError(f"a caption holds at most {CAPTION_LIMIT} characters")
            name, content = document
            payload = {"caption": text, "parse_mode": "HTML", DOCUMENT: [name, content]}
        if reply_markup is not None:
            payload["reply_markup"] = reply_markup
        if reply_to is not None:
            payload["reply_parameters"] = {
                "message_id": reply_to,
                "allow_sending_without_reply": True,
            }
        if thread_id is not None:
            payload["message_thread_id"] = thread_id
        return await self.repo.add(
            OutboxMessage(
                chat_id=chat_id,
                payload=payload,
                dedupe_key=dedupe_key,
                kind=kind,
                ref_id=ref_id,
                status="pending",
                attempts=0,
                next_attempt_at=max(not_before or now, now),
                created_at=now,
            )
        )
