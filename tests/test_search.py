"""The search engine (ida/search.py): its Dutch tokeniser, and its recall measured through the real thing — `ida
pipeline` on the Dutch test sets (groups of three provinces stating one lesson in other words, among near misses and
other lessons: tests/data/dutch_lessons, tuned on; dutch_lessons_check, dutch_lessons_holdout and dutch_lessons_holdout2,
written after tuning), then `ida search` and `ida similar --json`: as a user runs them (a subprocess) for the contract, and
in-process through the same command for the questions of the recall."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ida import search
from ida.settings import REPO_ROOT

TEST_SET = REPO_ROOT / "tests" / "data" / "dutch_lessons"
CHECK_SET = REPO_ROOT / "tests" / "data" / "dutch_lessons_check"
HOLDOUT_SET = REPO_ROOT / "tests" / "data" / "dutch_lessons_holdout"
HOLDOUT2_SET = REPO_ROOT / "tests" / "data" / "dutch_lessons_holdout2"  # by another hand, before the candidates of docs/zoeken.md
TOKENS = search.Tokeniser()


def shared(a: str, b: str) -> set[str]:
    return set(TOKENS.tokens(a)) & set(TOKENS.tokens(b))


# ------------------------------------------------------------------------------------------------ the tokeniser


def test_diacritics_and_case_do_not_matter() -> None:
    assert TOKENS.tokens("Geëvalueerd in Fryslân") == TOKENS.tokens("geevalueerd in fryslan")
    assert TOKENS.tokens("CAFÉ") == TOKENS.tokens("cafe")


def test_stop_words_and_single_characters_are_not_indexed() -> None:
    assert TOKENS.tokens("de het een en van of a") == []


@pytest.mark.parametrize("one, other", [
    ("sensoren", "sensor"), ("vergunningen", "vergunning"), ("fietsers", "fietser"), ("boeren", "boer"),
    ("monitoring", "monitoren"), ("gemeenten", "gemeente"),
])
def test_word_forms_share_a_stem(one: str, other: str) -> None:
    assert shared(one, other)


def test_gegevens_is_not_the_verb_geven() -> None:
    assert not shared("gegevens", "geven")


@pytest.mark.parametrize("compound, words", [
    ("luchtkwaliteitssensor", "sensor voor de kwaliteit van de lucht"),
    ("verkeersveiligheid", "veiligheid in het verkeer"),
    ("omgevingsvergunning", "een vergunning voor de omgeving"),
    ("grondwaterstandmetingen", "metingen van de grondwaterstand"),
])
def test_a_compound_meets_its_parts(compound: str, words: str) -> None:
    expected = set(TOKENS.tokens(words))
    assert expected <= set(TOKENS.tokens(compound)), (compound, TOKENS.tokens(compound), expected)


@pytest.mark.parametrize("word", ["sensoren", "kwaliteit", "onderhoud", "waardoor", "tijdelijk", "openbaar",
                                  "standaard", "eigenaarschap"])
def test_a_simple_or_derived_word_is_not_split_into_nonsense(word: str) -> None:
    assert search.Tokeniser().parts(word) == []


@pytest.mark.parametrize("one, other", [
    ("data", "gegevens"), ("inkoop", "aanbesteding"), ("budget", "financiering"), ("middelen", "budget"),
    ("ijking", "kalibratie"), ("agrariërs", "boeren"),
])
def test_synonyms_of_the_vocabulary_share_a_token(one: str, other: str) -> None:
    assert search.SYNONYM_MARK + search.synonyms()[search.words(other)[0]] in shared(one, other)


def test_every_synonym_group_is_one_row_and_a_word_is_in_one_group() -> None:
    with search.SYNONYMS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes))
    seen: dict[str, str] = {}
    for row in rows:
        for word in row["woorden"].split("|"):
            assert word.strip(), row
            assert seen.setdefault(word, row["code"]) == row["code"], f"{word} staat in {seen[word]} en {row['code']}"


def test_shared_words_name_the_words_of_the_other_text() -> None:
    index = search.Index.__new__(search.Index)
    index.tokeniser = TOKENS
    words = index.shared_words("Gezamenlijke inkoop van sensoren", "De aanbesteding van de luchtsensoren liep goed")
    assert words == ["aanbesteding", "luchtsensoren"]



def test_the_index_weights_are_those_bm25s_computes_itself() -> None:
    """The index computes bm25s's matrix over all documents at once (search._bm25): the weights must be bm25s's own."""
    import bm25s
    import numpy as np

    texts = ["De aanbesteding van sensoren liep vertraging op", "Sensoren sensoren en nog eens sensoren",
             "Wie de data beheert, moet vooraf vastliggen", "", "Data delen vraagt afspraken over data"]
    vocabulary: dict[str, int] = {}
    ids = [[vocabulary.setdefault(t, len(vocabulary)) for t in TOKENS.tokens(text)] for text in texts]
    ours = search._bm25(search._TokenCounts.of(ids), dict(vocabulary))
    theirs = bm25s.BM25(k1=search.BM25_K1, b=search.BM25_B)
    theirs.index(bm25s.tokenization.Tokenized(ids=ids, vocab=dict(vocabulary)), show_progress=False)
    for key in ("indptr", "indices"):
        assert np.array_equal(ours.scores[key], theirs.scores[key]), key
    assert np.allclose(ours.scores["data"], theirs.scores["data"], rtol=1e-6)
    assert ours.scores["num_docs"] == theirs.scores["num_docs"] == len(texts)

# ------------------------------------------------------------------------------------------------ through the real thing


def groups(test_set: Path) -> list[tuple[str, list[str]]]:
    with (test_set / "groups.csv").open(encoding="utf-8") as handle:
        return [(row["query"], row["lesson_keys"].split("|")) for row in csv.DictReader(handle)]


def run_on(test_set: Path, var_dir: Path) -> dict[str, str]:
    env = {**os.environ, "IDA_VAR_DIR": str(var_dir), "IDA_LANDING": str(test_set),
           "IDA_WAREHOUSE": str(var_dir / "warehouse.duckdb")}
    for name in ("IDA_SERVING_DIR", "IDA_EXPORT_DIR", "IDA_SUBMISSIONS", "CKAN_URL", "CKAN_API_TOKEN"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "cli", "pipeline"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return env


@pytest.fixture(scope="module")
def dutch_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """`ida pipeline` on the Dutch test set, in a platform folder of its own; the environment to reach it."""
    return run_on(TEST_SET, tmp_path_factory.mktemp("dutch"))


def ida(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=env)


def ida_json(env: dict[str, str], *args: str) -> dict:
    done = ida(env, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def ida_in_process(env: dict[str, str], *args: str) -> dict:
    """The real `ida` command (cli.main.app) with `--json`, run in this process with the run's environment: the
    same code and output as the subprocess, without paying the start-up of a Python process for every question."""
    from typer.testing import CliRunner

    from cli.main import app

    done = CliRunner().invoke(app, [*args, "--json"], env=env)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def recall(env: dict[str, str], test_set: Path) -> tuple[float, float]:
    """(similar: share of group lessons with both other members in the top 5 of `ida similar`,
        search: share of the group members in the top 10 of `ida search` on the group's query)."""
    sets = groups(test_set)
    both = lessons = 0
    for _, keys in sets:
        for key in keys:
            top = [hit["lesson_key"] for hit in ida_in_process(env, "similar", key, "--top", "5")["similar"]]
            both += all(other in top for other in keys if other != key)
            lessons += 1
    found = 0
    for query, keys in sets:
        top = [hit["lesson_key"] for hit in ida_in_process(env, "search", query, "--top", "10")["hits"]]
        found += sum(key in top for key in keys)
    return both / lessons, found / sum(len(keys) for _, keys in sets)


def test_search_and_similar_answer_in_the_promised_shape(dutch_run) -> None:
    answer = ida_json(dutch_run, "search", "gezamenlijk inkopen", "--top", "3")
    assert answer["query"] == "gezamenlijk inkopen"
    assert 0 < len(answer["hits"]) <= 3
    for hit in answer["hits"]:
        assert set(hit) == {"lesson_key", "province_code", "experiment_key", "score", "text"}
    scores = [hit["score"] for hit in answer["hits"]]
    assert scores == sorted(scores, reverse=True)

    only = ida_json(dutch_run, "search", "gezamenlijk inkopen", "--province", "Utrecht")
    assert only["hits"] and {hit["province_code"] for hit in only["hits"]} == {"PV26"}

    key = answer["hits"][0]["lesson_key"]
    similar = ida_json(dutch_run, "similar", key)
    assert similar["lesson"]["lesson_key"] == key
    assert similar["similar"] and all(hit["province_code"] != similar["lesson"]["province_code"] for hit in similar["similar"])
    everywhere = ida_json(dutch_run, "similar", key, "--all-provinces", "--top", "50")
    assert key not in {hit["lesson_key"] for hit in everywhere["similar"]}


def test_an_unknown_lesson_is_a_dutch_error(dutch_run) -> None:
    done = ida(dutch_run, "similar", "PV26:BESTAAT-NIET", "--json")
    assert done.returncode == 1
    assert "Onbekende les 'PV26:BESTAAT-NIET'" in done.stderr
    assert done.stdout == ""


def test_recall_on_the_dutch_test_set(dutch_run) -> None:
    similar_both_at_5, search_at_10 = recall(dutch_run, TEST_SET)
    print(f"\nrecall on {TEST_SET.name}: similar both@5 {similar_both_at_5:.2f}, search r@10 {search_at_10:.2f}")
    assert search_at_10 >= 0.90 and similar_both_at_5 >= 0.90  # the targets


# The sets written after tuning: floors just under what the engine reaches (docs/zoeken.md, bench/search_recall), so
# that a change that loses recall fails. On these sets `similar` stays below the 0.90 (docs/zoeken.md).
AFTER_TUNING = {  # set: (search r@10, similar both@5) at least
    CHECK_SET: (0.90, 0.85),  # measured 0.96 and 0.88
    HOLDOUT_SET: (0.75, 0.25),  # measured 0.80 and 0.27
    HOLDOUT2_SET: (0.70, 0.33),  # measured 0.77 and 0.37
}


@pytest.mark.parametrize("test_set", list(AFTER_TUNING), ids=lambda path: path.name)
def test_recall_on_the_sets_written_after_tuning(test_set: Path, tmp_path: Path) -> None:
    env = run_on(test_set, tmp_path)
    similar_both_at_5, search_at_10 = recall(env, test_set)
    print(f"\nrecall on {test_set.name}: similar both@5 {similar_both_at_5:.2f}, search r@10 {search_at_10:.2f}")
    least_search, least_similar = AFTER_TUNING[test_set]
    assert search_at_10 >= least_search and similar_both_at_5 >= least_similar
