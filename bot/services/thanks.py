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
# A reply that goes on to disagree is not a thank-you ("thanks, but it did not work").
_BUT = frozenset({"but", "however", "pero", "sin embargo", "но", "однако", "tapi", "namun"})
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_MAX_WORDS = 12
_PHRASES = {tuple(phrase.split()) for phrase in _THANKS}
_LONGEST = max(len(p) for p in _PHRASES)


def is_thanks(text: str | None) -> bool:
    """A short message that thanks, in English, Spanish, Russian or Indonesian
    ("Thanks!", "¡Muchas gracias, Bob!", "Спасибо большое", "terima kasih banyak")."""
    words = _WORDS.findall(normalize_tag(text or ""))
    if not words or len(words) > _MAX_WORDS:
        return False
    if any(word in _BUT for word in words):
        return False
    for start in range(len(words)):
        for size in range(1, _LONGEST + 1):
            if tuple(words[start : start + size]) in _PHRASES:
                return True
    return False
