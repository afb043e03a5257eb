"""Who should be asked: members scored for one question, with the reasons kept.

Pure functions over what the database says about each candidate, so the ranking can be tested
on generated communities and explained to moderators (`/why`) from the stored components.
"""

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# How much each reason counts. Expertise (declared or earned on the question's tags) leads;
# the text of past answers and bio backs it up; track record, load and language break ties
# among the knowledgeable, so load spreads questions over all who know a topic.
WEIGHTS: Mapping[str, float] = {
    "expertise": 3.0,
    "text": 1.5,
    "record": 1.0,
    "language": 0.5,
    "load": -1.2,
    "cooldown": -1.0,
}
EXPERTISE_CAP = 3.0  # per tag: declared (1) plus earned weight, capped
COOLDOWN_HOURS = 24.0  # the cooldown penalty halves about every 17 h after being asked
LOAD_SATURATION = 3  # open requests beyond this count no further
# Earned expertise (accepted and helpful answers) halves every EARNED_HALF_LIFE without new
# ones, so the map of who knows what stays current; declared expertise does not decay.
EARNED_HALF_LIFE = timedelta(days=180)
# A member who knows none of the question's tags is asked on the strength of their expert
# document alone only if it matches at least this well (1 = the community's best match).
TEXT_ALONE_MIN = 0.2
TEXT_CANDIDATES = 50  # the best-matching expert documents considered per question
# Candidates whose record and load are looked up at a time (the best by expertise and text;
# a popular topic can have a thousand members who declared it).
SHORTLIST = 30


def decayed(weight: float, since: datetime | None, now: datetime) -> float:
    """`weight` earned as of `since`, as it counts at `now` (halving every half-life)."""
    if since is None or weight <= 0:
        return weight
    age = max((now - since) / EARNED_HALF_LIFE, 0.0)
    return weight * 0.5**age


def decay_at(now: datetime) -> Callable[[float, datetime | None], float]:
    """`decayed` as of `now`, for the repositories that read and add earned weight."""
    return lambda weight, since: decayed(weight, since, now)


@dataclass(frozen=True, slots=True)
class Candidate:
    member_id: int
    tag_weights: Mapping[int, float]  # tag id -> declared (1.0) + earned weight
    text_relevance: float = 0.0  # 0..1: full-text rank of their expert document (bio, answers)
    accepted: int = 0  # accepted answers
    helpful: int = 0  # helpful votes received
    requests: int = 0  # times asked
    responses: int = 0  # times they answered or declined (rather than ignored)
    open_requests: int = 0  # asked and not yet responded to
    last_asked_at: datetime | None = None
    languages: frozenset[str] = frozenset()
    available: bool = True  # reachable, not opted out, not in quiet hours, not the asker


@dataclass(frozen=True, slots=True)
class Score:
    member_id: int
    total: float
    components: dict[str, float] = field(default_factory=dict)


def expertise(candidate: Candidate, tags: Iterable[int]) -> float:
    """0..1: how much of the question's tags the member knows, averaged over its tags."""
    wanted = list(tags)
    if not wanted:
        return 0.0
    known = sum(min(candidate.tag_weights.get(t, 0.0), EXPERTISE_CAP) for t in wanted)
    return known / (EXPERTISE_CAP * len(wanted))


def shortlist(
    weights: Mapping[int, Mapping[int, float]],
    relevance: Mapping[int, float],
    tags: Iterable[int],
    salt: int,
) -> list[int]:
    """Member ids best first by what is known before their record and load are looked up:
    expertise and text. Equals (say, the hundreds who only declared the topic) come in an order
    that changes with `salt` (the question), so successive questions look at different ones
    and load still spreads over all who know a topic."""

    wanted = set(tags)
    scale = WEIGHTS["expertise"] / (EXPERTISE_CAP * max(len(wanted), 1))
    points = {  # as `expertise` and `score` count them
        m: scale * sum(min(w, EXPERTISE_CAP) for t, w in known.items() if t in wanted)
        for m, known in weights.items()
    }
    for m, value in relevance.items():
        points[m] = points.get(m, 0.0) + WEIGHTS["text"] * max(0.0, min(value, 1.0))
    factor = salt_factor(salt)
    return sorted(points, key=lambda m: (-points[m], (m * 2654435761 % PRIME) * factor % PRIME))


PRIME = 2**31 - 1


def salt_factor(salt: int) -> int:
    """The multiplier that orders equals for question `salt`: each factor gives another
    permutation (x -> x * k mod PRIME), where adding a salt would only rotate one order and
    leave the same few equals first for every question. (storage.repos.questions orders the
    database's side the same way.)"""
    return salt * 40503 % (PRIME - 1) + 1


def record(candidate: Candidate) -> float:
    """0..1, smoothed so a newcomer starts in the middle rather than at the bottom."""
    quality = (candidate.accepted + 0.5 * candidate.helpful + 1.0) / (candidate.requests + 2.0)
    response_rate = (candidate.responses + 1.0) / (candidate.requests + 2.0)
    return min(1.0, 0.5 * min(quality, 1.0) + 0.5 * response_rate)


def score(
    candidate: Candidate, tags: Iterable[int], language: str | None, now: datetime
) -> Score | None:
    """The candidate's score and its reasons, or None when they may not be asked or know
    nothing of the question (neither its tags nor its words)."""
    if not candidate.available:
        return None
    parts = {
        "expertise": expertise(candidate, tags),
        "text": max(0.0, min(candidate.text_relevance, 1.0)),
    }
    if parts["expertise"] == 0.0 and parts["text"] < TEXT_ALONE_MIN:
        return None
    parts["record"] = record(candidate)
    parts["language"] = 1.0 if language is None or language in candidate.languages else 0.0
    parts["load"] = min(candidate.open_requests, LOAD_SATURATION) / LOAD_SATURATION
    if candidate.last_asked_at is None:
        parts["cooldown"] = 0.0
    else:
        hours = max((now - candidate.last_asked_at).total_seconds() / 3600.0, 0.0)
        parts["cooldown"] = math.exp(-hours / COOLDOWN_HOURS)
    total = sum(WEIGHTS[name] * value for name, value in parts.items())
    return Score(candidate.member_id, round(total, 6), {k: round(v, 6) for k, v in parts.items()})


def choose(
    candidates: Iterable[Candidate],
    tags: Iterable[int],
    language: str | None,
    now: datetime,
    k: int,
) -> list[Score]:
    """The `k` best, best first (ties: the member asked least recently, then the lowest id)."""
    wanted = list(tags)
    scored = [s for c in candidates if (s := score(c, wanted, language, now)) is not None]
    scored.sort(key=lambda s: (-s.total, s.components["cooldown"], s.member_id))
    return scored[: max(k, 0)]
