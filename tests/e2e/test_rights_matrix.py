"""Every administrator command × every kind of sender, through the fake Bot API: allowed
exactly for the group's administrators, the bot's owners (BOT_ADMINS) and administrators
posting as the group; refused politely, changing nothing, for members and for administrators
of another group."""

from typing import Any

import pytest
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy import MetaData, select

from bot.app import create_dispatcher
from bot.commands import admin_commands, group_commands
from bot.i18n import create_i18n
from bot.services.faq import FaqService
from handlers.rights import AS_THE_GROUP
from storage.models import Community
from tests.e2e.conftest import ALICE, BOB, GROUP, Harness
from tests.e2e.test_edge_cases import as_anonymous_admin
from tests.e2e.test_questions import deliver, knows
from tests.fakes.telegram_api import Chat, User

ASKER = User(201, "Ada", username="ada", language_code="en")
EXPERT = User(202, "Eli", username="eli", language_code="en")
OTHER_MODERATOR = User(203, "Dan", username="dan", language_code="en")
OWNER = User(204, "Omar", username="omar", language_code="en")
OTHER = Chat(-1002000000002, "supergroup", title="Hydrologists")

# How each administrator command is typed in the group; "{answer}" replies to an answer.
INVOCATIONS: dict[str, str] = {
    "why": "/why 1",
    "accept": "/accept {answer}",
    "answering": "/answering open",
    "faq_add": "/faq_add",
    "faq_edit": "/faq_edit 1",
    "faq_delete": "/faq_delete 1",
    "faq_restore": "/faq_restore 1",
    "faq_verify": "/faq_verify 1",
    "faq_stale": "/faq_stale",
    "faq_verification": "/faq_verification on",
    "prompt_add": "/prompt_add What did you map this week?",
    "prompts": "/prompts",
    "prompt_delete": "/prompt_delete 1",
    "prompt_schedule": "/prompt_schedule mon,thu 09:00",
    "stats": "/stats week",
    "export": "/export",
    "meetup": "/meetup",
    "meetup_cancel": "/meetup_cancel 1",
    "meetup_move": "/meetup_move 1 10.12.2030 18:00",
    "digest_schedule": "/digest_schedule fri 17:00",
    "digest": "/digest",
    "hide": "/hide q1 off topic",
    "unhide": "/unhide q1 on topic after all",
    "suspend": "/suspend @ada 1h flooding the group",
    "unsuspend": "/unsuspend @ada",
    "audit": "/audit",
    "settings": "/settings",
    "topics": "/topics add Drainage",
}
REFUSALS = (
    "Only the group's administrators",
    "Only the member who asked, or a moderator of this group",
    "You are posting as the group",
)
ROLES = ("member", "moderator of another group", "moderator", "owner", "anonymous administrator")


def test_every_administrator_command_is_in_the_matrix() -> None:
    i18n = create_i18n("en")
    with i18n.context(), i18n.use_locale("en"):
        for_everyone = {c.command for c in group_commands()}
        menu = {c.command for c in admin_commands()} - for_everyone
    assert sorted(INVOCATIONS) == sorted(menu)


def allowed(command: str, role: str) -> bool:
    if role == "anonymous administrator":  # /export names members: it goes to a person
        return command in AS_THE_GROUP
    return role in ("moderator", "owner")


async def snapshot(h: Harness) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (what a refused command must leave as it was)."""
    metadata = MetaData()
    async with h.db.engine.connect() as conn:
        await conn.run_sync(metadata.reflect)
        tables = {}
        for table in metadata.sorted_tables:
            rows = (await conn.execute(select(table))).all()
            tables[table.name] = sorted((tuple(map(repr, row)) for row in rows), key=repr)
        return tables


async def community(h: Harness) -> dict[str, Any]:
    """Ada asked question #1, Eli's answer is in the group; FAQ entry #1 exists. Bob
    administers the group, Dan another group; Omar owns the bot."""
    settings = h.settings.model_copy(update={"bot_admins": (OWNER.id,)})
    h.settings = settings
    h.dp = create_dispatcher(settings, h.db, h.clock, storage=MemoryStorage(), with_scheduler=False)
    await h.add_bot_to_group(by=BOB)
    await h.add_bot_to_group(by=OTHER_MODERATOR, group=OTHER)
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    h.fake.set_chat_member(OTHER, OTHER_MODERATOR, "administrator")
    for user in (ALICE, ASKER, BOB, OTHER_MODERATOR, OWNER):
        await h.say(user, "hello everyone", GROUP)
    await h.say(OTHER_MODERATOR, "hello hydrologists", OTHER)
    await knows(h, EXPERT, "GIS")
    await h.say(ASKER, "/ask Which #GIS layers do you use for zoning maps?", GROUP)
    await deliver(h)
    await h.press(EXPERT, "✍️ Answer", EXPERT.id)
    await h.say(EXPERT, "The cadastral layer and the zoning overlay.")
    await deliver(h)
    answer = h.fake.last_message(GROUP.id)
    assert "Answer to question #1" in answer["text"]
    group = await h.one(select(Community).where(Community.chat_id == GROUP.id))
    async with h.db.session() as session:
        await FaqService(session, h.clock).add(group.id, None, "Road budgets?", "Plan yearly.")
    return answer


async def run(h: Harness, role: str, text: str, answer: dict[str, Any]) -> list[str]:
    """What the bot sent anywhere after `role` typed `text` in the group."""
    before = len(h.fake.sent_messages())
    reply_to = answer if "{answer}" in text else None
    text = text.replace(" {answer}", "")
    user = {
        "member": ALICE,
        "moderator of another group": OTHER_MODERATOR,
        "moderator": BOB,
        "owner": OWNER,
        "anonymous administrator": BOB,
    }[role]
    update = h.fake.text_update(user, text, GROUP, reply_to=reply_to)
    if role == "anonymous administrator":
        update = as_anonymous_admin(update)
    await h.send(update)
    sent = h.fake.sent_messages()[before:]
    return [m.get("text") or m.get("caption") or "[file]" for m in sent]


@pytest.mark.parametrize("command", sorted(INVOCATIONS))
async def test_each_command_is_allowed_exactly_where_it_should_be(h: Harness, command: str) -> None:
    answer = await community(h)
    # The refused first, so that "nothing changed" is measured against the same state.
    for role in sorted(ROLES, key=lambda r: allowed(command, r)):
        state = await snapshot(h)
        replies = await run(h, role, INVOCATIONS[command], answer)
        refused = any(r.startswith(REFUSALS) for r in replies)
        if allowed(command, role):
            assert replies and not refused, (command, role, replies)
            assert not any("something went wrong" in r for r in replies), (command, role)
        else:
            assert refused and len(replies) == 1, (command, role, replies)
            assert await snapshot(h) == state, (command, role)


# Typed in the private chat: the bot acts on a group the sender administers, never another.
PRIVATE = {
    "faq_add": "/faq_add",
    "faq_edit": "/faq_edit 1",
    "faq_delete": "/faq_delete 1",
    "faq_restore": "/faq_restore 1",
    "faq_verify": "/faq_verify 1",
    "faq_stale": "/faq_stale",
    "stats": "/stats",
    "export": "/export",
    "meetup": "/meetup",
    "settings": "/settings",
}


@pytest.mark.parametrize("command", sorted(PRIVATE))
async def test_in_private_each_command_reaches_only_a_group_the_sender_administers(
    h: Harness, command: str
) -> None:
    answer = await community(h)
    for user in (ALICE, OTHER_MODERATOR, BOB, OWNER):
        await h.say(user, "/start")
    for user in (ALICE, OTHER_MODERATOR):  # a member; an administrator of another group
        state = await snapshot(h)
        before = len(h.fake.sent_messages())
        await h.say(user, PRIVATE[command])
        replies = [m.get("text") or m.get("caption") or "" for m in h.fake.sent_messages()]
        assert replies[before:], (command, user.first_name)
        assert not any(GROUP.title in r for r in replies[before:]), (command, user.first_name)
        if user is ALICE:
            refusals = (*REFUSALS, "Only a group's administrators")
            assert any(r.startswith(refusals) for r in replies[before:]), (command, replies)
        assert await snapshot(h) == state, (command, user.first_name)
    for user in (BOB, OWNER):
        before = len(h.fake.sent_messages())
        await h.say(user, PRIVATE[command])
        replies = [m.get("text") or m.get("caption") or "[file]" for m in h.fake.sent_messages()]
        assert replies[before:] and not any(r.startswith(REFUSALS) for r in replies[before:])
        assert not any("something went wrong" in r for r in replies[before:])
        await h.say(user, "/cancel")  # leave any dialog the command opened
    assert answer
