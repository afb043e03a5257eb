"""Moderation at the service level: a hidden question is no longer routed, listed or in the
FAQ; a hidden answer leaves the FAQ; a suspended member can neither ask nor answer, nor is
asked, until the suspension ends or is lifted; every change is audited with its reason, and
bad input changes nothing."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.members import GroupInfo
from bot.services.moderation import (
    AlreadyHidden,
    BadDuration,
    BadReason,
    NotSuspended,
    Target,
    UnknownTarget,
    parse_duration,
)
from bot.services.questions import AnswerRelay, QuestionsService, Suspended
from storage.db import transaction
from storage.models import Answer, AuditEntry, Question, RoutingRequest, Suspension
from tests.fakes.clock import FakeClock
from tests.services.conftest import GROUP, identity
from tests.services.test_questions import render

OTHER = GroupInfo(chat_id=-100999, title="Water Engineers", is_forum=False)


def relay(answer: AnswerRelay) -> tuple[tuple[str, Any], tuple[str, Any]]:
    return (answer.answer, None), (answer.answer, None)


@pytest.fixture
async def people(services):
    """Alice asks; Bob and Olga know GIS; all have started the bot."""
    found = {}
    gis = {"gis": "GIS"}
    for user_id, name, topics in [(1, "Alice", {}), (2, "Bob", gis), (3, "Olga", gis)]:
        actor = await services().members.seen(identity(user_id, name), GROUP, private=False)
        await services().members.seen(identity(user_id, name), None, private=True)
        if topics:
            await services().profiles.save_tags(user_id, actor.community_id, [], topics)
        found[name] = actor
    return found


async def ask(services, clock: FakeClock, actor, text: str = "Which #GIS layers for zoning?"):
    return await QuestionsService(services().profiles.session, clock).ask(
        community_id=actor.community_id, asker_member_id=actor.member_id, text=text, render=render
    )


async def rows(services, statement) -> list[Any]:
    session = services().profiles.session
    async with transaction(session, write=False):
        return list(await session.scalars(statement))


async def request_of(services, member_id: int) -> RoutingRequest:
    [request] = await rows(
        services, select(RoutingRequest).where(RoutingRequest.member_id == member_id)
    )
    return request


async def accepted_in_faq(services, clock, people) -> int:
    """Alice asked #1; Bob answered, agreed to be named in the FAQ, Alice accepted."""
    alice, bob = people["Alice"], people["Bob"]
    await ask(services, clock, alice)
    request = await request_of(services, bob.member_id)
    await services().questions.answer(request.id, bob.member_id, "The cadastral layer.", relay)
    await services().faq.set_consent(bob.member_id, "named")
    [answer_id] = await rows(services, select(Answer.id))
    await services().questions.accept(answer_id, alice.member_id)
    return answer_id


async def found(services, community_id: int, text: str) -> int:
    return len((await services().faq.search([community_id], text)).hits)


async def test_a_hidden_question_is_no_longer_routed_listed_or_explained(
    services, clock, people
) -> None:
    alice, olga = people["Alice"], people["Olga"]
    community = alice.community_id
    await ask(services, clock, alice)
    assert len(await services().questions.open_questions(community)) == 1
    hidden = await services().moderation.hide(community, Target("question", 1), " spam ", None)
    assert hidden.number == 1 and hidden.invitations == 2
    statuses = await rows(services, select(RoutingRequest.status))
    assert statuses == ["expired", "expired"]
    request = await request_of(services, people["Bob"].member_id)
    assert await services().questions.current_invite(request.id, reminder=False) is None
    assert await services().questions.open_questions(community) == []
    assert await services().questions.why(community, 1) is None
    [question] = await rows(services, select(Question))
    assert question.hidden_reason == "spam" and question.next_escalation_at is None
    with pytest.raises(AlreadyHidden):
        await services().moderation.hide(community, Target("question", 1), "again", None)

    clock.advance(days=3)  # not escalated either
    assert await services().questions.due_for_escalation() == []
    await services().moderation.unhide(community, Target("question", 1), None, olga.member_id)
    assert len(await services().questions.open_questions(community)) == 1
    actions = await rows(services, select(AuditEntry.action).order_by(AuditEntry.id))
    assert actions == ["hide", "unhide"]
    [details] = await rows(services, select(AuditEntry.details).where(AuditEntry.action == "hide"))
    assert details["reason"] == "spam" and details["as_group"] is True


async def test_hiding_an_answer_takes_its_faq_entry_out_of_search(services, clock, people) -> None:
    community = people["Alice"].community_id
    answer_id = await accepted_in_faq(services, clock, people)
    assert await found(services, community, "cadastral layer") == 1
    hidden = await services().moderation.hide(
        community, Target("answer", answer_id), "wrong advice", people["Olga"].member_id
    )
    assert hidden.answer_id == answer_id and len(hidden.faq_entries) == 1
    assert await found(services, community, "cadastral layer") == 0
    deleted = await rows(
        services, select(AuditEntry.details).where(AuditEntry.action == "faq_delete")
    )
    assert deleted == [{"reason": "wrong advice"}]
    await services().moderation.unhide(community, Target("answer", answer_id), "fixed", None)
    assert await found(services, community, "cadastral layer") == 1


async def test_hiding_a_question_takes_its_faq_entries_too(services, clock, people) -> None:
    community = people["Alice"].community_id
    await accepted_in_faq(services, clock, people)
    await services().moderation.hide(community, Target("question", 1), "duplicate", None)
    assert await found(services, community, "cadastral layer") == 0


async def test_a_suspended_member_neither_asks_answers_nor_is_asked(
    services, clock, people
) -> None:
    alice, bob, olga = people["Alice"], people["Bob"], people["Olga"]
    community = alice.community_id
    await ask(services, clock, alice)
    request = await request_of(services, bob.member_id)
    view = await services().moderation.suspend(
        community, username="BOB", duration="3d", reason="insults", actor_id=olga.member_id
    )
    assert view.until == clock.now() + timedelta(days=3) and view.reason == "insults"
    with pytest.raises(Suspended) as refused:
        await services().questions.answer(request.id, bob.member_id, "An answer.", relay)
    assert refused.value.until == view.until and refused.value.reason == "insults"
    with pytest.raises(Suspended):
        await services().questions.open_request(request.id, bob.member_id)
    with pytest.raises(Suspended):
        await ask(services, clock, bob, "How do I #GIS?")

    asked = await ask(services, clock, alice, "Another #GIS question?")
    assert asked.peers == 1  # Olga only: Bob is suspended here
    clock.advance(days=3, seconds=1)  # it ends by itself
    assert (await ask(services, clock, bob, "Now #GIS?")).number == 3

    await services().moderation.suspend(
        community, user_id=2, duration="2w", reason="again", actor_id=None
    )
    await services().moderation.unsuspend(community, user_id=2, reason=None, actor_id=None)
    assert (await ask(services, clock, bob, "And #GIS?")).number == 4
    with pytest.raises(NotSuspended):
        await services().moderation.unsuspend(community, user_id=2, reason=None, actor_id=None)
    actions = await rows(services, select(AuditEntry.action).order_by(AuditEntry.id))
    assert actions == ["suspend", "suspend", "unsuspend"]


async def test_bad_input_and_other_communities_change_nothing(services, clock, people) -> None:
    alice = people["Alice"]
    await ask(services, clock, alice)
    other = await services().members.seen(identity(9, "Ivan"), OTHER, private=False)
    moderation = services().moderation
    with pytest.raises(UnknownTarget):  # question #1 is Alice's group's, not this one's
        await moderation.hide(other.community_id, Target("question", 1), "spam", None)
    with pytest.raises(UnknownTarget):  # Alice is no member there
        await moderation.suspend(
            other.community_id, user_id=1, duration="1h", reason="x", actor_id=None
        )
    with pytest.raises(BadReason):
        await moderation.hide(alice.community_id, Target("question", 1), "   ", None)
    with pytest.raises(BadReason):
        await moderation.hide(alice.community_id, Target("question", 1), "x" * 301, None)
    for duration in ("3", "3 days", "1.5h", "0d", "-1d", "2m", "60w", ""):
        with pytest.raises(BadDuration):
            await moderation.suspend(
                alice.community_id, user_id=2, duration=duration, reason="r", actor_id=None
            )
    with pytest.raises(BadReason):
        await moderation.suspend(
            alice.community_id, user_id=2, duration="1h", reason="", actor_id=None
        )
    assert await rows(services, select(AuditEntry)) == []
    assert await rows(services, select(Suspension)) == []
    assert (await rows(services, select(Question.hidden_at))) == [None]


def test_durations_are_read_strictly() -> None:
    assert parse_duration("1h") == timedelta(hours=1)
    assert parse_duration("3D") == timedelta(days=3)
    assert parse_duration("2w") == timedelta(weeks=2)
    assert parse_duration("52w") == timedelta(weeks=52)
