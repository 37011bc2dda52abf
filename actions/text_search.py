"""Ranked text search over short knowledge texts, in Finnish, Swedish and English.

Words are lower-cased, stripped of punctuation and reduced to Snowball stems (Finnish and
Swedish inflect heavily: "päiväkodista", "päiväkotiin" -> "päiväkod", "päiväko"...), then
the stems are also folded (ä -> a, ö -> o, å -> a) so that messages typed without them still
meet. Passages are ranked with Okapi BM25.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Dict, Generic, Iterable, List, Sequence, Tuple, TypeVar

import snowballstemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STEMMER_NAMES = {"fi": "finnish", "sv": "swedish", "en": "english"}
# Stems are cut to this many letters: Finnish consonant gradation ("päiväkoti" ->
# "päiväkod-"/"päiväkot-") and Swedish compounds' endings still meet; English needs no cut.
_STEM_LENGTH = {"fi": 6, "sv": 6, "en": 40}
COMPOUND_LENGTH = 10
MIN_COMPOUND_PART = 5
# Words that say nothing about what is asked (question words, the city's name, fillers).
STOP_WORDS = frozenset("""
mikä mitä missä mistä mihin milloin miten miksi kuka ketkä kenen kuinka paljonko onko voiko
voinko saako pitääkö ja tai on ei en et se ne ja kun jos että kanssa myös vielä vain nyt hei
porvoo porvoon porvoossa porvoosta kaupunki kaupungin kaupungilla mä mun sä sun mulla onks
vad var vem vilka hur när varför vart kan jag du det den de en ett och eller är inte om att
med också bara nu hej borgå borgås stad staden stadens stads har finns får ska skall
what where who which when how why is are the a an and or of to in on for do does can i you
my me it this that there with be please hello hi porvoo city city's
""".split())

T = TypeVar("T")


def fold(text: str) -> str:
    """Lower case without diacritics: "Päiväkoti Åbo" -> "paivakoti abo"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> List[str]:
    return [w.lower() for w in _WORD.findall(text)]


@cache
def _stemmer(language: str) -> snowballstemmer.Stemmer:
    return snowballstemmer.stemmer(_STEMMER_NAMES.get(language, "english"))


@lru_cache(maxsize=65536)
def full_stem(word: str, language: str) -> str:
    return fold(_stemmer(language).stemWord(word))


def stem(word: str, language: str) -> str:
    """The stem a word is searched by (cut in Finnish and Swedish)."""
    return full_stem(word, language)[:_STEM_LENGTH.get(language, 40)]


def terms(text: str, language: str) -> List[str]:
    """The folded stems of the content words of `text`.

    A compound (a Finnish or Swedish stem over ten letters) gives its six- and ten-letter
    cuts, so that "kaupunginvaltuustossa" meets "kaupunginvaltuusto" better than
    "kaupunginhallitus" while its endings still do not matter.
    """
    found = []
    short = _STEM_LENGTH.get(language, 40)
    for word in words(text):
        if word in STOP_WORDS or len(word) < 2:
            continue
        whole = full_stem(word, language)
        found.append(whole[:short])
        if len(whole) > COMPOUND_LENGTH and short < COMPOUND_LENGTH:
            found.append(whole[:COMPOUND_LENGTH])
    return found


@dataclass
class Hit(Generic[T]):
    item: T
    score: float
    matched: int  # how many distinct query terms the item contains


@dataclass
class SearchIndex(Generic[T]):
    """BM25 over (item, text) pairs of one language."""

    language: str
    k1: float = 1.4
    b: float = 0.6
    _items: List[T] = field(default_factory=list)
    _docs: List[Counter[str]] = field(default_factory=list)
    _df: Counter[str] = field(default_factory=Counter)

    @classmethod
    def build(cls, language: str, entries: Iterable[Tuple[T, str]]) -> SearchIndex[T]:
        index: SearchIndex[T] = cls(language)
        for item, text in entries:
            index.add(item, text)
        return index

    def add(self, item: T, text: str) -> None:
        doc = Counter(terms(text, self.language))
        self._items.append(item)
        self._docs.append(doc)
        self._df.update(doc.keys())

    def idf(self, term: str) -> float:
        n = len(self._docs)
        df = self._df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query: str, limit: int = 3) -> List[Hit[T]]:
        query_terms = list(dict.fromkeys(terms(query, self.language)))
        if not query_terms or not self._docs:
            return []
        average = sum(sum(d.values()) for d in self._docs) / len(self._docs)
        hits: List[Hit[T]] = []
        for item, doc in zip(self._items, self._docs, strict=True):
            length = sum(doc.values()) or 1
            score, matched = 0.0, 0
            for term in query_terms:
                count = doc.get(term, 0)
                if count:
                    matched += 1
                    norm = count * (self.k1 + 1) / (
                        count + self.k1 * (1 - self.b + self.b * length / average))
                    score += self.idf(term) * norm
            if matched:
                hits.append(Hit(item, score, matched))
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:limit]

    def items(self) -> List[T]:
        return list(self._items)

    def __len__(self) -> int:
        return len(self._items)


def overlap(query: str, text: str, language: str) -> int:
    """How many distinct content stems of `text` the query has, also inside its compounds
    ("stadsfullmäktige" holds "fullmäktiges"' stem "fullma")."""
    wanted = set(terms(query, language))
    long_words = [fold(w) for w in words(query) if len(w) > COMPOUND_LENGTH]
    return sum(1 for term in set(terms(text, language))
               if term in wanted or (len(term) >= MIN_COMPOUND_PART
                                     and any(term in w for w in long_words)))


def best_sentences(query: str, sentences: Sequence[str], language: str,
                   limit: int = 2) -> List[int]:
    """Indexes of the sentences of one passage that answer `query` best, in text order."""
    wanted = set(terms(query, language))
    scored: Dict[int, int] = {i: len(wanted & set(terms(s, language)))
                              for i, s in enumerate(sentences)}
    ranked = sorted(scored, key=lambda i: (-scored[i], i))
    chosen = [i for i in ranked[:limit] if scored[i] > 0] or [0]
    return sorted(chosen)
