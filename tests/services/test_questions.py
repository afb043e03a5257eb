"""Asking, at the service level: a question is stored with its number and tags, and the peers
who know its topic (and only those who may be asked) are invited through the outbox, all in
one transaction. (The /ask command and the peers' buttons come with the next step.)"""

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.services.questions import (
    MAX_QUESTION,
    Asked,
    EmptyQuestion,
    PeerInvite,
    QuestionsService,
    QuestionTooLong,
)
from storage.models import Answer, Member, OutboxMessage, Question, RoutingRequest
from tests.fakes.clock import FakeClock
from tests.services.conftest import GROUP, identity

INVITES: list[PeerInvite] = []


def render(invite: PeerInvite) -> tuple[str, dict[str, Any]]:
    INVITES.append(invite)
    return f"#{invite.number}: {invite.text}", {"inline_keyboard": []}


@pytest.fixture
async def community(services):
    """Alice asks; Bob and Olga know GIS; Chen knows budgeting; all have started the bot."""
    INVITES.clear()
    people = {}
    for user_id, name, topics in [
        (1, "Alice", {}),
        (2, "Bob", {"gis": "GIS"}),
        (3, "Olga", {"gis": "GIS"}),
        (4, "Chen", {"budgeting": "Budgeting"}),
    ]:
        actor = await services().members.seen(identity(user_id, name), GROUP, private=False)
        await services().members.seen(identity(user_id, name), None, private=True)
        if topics:
            await services().profiles.save_tags(user_id, actor.community_id, [], topics)
        people[name] = actor
    return people


async def ask(services, clock: FakeClock, actor, text: str, **kw: Any) -> Asked:
    session = services().profiles.session
    return await QuestionsService(session, clock).ask(
        community_id=actor.community_id,
        asker_member_id=actor.member_id,
        text=text,
        render=render,
        **kw,
    )


async def scalar(services, statement: Any) -> Any:
    return await services().profiles.session.scalar(statement)


async def test_the_peers_who_know_the_topic_are_invited(services, clock, community) -> None:
    alice = community["Alice"]
    asked = await ask(services, clock, alice, "Which GIS layers do you use for zoning?")
    assert (asked.number, asked.tags, asked.peers) == (1, ("GIS",), 2)
    invited = {i.user_id for i in INVITES}
    assert invited == {2, 3}  # Bob and Olga; not Chen, not Alice
    messages = list(
        await services().profiles.session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.chat_id)
        )
    )
    assert [m.chat_id for m in messages] == [2, 3]
    assert messages[0].payload["text"] == "#1: Which GIS layers do you use for zoning?"
    requests = list(await services().profiles.session.scalars(select(RoutingRequest)))
    assert {r.rank for r in requests} == {1, 2}
    assert all(r.components["expertise"] > 0 for r in requests)
    question = await scalar(services, select(Question))
    assert question.status == "open"
    assert (question.next_escalation_at - question.created_at).total_seconds() == 24 * 3600


async def test_numbers_count_up_per_community(services, clock, community) -> None:
    alice = community["Alice"]
    first = await ask(services, clock, alice, "#GIS one?")
    second = await ask(services, clock, alice, "#GIS two?")
    assert (first.number, second.number) == (1, 2)


async def test_a_new_hashtag_becomes_a_tag_and_nobody_is_asked_yet(
    services, clock, community
) -> None:
    asked = await ask(services, clock, community["Alice"], "Anyone into #Stormwater design?")
    assert asked.tags == ("Stormwater",) and asked.peers == 0
    # Nobody is invited; only word for the group's moderators (to invite an expert) is queued.
    assert await scalar(services, select(func.count()).select_from(OutboxMessage)) == 1
    word = await scalar(services, select(OutboxMessage))
    question = await scalar(services, select(Question))
    assert (word.kind, word.chat_id, word.ref_id) == (
        "moderators_unmatched",
        GROUP.chat_id,
        question.id,
    )
    assert question.status == "open"


async def test_who_may_not_be_asked_is_not(services, clock, community) -> None:
    bob, olga = community["Bob"], community["Olga"]
    session = services().profiles.session
    (await session.get(Member, bob.member_id)).dm_available = False  # blocked the bot
    olga_row = await session.get(Member, olga.member_id)
    olga_row.quiet_from, olga_row.quiet_to = 22 * 60, 7 * 60  # asleep
    await session.commit()
    clock.advance(hours=-clock.now().hour + 23)  # 23:00 UTC
    asked = await ask(services, clock, olga, "GIS question from Olga herself")
    assert asked.peers == 0  # Bob unreachable, Olga is the asker (and asleep)
    asked = await ask(services, clock, community["Alice"], "GIS at night?")
    assert asked.peers == 0  # Olga is in her quiet hours
    clock.advance(hours=9)  # 08:00
    asked = await ask(services, clock, community["Alice"], "GIS in the morning?")
    assert asked.peers == 1 and INVITES[-1].user_id == 3


async def test_bad_questions_store_nothing(services, clock, community) -> None:
    with pytest.raises(EmptyQuestion):
        await ask(services, clock, community["Alice"], "   ")
    with pytest.raises(QuestionTooLong) as raised:
        await ask(services, clock, community["Alice"], "GIS " * (MAX_QUESTION // 4 + 1))
    assert raised.value.limit == MAX_QUESTION
    assert await scalar(services, select(func.count()).select_from(Question)) == 0


async def test_questions_asked_at_once_get_their_own_numbers(services, clock, community) -> None:
    asked = await asyncio.gather(
        *(ask(services, clock, community["Alice"], f"#GIS question {i}") for i in range(4))
    )
    assert sorted(a.number for a in asked) == [1, 2, 3, 4]


async def test_helpful_votes_at_once_all_count(services, clock, community) -> None:
    await ask(services, clock, community["Alice"], "#GIS layers?")
    request = await scalar(services, select(RoutingRequest).order_by(RoutingRequest.id).limit(1))
    author = request.member_id
    session = services().profiles.session
    await QuestionsService(session, clock).answer(
        request.id, author, "Use the cadastre.", lambda r: (("a", None), ("g", None))
    )
    answer_id = await scalar(services, select(func.min(Answer.id)))
    voters = [a.member_id for a in community.values() if a.member_id != author]
    counts = await asyncio.gather(
        *(
            QuestionsService(services().profiles.session, clock).helpful(answer_id, v)
            for v in voters
        )
    )
    assert sorted(counts) == list(range(1, len(voters) + 1))
    assert (await scalar(services, select(Answer))).helpful_count == len(voters)
