"""A thank-you is told from the rest in the four languages of our communities."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.thanks import is_thanks


@pytest.mark.parametrize(
    "text",
    [
        "Thanks!",
        "thank you so much Bob",
        "THX",
        "¡Muchas gracias!",
        "Gracias, justo lo que necesitaba",
        "Спасибо большое",
        "спс",
        "Terima kasih banyak, Pak",
        "makasih ya",
    ],
)
def test_thanks_in_any_of_our_languages(text: str) -> None:
    assert is_thanks(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Can you say more about the cadastral layer?",
        "Thanks, but it did not work for me",
        "Gracias pero no funciona",
        "Спасибо, но это не то",
        "Thanksgiving budget planning is next week",
        "No thanks, I found it myself",
        "thanks for nothing",
        "Спасибо, не помогло",
        "Terima kasih, tapi tidak berhasil",
        "thanks " + "word " * 20,  # a long message that merely starts politely
    ],
)
def test_questions_doubts_and_long_messages_are_not_thanks(text: str) -> None:
    assert not is_thanks(text)


@given(st.text())
def test_any_text_is_judged_without_error(text: str) -> None:
    assert is_thanks(text) in (True, False)


def test_a_spanish_thanks_but_is_not_a_thank_you() -> None:
    """'Gracias, sin embargo no funcionó' (thanks, however it did not work) counts as a
    helpful vote and offers the asker Accept: _BUT holds the two-word 'sin embargo', but
    is_thanks only compares single words against it."""
    assert not is_thanks("Gracias, sin embargo no funcionó")
