"""FAQ entries at the service level: what is suggested before asking, and what publishing
consent and verification do to what searches find."""

import pytest
from sqlalchemy import select

from bot.services.faq import AlreadyChosen, UnknownEntry
from storage.db import transaction
from storage.models import AuditEntry
from tests.services.conftest import GROUP, identity


@pytest.fixture
async def group(services):
    ana = await services().members.seen(identity(1, "Ana"), GROUP, private=False)
    ben = await services().members.seen(identity(2, "Ben"), GROUP, private=False)
    return {"ana": ana, "ben": ben, "id": ana.community_id}


async def test_only_entries_covering_half_the_question_are_suggested(services, group) -> None:
    c = group["id"]
    await services().faq.add(c, None, "Water tariffs for small towns", "Use consumption blocks.")
    await services().faq.add(c, None, "Cadastre updates", "Yearly, with drone imagery.")
    faq = services().faq
    weak = await faq.suggest(c, group["ben"].member_id, "How do I audit water meters in schools?")
    assert weak is None  # one word of five in common is no answer
    strong = await faq.suggest(c, group["ben"].member_id, "Which water tariffs suit small towns?")
    assert strong is not None
    assert [f.entry.question for f in strong.entries] == ["Water tariffs for small towns"]


async def test_a_suggestion_is_chosen_once_and_only_by_the_asker(services, group) -> None:
    c = group["id"]
    entry = await services().faq.add(c, None, "Cadastre updates", "Yearly, with drone imagery.")
    suggestion = await services().faq.suggest(c, group["ben"].member_id, "cadastre updates?")
    assert suggestion is not None
    with pytest.raises(UnknownEntry):  # not Ana's question
        await services().faq.choose(suggestion.search_id, group["ana"].member_id, "asked")
    with pytest.raises(UnknownEntry):  # an entry that was not suggested
        await services().faq.choose(suggestion.search_id, group["ben"].member_id, "solved", 999)
    choice = await services().faq.choose(
        suggestion.search_id, group["ben"].member_id, "solved", entry.id
    )
    assert choice.question == "cadastre updates?"
    with pytest.raises(AlreadyChosen):
        await services().faq.choose(suggestion.search_id, group["ben"].member_id, "asked")
    assert (await services().faq.entry(c, entry.id)).helpful == 1


async def test_switching_verification_on_keeps_what_is_published(services, group) -> None:
    c, ana = group["id"], group["ana"]
    entry = await services().faq.add(c, ana.member_id, "Zoning appeals", "Within 30 days.")
    await services().faq.set_verification(c, True, ana.member_id)
    assert [h.entry.id for h in (await services().faq.search([c], "zoning")).hits] == [entry.id]
    assert await services().faq.awaiting_verification(c) == []
    session = services().faq.session
    async with transaction(session, write=False):
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["faq_add", "faq_verification"]


async def test_editing_one_part_of_a_long_accepted_answer_keeps_the_rest(services, group) -> None:
    c = group["id"]
    entry = await services().faq.add(c, None, "Short question", "Short answer.")
    faq = services().faq
    from storage.models import FaqEntry

    long_question = "Which layers " * 120  # 1,560 characters: as long as a question may be
    async with transaction(faq.session, write=True):
        row = await faq.session.get(FaqEntry, entry.id)
        row.question, row.source = long_question.strip(), "answer"
    edited = await services().faq.edit(c, entry.id, None, tags=["GIS"])
    assert edited.tags == ("GIS",) and edited.question == long_question.strip()
