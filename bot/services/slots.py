"""One place for what every weekly schedule (one per community: prompts, digest) does: set it,
turn it off, find the due ones, and claim a slot. Runs inside the caller's transaction.

Schedules live only in the database: a job polls for due ones every minute, so there is no job
per schedule to rebuild at start or on change (a change is seen at the next poll). A firing
claims its slot with a conditional update of `next_fire_at`, in the transaction that queues the
post in the outbox: a restart or a second instance never posts one slot twice. A slot missed by
more than the grace window (the bot was down) is skipped with one warning line, and the
schedule goes on from the next one."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.schedules import Weekly, firings_between, next_firing, parse_weekly
from storage.models import Community, WeeklySchedule
from storage.repos.communities import CommunitiesRepo
from storage.repos.schedules import SchedulesRepo

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScheduleView:
    expression: str
    timezone: str
    thread_id: int | None
    enabled: bool
    next_fire_at: datetime | None


def schedule_view(schedule: WeeklySchedule, community: Community) -> ScheduleView:
    return ScheduleView(
        schedule.expression,
        community.timezone,
        schedule.thread_id,
        schedule.enabled,
        schedule.next_fire_at,
    )


class Slots:
    """The schedules kept in `model`; `what` names them in the log ('prompt', 'digest')."""

    def __init__(
        self, session: AsyncSession, clock: Clock, model: type[WeeklySchedule], what: str
    ) -> None:
        self.clock, self.model, self.what = clock, model, what
        self.repo = SchedulesRepo(session, model)
        self.communities = CommunitiesRepo(session)

    async def of_community(self, community_id: int) -> WeeklySchedule | None:
        return await self.repo.of_community(community_id)

    async def set(
        self, community: Community, weekly: Weekly, thread_id: int | None, *, enabled: bool = True
    ) -> WeeklySchedule:
        """The community's schedule (written if it has none) fires `weekly` from now on, in
        the topic `thread_id` (None: the main chat)."""
        now = self.clock.now()
        found = await self.repo.of_community(community.id)
        if found is None:
            found = await self.repo.add(
                self.model(community_id=community.id, expression="", updated_at=now)
            )
        found.expression, found.thread_id, found.enabled = weekly.text, thread_id, enabled
        found.next_fire_at = next_firing(weekly, community.timezone, now) if enabled else None
        found.updated_at = now
        return found

    async def disable(self, community_id: int) -> bool:
        """False when there was no schedule on."""
        found = await self.repo.of_community(community_id)
        if found is None or not found.enabled:
            return False
        found.enabled, found.next_fire_at = False, None
        found.updated_at = self.clock.now()
        return True

    async def due(self) -> list[tuple[int, datetime]]:
        """(schedule id, slot) of every schedule whose next firing has come."""
        return await self.repo.due(self.clock.now())

    async def claim(
        self, schedule_id: int, slot: datetime, grace: timedelta
    ) -> tuple[WeeklySchedule, Community, datetime] | None:
        """Claim `slot` and move the schedule to its next firing: the schedule, its community
        and the slot to post when it is this caller's to post. None when another firing
        claimed it, the slot was missed by more than `grace` (skipped), or the bot left the
        group. When the bot was down over later slots too, the newest one is posted if it is
        within `grace`, and the older ones are skipped (one warning line)."""
        now = self.clock.now()
        schedule = await self.repo.get(schedule_id)
        community = await self.communities.by_id(schedule.community_id) if schedule else None
        if schedule is None or community is None:
            return None
        weekly = parse_weekly(schedule.expression)
        following = next_firing(weekly, community.timezone, max(now, slot))
        if not await self.repo.claim(schedule_id, slot, following):
            return None
        # Down over several slots, only the newest may still be caught up: once.
        missed = [slot, *firings_between(weekly, community.timezone, slot, now)]
        late = now - missed[-1] > grace
        skipped = missed if late else missed[:-1]
        if skipped:
            log.warning(
                "%s schedule %s: %d slot(s) missed while down, skipped (the first %s)",
                self.what,
                schedule_id,
                len(skipped),
                skipped[0].isoformat(),
            )
        if late or not community.active:
            return None
        return schedule, community, missed[-1]
