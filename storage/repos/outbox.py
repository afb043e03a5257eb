"""The outbox: messages waiting to be sent, claimed by one sender at a time."""

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage


def _due(now: datetime) -> Any:
    """Waiting and due, or claimed by a sender whose lease ran out (it crashed or stalled)."""
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_until < now),
    )


class OutboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, message: OutboxMessage) -> OutboxMessage | None:
        """Queue `message`; None (and nothing queued) when its dedupe key is already queued."""
        if message.dedupe_key is not None:
            taken = await self.session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.dedupe_key == message.dedupe_key)
            )
            if taken is not None:
                return None
        self.session.add(message)
        await self.session.flush()
        return message

    async def any_due(self, now: datetime) -> bool:
        found = await self.session.scalar(select(OutboxMessage.id).where(_due(now)).limit(1))
        return found is not None

    async def claim(self, now: datetime, lease_until: datetime, limit: int) -> list[OutboxMessage]:
        """Up to `limit` due messages, oldest first, each claimed with a conditional update so
        that two senders (two instances) never both take one."""
        ids = list(
            await self.session.scalars(
                select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
            )
        )
        claimed: list[int] = []
        for message_id in ids:
            result = await self.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, _due(now))
                .values(
                    status="sending",
                    lease_until=lease_until,
                    attempts=OutboxMessage.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:
                claimed.append(message_id)
        if not claimed:
            return []
        rows = await self.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(claimed))
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
        return list(rows)

    async def extend(self, ids: list[int], lease_until: datetime) -> None:
        """Renew a sender's claim on messages it still holds (not those already finished)."""
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "sending")
            .values(lease_until=lease_until)
            .execution_options(synchronize_session=False)
        )

    async def finish(self, outbox_id: int, **values: Any) -> None:
        """Record how a claimed message went (and release the claim)."""
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == outbox_id)
            .values(lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )

    async def next_due_at(self) -> datetime | None:
        """When the earliest waiting message falls due (None: nothing waits)."""
        return await self.session.scalar(
            select(OutboxMessage.next_attempt_at)
            .where(OutboxMessage.status == "pending")
            .order_by(OutboxMessage.next_attempt_at)
            .limit(1)
        )
