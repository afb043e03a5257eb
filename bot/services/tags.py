"""Tag normalization: case, diacritics and whitespace never make two tags differ."""

import re
import unicodedata
from collections.abc import Iterable, Mapping
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


# Words keep inner '&', '-', '.', '/' and apostrophes ("M&E", "e-government", "U.S."), not
# outer punctuation ("GIS," is "gis").
_WORD = re.compile(r"\w(?:[\w&'./-]*\w)?")
_HASHTAG = re.compile(r"(?<![\w#])#(\w(?:[\w&./-]*\w)?)")
MAX_PHRASE_WORDS = 6  # longer tag names are matched by hashtag only


def words(text: str) -> tuple[str, ...]:
    """The matching words of `text`: case and diacritics dropped (see normalize_tag)."""
    return tuple(_WORD.findall(_strip_marks(text).casefold()))


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A community's tag names and synonyms as word sequences, for finding them in text."""

    phrases: Mapping[tuple[str, ...], int]  # words of a name or synonym -> tag id
    longest: int

    @classmethod
    def of(cls, names: Iterable[tuple[str, int]]) -> "Vocabulary":
        """`names`: (tag name or synonym, tag id) pairs, normalized or not."""
        phrases: dict[tuple[str, ...], int] = {}
        for name, tag_id in names:
            key = words(name)
            if key and len(key) <= MAX_PHRASE_WORDS:
                phrases.setdefault(key, tag_id)
        return cls(phrases, max((len(k) for k in phrases), default=0))


@dataclass(frozen=True, slots=True)
class QuestionTags:
    hashtags: dict[str, str]  # normalized name -> label, as written after '#'
    detected: list[int]  # ids of known tags found in the text, in order of appearance


def question_tags(text: str, vocabulary: Vocabulary) -> QuestionTags:
    """Explicit #hashtags ('#urban_design' is 'urban design') and the known tags the text
    mentions, whole words only, case and diacritics ignored."""
    hashtags: dict[str, str] = {}
    for raw in _HASHTAG.findall(text):
        label = display_label(raw.replace("_", " "))
        name = normalize_tag(label)
        if name and len(name) <= MAX_TAG_LENGTH and len(label) <= MAX_TAG_LENGTH:
            hashtags.setdefault(name, label)
            if len(hashtags) == MAX_TAGS:  # a question is about a few topics, not hundreds
                break
    found: list[int] = []
    seen: set[int] = set()
    tokens = words(text)
    i = 0
    while i < len(tokens):
        step = 1
        for size in range(min(vocabulary.longest, len(tokens) - i), 0, -1):
            tag_id = vocabulary.phrases.get(tokens[i : i + size])
            if tag_id is not None:  # the longest name that starts here wins
                if tag_id not in seen:
                    seen.add(tag_id)
                    found.append(tag_id)
                step = size
                break
        i += step
    return QuestionTags(hashtags, found)
