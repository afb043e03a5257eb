"""Joins, leaves and batched welcomes on a real database."""

import asyncio

from tests.services.conftest import GROUP, identity


async def _community(services):
    return await services().communities.bot_added(
        GROUP.chat_id, GROUP.title, is_forum=False, language="es"
    )


async def test_same_join_reported_twice_is_welcomed_once(services) -> None:
    await _community(services)
    assert await services().communities.member_joined(GROUP.chat_id, identity(1, "Ana"))
    assert not await services().communities.member_joined(GROUP.chat_id, identity(1, "Ana"))
    batch = await services().communities.take_welcome_batch(GROUP.chat_id)
    assert [n.first_name for n in batch.newcomers] == ["Ana"]
    assert batch.community.language == "es"


async def test_wave_of_joins_is_one_welcome_per_window(services, clock) -> None:
    await _community(services)
    await services().communities.member_joined(GROUP.chat_id, identity(1, "First"))
    assert len((await services().communities.take_welcome_batch(GROUP.chat_id)).newcomers) == 1
    for i in range(2, 42):
        await services().communities.member_joined(GROUP.chat_id, identity(i, f"N{i}"))
    assert await services().communities.take_welcome_batch(GROUP.chat_id) is None
    assert await services().communities.due_welcome_chats() == []

    clock.advance(seconds=60)
    assert await services().communities.due_welcome_chats() == [GROUP.chat_id]
    first = await services().communities.take_welcome_batch(GROUP.chat_id)
    assert len(first.newcomers) == 30  # one message names at most 30
    clock.advance(seconds=60)
    second = await services().communities.take_welcome_batch(GROUP.chat_id)
    assert len(second.newcomers) == 10
    assert {n.user_id for n in first.newcomers + second.newcomers} == set(range(2, 42))


async def test_failed_welcome_is_retried(services, clock) -> None:
    await _community(services)
    await services().communities.member_joined(GROUP.chat_id, identity(1, "Ana"))
    batch = await services().communities.take_welcome_batch(GROUP.chat_id)
    await services().communities.welcome_failed(batch)
    clock.advance(seconds=61)
    again = await services().communities.take_welcome_batch(GROUP.chat_id)
    assert [n.user_id for n in again.newcomers] == [1]


async def test_two_instances_never_post_the_same_welcome(services) -> None:
    await _community(services)
    for i in range(1, 6):
        await services().communities.member_joined(GROUP.chat_id, identity(i, f"N{i}"))
    results = await asyncio.gather(
        *(services().communities.take_welcome_batch(GROUP.chat_id) for _ in range(4))
    )
    taken = [r for r in results if r is not None]
    assert len(taken) == 1 and len(taken[0].newcomers) == 5


async def test_leaving_marks_membership_inactive(services) -> None:
    await _community(services)
    actor = await services().members.seen(identity(1, "Ana"), GROUP, private=False)
    assert [c.id for c in await services().profiles.communities_of(1)] == [actor.community_id]
    await services().communities.member_left(GROUP.chat_id, 1)
    assert await services().profiles.communities_of(1) == []
    # coming back reactivates and queues a welcome
    assert await services().communities.member_joined(GROUP.chat_id, identity(1, "Ana"))
