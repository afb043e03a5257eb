"""Expert documents and their full-text index, on both databases: what a member wrote about
themselves and answered is found by the words of a question, whatever its case or accents,
and no input a user can type breaks the search."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from storage.db import transaction
from storage.models import ExpertDocument
from storage.search import query_terms
from storage.search.experts import ExpertDocuments
from tests.services.conftest import GROUP, identity

OTHER = GROUP.__class__(chat_id=-100999, title="Hydrologists", is_forum=False)


@pytest.fixture
async def people(services):
    """Bob (a planner, writes Spanish), Olga (Russian budgets), Chen (no bio yet) in the group;
    Dan in another group with Bob's very words."""
    found = {}
    for user_id, name, group, bio in [
        (2, "Bob", GROUP, "Planificación urbana y catastro en Lima"),
        (3, "Olga", GROUP, "Планирование бюджета муниципалитета"),
        (4, "Chen", GROUP, None),
        (5, "Dan", OTHER, "Planificación urbana y catastro"),
    ]:
        actor = await services().members.seen(identity(user_id, name), group, private=False)
        if bio:
            await services().profiles.save_bio(user_id, bio)
        found[name] = actor
    return found


async def relevance(services, community_id: int, text: str) -> dict[int, float]:
    session = services().profiles.session
    async with transaction(session, write=False):
        return await ExpertDocuments(session).relevance(community_id, text, 50)


async def test_accents_case_and_scripts_do_not_matter(services, people) -> None:
    bob, olga = people["Bob"], people["Olga"]
    group = bob.community_id
    assert await relevance(services, group, "PLANIFICACION del catastro?") == {bob.member_id: 1.0}
    assert await relevance(services, group, "бюджет? планирование") == {olga.member_id: 1.0}
    assert await relevance(services, group, "ПЛАНИРОВАНИЕ") == {olga.member_id: 1.0}
    assert await relevance(services, group, "stormwater") == {}


async def test_a_community_searches_only_its_own_members(services, people) -> None:
    found = await relevance(services, people["Dan"].community_id, "planificación urbana")
    assert found == {people["Dan"].member_id: 1.0}


async def test_topics_join_the_document_and_a_better_match_ranks_higher(services, people) -> None:
    bob, chen = people["Bob"], people["Chen"]
    await services().profiles.save_tags(4, chen.community_id, [], {"catastro": "Catastro"})
    found = await relevance(services, bob.community_id, "catastro urbano en Lima")
    assert found[bob.member_id] == 1.0  # two words of the question
    assert 0 < found[chen.member_id] < 1.0  # one word (his topic)


async def test_a_new_bio_replaces_the_old_words(services, people) -> None:
    await services().profiles.save_bio(2, "Hidrología de cuencas")
    group = people["Bob"].community_id
    assert await relevance(services, group, "catastro") == {}
    assert await relevance(services, group, "hidrologia") == {people["Bob"].member_id: 1.0}
    rows = list(await services().profiles.session.scalars(select(ExpertDocument)))
    assert len(rows) == 3  # Bob, Olga, Dan: one each; Chen has said nothing yet


def test_query_syntax_typed_by_a_user_is_only_words() -> None:
    typed = 'catastro" OR "x* NEAR(a b) -lima:1 AND (NOT zoning) ^col:"" \'; DROP'
    assert query_terms(typed) == ["catastro", "near", "lima", "zoning", "col", "drop"]
    assert query_terms("the and or not") == []
    assert len(query_terms(" ".join(f"word{i}" for i in range(100)))) == 16


async def test_query_syntax_reaches_neither_database(services, people) -> None:
    group = people["Bob"].community_id
    for typed in ['"', "*", "NEAR(", "catastro AND", "-:", "())", "'", "\\", "OR OR", "a:*"]:
        assert await relevance(services, group, typed) in ({}, {people["Bob"].member_id: 1.0})
    assert await relevance(services, group, 'catastro" OR "*') == {people["Bob"].member_id: 1.0}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# NUL is the one character PostgreSQL cannot store in a text column (the bio itself); a query
# is never stored, so it may hold anything.
@given(
    st.text(max_size=300),
    st.text(st.characters(blacklist_characters="\x00"), min_size=1, max_size=400),
)
async def test_any_unicode_text_is_safe_as_document_and_as_query(
    services, people, query: str, bio: str
) -> None:
    if bio.strip():
        await services().profiles.save_bio(4, bio)
    found = await relevance(services, people["Chen"].community_id, query)
    assert all(0 < value <= 1.0 for value in found.values())
    for word in query_terms(bio)[:3]:  # the member's own words find them
        assert people["Chen"].member_id in await relevance(
            services, people["Chen"].community_id, word
        )


def test_styled_letters_fold_like_plain_ones() -> None:
    # Found by the hypothesis test: bold or ligature letters (as pasted from styled text) were
    # folded to lower case only after being decomposed, so "𝐓HE" stayed "The".
    assert query_terms("𝐁𝐔𝐃𝐆𝐄𝐓 ﬁnance") == ["budget", "finance"]
