"""Finding lessons in Dutch: the platform's only search code — tokeniser, index build and queries.

- **Tokeniser** (`Tokeniser`): lower case without diacritics (geëvalueerd = geevalueerd), Dutch stop words left
  out, every word reduced to its Snowball stem (PyStemmer), long compounds split into their parts
  (luchtkwaliteitssensor → lucht + kwaliteit + sensor, with compound-split's Dutch model, so it meets "sensor voor
  de kwaliteit van de lucht"), and each word or part that is in the domain's synonym list
  (`ida/standard/vocabularies/zoeksynoniemen.csv`, which a coordinator extends) also indexed as its group, so
  "inkoop" finds "aanbesteding" and "middelen" finds "budget".
- **Index** (`build_index`): BM25 over the lessons (their text) and over the experiments (title, summary, task,
  learning questions, keywords), ranked by bm25s, with the tokens of each document. `ida.warehouse.serving.publish`
  builds it into every serving copy: the documents in the copy's schema `search`, the BM25 matrices and tokens in
  the folder beside it (`marts-….search/`), written before the copy is pointed at, removed with it.
- **Queries** (`Index`): `search` (a query), `similar` (a lesson's mutual nearest lessons), `related` (any text's
  nearest lessons and experiments, for the "Wat leerden andere provincies hierover?" panel) and `shared_words`.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import duckdb
import numpy as np

from ida.standard.vocabularies import VOCABULARY_DIR

SCHEMA = "search"
SYNONYMS_CSV = VOCABULARY_DIR / "zoeksynoniemen.csv"
SYNONYM_MARK = "="  # a synonym group's token is its code after this mark: it never collides with a stem

# Dutch function words and a few English ones; never indexed, never searched on.
STOPWORDS = frozenset("""
aan al alle alles als altijd and andere ben bij daar dan dat de der deze die dit doch doen door dus een eens en er
for ge geen geweest had heb hebben heeft hem het hier hij hoe hun iemand iets ik in is ja je kan kon kunnen maar me
meer men met mij mijn moet na naar niet niets nog nu of om omdat on ons ook op over reeds te the tegen toch toen tot
u uit uw van veel voor want waren was wat we wel werd werden wie wij wil worden wordt zal ze zelf zich zij zijn zo
zonder zou zouden
""".split())

# Words the Snowball stemmer gives the stem of another word: gegevens (data) is no form of geven (to give).
STEM_EXCEPTIONS = {"gegevens": "gegeven"}

MIN_COMPOUND = 8  # shorter words are not split
MIN_PART = 4  # nor into parts shorter than this (unless the part is in the synonym list)

_WORD = re.compile(r"[a-z0-9]+")
_COMBINING = re.compile("[\u0300-\u036f]")  # the diacritics NFKD splits off (ë → e + ¨)
_DOUBLED_VOWEL = re.compile(r"([aeiou])\1([^aeiou]*)$")  # Snowball's Dutch stem keeps a long vowel doubled only in open forms


def normalise(text: str) -> str:
    """Lower case, diacritics dropped (ë → e, é → e)."""
    text = (text or "").lower()
    return text if text.isascii() else _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def words(text: str) -> list[str]:
    """The words of `text` as the index sees them, before stemming: normalised, stop words and single
    characters left out."""
    return [w for w in _WORD.findall(normalise(text)) if len(w) > 1 and w not in STOPWORDS]


@cache
def synonyms(path: Path = SYNONYMS_CSV) -> dict[str, str]:
    """word → the code of its synonym group, read from the vocabulary CSV (columns code, label, woorden)."""
    groups: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for word in (row["woorden"] or "").split("|"):
                for part in words(word):
                    groups.setdefault(part, row["code"])
    return groups


@dataclass(frozen=True)
class Tokeniser:
    """Text → index tokens. The options are the candidates the benchmark compares (bench/search); the defaults
    are the winner."""

    stemmer: str = "dutch"  # a PyStemmer algorithm: "dutch", "dutch_porter", or "" for none
    compounds: bool = True
    use_synonyms: bool = True
    ngrams: int = 0  # > 0: character n-grams of each word instead of stems (a candidate, not the default)

    def tokens(self, text: str) -> list[str]:
        """The tokens of `text`, in order, with repeats (term frequency counts)."""
        return [token for word in words(text) for token in self.word_tokens(word)]

    def word_tokens(self, word: str) -> tuple[str, ...]:
        return _word_tokens(self, word)

    def stem(self, word: str) -> str:
        return _stem(self.stemmer, word)

    def parts(self, word: str) -> list[str]:
        """The parts of a compound, recursively (luchtkwaliteitssensor → lucht, kwaliteit, sensor); [] when
        `word` is not one."""
        if not self.compounds:
            return []
        known = _known_splits.get(word)
        return list(known if known is not None else _split(word))


@lru_cache(maxsize=200_000)
def _word_tokens(tokeniser: Tokeniser, word: str) -> tuple[str, ...]:
    if tokeniser.ngrams:
        padded = f"_{word}_"
        n = tokeniser.ngrams
        return tuple(padded[i:i + n] for i in range(max(1, len(padded) - n + 1)))
    tokens = [tokeniser.stem(word)]
    group = synonyms().get(word) if tokeniser.use_synonyms else None
    if group:
        tokens.append(SYNONYM_MARK + group)
    for part in tokeniser.parts(word):
        tokens.append(tokeniser.stem(part))
        group = synonyms().get(part) if tokeniser.use_synonyms else None
        if group:
            tokens.append(SYNONYM_MARK + group)
    return tuple(dict.fromkeys(tokens))


@cache
def _stemmer(algorithm: str):
    import Stemmer

    return Stemmer.Stemmer(algorithm)


@lru_cache(maxsize=200_000)
def _stem(algorithm: str, word: str) -> str:
    if not algorithm:
        return word
    stem = STEM_EXCEPTIONS.get(word) or _stemmer(algorithm).stemWord(word)
    # Snowball's Dutch stems sensoren to sensoor but sensor to sensor: a doubled vowel in the last syllable is
    # made single, so that both are one stem (monitoor → monitor, evalueer → evaluer)
    return _DOUBLED_VOWEL.sub(r"\1\2", stem)


@cache
def _dictionary() -> frozenset[str]:
    """The Dutch word list that ships with compound-split (OpenTaal), normalised, without names (capitalised
    entries) and abbreviations: to judge whether the parts of a compound are words."""
    import compound_split

    path = Path(compound_split.__file__).parent / "dicts" / "nl-NL.dic"
    entries = set()
    for line in path.read_text(encoding="utf-8", errors="ignore").splitlines():
        entry = line.split("/")[0].strip()
        if entry and entry[0].islower() and entry.isalpha():
            entries.add(normalise(entry))
    return frozenset(entries)


def _is_word(part: str) -> bool:
    """A dictionary word or its plural, of at least MIN_PART letters (or a word of the synonym list)."""
    if part in synonyms():
        return True
    if len(part) < MIN_PART:
        return False
    known = _dictionary()
    if part in known:
        return True
    for ending in ("en", "s", "n"):  # a plural: sensor|en, kosten = kost|en, boek|en = boe(k)k|en, ziekte|n, auto|s
        if part.endswith(ending) and len(part) - len(ending) >= MIN_PART:
            base = part[: -len(ending)]
            if ending == "n" and not base.endswith("e"):
                continue
            if base in known or (base[-1] == base[-2] and base[:-1] in known):
                return True
    return False


LINKING_S_AFTER = ("ing", "heid", "teit", "schap", "dom", "tie")  # a compound of such a first part takes a linking s
# Left sides that are particles (onderhoud, voortgezet, waardoor, samenwerking: a prefixed word, not two nouns) and
# right sides that are suffixes which happen to be words too (tijde|lijk, open|baar, stand|aard, eigenaar|schap)
PARTICLES = frozenset("achter binnen boven buiten daar door heen hier langs mede naast onder over overeen rond samen "
                      "tegen terug tussen voor voort waar".split())
SUFFIXES = frozenset("aard aars achtig aten baar ende eren heden heid isme lende lijk lijks matig pers schap schappen "
                     "sten".split())


# The splits of every word of the indexed documents, saved with the index and loaded with it: a query on words the
# lessons use never needs compound-split's model.
_known_splits: dict[str, tuple[str, ...]] = {}


@lru_cache(maxsize=100_000)
def _split(word: str) -> tuple[str, ...]:
    """The parts of a compound, recursively (grondwaterstandmetingen → grondwaterstand + metingen, …). Of all places
    to cut `word` in two, with or without a linking s (verkeer|s|veiligheid), where both sides are words or
    compounds, the best is the one with the most sides that are plain words (the first part as listed, the last
    also as a plural), then with a linking s where Dutch demands one (beveiliging|s|toets), then without, then with
    the longest last part (Dutch puts the head last). Words: the Dutch word list that ships with compound-split."""
    if len(word) < MIN_COMPOUND or not word.isalpha():
        return ()
    best, best_key = (), None
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        left, right = word[:cut], word[cut:]
        for linking in (False, True):
            if linking and not (left.endswith("s") and len(left) > MIN_PART):
                continue
            modifier = left[:-1] if linking else left
            if modifier in PARTICLES or right in SUFFIXES:
                continue
            left_word = len(modifier) >= MIN_PART and (modifier in _dictionary() or modifier in synonyms())
            right_word = _is_word(right)
            if not (left_word or _split(modifier)) or not (right_word or _split(right)):
                continue
            key = (left_word + right_word, linking and modifier.endswith(LINKING_S_AFTER), not linking, len(right))
            if best_key is None or key > best_key:
                best_key, best = key, (modifier, right)
    if not best:
        return ()
    modifier, right = best
    return tuple(dict.fromkeys([modifier, *_split(modifier), right, *_split(right)]))


# ------------------------------------------------------------------------------------------------ the index

TOKENISER = Tokeniser()
BM25_K1, BM25_B = 1.2, 0.75
PREFIX_MIN = 4  # a query stem this long also finds the indexed words that start with it
DENSE_SHARE = 32  # a token in more than 1/32 of the documents is summed as a dense column
POOL = 20  # `similar` re-ranks this many nearest lessons of the first pass, and as many of the feedback lesson
FEEDBACK = 0.3  # in `similar`, the weight of the nearest lesson's own neighbours (pseudo-relevance feedback; 0 = none)

# per kind of document: its key, province and experiment, the text a hit shows, and the text it is indexed by
LESSON_DOCUMENTS = """
    select lesson_key as key, province_code, experiment_key, lesson_text as text, lesson_text as document
    from marts.lessons
"""
EXPERIMENT_DOCUMENTS = """
    select experiment_key as key, province_code, experiment_key, title as text,
           concat_ws(' ', title, summary, societal_task, array_to_string(learning_questions, ' '),
                     array_to_string(keywords, ' ')) as document
    from marts.experiments
"""
KINDS = {"lessons": LESSON_DOCUMENTS, "experiments": EXPERIMENT_DOCUMENTS}
# the key each kind's hits read their texts by, indexed in the serving copy: 0.8 ms for ten hits at 240,000
# lessons, against 7 ms scanning the column
KEYS = {"lessons": "marts.lessons (lesson_key)", "experiments": "marts.experiments (experiment_key)"}
SPLITS = "splits.json"  # beside the matrices: word → its compound parts, for every long word of the documents
TOKENS = "{kind}-tokens.npz"  # beside the matrices: each document's distinct token ids and their counts (CSR: indptr, ids, counts)
META = "index.json"  # beside the matrices: the fingerprint of the tokeniser that made them
VOCABULARY = "vocab.index.json"  # bm25s's token → id, in its folder per kind


def experiment_document(con: duckdb.DuckDBPyConnection, experiment_key: str) -> str | None:
    """The text an experiment is indexed by (title, summary, task, learning questions, keywords)."""
    return experiment_documents(con, [experiment_key]).get(experiment_key)


def experiment_documents(con: duckdb.DuckDBPyConnection, experiment_keys: list[str]) -> dict[str, str]:
    """experiment_key → the text it is indexed by, for each of `experiment_keys` that is an experiment."""
    return dict(con.execute(f"select key, document from ({EXPERIMENT_DOCUMENTS}) where key in (select unnest(?))",
                            [list(experiment_keys)]).fetchall())


class NotIndexed(LookupError):
    """The serving copy has no search index (published before this version, or without lessons)."""


class UnknownLesson(LookupError):
    """No lesson has this key."""


def index_dir(database_file: Path) -> Path:
    """Where the BM25 matrices of a serving copy live: the folder beside it with the same name."""
    return database_file.with_suffix(".search")


class _TokenCounts:
    """Per document its distinct token ids (ascending) and how often each occurs, as one CSR: what an index is
    built from, and what an increment reuses of the documents that did not change."""

    def __init__(self, indptr: np.ndarray, ids: np.ndarray, counts: np.ndarray) -> None:
        self.indptr, self.ids, self.counts = indptr, ids, counts

    @classmethod
    def of(cls, documents: list[list[int]]) -> _TokenCounts:
        """From each document's token ids in order, with repeats (one sort over all of them)."""
        lengths = np.fromiter(map(len, documents), dtype=np.int64, count=len(documents))
        flat = np.fromiter((i for doc in documents for i in doc), dtype=np.int64, count=int(lengths.sum()))
        pairs, counts = np.unique(np.repeat(np.arange(len(documents), dtype=np.int64), lengths) << 32 | flat,
                                  return_counts=True)
        per_doc = np.bincount(pairs >> 32, minlength=len(documents))
        return cls(np.concatenate([[0], np.cumsum(per_doc)]), (pairs & 0xFFFFFFFF).astype(np.int32),
                   counts.astype(np.int32))

    def rows(self, docs: np.ndarray) -> _TokenCounts:
        """The documents `docs`, in that order."""
        starts, ends = self.indptr[docs], self.indptr[docs + 1]
        indptr = np.concatenate([[0], np.cumsum(ends - starts)])
        at = np.repeat(starts - indptr[:-1], ends - starts) + np.arange(indptr[-1])
        return _TokenCounts(indptr, self.ids[at], self.counts[at])

    def then(self, other: _TokenCounts) -> _TokenCounts:
        """These documents followed by `other`'s."""
        return _TokenCounts(np.concatenate([self.indptr, other.indptr[1:] + self.indptr[-1]]),
                            np.concatenate([self.ids, other.ids]), np.concatenate([self.counts, other.counts]))

    def save(self, path: Path) -> None:
        np.savez(path, indptr=self.indptr, ids=self.ids, counts=self.counts)

    @classmethod
    def load(cls, path: Path) -> _TokenCounts | None:
        """The counts saved at `path`; None when there are none (an index made before they were kept)."""
        try:
            with np.load(path) as saved:
                return cls(saved["indptr"], saved["ids"], saved["counts"])
        except (FileNotFoundError, KeyError):
            return None


def _bm25(counts: _TokenCounts, vocabulary: dict[str, int]):
    """bm25s's index (Lucene's BM25, as bm25s computes it) over `counts`, computed over all documents at once."""
    import bm25s

    class FromCounts(bm25s.BM25):  # bm25s's documented way to build its matrix differently
        def build_index_from_ids(self, unique_token_ids, corpus_token_ids: _TokenCounts, **_) -> dict:
            c = corpus_token_ids
            self.nonoccurrence_array = None  # Lucene's BM25 has none (only BM25L and BM25+)
            n_docs, n_vocab = len(c.indptr) - 1, len(unique_token_ids)
            doc = np.repeat(np.arange(n_docs, dtype=self.int_dtype), np.diff(c.indptr))
            length = np.bincount(doc, weights=c.counts, minlength=n_docs)
            frequency = np.bincount(c.ids, minlength=n_vocab)
            idf = np.log(1 + (n_docs - frequency + 0.5) / (frequency + 0.5)).astype(self.dtype)
            norm = (self.k1 * ((1 - self.b) + self.b * length / length.mean())).astype(self.dtype)  # per document
            tf = c.counts.astype(self.dtype)
            scores = tf / (norm[doc] + tf)  # in bm25s's dtype throughout: a third of the time of float64 temporaries
            scores *= idf[c.ids]
            by_token = np.argsort(c.ids, kind="stable")  # column by column, documents ascending in each
            return {"data": scores[by_token], "indices": doc[by_token],
                    "indptr": np.concatenate([[0], np.cumsum(frequency)]), "num_docs": n_docs}

    retriever = FromCounts(k1=BM25_K1, b=BM25_B)
    retriever.index(bm25s.tokenization.Tokenized(ids=counts, vocab=vocabulary), show_progress=False)
    return retriever


def _fingerprint() -> str:
    """What an index's tokens depend on besides the documents: this module's code and the synonym list. An
    increment reuses the previous index's tokens only when it is the same."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(SYNONYMS_CSV.read_bytes())
    return digest.hexdigest()


def build_index(con: duckdb.DuckDBPyConnection, database_file: Path, tokeniser: Tokeniser = TOKENISER,
                previous: Path | None = None, provinces: list[str] | None = None) -> None:
    """Index the lessons and experiments of the serving copy `con` (open for writing at `database_file`): the
    documents as tables `search.lessons` and `search.experiments` (doc_id = position in the matrix), the BM25
    matrices in `index_dir(database_file)`.

    An increment (`con` a copy of the serving copy `previous`, with only the rows of `provinces` replaced)
    tokenises only those provinces' documents and reuses the tokens of the others from `previous`'s index,
    when that was made by the same tokeniser; the BM25 weights are then computed anew over all documents."""
    folder = index_dir(database_file)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    earlier = index_dir(previous) if previous is not None and provinces is not None else None
    if earlier is not None and not (tokeniser == TOKENISER and _read_json(earlier / META).get("tokeniser") == _fingerprint()):
        earlier = None
    splits = _read_json(earlier / SPLITS) if earlier is not None and tokeniser.compounds else {}
    _known_splits.update({word: tuple(parts) for word, parts in splits.items()})  # the same code split them so
    long_words: set[str] = set()
    con.execute(f"create schema if not exists {SCHEMA}")
    for kind, key in KEYS.items():  # an increment's copy drops them before it replaces rows (ida/warehouse/serving.py)
        con.execute(f"create index if not exists {kind}_key on {key}")
    for kind, sql in KINDS.items():
        reused = _TokenCounts.load(earlier / TOKENS.format(kind=kind)) if earlier is not None else None
        vocabulary: dict[str, int] = _read_json(earlier / kind / VOCABULARY) if reused is not None else {}
        vocabulary.pop("", None)  # bm25s's own empty token, added again by the index
        if reused is not None and con.execute(f"select count(*) from duckdb_tables() where schema_name = '{SCHEMA}' "
                                              f"and table_name = '{kind}'").fetchone()[0]:
            rows = con.execute(f"""select s.doc_id, case when s.doc_id is null or d.province_code in (select unnest(?::varchar[]))
                                          then coalesce(d.document, '') end
                                   from ({sql}) d left join {SCHEMA}.{kind} s on s.key = d.key order by d.key""",
                               [provinces]).fetchall()
        else:
            reused = None
            rows = con.execute(f"select null, coalesce(document, '') from ({sql}) order by key").fetchall()
        word_ids: dict[str, list[int]] = {}  # each distinct word's token ids, found once
        ids = []
        for _, document in rows:
            if document is None:
                continue
            document_ids = []
            for word in words(document):
                found = word_ids.get(word)
                if found is None:
                    found = word_ids[word] = [vocabulary.setdefault(t, len(vocabulary)) for t in tokeniser.word_tokens(word)]
                document_ids.extend(found)
            ids.append(document_ids)
        long_words.update(w for w in word_ids if len(w) >= MIN_COMPOUND)
        counts = _TokenCounts.of(ids)
        if reused is not None:  # the documents in key order: the reused ones by their old doc_id, the others as new
            old = len(reused.indptr) - 1
            source = np.array([old_id if document is None else -1 for old_id, document in rows], dtype=np.int64)
            source[source < 0] = old + np.arange(len(ids))
            counts = reused.then(counts).rows(source)
        # without the texts, which a hit reads from the marts by its key: rewritten on every build, a table with
        # them took three times as long (0.5 s at 240,000 lessons)
        con.execute(f"""create or replace table {SCHEMA}.{kind} as
                        select (row_number() over (order by key) - 1)::integer as doc_id, key::varchar as key,
                               province_code::varchar as province_code, experiment_key::varchar as experiment_key
                        from ({sql}) order by 1""")
        if not vocabulary or not rows:  # bm25s needs a token and a document; an index of nothing finds nothing
            vocabulary = {"_": 0}
            counts = _TokenCounts.of([[0]] * max(len(rows), 1))
        _bm25(counts, vocabulary).save(str(folder / kind), show_progress=False)
        counts.save(folder / TOKENS.format(kind=kind))
    if tokeniser.compounds:
        splits.update({w: tokeniser.parts(w) for w in long_words})
        (folder / SPLITS).write_text(json.dumps(dict(sorted(splits.items())), ensure_ascii=False))
    (folder / META).write_text(json.dumps({"tokeniser": _fingerprint() if tokeniser == TOKENISER else ""}))


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def remove_index(database_file: Path) -> None:
    shutil.rmtree(index_dir(database_file), ignore_errors=True)


# ------------------------------------------------------------------------------------------------ queries


@dataclass(frozen=True)
class Hit:
    key: str  # lesson_key or experiment_key
    province_code: str
    experiment_key: str
    score: float
    text: str

    def as_lesson(self) -> dict:
        return {"lesson_key": self.key, "province_code": self.province_code, "experiment_key": self.experiment_key,
                "score": round(self.score, 4), "text": self.text}


class _Documents:
    """One kind of document: its BM25 matrix (bm25s's, one column of document weights per token) and, by doc_id,
    its key and province."""

    def __init__(self, con: duckdb.DuckDBPyConnection, folder: Path, kind: str) -> None:
        import bm25s

        self.kind = kind
        self.bm25 = bm25s.BM25.load(str(folder / kind), mmap=False, show_progress=False) if (folder / kind).is_dir() else None
        rows = con.execute(f"select key, province_code from {SCHEMA}.{kind} order by doc_id").fetchall()
        self.keys = np.array([key for key, _ in rows], dtype=object)
        self.province_codes = sorted({province or "" for _, province in rows})
        number = {code: i for i, code in enumerate(self.province_codes)}
        self.provinces = np.array([number[province or ""] for _, province in rows], dtype=np.int16)
        self.doc_of = {key: i for i, key in enumerate(self.keys)}
        self.vocabulary = sorted(self.bm25.vocab_dict) if self.bm25 is not None else []
        self._columns: dict[int, np.ndarray] = {}
        with np.load(folder / TOKENS.format(kind=kind)) as saved:
            self._token_ptr, self._token_ids = saved["indptr"], saved["ids"]
        self._best = np.full(len(self.keys), np.nan, dtype=np.float32)  # see best()

    def with_prefixes(self, tokens: list[str]) -> list[str]:
        """`tokens` and, for each stem of PREFIX_MIN letters or more, every indexed token that starts with it (a
        user who types "fiets" also means fietsers and fietsroutes)."""
        out = dict.fromkeys(tokens)
        for token in tokens:
            if len(token) >= PREFIX_MIN and not token.startswith(SYNONYM_MARK):
                at = bisect.bisect_left(self.vocabulary, token)
                while at < len(self.vocabulary) and self.vocabulary[at].startswith(token):
                    out.setdefault(self.vocabulary[at])
                    at += 1
        return list(out)

    def province_mask(self, provinces: tuple[str, ...] = (), exclude: str | None = None) -> np.ndarray | None:
        """Which documents are of `provinces` (all when empty) and not of `exclude`; None = all."""
        if not provinces and not exclude:
            return None
        number = {code: i for i, code in enumerate(self.province_codes)}
        keep = np.isin(self.provinces, [number[p] for p in provinces if p in number]) if provinces else \
            np.ones(len(self.keys), dtype=bool)
        if exclude in number:
            keep &= self.provinces != number[exclude]
        return keep

    def scores(self, tokens: list[str]) -> np.ndarray:
        """The BM25 score of every document for `tokens` (each counted once)."""
        if self.bm25 is None:
            return np.zeros(len(self.keys))
        return self.scores_of(self.bm25.get_tokens_ids(list(dict.fromkeys(tokens))))

    def scores_of(self, ids) -> np.ndarray:
        """The BM25 score of every document for the distinct token ids `ids`: the sum of their columns — those of
        tokens in more than 1/DENSE_SHARE of the documents as dense vectors, the others with one bincount
        (bm25s's own np.add.at is ten times slower on long posting lists)."""
        if self.bm25 is None or not len(self.keys) or not len(ids):
            return np.zeros(len(self.keys))
        matrix = self.bm25.scores
        data, indices, indptr = matrix["data"], matrix["indices"], matrix["indptr"]
        n = len(self.keys)
        scores = np.zeros(n, dtype=np.float32)  # half the memory traffic of float64 on 240,000 documents
        sparse = []
        for i in ids:
            if indptr[i + 1] - indptr[i] > n // DENSE_SHARE:
                scores += self._dense(i)
            else:
                sparse.append(slice(indptr[i], indptr[i + 1]))
        if sparse:
            scores += np.bincount(np.concatenate([indices[s] for s in sparse]),
                                  weights=np.concatenate([data[s] for s in sparse]), minlength=n)
        return scores

    def token_ids(self, doc: int) -> np.ndarray:
        """The distinct token ids of document `doc`, ascending."""
        return self._token_ids[self._token_ptr[doc]:self._token_ptr[doc + 1]]

    def weights(self, doc: int, ids: np.ndarray) -> np.ndarray:
        """The BM25 weight of each token of `ids` in document `doc` (0 where it is not in it)."""
        matrix = self.bm25.scores
        out = np.zeros(len(ids), dtype=np.float32)
        for at, token in enumerate(ids):
            start, end = matrix["indptr"][token], matrix["indptr"][token + 1]
            found = start + np.searchsorted(matrix["indices"][start:end], doc)
            if found < end and matrix["indices"][found] == doc:
                out[at] = matrix["data"][found]
        return out

    def row(self, doc: int) -> np.ndarray:
        """The score of every document for document `doc`'s tokens as the query; its own score 0."""
        scores = self.scores_of(self.token_ids(doc))
        scores[doc] = 0
        if np.isnan(self._best[doc]):
            self._best[doc] = scores.max()
        return scores

    def best(self, docs: np.ndarray) -> np.ndarray:
        """For each of `docs`, the highest score another document gets with its tokens as the query: what
        `similar` divides by, so that every lesson's nearest neighbour scores 1. Computed when first asked for and
        kept (the index is loaded once per serving copy)."""
        for doc in docs[np.isnan(self._best[docs])]:
            self.row(int(doc))
        return self._best[docs]

    def reverse(self, doc: int, others: np.ndarray) -> np.ndarray:
        """The score of document `doc` for each of `others` as the query (each one's tokens that `doc` has)."""
        mine = self.token_ids(doc)
        weight = self.weights(doc, mine)
        out = np.zeros(len(others), dtype=np.float32)
        for at, other in enumerate(others):
            out[at] = weight[np.isin(mine, self.token_ids(int(other)), assume_unique=True)].sum()
        return out

    def _dense(self, token: int) -> np.ndarray:
        """The column of a token in many documents, as one array (made once): adding it is a plain vector sum."""
        column = self._columns.get(token)
        if column is None:
            matrix = self.bm25.scores
            span = slice(matrix["indptr"][token], matrix["indptr"][token + 1])
            column = np.zeros(len(self.keys), dtype=np.float32)
            column[matrix["indices"][span]] = matrix["data"][span]
            self._columns[token] = column
        return column

    def top(self, scores: np.ndarray, top: int, keep: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The `top` best doc_ids with a positive score (within `keep`), best first; ties by key."""
        if keep is not None:
            scores = np.where(keep, scores, 0)
        if top <= 0 or not len(scores):
            return []
        if len(scores) > top:  # the score of the top-th best, found in linear time; ties with it are all kept
            floor = scores[np.argpartition(scores, -top)[-top:]].min()
            candidates = np.flatnonzero(scores >= max(floor, np.nextafter(0, 1)))
        else:
            candidates = np.flatnonzero(scores > 0)
        order = sorted(candidates, key=lambda i: (-float(scores[i]), self.keys[i]))
        return [(int(i), float(scores[i])) for i in order[:top]]


class Index:
    """The search index of one serving copy, loaded once (`Index.of(con)`); every query reads memory only,
    except the texts of the hits it returns."""

    def __init__(self, con: duckdb.DuckDBPyConnection, database_file: Path, tokeniser: Tokeniser = TOKENISER) -> None:
        tables = {r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = ? and database_name = current_database()",
            [SCHEMA]).fetchall()}
        folder = index_dir(database_file)
        if not set(KINDS) <= tables or not all((folder / TOKENS.format(kind=kind)).is_file() for kind in KINDS):
            raise NotIndexed(database_file)
        self.file = database_file
        self.tokeniser = tokeniser
        self.feedback = FEEDBACK
        if (folder / SPLITS).is_file():
            _known_splits.update({w: tuple(parts) for w, parts in json.loads((folder / SPLITS).read_text()).items()})
        self.lessons = _Documents(con, folder, "lessons")
        self.experiments = _Documents(con, folder, "experiments")

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection) -> Index:
        """The index of the serving copy `con` is connected to (cached per file: a new copy has a new name)."""
        path = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()[0]
        return _load(Path(path))(con)

    def _texts(self, con: duckdb.DuckDBPyConnection, docs: _Documents, found: list[tuple[int, float]]) -> list[Hit]:
        if not found:
            return []
        rows = con.execute(f"select key, province_code, experiment_key, text from ({KINDS[docs.kind]}) "
                           f"where key in (select unnest(?))", [[str(docs.keys[i]) for i, _ in found]]).fetchall()
        by_key = {r[0]: r for r in rows}
        return [Hit(*by_key[docs.keys[i]][:3], score, by_key[docs.keys[i]][3]) for i, score in found]

    def lesson_scores(self, query: str) -> np.ndarray:
        """The BM25 score of every lesson (by doc_id) for `query` (its words, their compound parts and synonyms, and
        the indexed words that start with one of them); 0 = not found."""
        return self.lessons.scores(self.lessons.with_prefixes(self.tokeniser.tokens(query)))

    def search(self, con: duckdb.DuckDBPyConnection, query: str, top: int = 10, provinces: tuple[str, ...] = ()) -> list[Hit]:
        """The lessons that answer `query` best, best first."""
        scores = self.lesson_scores(query)
        return self._texts(con, self.lessons, self.lessons.top(scores, top, self.lessons.province_mask(provinces)))

    def lesson_text(self, con: duckdb.DuckDBPyConnection, lesson_key: str) -> tuple[str, str]:
        """(province_code, text) of a lesson; UnknownLesson when there is none."""
        doc = self.lessons.doc_of.get(lesson_key)
        if doc is None:
            raise UnknownLesson(lesson_key)
        return con.execute(f"select province_code, text from ({LESSON_DOCUMENTS}) where key = ?", [lesson_key]).fetchone()

    def similar(self, con: duckdb.DuckDBPyConnection, lesson_key: str, top: int = 10, all_provinces: bool = False) -> list[Hit]:
        """The lessons most like `lesson_key`, best first; by default only those of other provinces. UnknownLesson
        when the key is not a lesson.

        Two lessons are alike when each is near the top of the other's list: the score of B for A's words as the
        query, divided by the score of A's nearest lesson (`_relative`), plus the same the other way round
        (`_reverse`) — a lesson that shares a few common words with many others is nobody's nearest. The POOL best
        of the first list are ranked so. Then pseudo-relevance feedback: the nearest lesson's own mutual neighbours
        (its POOL best added to the pool) count for FEEDBACK as much — a lesson that says the same in other words
        often shares words with that neighbour rather than with this one."""
        docs = self.lessons
        doc = docs.doc_of.get(lesson_key)
        if doc is None:
            raise UnknownLesson(lesson_key)
        province = docs.province_codes[docs.provinces[doc]]
        keep = docs.province_mask(exclude=None if all_provinces else province)
        first = self._relative(doc, keep)
        pool = docs.top(first, POOL, None)
        if not pool:
            return []
        pool = np.array([i for i, _ in pool])
        mutual = first[pool] + self._reverse(doc, pool)
        if self.feedback:
            nearest = int(pool[np.argmax(mutual)])
            second = self._relative(nearest, keep)
            second[doc] = 0
            pool = np.union1d(pool, [i for i, _ in docs.top(second, POOL, None)])
            mutual = first[pool] + self._reverse(doc, pool)
            more = second[pool] + self._reverse(nearest, pool)
            more[pool == nearest] = 0
            if more.max() > 0:
                mutual = mutual + self.feedback * mutual.max() * more / more.max()
        scores = np.zeros(len(docs.keys), dtype=np.float32)
        scores[pool] = mutual
        return self._texts(con, docs, docs.top(scores, top, keep))

    def _relative(self, doc: int, keep: np.ndarray | None) -> np.ndarray:
        """The score of every lesson for lesson `doc`'s words, divided by that of its nearest lesson (of any
        province); 0 outside `keep`."""
        scores = self.lessons.row(doc)
        best = self.lessons.best(np.array([doc]))[0]
        if best > 0:
            scores /= best
        return scores if keep is None else np.where(keep, scores, 0)

    def _reverse(self, doc: int, others: np.ndarray) -> np.ndarray:
        """The score of lesson `doc` for the words of each of `others`, divided by that of the other's nearest."""
        best = self.lessons.best(others)
        return np.divide(self.lessons.reverse(doc, others), best, out=np.zeros(len(others), np.float32), where=best > 0)

    def related(self, con: duckdb.DuckDBPyConnection, text: str, province: str | None, top: int = 5,
                exclude: tuple[str, ...] = ()) -> tuple[list[Hit], list[Hit]]:
        """The lessons and the experiments of other provinces than `province` nearest to `text`, best first
        (`exclude`: keys never to return, e.g. the record itself)."""
        tokens = self.tokeniser.tokens(text)
        found = []
        for docs in (self.lessons, self.experiments):
            scores = docs.scores(tokens)
            for key in exclude:
                if key in docs.doc_of:
                    scores[docs.doc_of[key]] = 0
            found.append(self._texts(con, docs, docs.top(scores, top, docs.province_mask(exclude=province))))
        return found[0], found[1]

    def shared_words(self, text: str, other: str, limit: int = 6) -> list[str]:
        """The words of `other` that match a word of `text` (same stem, compound part or synonym), as `other`
        writes them, in its order, without repeats."""
        mine = set(self.tokeniser.tokens(text))
        shared: dict[str, None] = {}
        for word in words(other):
            if mine.intersection(self.tokeniser.word_tokens(word)):
                shared.setdefault(word)
        return list(shared)[:limit]


@lru_cache(maxsize=2)
def _load(database_file: Path):
    loaded: dict[str, Index] = {}

    def index(con: duckdb.DuckDBPyConnection) -> Index:
        if "index" not in loaded:
            loaded["index"] = Index(con, database_file)
        return loaded["index"]

    return index
