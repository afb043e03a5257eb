"""The topic vocabulary on both databases: two moderators adding the same topic or synonym at
the same moment get one topic and a polite "already" for the other, never an error."""

import asyncio

import pytest

from bot.services.topics import AlreadySynonym, AlreadyTopic
from tests.services.conftest import GROUP, identity


@pytest.fixture
async def community_id(services) -> int:
    return (await services().members.seen(identity(1, "Ana"), GROUP, private=False)).community_id


async def test_the_same_topic_added_at_once_is_one_topic(services, community_id) -> None:
    results = await asyncio.gather(
        services().topics.add(community_id, "Drainage", None),
        services().topics.add(community_id, "drainage", None),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["AlreadyTopic", "str"]
    assert [t.label.lower() for t in await services().topics.topics(community_id)] == ["drainage"]
    with pytest.raises(AlreadyTopic):
        await services().topics.add(community_id, "DRAINAGE", None)


async def test_the_same_synonym_given_at_once_is_kept_once(services, community_id) -> None:
    await services().topics.add(community_id, "Drainage", None)
    results = await asyncio.gather(
        services().topics.add_synonym(community_id, "Drainage", "stormwater", None),
        services().topics.add_synonym(community_id, "Drainage", "Stormwater", None),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["AlreadySynonym", "tuple"]
    [topic] = await services().topics.topics(community_id)
    assert [s.lower() for s in topic.synonyms] == ["stormwater"]
    with pytest.raises(AlreadySynonym):
        await services().topics.add_synonym(community_id, "Drainage", "stormwater", None)
