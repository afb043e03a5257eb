"""Routing beyond declared tags: a member whose bio or accepted answers match a question's words
is asked too, and earned expertise fades over months so the map of who knows what stays
current (service level, both databases, time moved on the fake clock)."""

from typing import Any

import pytest
from sqlalchemy import select, update

from bot.services.matching import EARNED_HALF_LIFE
from bot.services.questions import PeerInvite, QuestionsService
from storage.models import Answer, Community, MemberExpertise, Question, RoutingRequest
from tests.fakes.clock import FakeClock
from tests.services.conftest import GROUP, identity


def render(invite: PeerInvite) -> tuple[str, dict[str, Any]]:
    return f"#{invite.number}: {invite.text}", {"inline_keyboard": []}


def render_answer(_relay: Any) -> tuple[tuple[str, None], tuple[str, None]]:
    return ("to asker", None), ("to group", None)


@pytest.fixture
async def people(services):
    """Alice asks; Bob and Olga know GIS; Dana knows budgeting; all have started the bot."""
    found = {}
    for user_id, name, topics in [
        (1, "Alice", {}),
        (2, "Bob", {"gis": "GIS"}),
        (3, "Olga", {"gis": "GIS"}),
        (4, "Dana", {"budgeting": "Budgeting"}),
    ]:
        actor = await services().members.seen(identity(user_id, name), GROUP, private=False)
        await services().members.seen(identity(user_id, name), None, private=True)
        if topics:
            await services().profiles.save_tags(user_id, actor.community_id, [], topics)
        found[name] = actor
    return found


class Story:
    def __init__(self, services: Any, clock: FakeClock, people: dict[str, Any]) -> None:
        self.services, self.clock, self.people = services, clock, people

    def questions(self) -> QuestionsService:
        return QuestionsService(self.services().profiles.session, self.clock)

    async def ask(self, text: str) -> int:
        alice = self.people["Alice"]
        asked = await self.questions().ask(
            community_id=alice.community_id,
            asker_member_id=alice.member_id,
            text=text,
            render=render,
        )
        return asked.number

    async def asked(self, number: int) -> dict[str, RoutingRequest]:
        """Who was asked about question #`number`, by name."""
        names = {a.member_id: n for n, a in self.people.items()}
        session = self.services().profiles.session
        rows = await session.scalars(
            select(RoutingRequest)
            .join(Question, Question.id == RoutingRequest.question_id)
            .where(Question.number == number)
        )
        return {names[r.member_id]: r for r in rows}

    async def answered_and_accepted(self, number: int, name: str, text: str) -> None:
        request = (await self.asked(number))[name]
        await self.questions().answer(request.id, request.member_id, text, render_answer)
        session = self.services().profiles.session
        answer_id = await session.scalar(
            select(Answer.id).where(Answer.question_id == request.question_id)
        )
        await self.questions().accept(answer_id, self.people["Alice"].member_id)

    async def fanout(self, k: int) -> None:
        session = self.services().profiles.session
        await session.execute(update(Community).values(routing_fanout=k))
        await session.commit()


async def test_a_bio_that_matches_brings_a_member_without_the_tag(services, clock, people) -> None:
    story = Story(services, clock, people)
    before = await story.ask("How do you reconcile cadastre parcels with zoning overlays?")
    assert await story.asked(before) == {}  # no tag matched: nobody knew
    await services().profiles.save_bio(4, "I reconcile cadastre parcels and zoning overlays.")
    after = await story.ask("How do you reconcile cadastre parcels with zoning overlays?")
    asked = await story.asked(after)
    assert set(asked) == {"Dana"}
    assert asked["Dana"].components["text"] == 1.0
    assert asked["Dana"].components["expertise"] == 0.0


async def test_an_accepted_answer_makes_its_author_asked_about_its_words(
    services, clock, people
) -> None:
    story = Story(services, clock, people)
    first = await story.ask("#Budgeting how are stormwater fees set?")
    assert set(await story.asked(first)) == {"Dana"}
    second = await story.ask("#GIS how do we map impervious surface for stormwater fees?")
    assert set(await story.asked(second)) == {"Bob", "Olga"}  # Dana's answer is not in yet
    await story.answered_and_accepted(
        first, "Dana", "Fees follow the impervious surface of each parcel, mapped yearly."
    )
    third = await story.ask("#GIS how do we map impervious surface for stormwater fees?")
    asked = await story.asked(third)
    assert set(asked) == {"Bob", "Olga", "Dana"}
    assert asked["Dana"].components["expertise"] == 0.0
    assert asked["Dana"].components["text"] == 1.0
    assert 0 < asked["Bob"].components["text"] < 1.0  # his document: the GIS label only


async def test_earned_weight_decays_before_more_is_added(services, clock, people) -> None:
    story = Story(services, clock, people)
    first = await story.ask("#GIS which projection for Lima?")
    await story.answered_and_accepted(first, "Bob", "UTM zone 18S.")
    clock.advance(days=EARNED_HALF_LIFE.days)
    await services().profiles.save_tags(2, people["Bob"].community_id, [], {"gis": "GIS"})
    second = await story.ask("#GIS and for Cusco?")
    await story.answered_and_accepted(second, "Bob", "Also 18S.")
    session = services().profiles.session
    row = await session.scalar(
        select(MemberExpertise).where(MemberExpertise.member_id == people["Bob"].member_id)
    )
    assert row.earned_weight == pytest.approx(0.5 + 1.0)  # halved, then one more
    assert row.earned_at == clock.now()


async def test_a_fresh_answerer_overtakes_one_whose_answers_are_a_year_old(
    services, clock, people
) -> None:
    story = Story(services, clock, people)
    await story.fanout(1)
    for text in ("#GIS which projection?", "#GIS which datum?"):
        number = await story.ask(text)
        assert set(await story.asked(number)) == {"Bob"}  # the lowest id among equals
        await story.answered_and_accepted(number, "Bob", "UTM 18S on WGS84.")
        clock.advance(days=3)  # past his cooldown
    clock.advance(days=365)
    number = await story.ask("#GIS which tiles?")
    assert set(await story.asked(number)) == {"Bob"}  # two old answers still beat none
    bob = (await story.asked(number))["Bob"]
    clock.advance(hours=1)
    await story.questions().decline(bob.id, bob.member_id, render)
    await story.answered_and_accepted(number, "Olga", "Vector tiles from the city.")
    clock.advance(days=1)
    number = await story.ask("#GIS which basemap?")
    # Without decay Bob's two answers (2.0) would still beat Olga's one (1.0).
    assert set(await story.asked(number)) == {"Olga"}
