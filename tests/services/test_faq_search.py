"""The FAQ's search on both databases: accents, case and scripts never matter, titles outrank
bodies, verified entries break ties, deleted entries never appear, misspellings are corrected,
and nothing a user can type breaks it."""

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.services.faq import EmptySearch, FaqService, highlight, parse_query
from storage.search.faq import one_typo
from tests.services.conftest import GROUP, identity

OTHER = GROUP.__class__(chat_id=-100999, title="Hydrologists", is_forum=False)


@pytest.fixture
async def community(services):
    """A group with a moderator (Ana), and another group."""
    ana = await services().members.seen(identity(1, "Ana"), GROUP, private=False)
    dan = await services().members.seen(identity(5, "Dan"), OTHER, private=False)
    return {"ana": ana, "dan": dan, "id": ana.community_id, "other": dan.community_id}


async def add(services, community_id, question, answer, tags=(), actor=None):
    return await services().faq.add(community_id, actor, question, answer, tags)


async def found(services, scopes, text, **kwargs) -> list[str]:
    result = await services().faq.search(scopes, text, page_size=50, **kwargs)
    return [hit.entry.question for hit in result.hits]


async def test_accents_case_and_scripts(services, community) -> None:
    c = community["id"]
    await add(services, c, "¿Cómo hacer la planificación urbana?", "Con el catastro al día.")
    await add(services, c, "Как планировать бюджет?", "Начните с ёмких статей расходов.")
    assert await found(services, [c], "PLANIFICACION") == ["¿Cómo hacer la planificación urbana?"]
    assert await found(services, [c], "бюджет") == ["Как планировать бюджет?"]
    assert await found(services, [c], "емких") == ["Как планировать бюджет?"]
    assert await found(services, [c], "stormwater drains") == []


async def test_a_community_never_sees_another_ones_entries(services, community) -> None:
    await add(services, community["other"], "Flood maps", "Use the national service.")
    assert await found(services, [community["id"]], "flood maps") == []
    assert await found(services, [community["other"]], "flood maps") == ["Flood maps"]


async def test_title_match_outranks_a_body_mention(services, community) -> None:
    c = community["id"]
    await add(services, c, "Road maintenance budgets", "Zoning is decided elsewhere.")
    await add(services, c, "Zoning appeals", "Appeals go to the council within 30 days.")
    assert (await found(services, [c], "zoning"))[0] == "Zoning appeals"


async def test_verified_entries_break_ties_and_deleted_never_appear(services, community) -> None:
    c, ana = community["id"], community["ana"]
    # Two accepted-answer-like entries saying the same: only verification tells them apart.
    first = await add(services, c, "Parking permits", "Ask the transport office.")
    second = await add(services, c, "Parking permits", "Ask the transport office.")
    faq = services().faq
    from sqlalchemy import update

    from storage.db import transaction
    from storage.models import FaqEntry

    async with transaction(faq.session, write=True):
        await faq.session.execute(update(FaqEntry).values(verified=False))
    await services().faq.verify(c, first.id, ana.member_id)
    result = await services().faq.search([c], "parking permits")
    assert [h.entry.id for h in result.hits] == [first.id, second.id]

    await services().faq.delete(c, first.id, ana.member_id)
    result = await services().faq.search([c], "parking permits")
    assert [h.entry.id for h in result.hits] == [second.id]
    await services().faq.restore(c, first.id, ana.member_id)
    result = await services().faq.search([c], "parking")
    assert {h.entry.id for h in result.hits} == {first.id, second.id}


async def test_all_words_first_then_any(services, community) -> None:
    c = community["id"]
    await add(services, c, "Water tariffs", "Set tariffs by consumption block.")
    await add(services, c, "Water and budget", "Budget lines for water utilities.")
    assert (await found(services, [c], "water budget"))[0] == "Water and budget"
    assert set(await found(services, [c], "water budget")) == {
        "Water tariffs",
        "Water and budget",
    }


async def test_a_misspelt_word_is_corrected(services, community) -> None:
    c = community["id"]
    await add(services, c, "Participatory budgeting", "Start with neighbourhood assemblies.")
    result = await services().faq.search([c], "participatroy")
    assert [h.entry.question for h in result.hits] == ["Participatory budgeting"]
    assert result.corrected == ("participatory",)


async def test_two_swapped_letters_are_corrected(services, community) -> None:
    # "bugdet" shares too few trigrams with "budget" to pass as similar; it is one typo away.
    c = community["id"]
    await add(services, c, "Budget hearings", "Publish the calendar early.")
    await add(services, c, "Bus depots", "Gadgets for the depot.")
    result = await services().faq.search([c], "bugdet")
    assert [h.entry.question for h in result.hits] == ["Budget hearings"]
    assert result.corrected == ("budget",)
    # Two typos away: the trigram fallback, which needs the words to look alike.
    assert (await services().faq.search([c], "xqzwv")).corrected is None


async def test_a_word_sharing_a_key_but_two_typos_away_is_no_correction(
    services, community
) -> None:
    # "trace" less its t and "racer" less its r are both "race": two edits apart.
    c = community["id"]
    await add(services, c, "Racer bikes", "Couriers deliver permits.")
    result = await services().faq.search([c], "trace")
    assert (result.corrected, result.hits) == (None, [])


def test_one_typo_means_one_letter_wrong_missing_extra_or_two_swapped() -> None:
    near = [("budget", "bugdet"), ("budget", "budgets"), ("budget", "budet"), ("ab", "ba")]
    far = [("trace", "racer"), ("water", "aterw"), ("abcd", "adcb"), ("abc", "abc")]
    for a, b in near:
        assert one_typo(a, b) and one_typo(b, a)
    for a, b in far:
        assert not one_typo(a, b) and not one_typo(b, a)


async def test_entries_with_every_word_come_first_then_some(services, community) -> None:
    c = community["id"]
    await add(services, c, "Water tariffs for the poor", "Lifeline blocks.")  # water only
    await add(services, c, "Budget calendars", "Start in March.")  # budget only
    await add(services, c, "Utility budget", "Water utilities need their own budget lines.")
    names = await found(services, [c], "water budget")
    assert names[0] == "Utility budget"
    assert set(names[1:]) == {"Water tariffs for the poor", "Budget calendars"}


async def test_a_page_past_the_last_shows_the_last(services, community) -> None:
    c = community["id"]
    for i in range(7):
        await add(services, c, f"Cadastre question {i}", f"Cadastre answer {i}.")
    result = await services().faq.search([c], "cadastre", page=9, page_size=5)
    assert (result.page, result.pages, result.total) == (1, 2, 7)
    assert len(result.hits) == 2
    assert all("<b>Cadastre</b>" in hit.snippet for hit in result.hits)


async def test_both_communities_pages_are_merged(services, community) -> None:
    c, other = community["id"], community["other"]
    for i in range(4):
        await add(services, c, f"Flood drill {i}", "Sirens and maps.")
        await add(services, other, f"Flood maps {i}", "Sirens too.")
    first = await services().faq.search([c, other], "flood", page=0, page_size=5)
    second = await services().faq.search([c, other], "flood", page=1, page_size=5)
    shown = [h.entry.question for h in first.hits + second.hits]
    assert len(shown) == len(set(shown)) == 8
    assert {h.entry.community_id for h in second.hits} <= {c, other}
    assert all(h.snippet for h in second.hits)


async def test_prefix_of_the_word_being_typed(services, community) -> None:
    c = community["id"]
    await add(services, c, "Cadastre updates", "Update the cadastre every year.")
    assert await found(services, [c], "cadas", prefix=True) == ["Cadastre updates"]
    assert await found(services, [c], "update cad", prefix=True) == ["Cadastre updates"]
    assert await found(services, [c], "cadastre xylophone", prefix=True) == ["Cadastre updates"]


async def test_stop_words_alone_still_search(services, community) -> None:
    c = community["id"]
    await add(services, c, "Who is the mayor?", "The mayor is elected.")
    assert await found(services, [c], "who is the") == ["Who is the mayor?"]


async def test_punctuation_only_is_an_empty_search(services, community) -> None:
    for text in ["", "   ", "?!", '"*^()', "-:"]:
        with pytest.raises(EmptySearch):
            await services().faq.search([community["id"]], text)


def test_snippets_bold_the_words_found_and_escape_html() -> None:
    query = parse_query("catastro")
    text = "Use <b>care</b>: el Catastro & registro " + " ".join(["x"] * 40)
    snippet = highlight(text, query)
    assert "<b>Catastro</b>" in snippet
    assert "&lt;b&gt;care&lt;/b&gt;" in snippet
    assert "&amp;" in snippet
    assert snippet.endswith("…")


SYNTAX = st.sampled_from(['"', "*", "^", "NEAR", "AND", "OR", "NOT", ":", "-", "(", ")", "'", "\\"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.lists(st.one_of(st.text(max_size=12), SYNTAX), max_size=8).map(" ".join))
async def test_any_text_is_searched_without_error(services, community, text) -> None:
    faq: FaqService = services().faq
    for prefix in (False, True):
        with contextlib.suppress(EmptySearch):
            await faq.search([community["id"]], text, prefix=prefix)


def test_a_snippet_shows_a_word_found_once_deep_in_the_answer() -> None:
    query = parse_query("catastro")
    text = " ".join(["palabra"] * 40) + " Según el Catastro, " + " ".join(["fin"] * 40)
    snippet = highlight(text, query)
    assert "<b>Catastro,</b>" in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")
