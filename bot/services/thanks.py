"""Telling a thank-you from the rest: a short reply to an answer that thanks its author counts
as a helpful vote, so capturing good answers does not depend on anyone pressing a button."""

import re

from bot.services.tags import normalize_tag

# Normalized (lower case, no accents) as bot.services.tags.normalize_tag leaves them.
_THANKS = (
    "thanks",
    "thank you",
    "thank u",
    "thanx",
    "thx",
    "ty",
    "tysm",
    "cheers",
    "gracias",
    "muchas gracias",
    "mil gracias",
    "спасибо",
    "спасибки",
    "спс",
    "благодарю",
    "terima kasih",
    "makasih",
    "trims",
    "tq",
    "thank",
    "merci",
    "obrigado",
    "obrigada",
)
# A reply that goes on to disagree, or declines, is not a thank-you ("thanks, but it did not
# work", "gracias, sin embargo…", "no thanks", "спасибо, не помогло").
_NOT = (
    "but",
    "however",
    "not",
    "nothing",
    "no thanks",
    "no thank you",
    "pero",
    "sin embargo",
    "no gracias",
    "nada",
    "но",
    "однако",
    "не",
    "ничего",
    "tapi",
    "namun",
    "tidak",
    "bukan",
)
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_MAX_WORDS = 12
_PHRASES = {tuple(phrase.split()) for phrase in _THANKS}
_NEGATIONS = {tuple(phrase.split()) for phrase in _NOT}
_LONGEST = max(len(p) for p in _PHRASES | _NEGATIONS)


def _has(words: list[str], phrases: set[tuple[str, ...]]) -> bool:
    return any(
        tuple(words[start : start + size]) in phrases
        for start in range(len(words))
        for size in range(1, _LONGEST + 1)
    )


def is_thanks(text: str | None) -> bool:
    """A short message that thanks, in English, Spanish, Russian or Indonesian
    ("Thanks!", "¡Muchas gracias, Bob!", "Спасибо большое", "terima kasih banyak")."""
    words = _WORDS.findall(normalize_tag(text or ""))
    if not words or len(words) > _MAX_WORDS:
        return False
    return not _has(words, _NEGATIONS) and _has(words, _PHRASES)
