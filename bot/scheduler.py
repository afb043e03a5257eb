"""APScheduler wiring: deterministic job ids; job bodies reload state from the database."""

from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import jobs

WELCOME_JOB_ID = "welcome-flush"
ESCALATION_JOB_ID = "question-escalation"
ESCALATION_EVERY_SECONDS = 300
NUDGE_JOB_ID = "accept-nudge"


def create_scheduler(**deps: Any) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    settings = deps["settings"]
    scheduler.add_job(
        jobs.flush_welcomes,
        "interval",
        seconds=max(5, settings.welcome_batch_seconds // 4),
        kwargs=deps,
        id=WELCOME_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        jobs.escalate_questions,
        "interval",
        seconds=ESCALATION_EVERY_SECONDS,
        kwargs=deps,
        id=ESCALATION_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        jobs.nudge_askers,
        "interval",
        seconds=ESCALATION_EVERY_SECONDS,
        kwargs=deps,
        id=NUDGE_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )
    return scheduler
