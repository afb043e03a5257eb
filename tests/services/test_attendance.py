"""After a meetup, on both databases: the follow-up is claimed once (twice run, or two instances
at once), asks only Going and Maybe members who can be messaged, never a cancelled meetup;
answers are taken only from those asked, once it ended; the figures add up; the recap is posted
once and, when wanted, kept in the FAQ where searches find it."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services.attendance import (
    ASK_KIND,
    OFFER_KIND,
    RECAP_KIND,
    Attendance,
    FollowUp,
    NotAsked,
    NotOver,
    RecapPost,
    RecapPosted,
)
from bot.services.faq import EmptyEntry, EntryTooLong, FaqService
from bot.services.meetups import Notice, UnknownMeetup
from storage.db import transaction
from storage.models import AuditEntry, FaqEntry, Meetup, MeetupRsvp, Member, OutboxMessage
from tests.services.conftest import GROUP, identity

LINK = "https://meet.jit.si/planners-budget"
OTHER = GROUP.__class__(chat_id=-100999, title="Hydrologists", is_forum=False)


def write(follow_up: FollowUp) -> tuple[str, dict | None]:
    who = follow_up.member.first_name if follow_up.member else "group"
    return f"{follow_up.kind}:{follow_up.meetup.id}:{who}", {"inline_keyboard": []}


def write_recap(post: RecapPost) -> tuple[str, str]:
    return f"Recap of {post.meetup.title}: {post.text}", f"Meetup recap: {post.meetup.title}"


def notice(notice: Notice) -> str:
    return notice.kind


@pytest.fixture
async def people(services, db):
    """Ana (who creates the meetups), Ben, Cy (never started the bot), Dan and Eve in the
    group; Fay in another group."""
    names = {"ana": 1, "ben": 2, "cy": 3, "dan": 4, "eve": 5}
    found = {
        n: await services().members.seen(identity(i, n.title()), GROUP, private=False)
        for n, i in names.items()
    }
    found["fay"] = await services().members.seen(identity(6, "Fay"), OTHER, private=False)
    async with db.session() as session, transaction(session, write=True):
        for name, actor in found.items():
            (await session.get(Member, actor.member_id)).dm_available = name != "cy"
    return {**found, "c": found["ana"].community_id}


async def meetup_with_answers(services, people, answers=None, when="15.12.2026 18:00") -> Meetup:
    meetup = await services().meetups.create(
        people["c"],
        people["ana"].member_id,
        title="Budget calendars",
        when=when,
        minutes=90,
        link=LINK,
    )
    answers = answers or {"ben": "going", "cy": "going", "dan": "maybe", "eve": "cant"}
    for who, answer in answers.items():
        await services().meetups.rsvp(meetup.id, people[who].member_id, answer, notice)
    return meetup


async def queued(db, kind: str | None = None) -> list[tuple[int, str]]:
    async with db.session() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [
            (m.chat_id, m.payload["text"])
            for m in rows  # not the join links and notices of bot.services.meetups
            if m.kind in (ASK_KIND, OFFER_KIND, RECAP_KIND, None) and kind in (None, m.kind)
        ]


def after(meetup: Meetup, clock, minutes: int = 0) -> None:
    clock.current = meetup.starts_at + timedelta(minutes=meetup.duration_minutes + minutes)


async def test_an_ended_meetup_is_followed_up_once_asking_going_and_maybe(
    services, people, db, clock
) -> None:
    meetup = await meetup_with_answers(services, people)
    clock.current = meetup.starts_at + timedelta(minutes=89)
    assert await services().attendance.follow_up(write) == 0  # not over yet
    after(meetup, clock)
    assert await services().attendance.follow_up(write) == 1
    assert await services().attendance.follow_up(write) == 0  # run again: nothing twice
    # Ben and Dan (going, maybe) asked; Cy cannot be messaged, Eve said she can't come; Ana,
    # who created it, is offered the recap.
    assert await queued(db) == [
        (2, f"ask:{meetup.id}:Ben"),
        (4, f"ask:{meetup.id}:Dan"),
        (1, f"offer:{meetup.id}:Ana"),
    ]
    assert await services().attendance.figures(meetup.id) == Attendance(asked=2)


async def test_two_instances_at_once_follow_up_once(services, people, db, clock) -> None:
    meetup = await meetup_with_answers(services, people)
    after(meetup, clock, minutes=7)
    done = await asyncio.gather(
        services().attendance.follow_up(write), services().attendance.follow_up(write)
    )
    assert sorted(done) == [0, 1]
    assert len(await queued(db)) == 3


async def test_a_cancelled_meetup_is_never_followed_up(services, people, db, clock) -> None:
    meetup = await meetup_with_answers(services, people)
    await services().meetups.cancel(people["c"], meetup.id, people["ana"].member_id, notice)
    after(meetup, clock, minutes=10)
    assert await services().attendance.follow_up(write) == 0
    assert await queued(db) == []


async def test_an_unreachable_creator_leaves_the_offer_to_the_groups_moderators(
    services, people, db, clock
) -> None:
    meetup = await meetup_with_answers(services, people, {"ben": "going"})
    async with db.session() as session, transaction(session, write=True):
        (await session.get(Member, people["ana"].member_id)).dm_available = False
    after(meetup, clock)
    await services().attendance.follow_up(write)
    assert await queued(db, OFFER_KIND) == [(GROUP.chat_id, "")]  # expanded at delivery
    # At delivery: Telegram says Ben and Cy administer the group; only Ben can be messaged.
    async with db.session() as session, transaction(session, write=True):
        service = services().attendance.__class__(session, clock)
        assert await service.expand_offer(meetup.id, [2, 3], write) is None
        instead = await service.expand_offer(meetup.id, [3], write)  # nobody reachable
    assert instead == {"text": f"offer:{meetup.id}:group", "reply_markup": {"inline_keyboard": []}}
    assert (2, f"offer:{meetup.id}:Ben") in await queued(db)


async def test_answers_are_taken_from_those_asked_once_it_ended(
    services, people, db, clock
) -> None:
    meetup = await meetup_with_answers(services, people)
    later = await meetup_with_answers(services, people, when="20.12.2026 18:00")
    after(meetup, clock)
    await services().attendance.follow_up(write)
    attendance = services().attendance
    await attendance.answer(meetup.id, people["ben"].member_id, True)
    await services().attendance.answer(meetup.id, people["dan"].member_id, True)
    await services().attendance.answer(meetup.id, people["dan"].member_id, False)  # changed
    await services().attendance.answer(meetup.id, people["dan"].member_id, False)  # again
    for who in ("eve", "cy", "fay"):  # can't, unreachable, another group: never asked
        with pytest.raises(NotAsked):
            await services().attendance.answer(meetup.id, people[who].member_id, True)
    with pytest.raises(NotOver):
        await services().attendance.answer(later.id, people["ben"].member_id, True)
    with pytest.raises(UnknownMeetup):
        await services().attendance.answer(10_000, people["ben"].member_id, True)
    assert await services().attendance.figures(meetup.id) == Attendance(asked=2, yes=1, no=1)
    async with db.session() as session:
        rows = await session.scalars(select(MeetupRsvp).where(MeetupRsvp.meetup_id == meetup.id))
        attended = {r.member_id: r.attended for r in rows}
    assert attended[people["eve"].member_id] is None and attended[people["cy"].member_id] is None


async def test_figures_count_who_has_not_answered(services, people, clock) -> None:
    meetup = await meetup_with_answers(services, people, {"ben": "going", "dan": "maybe"})
    after(meetup, clock)
    await services().attendance.follow_up(write)
    await services().attendance.answer(meetup.id, people["ben"].member_id, True)
    figures = await services().attendance.figures(meetup.id)
    assert (figures.asked, figures.yes, figures.no, figures.unanswered) == (2, 1, 0, 1)


async def test_the_recap_is_posted_once_and_kept_in_the_faq(services, people, db, clock) -> None:
    meetup = await meetup_with_answers(services, people)
    with pytest.raises(NotOver):
        await services().attendance.post_recap(
            meetup.id, people["ana"].member_id, "Too early", save=True, write=write_recap
        )
    after(meetup, clock)
    with pytest.raises(EmptyEntry):
        await services().attendance.post_recap(
            meetup.id, people["ana"].member_id, "   ", save=True, write=write_recap
        )
    text = "We compared participatory budgeting calendars across three districts."
    recap = await services().attendance.post_recap(
        meetup.id, people["ana"].member_id, text, save=True, write=write_recap
    )
    assert recap.faq_entry_id is not None
    assert await queued(db, RECAP_KIND) == [(GROUP.chat_id, f"Recap of Budget calendars: {text}")]
    with pytest.raises(RecapPosted):
        await services().attendance.post_recap(
            meetup.id, people["ana"].member_id, "Again", save=False, write=write_recap
        )
    with pytest.raises(RecapPosted):
        await services().attendance.recap_target(meetup.id)
    async with db.session() as session:
        entry = await session.get(FaqEntry, recap.faq_entry_id)
        actions = [a.action for a in await session.scalars(select(AuditEntry))]
        result = await FaqService(session, clock).search([people["c"]], "participatory districts")
    assert (entry.question, entry.answer, entry.published) == (
        "Meetup recap: Budget calendars",
        text,
        True,
    )
    assert [hit.entry.id for hit in result.hits] == [recap.faq_entry_id]
    assert actions.count("faq_add") == 1 and actions.count("meetup_recap") == 1


async def test_a_failed_faq_save_posts_nothing(services, people, db, clock) -> None:
    meetup = await meetup_with_answers(services, people)
    after(meetup, clock)

    def too_long(post: RecapPost) -> tuple[str, str]:
        return "post", "?" * 2000  # the FAQ refuses the question: nothing is kept

    with pytest.raises(EntryTooLong):
        await services().attendance.post_recap(
            meetup.id, people["ana"].member_id, "Fine", save=True, write=too_long
        )
    assert await queued(db, RECAP_KIND) == []
    target = await services().attendance.recap_target(meetup.id)  # still to be posted
    assert target.meetup.title == "Budget calendars"
