"""APScheduler wiring: deterministic job ids; job bodies reload state from the database."""

from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import jobs

WELCOME_JOB_ID = "welcome-flush"
ESCALATION_JOB_ID = "question-escalation"
ESCALATION_EVERY_SECONDS = 300
NUDGE_JOB_ID = "accept-nudge"
PROMPTS_JOB_ID = "prompt-firings"
PROMPTS_EVERY_SECONDS = 60  # schedules are to the minute
MEETUP_REMINDERS_JOB_ID = "meetup-reminders"
MEETUP_RECURRENCE_JOB_ID = "meetup-recurrence"
MEETUPS_EVERY_SECONDS = 60
FOLLOW_UP_JOB_ID = "meetup-follow-up"
FOLLOW_UP_EVERY_SECONDS = 300
DIGEST_JOB_ID = "digest-firings"


def create_scheduler(**deps: Any) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    settings = deps["settings"]
    every = [  # (job id, job, seconds between runs)
        (WELCOME_JOB_ID, jobs.flush_welcomes, max(5, settings.welcome_batch_seconds // 4)),
        (ESCALATION_JOB_ID, jobs.escalate_questions, ESCALATION_EVERY_SECONDS),
        (NUDGE_JOB_ID, jobs.nudge_askers, ESCALATION_EVERY_SECONDS),
        (PROMPTS_JOB_ID, jobs.post_prompts, PROMPTS_EVERY_SECONDS),
        (MEETUP_REMINDERS_JOB_ID, jobs.remind_meetups, MEETUPS_EVERY_SECONDS),
        (MEETUP_RECURRENCE_JOB_ID, jobs.recur_meetups, MEETUPS_EVERY_SECONDS),
        (FOLLOW_UP_JOB_ID, jobs.follow_up_meetups, FOLLOW_UP_EVERY_SECONDS),
        (DIGEST_JOB_ID, jobs.post_digests, PROMPTS_EVERY_SECONDS),
    ]
    for job_id, job, seconds in every:
        scheduler.add_job(
            job,
            "interval",
            seconds=seconds,
            kwargs=deps,
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
    return scheduler
