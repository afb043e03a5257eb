"""The digest on a real database: it tells of the questions still open (not those answered with
an accepted answer or closed), the FAQ entries new since the last digest, and the meetups of
the next two weeks (not cancelled or over); a week with none of these posts nothing; a slot is
claimed once however many firings race for it; every community gets it Mondays at 09:00 its
time, across DST too, until its moderators stop it; a slot missed beyond the grace window is
skipped."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.schedules import BadSchedule
from bot.services.digest import Digest, DigestService
from bot.services.moderation import Target
from storage.db import transaction
from storage.models import Answer, Community, DigestSchedule, OutboxMessage
from tests.services.conftest import GROUP, fire_due, identity, queued

GRACE = timedelta(hours=1)
LINK = "https://us02web.zoom.us/j/81234567890?pwd=abc"
DIGESTS: list[Digest] = []


def render(digest: Digest) -> str:
    DIGESTS.append(digest)
    return f"digest of {digest.title}"


@pytest.fixture
async def group(services, db):
    """Ana asks, Ben answers (any member may, here)."""
    DIGESTS.clear()
    ana = await services().members.seen(identity(1, "Ana"), GROUP, private=False)
    ben = await services().members.seen(identity(2, "Ben"), GROUP, private=False)
    await services().community_settings.set_open_answering(ana.community_id, True, None)
    return {"ana": ana, "ben": ben, "c": ana.community_id}


async def set_timezone(db, community_id: int, timezone: str) -> None:
    async with db.session() as session, transaction(session, write=True):
        (await session.get(Community, community_id)).timezone = timezone


async def ask(services, group, text: str) -> int:
    asked = await services().questions.ask(
        community_id=group["c"],
        asker_member_id=group["ana"].member_id,
        text=text,
        render=lambda invite: ("invite", {}),
    )
    return asked.question_id


async def answer(services, db, group, question_id: int) -> int:
    """Ben answers; returns the answer's id."""
    request = await services().questions.volunteer(question_id, group["ben"].member_id)
    await services().questions.answer(
        request.request_id, group["ben"].member_id, "Here is how.", lambda r: (("a", {}), ("g", {}))
    )
    async with db.session() as session:
        return await session.scalar(select(Answer.id).where(Answer.question_id == question_id))


async def meetup(services, group, when: str, minutes: int = 60):
    return await services().meetups.create(
        group["c"], group["ana"].member_id, title=f"Call {when}", when=when, minutes=minutes,
        link=LINK,
    )  # fmt: skip


async def tick(db, clock) -> int:
    """One run of the digest job."""
    return await fire_due(db, clock, DigestService, GRACE, render)


async def posted(db) -> list[OutboxMessage]:
    return await queued(db, "digest")


async def test_open_questions_new_entries_and_coming_meetups(services, db, clock, group) -> None:
    c = group["c"]
    await services().faq.add(c, None, "Old: water tariffs", "Consumption blocks.")
    unanswered = await ask(services, group, "Who maps informal settlements?")
    answered = await ask(services, group, "Which GIS layers for zoning?")
    await answer(services, db, group, answered)
    accepted = await ask(services, group, "How long do permits take?")
    await services().questions.accept(
        await answer(services, db, group, accepted), group["ana"].member_id
    )
    closed = await ask(services, group, "Is the office open on Friday?")
    await services().questions.close(c, 4, group["ana"].member_id)
    clock.advance(days=8)  # 10 November, 09:00 UTC
    await services().faq.add(c, None, "New: drone imagery for cadastre", "Yearly flights.")
    soon = await meetup(services, group, "13.11.2026 18:00")
    await meetup(services, group, "30.11.2026 18:00")  # beyond the next 14 days
    cancelled = await meetup(services, group, "15.11.2026 18:00")
    await services().meetups.cancel(c, cancelled.id, None, lambda notice: "cancelled")
    await meetup(services, group, "10.11.2026 10:00", minutes=30)
    clock.advance(hours=2)  # that one is over

    digest = await services().digest.preview(c)
    assert [q.question_id for q in digest.questions] == [unanswered, answered]  # no answer first
    assert [q.answers for q in digest.questions] == [0, 1]
    assert closed not in [q.question_id for q in digest.questions]
    assert [e.question for e in digest.entries] == ["New: drone imagery for cadastre"]
    assert [(m.meetup_id, m.starts_at) for m in digest.meetups] == [
        (soon.id, datetime(2026, 11, 13, 18, 0, tzinfo=UTC))
    ]
    assert (digest.more_questions, digest.more_entries, digest.more_meetups) == (0, 0, 0)
    assert digest.open_answering and not digest.empty


async def test_a_hidden_question_or_answer_is_not_told(services, db, group) -> None:
    shown = await ask(services, group, "Who maps informal settlements?")
    hidden = await ask(services, group, "Buy cheap watches here?")
    spam = await answer(services, db, group, shown)
    moderation = services().moderation
    await moderation.hide(group["c"], Target("question", 2), "Spam", None)
    await moderation.hide(group["c"], Target("answer", spam), "Spam", None)
    digest = await services().digest.preview(group["c"])
    assert [q.question_id for q in digest.questions] == [shown]
    assert hidden not in [q.question_id for q in digest.questions]
    assert [q.answers for q in digest.questions] == [0]  # the hidden answer does not count
    assert digest.more_questions == 0


async def test_five_of_each_and_a_count_of_the_rest(services, clock, group) -> None:
    ids = [await ask(services, group, f"Question number {n}?") for n in range(1, 8)]
    for n in range(1, 8):
        await services().faq.add(group["c"], None, f"Entry {n}", "An answer.")
        clock.advance(minutes=1)
    digest = await services().digest.preview(group["c"])
    assert [q.question_id for q in digest.questions] == ids[::-1][:5]  # newest first
    assert [e.question for e in digest.entries] == [f"Entry {n}" for n in (7, 6, 5, 4, 3)]
    assert (digest.more_questions, digest.more_entries) == (2, 2)


async def test_each_digest_tells_what_is_new_since_the_last(services, db, clock, group) -> None:
    assert await tick(db, clock) == 0  # the default schedule is written: Monday 9 November
    clock.advance(hours=1)
    await services().faq.add(group["c"], None, "Before the first digest", "An answer.")
    clock.current = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
    assert await tick(db, clock) == 1
    clock.advance(hours=1)
    await services().faq.add(group["c"], None, "After it", "An answer.")
    preview = await services().digest.preview(group["c"])  # /digest: the period stays
    assert [e.question for e in preview.entries] == ["After it"]
    clock.advance(days=7)
    assert await tick(db, clock) == 1
    assert [[e.question for e in d.entries] for d in DIGESTS] == [
        ["Before the first digest"],
        ["After it"],
    ]


async def test_empty_week_posts_nothing_but_the_schedule_goes_on(
    services, db, clock, group, caplog
) -> None:
    caplog.set_level(logging.INFO)
    assert await tick(db, clock) == 0  # the default schedule is written: Monday 9 November
    async with db.session() as session:
        schedule = await session.scalar(select(DigestSchedule))
    assert schedule.next_fire_at == datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
    assert schedule.expression == "mon 09:00" and schedule.enabled
    clock.advance(days=7)
    assert await tick(db, clock) == 0
    assert await posted(db) == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    async with db.session() as session:
        schedule = await session.scalar(select(DigestSchedule))
    assert schedule.next_fire_at == datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    assert schedule.last_sent_at is None
    await ask(services, group, "Who maps informal settlements?")
    clock.advance(days=7)
    assert await tick(db, clock) == 1
    [message] = await posted(db)
    assert (
        message.chat_id == GROUP.chat_id and message.payload["text"] == "digest of Planners of Peru"
    )


async def test_two_claims_of_one_slot_post_once(services, db, clock, group) -> None:
    await ask(services, group, "Who maps informal settlements?")
    await tick(db, clock)
    clock.advance(days=7)
    async with db.session() as session:
        [(schedule_id, slot)] = await DigestService(session, clock).due()

    async def fire() -> bool:
        async with db.session() as session:
            return await DigestService(session, clock).fire(schedule_id, slot, GRACE, render)

    results = await asyncio.gather(*(fire() for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    assert len(await posted(db)) == 1
    assert await tick(db, clock) == 0  # and a restart's run finds nothing due


async def test_monday_nine_in_berlin_across_the_march_change(services, db, clock, group) -> None:
    await set_timezone(db, group["c"], "Europe/Berlin")
    await ask(services, group, "Who maps informal settlements?")
    clock.current = datetime(2026, 3, 22, 12, 0, tzinfo=UTC)  # a Sunday; clocks go on the 29th
    assert await tick(db, clock) == 0
    fired = []
    for day, hour in [(23, 8), (30, 7)]:  # 09:00 CET is 08:00 UTC; 09:00 CEST is 07:00 UTC
        clock.current = datetime(2026, 3, day, hour, 0, tzinfo=UTC) - timedelta(minutes=1)
        fired.append(await tick(db, clock))
        clock.advance(minutes=1)
        fired.append(await tick(db, clock))
    assert fired == [0, 1, 0, 1]
    assert [m.dedupe_key for m in await posted(db)] == [
        f"digest:{group['c']}:20260323T0800",
        f"digest:{group['c']}:20260330T0700",
    ]


async def test_missed_beyond_grace_is_skipped_once(services, db, clock, group, caplog) -> None:
    await ask(services, group, "Who maps informal settlements?")
    await services().digest.set_schedule(group["c"], "daily 09:00", None)
    clock.advance(days=1, minutes=30)  # down over the slot, back within the grace window
    assert await tick(db, clock) == 1
    clock.current = datetime(2026, 11, 6, 11, 0, tzinfo=UTC)  # down over three slots, back
    # two hours after the last
    assert await tick(db, clock) == 0
    assert len(await posted(db)) == 1
    assert sum("skipped" in r.getMessage() for r in caplog.records) == 1
    clock.current = datetime(2026, 11, 7, 9, 0, tzinfo=UTC)  # the schedule goes on
    assert await tick(db, clock) == 1


async def test_moderators_change_or_stop_it(services, db, clock, group) -> None:
    c = group["c"]
    await ask(services, group, "Who maps informal settlements?")
    view = await services().digest.schedule(c)  # nothing written yet: the default
    assert (view.expression, view.enabled) == ("mon 09:00", True)
    assert view.next_fire_at == datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
    with pytest.raises(BadSchedule):
        await services().digest.set_schedule(c, "every friday", None)
    async with db.session() as session:
        assert await session.scalar(select(DigestSchedule)) is None
    view = await services().digest.set_schedule(c, "Fri 17:00", 7)
    assert (view.expression, view.thread_id) == ("fri 17:00", 7)
    assert view.next_fire_at == datetime(2026, 11, 6, 17, 0, tzinfo=UTC)
    assert await services().digest.disable(c)
    assert not await services().digest.disable(c)  # off already
    clock.advance(days=30)
    assert await tick(db, clock) == 0  # stays off: not given the default again
    assert not (await services().digest.schedule(c)).enabled
    assert await posted(db) == []


async def test_off_before_the_first_digest_sticks(services, db, clock, group) -> None:
    await ask(services, group, "Who maps informal settlements?")
    assert await services().digest.disable(group["c"])
    clock.advance(days=14)
    assert await tick(db, clock) == 0
    assert await posted(db) == []
