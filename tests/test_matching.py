"""Routing quality on a generated community with planted experts: the people who know a topic
are the ones asked, and a run of questions on one topic is spread over them."""

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.services.matching import Candidate, choose, score

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TOPICS = 20
MEMBERS = 400
EXPERTS_PER_TOPIC = 6


def community(seed: int) -> tuple[list[Candidate], dict[int, set[int]]]:
    """Members with noise (casual declared tags, busy helpers, unreachable people) and, per
    topic, planted experts: declared the topic, earned weight on it, a decent record."""
    rng = random.Random(seed)
    experts: dict[int, set[int]] = {t: set() for t in range(TOPICS)}
    members: list[Candidate] = []
    for member_id in range(1, MEMBERS + 1):
        weights = {t: 1.0 for t in rng.sample(range(TOPICS), rng.randint(0, 3))}  # casual
        accepted = rng.randint(0, 2)
        requests = accepted + rng.randint(0, 6)
        members.append(
            Candidate(
                member_id,
                weights,
                text_relevance=rng.random() * 0.2,
                accepted=accepted,
                helpful=rng.randint(0, 3),
                requests=requests,
                responses=rng.randint(0, requests),
                open_requests=rng.randint(0, 2),
                languages=frozenset(rng.sample(["en", "es", "ru", "id"], rng.randint(1, 2))),
                available=rng.random() > 0.15,
            )
        )
    for topic in range(TOPICS):
        for member_id in rng.sample(range(1, MEMBERS + 1), EXPERTS_PER_TOPIC):
            m = members[member_id - 1]
            earned = 1.0 + rng.random() * 1.5
            members[member_id - 1] = replace(
                m,
                tag_weights={**m.tag_weights, topic: 1.0 + earned},
                text_relevance=0.4 + rng.random() * 0.5,
                accepted=m.accepted + rng.randint(2, 8),
                available=True,
            )
            experts[topic].add(member_id)
    return members, experts


def ask(members: list[Candidate], chosen_ids: set[int], when: datetime) -> list[Candidate]:
    """What the database would say after a question was sent to `chosen_ids`."""
    return [
        replace(
            m,
            open_requests=m.open_requests + 1,
            requests=m.requests + 1,
            last_asked_at=when,
        )
        if m.member_id in chosen_ids
        else m
        for m in members
    ]


def test_a_true_expert_is_among_the_three_asked_for_nine_questions_in_ten() -> None:
    rng = random.Random(7)
    members, experts = community(seed=7)
    hits = 0
    questions = 300
    for i in range(questions):
        topic = rng.randrange(TOPICS)
        tags = [topic] if rng.random() < 0.7 else [topic, rng.randrange(TOPICS)]
        when = NOW + timedelta(minutes=20 * i)
        chosen = choose(members, tags, rng.choice(["en", "es", None]), when, k=3)
        ids = {s.member_id for s in chosen}
        hits += bool(ids & experts[topic])
        members = ask(members, ids, when)
    assert hits / questions >= 0.9


def test_a_hundred_questions_on_one_topic_are_spread_over_its_experts() -> None:
    members, experts = community(seed=11)
    asked: set[int] = set()
    for i in range(100):
        when = NOW + timedelta(minutes=10 * i)
        chosen = choose(members, [3], "en", when, k=3)
        ids = {s.member_id for s in chosen}
        asked |= ids & experts[3]
        members = ask(members, ids, when)
    assert len(asked) >= 5


def test_nobody_is_asked_who_may_not_be_or_knows_nothing_of_it() -> None:
    knows = Candidate(1, {5: 1.0})
    unreachable = Candidate(2, {5: 3.0}, available=False)
    stranger = Candidate(3, {6: 3.0}, accepted=50, requests=50, responses=50)
    chosen = choose([knows, unreachable, stranger], [5], "en", NOW, k=3)
    assert [s.member_id for s in chosen] == [1]
    assert choose([stranger], [5], "en", NOW, k=3) == []


def test_a_newcomer_with_the_expertise_gets_a_chance_over_a_busy_veteran() -> None:
    veteran = Candidate(
        1, {5: 3.0}, accepted=30, requests=40, responses=38, open_requests=3, last_asked_at=NOW
    )
    newcomer = Candidate(2, {5: 3.0})
    assert [s.member_id for s in choose([veteran, newcomer], [5], None, NOW, k=1)] == [2]


def test_the_reasons_are_kept_with_the_score() -> None:
    result = score(
        Candidate(1, {5: 2.0}, text_relevance=0.5, languages=frozenset({"es"})), [5], "es", NOW
    )
    assert result is not None
    assert set(result.components) == {
        "expertise",
        "text",
        "record",
        "language",
        "load",
        "cooldown",
    }
    assert result.components["language"] == 1.0 and result.components["load"] == 0.0


@given(
    st.lists(
        st.builds(
            Candidate,
            member_id=st.integers(1, 50),
            tag_weights=st.dictionaries(st.integers(0, 5), st.floats(0, 10)),
            text_relevance=st.floats(-1, 2),
            accepted=st.integers(0, 100),
            helpful=st.integers(0, 100),
            requests=st.integers(0, 100),
            responses=st.integers(0, 100),
            open_requests=st.integers(0, 10),
            last_asked_at=st.none() | st.just(NOW - timedelta(hours=3)),
            available=st.booleans(),
        ),
        max_size=30,
        unique_by=lambda c: c.member_id,
    ),
    st.lists(st.integers(0, 5), max_size=3),
    st.integers(0, 5),
)
def test_choose_never_returns_more_than_asked_nor_the_unavailable(
    candidates: list[Candidate], tags: list[int], k: int
) -> None:
    chosen = choose(candidates, tags, "en", NOW, k)
    assert len(chosen) <= k
    available = {c.member_id for c in candidates if c.available}
    assert all(s.member_id in available for s in chosen)
    assert [s.total for s in chosen] == sorted((s.total for s in chosen), reverse=True)
