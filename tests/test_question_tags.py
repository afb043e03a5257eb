"""A question's tags: its #hashtags, and the community's tags and synonyms its text mentions,
whatever the case, diacritics or language."""

from hypothesis import given
from hypothesis import strategies as st

from bot.services.tags import MAX_TAG_LENGTH, Vocabulary, question_tags

VOCABULARY = Vocabulary.of(
    [
        ("participatory budgeting", 1),
        ("budgeting", 2),
        ("GIS", 3),
        ("geographic information systems", 3),  # a synonym of GIS
        ("M&E", 4),
        ("planificación urbana", 5),
        ("урбанистика", 6),
        ("perencanaan kota", 7),
    ]
)


def test_known_tags_are_found_whatever_the_case_and_diacritics() -> None:
    found = question_tags(
        "Who knows PARTICIPATORY budgeting? Planificacion Urbana en Lima; Урбанистика, "
        "perencanaan kota di Bandung.",
        VOCABULARY,
    )
    assert found.detected == [1, 5, 6, 7]  # the longest name wins: not budgeting (2) too


def test_synonyms_lead_to_their_tag_and_each_tag_counts_once() -> None:
    found = question_tags("GIS or geographic information systems? gis!", VOCABULARY)
    assert found.detected == [3]


def test_only_whole_words_match() -> None:
    assert question_tags("Our GISTools and rebudgeting plans", VOCABULARY).detected == []


def test_words_with_inner_punctuation_match() -> None:
    assert question_tags("Any M&E frameworks (m&e)?", VOCABULARY).detected == [4]


def test_hashtags_are_explicit_tags_known_or_new() -> None:
    found = question_tags("#GIS layers for #urban_design, #Zonificación?", VOCABULARY)
    assert found.hashtags == {
        "gis": "GIS",
        "urban design": "urban design",
        "zonificacion": "Zonificación",
    }
    assert found.detected == [3]


def test_not_hashtags() -> None:
    found = question_tags("Issue#12, ##, # alone, C# and a " + "#" + "x" * 41, VOCABULARY)
    assert found.hashtags == {}


@given(st.text())
def test_any_text_gives_known_tags_and_bounded_hashtags(text: str) -> None:
    found = question_tags(text, VOCABULARY)
    assert set(found.detected) <= set(VOCABULARY.phrases.values())
    assert len(found.detected) == len(set(found.detected))
    assert all(0 < len(name) <= MAX_TAG_LENGTH for name in found.hashtags)


def test_a_question_has_at_most_twenty_hashtags() -> None:
    found = question_tags(" ".join(f"#t{i:03}" for i in range(500)), VOCABULARY)
    assert list(found.hashtags) == [f"t{i:03}" for i in range(20)]
