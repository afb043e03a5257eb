"""The generated FAQ of benchmarks/search.py: deterministic for a seed, in English, Spanish,
Russian and Indonesian (accents, Cyrillic), words drawn with a Zipf-like frequency (a few words
in nearly every entry, a long tail of rare ones) and each language's very common words; and
1-3 word queries by category (rare, mid-frequency, with a very common word, misspelt).

Entries are written straight to a JSON Lines file in the import format (bot.services.faq_io),
so the benchmark imports them as `peerbot faq import` would; only word counts stay in memory.
"""

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from storage.search import STOP_WORDS, fold

LANGUAGES = {"en": 0.4, "es": 0.25, "ru": 0.2, "id": 0.15}  # share of entries
STOP = {
    "en": "the of and to a in is that for it on with as was be by this are or from at an you "
    "not have but we can your if which",
    "es": "de la que el en y a los se del las un por con no una su para es al lo como más o "
    "pero sus le ya si",
    "ru": "и в не на я что он с как а то все она так его но да ты к у же вы за бы по только от из",
    "id": "yang dan di ke dari ini itu untuk dengan tidak ada adalah pada juga saya kami kita "
    "akan atau bisa dalam karena oleh sudah",
}
COMMON = {  # the most frequent words of each language that are not stop words
    "en": "city data project plan office council service report team public",
    "es": "ciudad datos proyecto plan oficina consejo servicio informe equipo público",
    "ru": "город данные проект план отдел совет служба отчёт команда общественный",
    "id": "kota data proyek rencana kantor dewan layanan laporan tim publik",
}
DOMAIN = {
    "en": "planning budget zoning cadastre parcel layer survey drainage stormwater traffic "
    "transit housing permit heritage census revenue forecast audit procurement tender bridge "
    "sewer waste energy solar flood resilience tree lighting mobility parking street map "
    "boundary license inspection contract grant tariff meter pipeline register archive",
    "es": "planificación presupuesto zonificación catastro parcela capa encuesta drenaje "
    "tránsito vivienda permiso patrimonio censo impuesto ingresos pronóstico auditoría "
    "contratación subvención licitación puente alcantarillado residuos energía inundación "
    "árbol movilidad estacionamiento calle mapa límite licencia inspección contrato tarifa",
    "ru": "планирование бюджет зонирование кадастр участок слой опрос дренаж транспорт жильё "
    "разрешение наследие перепись налог доход прогноз аудит закупки контракт тендер мост "
    "канализация отходы энергия наводнение дерево освещение парковка улица карта граница",
    "id": "perencanaan anggaran zonasi kadaster bidang lapisan survei drainase perumahan izin "
    "warisan sensus pajak pendapatan perkiraan pengadaan kontrak hibah jembatan limbah energi "
    "banjir pohon penerangan parkir mobilitas jalan peta batas lisensi inspeksi tarif",
}
SYLLABLES = {
    "en": "ba be bi bo ca co da de di fo ga ge la le li lo ma me mi mo na ne no pa pe po ra re "
    "ri ro sa se si so ta te ti to ver ter ing ion",
    "es": "ba be bi bo ca co da de di ga la le li lo ma me mi mo na ne ni no pa pe po ra re ri "
    "ro sa se si so ta te ti to ción dad ña ñe llo rra gué á é í ó ú",
    "ru": "ба бе би бо ва ве ви во да де ди до за зе ка ке ки ко ла ле ли ло ма ме ми мо на не "
    "ни но па пе по ра ре ри ро са се си со та те ти то ще жи ча ёк ый ая",
    "id": "ba be bi bu ca da de di du ga gi ja ka ke ki ku la li lu ma me mi mu na ni nu pa pe "
    "pi ra ri ru sa se si su ta ti tu nya ngan kan an",
}
TAIL = 15_000  # generated words per language: the long tail of rare ones
ZIPF = 1.0
STOP_SHARE = 0.35  # of an answer's words
WORDS_PER_ENTRY = 70  # in the answer; with the question's, about 80
QUESTION_WORDS = 10
TAGS = 200
CATEGORIES = ("rare", "mid", "common", "misspelt")
QUERY_STOP_WORDS = ("the", "de", "и", "yang", "la", "в", "dan", "of")


@dataclass
class Corpus:
    entries: int = 0
    words: int = 0  # in answers and questions
    df: Counter[str] = field(default_factory=Counter)  # folded word -> entries holding it
    spelling: dict[str, str] = field(default_factory=dict)  # folded word -> as written


@dataclass(frozen=True)
class Query:
    category: str
    text: str


def _tail(rng: random.Random, language: str, taken: set[str]) -> list[str]:
    syllables = SYLLABLES[language].split()
    found: list[str] = []
    while len(found) < TAIL:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if len(word) >= 4 and fold(word) not in taken:
            taken.add(fold(word))
            found.append(word)
    return found


class _Language:
    """A language's words with their frequencies: its stop words take STOP_SHARE of the
    text, the rest is content words with a Zipf rank-frequency."""

    def __init__(self, rng: random.Random, language: str, taken: set[str]) -> None:
        self.stop = STOP[language].split()
        self.content = COMMON[language].split() + DOMAIN[language].split()
        self.content += _tail(rng, language, taken)
        stop = [1 / (r + 1) for r in range(len(self.stop))]
        content = [1 / (r + 1) ** ZIPF for r in range(len(self.content))]
        scale_stop, scale_content = STOP_SHARE / sum(stop), (1 - STOP_SHARE) / sum(content)
        self.words = self.stop + self.content
        self.weights = list(
            accumulate([w * scale_stop for w in stop] + [w * scale_content for w in content])
        )
        self.content_weights = list(accumulate(content))

    def draw(self, rng: random.Random, count: int, *, stop_words: bool = True) -> list[str]:
        if stop_words:
            return rng.choices(self.words, cum_weights=self.weights, k=count)
        return rng.choices(self.content, cum_weights=self.content_weights, k=count)


def _sentences(rng: random.Random, tokens: list[str]) -> str:
    out, i = [], 0
    while i < len(tokens):
        n = rng.randint(7, 15)
        part = tokens[i : i + n]
        i += n
        if len(part) > 4 and rng.random() < 0.4:
            part[2] += ","
        out.append(" ".join(part).capitalize() + ".")
    return " ".join(out)


def generate(path: Path, entries: int, seed: int, chat_id: int) -> Corpus:
    """Write `entries` generated entries of the group `chat_id` to `path` (JSON Lines)."""
    rng = random.Random(seed)
    taken = {
        fold(w)
        for text in (*STOP.values(), *COMMON.values(), *DOMAIN.values())
        for w in text.split()
    }
    languages = {code: _Language(rng, code, taken) for code in LANGUAGES}
    codes, shares = list(LANGUAGES), list(LANGUAGES.values())
    tag_pool = [w for code in LANGUAGES for w in DOMAIN[code].split()]
    rng.shuffle(tag_pool)
    tag_pool = tag_pool[:TAGS]
    tag_weights = list(accumulate(1 / (r + 1) for r in range(len(tag_pool))))
    corpus = Corpus()
    folded: dict[str, str] = {}
    for lang in languages.values():
        for word in lang.stop + lang.content:
            folded[word] = fold(word)
            corpus.spelling.setdefault(folded[word], word)
    with path.open("w", encoding="utf-8", newline="") as out:
        for _ in range(entries):
            code = rng.choices(codes, weights=shares)[0]
            lang = languages[code]
            size = rng.randint(WORDS_PER_ENTRY - 20, WORDS_PER_ENTRY + 20)
            body = lang.draw(rng, size)
            if rng.random() < 0.2:  # a few words of another language (English, mostly)
                other = languages["en" if code != "en" else rng.choice(codes[1:])]
                body[: rng.randint(1, 4)] = other.draw(rng, 4, stop_words=False)[
                    : rng.randint(1, 4)
                ]
            question = lang.draw(rng, rng.randint(QUESTION_WORDS - 3, QUESTION_WORDS + 3))
            tags = sorted(set(rng.choices(tag_pool, cum_weights=tag_weights, k=rng.randint(1, 3))))
            opening = "¿" if code == "es" else ""
            record = {
                "community": chat_id,
                "question": opening + " ".join(question).capitalize() + "?",
                "answer": _sentences(rng, body),
                "tags": tags,
                "language": code,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            corpus.entries += 1
            corpus.words += len(body) + len(question)
            corpus.df.update({folded[w] for w in (*body, *question, *tags)})
    return corpus


def _misspelt(rng: random.Random, word: str, known: Counter[str]) -> str | None:
    for _ in range(20):
        letters = list(word)
        i = rng.randrange(1, len(letters) - 1)
        if rng.random() < 0.5 and letters[i + 1 :]:
            letters[i], letters[i + 1] = letters[i + 1], letters[i]
        else:
            letters[i] = rng.choice([c for c in word if c != letters[i]] or ["x"])
        candidate = "".join(letters)
        if fold(candidate) not in known and fold(candidate) != fold(word):
            return candidate
    return None


def queries(corpus: Corpus, count: int, seed: int) -> list[Query]:
    """`count` queries, the same number of each category, interleaved."""
    rng = random.Random(seed + 1)
    n = max(corpus.entries, 1)
    content = [(w, d) for w, d in corpus.df.items() if w not in STOP_WORDS and w.isalpha()]
    content.sort(key=lambda p: (-p[1], p[0]))
    top = [w for w, _ in content[:10]]
    rare = [w for w, d in content if d <= max(2, n * 0.0003)] or [w for w, _ in content[-50:]]
    mid = [w for w, d in content if n * 0.002 <= d <= n * 0.03] or [w for w, _ in content[10:60]]
    stops = [w for w in QUERY_STOP_WORDS if fold(w) in corpus.df] or list(QUERY_STOP_WORDS)
    rare.sort()
    mid.sort()

    def shown(word: str) -> str:
        written = corpus.spelling.get(word, word)
        return written.capitalize() if rng.random() < 0.2 else written

    def common() -> list[str]:
        stop, often = rng.choice(stops), rng.choice(top)
        return rng.choice(
            [
                [stop],
                [stop, shown(rng.choice(mid))],
                [shown(often)],
                [shown(often), shown(rng.choice(mid))],
                [stop, shown(often), shown(rng.choice(rare))],
                [shown(often), shown(rng.choice(top))],
            ]
        )

    def misspelt() -> list[str]:
        pool = [w for w in rng.sample(mid + rare, min(40, len(mid + rare))) if len(w) >= 5]
        wrong = [m for m in (_misspelt(rng, shown(w), corpus.df) for w in pool) if m]
        return wrong[: 1 if rng.random() < 0.7 else 2] or ["planificacoin"]

    makers = {
        "rare": lambda: [shown(w) for w in rng.sample(rare, min(len(rare), rng.randint(1, 3)))],
        "mid": lambda: [shown(w) for w in rng.sample(mid, min(len(mid), rng.randint(1, 3)))],
        "common": common,
        "misspelt": misspelt,
    }
    found = []
    for i in range(count):
        category = CATEGORIES[i % len(CATEGORIES)]
        found.append(Query(category, " ".join(makers[category]())))
    return found
