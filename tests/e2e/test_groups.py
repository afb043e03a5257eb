"""Stories in the group: the bot arrives, members join in waves, members leave."""

from sqlalchemy import select

from storage.models import Community, Membership
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, Harness
from tests.fakes.telegram_api import User


async def test_added_to_group_creates_community_and_explains_itself(h: Harness) -> None:
    community_id = await h.add_bot_to_group()

    community = await h.one(select(Community).where(Community.id == community_id))
    assert community.title == "Municipal Planners" and community.active
    assert community.language == "es"  # the admin who added the bot writes in Spanish
    welcome = h.fake.last_message(GROUP.id)
    assert "/ask" in welcome["text"] and "/search" in welcome["text"]
    [[button]] = welcome["reply_markup"]["inline_keyboard"]
    assert button["url"] == f"https://t.me/peerbot_test_bot?start=profile_{community_id}"


async def test_removed_bot_marks_community_inactive(h: Harness) -> None:
    community_id = await h.add_bot_to_group()
    await h.send(h.fake.my_chat_member(GROUP, MARIA, "member", "kicked"))
    community = await h.one(select(Community).where(Community.id == community_id))
    assert not community.active


async def test_newcomer_gets_a_welcome_with_profile_button(h: Harness) -> None:
    community_id = await h.add_bot_to_group(by=BOB)
    await h.send(h.fake.new_chat_members(GROUP, ALICE, [ALICE]))
    welcome = h.fake.last_message(GROUP.id)
    assert "Alice" in welcome["text"]
    [[button]] = welcome["reply_markup"]["inline_keyboard"]
    assert button["url"].endswith(f"start=profile_{community_id}")


async def test_wave_of_joins_is_batched_and_nobody_is_missed(h: Harness) -> None:
    await h.add_bot_to_group(by=BOB)
    newcomers = [User(1000 + i, f"Newcomer{i}") for i in range(45)]
    for user in newcomers:
        await h.send(h.fake.chat_member(GROUP, user, user, "left", "member"))
    # the first is greeted at once; the others wait for the window to reopen
    assert len(h.fake.sent_messages(GROUP.id)) == 2
    for _ in range(2):
        h.clock.advance(seconds=60)
        assert await h.flush_welcomes() == 1
    h.clock.advance(seconds=60)
    assert await h.flush_welcomes() == 0

    welcomes = h.fake.sent_messages(GROUP.id)[1:]
    assert len(welcomes) == 3
    # the mention links are HTML in what the bot sent: each newcomer is named exactly once
    sent_html = [c.params["text"] for c in h.fake.calls_to("sendMessage", chat_id=GROUP.id)]
    for user in newcomers:
        assert sum(f"tg://user?id={user.id}" in text for text in sent_html) == 1, user
    assert h.fake.rate_limited_calls == 0


async def test_join_reported_twice_is_greeted_once(h: Harness) -> None:
    await h.add_bot_to_group(by=BOB)
    await h.send(h.fake.chat_member(GROUP, ALICE, ALICE, "left", "member"))
    await h.send(h.fake.new_chat_members(GROUP, ALICE, [ALICE]))
    h.clock.advance(seconds=120)
    await h.flush_welcomes()
    assert sum("Alice" in text for text in h.replies(GROUP.id)) == 1


async def test_welcome_that_fails_is_posted_later(h: Harness) -> None:
    await h.add_bot_to_group(by=BOB)
    h.fake.fail("sendMessage", error_code=500, times=3)  # the first try and both retries
    await h.send(h.fake.new_chat_members(GROUP, ALICE, [ALICE]))
    assert not any("Alice" in text for text in h.replies(GROUP.id))
    h.clock.advance(seconds=61)
    assert await h.flush_welcomes() == 1
    assert "Alice" in h.last_text(GROUP.id)


async def test_leaving_marks_membership_inactive(h: Harness) -> None:
    await h.add_bot_to_group(by=BOB)
    await h.say(ALICE, "hola a todos", GROUP)
    await h.send(h.fake.left_chat_member(GROUP, ALICE, ALICE))
    membership = await h.one(select(Membership))
    assert membership is not None and not membership.active and membership.left_at is not None


async def test_group_migration_keeps_the_community(h: Harness) -> None:
    community_id = await h.add_bot_to_group()
    await h.send(h.fake.migrate(GROUP, -1009999))
    community = await h.one(select(Community).where(Community.id == community_id))
    assert community.chat_id == -1009999
