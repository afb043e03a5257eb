"""The generated community of benchmarks/routing.py: deterministic for a seed, mixed-language
(en/es/ru/id words, accents and Cyrillic), popular and rare tags, experts who answer their
topics more often than others, one accepted answer for most questions."""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import transaction
from storage.models import (
    Answer,
    ExpertDocument,
    Member,
    MemberExpertise,
    Membership,
    Question,
    QuestionTag,
    RoutingRequest,
    Tag,
    epoch_days,
)
from storage.models import (
    Community as CommunityModel,
)
from storage.search import index_text, put_statements
from storage.search.experts import INDEX, MAX_ANSWERS, compose

TAGS = 300
WORDS = {
    "en": "planning budget zoning cadastre parcel layer survey drainage stormwater traffic transit"
    " housing permit heritage census revenue forecast audit procurement tender bridge sewer waste"
    " energy solar flood resilience tree lighting mobility parking",
    "es": "planificación presupuesto zonificación catastro parcela capa encuesta drenaje tránsito"
    " vivienda permiso patrimonio censo impuesto ingresos pronóstico auditoría contratación"
    " subvención licitación puente alcantarillado residuos energía inundación árbol movilidad",
    "ru": "планирование бюджет зонирование кадастр участок слой опрос дренаж транспорт жильё"
    " разрешение наследие перепись налог доход прогноз аудит закупки контракт тендер мост"
    " канализация отходы энергия наводнение дерево освещение парковка",
    "id": "perencanaan anggaran zonasi kadaster bidang lapisan survei drainase perumahan izin"
    " warisan sensus pajak pendapatan perkiraan pengadaan kontrak hibah jembatan limbah energi"
    " banjir pohon penerangan parkir mobilitas",
}
COMMON = [
    "city",
    "data",
    "project",
    "ciudad",
    "datos",
    "proyecto",
    "город",
    "данные",
    "проект",
    "kota",
    "proyek",
]
FILLER = [
    "how",
    "what",
    "the",
    "we",
    "our",
    "de",
    "la",
    "el",
    "у",
    "в",
    "и",
    "yang",
    "dan",
    "untuk",
    "is",
    "for",
    "with",
]
LATIN, CYRILLIC = "ka lo mi ne ru sa ti vo ze ba do fe gi hu", "ка ло ми не ру са ти во зе ба до"


def _pseudo_words(rng: random.Random, count: int) -> list[str]:
    latin, cyrillic = LATIN.split(), CYRILLIC.split()
    found: set[str] = set()
    while len(found) < count:
        syllables = cyrillic if rng.random() < 0.3 else latin
        found.add("".join(rng.choice(syllables) for _ in range(rng.randint(3, 4))))
    return sorted(found)


@dataclass
class Community:
    members: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    expertise: list[dict[str, Any]] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)
    question_tags: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    new_questions: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Loaded:
    community_id: int
    new_questions: list[int]
    new_question_tags: dict[int, list[int]]


class _Words:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        real = [w for text in WORDS.values() for w in text.split()]
        pool = real + _pseudo_words(rng, 3000)
        self.lexicon = [rng.sample(pool, 8) for _ in range(TAGS)]  # per tag
        self.general = pool

    def text(self, tags: list[int], topical: int, extra: int) -> str:
        picked = [self.rng.choice(self.lexicon[self.rng.choice(tags)]) for _ in range(topical)]
        picked += self.rng.sample(self.general, extra) + self.rng.sample(FILLER, 3)
        picked.append(self.rng.choice(COMMON))
        self.rng.shuffle(picked)
        return " ".join(picked).capitalize() + "?"


def generate(*, members: int, answers: int, questions: int, seed: int) -> Community:
    rng = random.Random(seed)
    words, c = _Words(rng), Community()
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    popular = lambda: min(int(TAGS * rng.random() ** 2), TAGS - 1)  # noqa: E731 - a few big tags
    c.tags = [{"id": t + 1, "name": f"topic{t}", "label": f"Topic{t}"} for t in range(TAGS)]
    experts: dict[int, list[int]] = defaultdict(list)
    for m in range(1, members + 1):
        declared = sorted({popular() for _ in range(rng.randint(1, 3))})
        for t in declared:
            experts[t].append(m)
        bio = words.text(declared, 4, 3) if rng.random() < 0.6 else None
        c.members.append({"id": m, "declared": declared, "bio": bio})
    past = max(answers // 4, 1)
    for q in range(1, past + questions + 1):
        tags = sorted({popular() for _ in range(rng.randint(1, 2))})
        when = now - timedelta(days=rng.random() * 730) if q <= past else now
        c.questions.append({"id": q, "tags": tags, "text": words.text(tags, 4, 4), "at": when})
    c.new_questions = [q["id"] for q in c.questions[past:]]
    per_question = defaultdict(set)
    for a in range(1, answers + 1):
        q = c.questions[rng.randrange(past)]
        pool = experts[rng.choice(q["tags"])] or [1]
        author = rng.choice(pool) if rng.random() < 0.7 else rng.randint(1, members)
        if author in per_question[q["id"]]:
            author = rng.randint(1, members)
        per_question[q["id"]].add(author)
        accepted = len(per_question[q["id"]]) == 1 and rng.random() < 0.8
        text = words.text(q["tags"], rng.randint(3, 6), rng.randint(5, 15))
        c.answers.append({"id": a, "q": q, "author": author, "text": text, "accepted": accepted})
    for q_id, authors in per_question.items():
        for author in authors:
            c.requests.append({"q": q_id, "m": author, "status": "answered"})
        for _ in range(2):
            other = rng.randint(1, members)
            if other not in authors:
                authors = authors | {other}
                c.requests.append(
                    {"q": q_id, "m": other, "status": rng.choice(["declined", "expired"])}
                )
    return c


async def _bulk(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        await session.execute(insert(model), rows[start : start + 5000])


async def load(session: AsyncSession, c: Community, now: datetime) -> tuple[Loaded, int]:
    """Write the community into a fresh database; returns its ids and how many documents."""
    languages = ["en", "es", "ru", "id"]
    earned: dict[tuple[int, int], tuple[float, datetime]] = {}
    accepted_by: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in c.answers:
        if a["accepted"]:
            accepted_by[a["author"]].append(a)
            for t in a["q"]["tags"]:
                weight, _ = earned.get((a["author"], t), (0.0, now))
                earned[(a["author"], t)] = (weight + 1.0, a["q"]["at"])
    async with transaction(session, write=True):
        await _bulk(session, CommunityModel, [_community(now)])
        await _bulk(
            session,
            Tag,
            [{**t, "community_id": 1, "is_topic": True, "created_at": now} for t in c.tags],
        )
        await _bulk(session, Member, [_member(m, languages, now) for m in c.members])
        await _bulk(session, Membership, [_membership(m["id"], now) for m in c.members])
        await _bulk(session, MemberExpertise, _expertise(c, earned, now))
        await _bulk(
            session, Question, [_question(q, i, len(c.members)) for i, q in enumerate(c.questions)]
        )
        await _bulk(
            session,
            QuestionTag,
            [
                {"question_id": q["id"], "tag_id": t + 1, "explicit": True}
                for q in c.questions
                for t in q["tags"]
            ],
        )
        await _bulk(session, Answer, [_answer(a) for a in c.answers])
        await _bulk(session, RoutingRequest, [_request(r, now) for r in c.requests])
        documents = await _documents(session, c, earned, accepted_by, now)
    tags = {q["id"]: [t + 1 for t in q["tags"]] for q in c.questions}
    return Loaded(1, c.new_questions, {q: tags[q] for q in c.new_questions}), documents


def _community(now: datetime) -> dict[str, Any]:
    return {
        "id": 1,
        "chat_id": -100777,
        "title": "Planners",
        "language": "en",
        "timezone": "UTC",
        "is_forum": False,
        "active": True,
        "routing_fanout": 3,
        "escalation_hours": 24,
        "created_at": now,
        "updated_at": now,
    }


def _member(m: dict[str, Any], languages: list[str], now: datetime) -> dict[str, Any]:
    i = m["id"]
    return {
        "id": i,
        "user_id": 10_000_000 + i,
        "first_name": f"Member{i}",
        "spoken_languages": [languages[i % 4], languages[(i // 4) % 4]],
        "bio": m["bio"],
        "dm_available": i % 20 != 0,
        "routing_opt_out": i % 50 == 0,
        "created_at": now,
        "updated_at": now,
    }


def _membership(member_id: int, now: datetime) -> dict[str, Any]:
    return {
        "community_id": 1,
        "member_id": member_id,
        "role": "member",
        "active": True,
        "welcome_pending": False,
        "joined_at": now,
    }


def _expertise(c: Community, earned: dict, now: datetime) -> list[dict[str, Any]]:
    rows = {}
    for m in c.members:
        for t in m["declared"]:
            rows[(m["id"], t)] = {
                "declared": True,
                "earned_weight": 0.0,
                "earned_at": None,
                "earned_day": None,
            }
    for (member, t), (weight, at) in earned.items():
        row = rows.setdefault((member, t), {"declared": False})
        row.update(earned_weight=weight, earned_at=at, earned_day=epoch_days(at))
    return [{"member_id": m, "tag_id": t + 1, "updated_at": now, **r} for (m, t), r in rows.items()]


def _question(q: dict[str, Any], i: int, members: int) -> dict[str, Any]:
    return {
        "id": q["id"],
        "community_id": 1,
        "number": q["id"],
        "asker_id": i % members + 1,
        "anonymous": False,
        "text": q["text"],
        "status": "answered",
        "round": 1,
        "created_at": q["at"],
        "updated_at": q["at"],
    }


def _answer(a: dict[str, Any]) -> dict[str, Any]:
    at = a["q"]["at"] + timedelta(hours=2)
    return {
        "id": a["id"],
        "question_id": a["q"]["id"],
        "author_id": a["author"],
        "text": a["text"],
        "accepted": a["accepted"],
        "accepted_at": at if a["accepted"] else None,
        "helpful_count": a["id"] % 3,
        "created_at": at,
    }


def _request(r: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "question_id": r["q"],
        "member_id": r["m"],
        "round": 1,
        "rank": 1,
        "score": 1.0,
        "components": {},
        "status": r["status"],
        "created_at": now - timedelta(days=r["q"] % 700),
    }


async def _documents(session, c: Community, earned: dict, accepted_by: dict, now) -> int:
    labels = {t["id"] - 1: t["label"] for t in c.tags}
    known: dict[int, set[int]] = defaultdict(set)
    for m in c.members:
        known[m["id"]].update(m["declared"])
    for member, t in earned:
        known[member].add(t)
    docs, index = [], []
    for m in c.members:
        answers = sorted(accepted_by[m["id"]], key=lambda a: -a["id"])[:MAX_ANSWERS]
        body = compose(
            m["bio"],
            sorted(labels[t] for t in known[m["id"]]),
            [(a["q"]["text"], a["text"]) for a in answers],
        )
        if body:
            doc_id = len(docs) + 1
            docs.append(
                {
                    "id": doc_id,
                    "community_id": 1,
                    "member_id": m["id"],
                    "body": body,
                    "updated_at": now,
                }
            )
            index.append({"id": doc_id, "scope": 1, "key": m["id"], "body": index_text(body)})
    await _bulk(session, ExpertDocument, docs)
    for statement in put_statements(session.get_bind().dialect.name, INDEX):
        for start in range(0, len(index), 5000):
            await session.execute(statement, index[start : start + 5000])
    return len(docs)
