"""Weekly schedules of any kind (prompts, digest): which are due, and claiming a slot."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import WeeklySchedule


class SchedulesRepo:
    def __init__(self, session: AsyncSession, model: type[WeeklySchedule]) -> None:
        self.session, self.model = session, model

    async def get(self, schedule_id: int) -> WeeklySchedule | None:
        return await self.session.get(self.model, schedule_id)

    async def of_community(self, community_id: int) -> WeeklySchedule | None:
        return await self.session.scalar(
            select(self.model).where(self.model.community_id == community_id)
        )

    async def add(self, schedule: WeeklySchedule) -> WeeklySchedule:
        self.session.add(schedule)
        await self.session.flush()
        return schedule

    async def due(self, now: datetime) -> list[tuple[int, datetime]]:
        """(schedule id, slot) of every enabled schedule whose next slot has come."""
        model = self.model
        rows = await self.session.execute(
            select(model.id, model.next_fire_at)
            .where(model.enabled, model.next_fire_at <= now)
            .order_by(model.next_fire_at)
        )
        return [(row.id, row.next_fire_at) for row in rows]

    async def claim(self, schedule_id: int, slot: datetime, following: datetime) -> bool:
        """Moves the schedule past `slot` if nobody did yet: True for the one who did."""
        model = self.model
        result = await self.session.execute(
            update(model)
            .where(model.id == schedule_id, model.enabled, model.next_fire_at == slot)
            .values(next_fire_at=following, last_slot=slot)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]
