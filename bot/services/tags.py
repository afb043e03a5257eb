"""Tag normalization: case, diacritics and whitespace never make two tags differ."""

import re
import unicodedata
from dataclasses import dataclass

MAX_TAGS = 20
MAX_TAG_LENGTH = 40
_SEPARATORS = re.compile(r"[,;\n]+")
_SPACES = re.compile(r"\s+")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def normalize_tag(raw: str) -> str:
    """The matching key of a tag: '  Planificación  Urbana ' and '#planificacion urbana' agree."""
    text = _SPACES.sub(" ", raw).strip().lstrip("#").strip()
    return _strip_marks(text).casefold()


def display_label(raw: str) -> str:
    return _SPACES.sub(" ", raw).strip().lstrip("#").strip()


@dataclass(frozen=True, slots=True)
class ParsedTags:
    labels: dict[str, str]  # normalized name -> label as the member wrote it
    too_long: list[str]
    invalid: list[str]


def parse_tags(text: str) -> ParsedTags:
    """Split free text ('GIS, budgeting; #M&E') into tags, collecting what is wrong with each."""
    labels: dict[str, str] = {}
    too_long: list[str] = []
    invalid: list[str] = []
    for chunk in _SEPARATORS.split(text):
        label = display_label(chunk)
        if not label:
            continue
        if len(label) > MAX_TAG_LENGTH or len(normalize_tag(label)) > MAX_TAG_LENGTH:
            too_long.append(label)
            continue
        if not any(c.isalnum() for c in label):
            invalid.append(label)
            continue
        labels.setdefault(normalize_tag(label), label)
    return ParsedTags(labels=labels, too_long=too_long, invalid=invalid)
