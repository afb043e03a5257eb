"""The database ranks a topic's experts for routing (a popular topic has thousands): its top
`limit` must be exactly the members bot.services.matching.shortlist would put first if it read
every one of them, decayed earned weight, caps, and the salted order of equals included."""

import random
from datetime import timedelta

import pytest

from bot.services.matching import (
    EARNED_HALF_LIFE,
    EXPERTISE_CAP,
    SHORTLIST,
    decay_at,
    salt_factor,
    shortlist,
)
from storage.db import Database, transaction
from storage.models import Community, Member, MemberExpertise, Tag
from storage.repos.questions import QuestionsRepo
from tests.fakes.clock import FakeClock

MEMBERS = 400


async def community(db: Database, clock: FakeClock, seed: int) -> list[int]:
    """Members who declared or earned (long ago, lately, a lot or a little) three topics."""
    rng = random.Random(seed)
    now = clock.now()
    async with db.session() as session, transaction(session, write=True):
        group = Community(chat_id=-1, title="G", created_at=now, updated_at=now)
        session.add(group)
        await session.flush()
        tags = [
            Tag(community_id=group.id, name=f"t{i}", label=f"T{i}", created_at=now)
            for i in range(3)
        ]
        session.add_all(tags)
        for i in range(1, MEMBERS + 1):
            session.add(Member(id=i, user_id=i, first_name=f"M{i}", created_at=now, updated_at=now))
        await session.flush()
        for i in range(1, MEMBERS + 1):
            for tag in rng.sample(tags, rng.randint(1, 3)):
                earned = rng.choice([0.0, 0.0, 0.25, 1.0, 2.5, 6.0])
                session.add(
                    MemberExpertise(
                        member_id=i,
                        tag_id=tag.id,
                        declared=rng.random() < 0.7 or earned == 0.0,
                        earned_weight=earned,
                        earned_at=now - timedelta(days=rng.randint(0, 900)) if earned else None,
                        updated_at=now,
                    )
                )
        return [t.id for t in tags]


def cut_among_equals(weights: dict[int, dict[int, float]], tags: list[int]) -> int:
    """A limit that falls inside the largest group of equals (those who only declared the
    topics, say): only the salted order can tell which of them make the cut."""
    points = {m: sum(min(w.get(t, 0.0), EXPERTISE_CAP) for t in tags) for m, w in weights.items()}
    values = sorted(points.values())
    tied = max(set(values), key=values.count)
    assert values.count(tied) > 4
    return sum(1 for v in values if v > tied) + values.count(tied) // 2


async def test_the_databases_top_experts_are_those_shortlist_would_choose(
    db: Database, clock: FakeClock
) -> None:
    tag_ids = await community(db, clock, seed=11)
    now = clock.now()
    async with db.session() as session, transaction(session, write=False):
        repo = QuestionsRepo(session)
        for tags, salt in [(tag_ids[:1], 7), (tag_ids[:2], 8), (tag_ids, 9)]:
            everyone, more = await repo.top_weights(
                tags,
                now=now,
                half_life_days=EARNED_HALF_LIFE / timedelta(days=1),
                cap=EXPERTISE_CAP,
                salt=salt_factor(salt),
                limit=MEMBERS + 1,
                also=(),
            )
            assert not more
            limit = cut_among_equals(everyone, tags)
            expected = shortlist(everyone, {}, tags, salt)[:limit]
            top, more = await repo.top_weights(
                tags,
                now=now,
                half_life_days=EARNED_HALF_LIFE / timedelta(days=1),
                cap=EXPERTISE_CAP,
                salt=salt_factor(salt),
                limit=limit,
                also=(),
            )
            assert more
            assert shortlist(top, {}, tags, salt) == expected
            for member, weights in top.items():  # decayed as the Python side decays them
                assert weights == pytest.approx(everyone[member], rel=1e-9)


async def test_weights_decay_in_the_database_as_in_python(db: Database, clock: FakeClock) -> None:
    tag_ids = await community(db, clock, seed=12)
    now = clock.now()
    decay = decay_at(now)
    async with db.session() as session, transaction(session, write=False):
        rows = (await session.execute(MemberExpertise.__table__.select())).mappings().all()
        found, _ = await QuestionsRepo(session).top_weights(
            tag_ids,
            now=now,
            half_life_days=EARNED_HALF_LIFE / timedelta(days=1),
            cap=EXPERTISE_CAP,
            salt=1,
            limit=MEMBERS + 1,
        )
    for row in rows:
        expected = (1.0 if row["declared"] else 0.0) + decay(row["earned_weight"], row["earned_at"])
        assert abs(found[row["member_id"]][row["tag_id"]] - expected) < 1e-9


def test_successive_questions_start_from_different_equals() -> None:
    # 300 members who only declared the topic: each question looks at SHORTLIST of them first;
    # over 40 questions most of them must have had their turn (a rotation of one order would
    # show nearly the same few every time).
    equals = {m: {1: 1.0} for m in range(1, 301)}
    seen = set()
    for question_id in range(1000, 1040):
        seen.update(shortlist(equals, {}, [1], question_id)[:SHORTLIST])
    assert len(seen) > 250
