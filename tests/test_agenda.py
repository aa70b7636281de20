"""The learning agenda (ida.agenda) and the answered learning questions (ida.learning_questions).

The rules run on a small made-up platform with a fixed day: a DuckDB file with the mart tables the rules read, their
columns copied from the sample run's serving copy, made-up rows in them and a real search index built over them.
Then the samples: every province has an agenda or says why not, `ida agenda --json` as a real process, and the page
Leeragenda and the learning questions of an experiment in a real browser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from ida import agenda as engine
from ida import learning_questions as lq
from ida import search
from ida.settings import REPO_ROOT, AgendaSettings, Settings, SettingsError
from ida.standard.vocabularies import provinces
from ida.warehouse import serving
from streamlit_browser import SCREENSHOTS, page_ready

TODAY = date(2026, 6, 30)
LIMITS = AgendaSettings()
TABLES = ("marts.experiments", "marts.lessons", "marts.results", "marts.open_dilemmas", "vocab.provincies")


@dataclass
class Platform:
    """A made-up serving copy: add rows, then `index()` and ask."""

    con: duckdb.DuckDBPyConnection
    file: Path

    def _insert(self, table: str, row: dict) -> None:
        columns = ", ".join(f"? as {name}" for name in row)
        self.con.execute(f"insert into {table} by name select {columns}", list(row.values()))

    def experiment(self, key: str, **fields) -> None:
        province, experiment_id = key.split(":")
        self._insert("marts.experiments", {
            "experiment_key": key, "province_code": province, "experiment_id": experiment_id,
            "title": f"Experiment {experiment_id}", "core_task": "ruimte", "is_stopped": False,
            "start_date": date(2024, 1, 1), "end_date": None, "learning_questions": [], "intended_results": [],
            **fields})

    def lesson(self, key: str, experiment_key: str, lesson_date: date, text: str = "Een les.", **fields) -> None:
        self._insert("marts.lessons", {
            "lesson_key": key, "province_code": key.split(":")[0], "lesson_id": key.split(":")[1],
            "experiment_key": experiment_key, "lesson_text": text, "lesson_date": lesson_date, "is_dilemma": False,
            **fields})

    def result(self, experiment_key: str, measured_on: date, target: float | None = None) -> None:
        self._insert("marts.results", {
            "result_key": f"{experiment_key}:{measured_on}", "province_code": experiment_key.split(":")[0],
            "experiment_key": experiment_key, "indicator": "Bereik", "value": 1.0, "target": target,
            "measured_on": measured_on})

    def dilemma(self, key: str, experiment_key: str, level_since: date, text: str, level: str = "Gedeputeerde Staten (GS)") -> None:
        self.lesson(key, experiment_key, level_since, text, is_dilemma=True, is_open_dilemma=True, status="open")
        self._insert("marts.open_dilemmas", {
            "lesson_key": key, "province_code": key.split(":")[0], "experiment_key": experiment_key,
            "experiment_title": f"Experiment {experiment_key.split(':')[1]}", "lesson_text": text,
            "escalation_level": "gs", "escalation_level_label": level, "raised_on": level_since,
            "level_since": level_since})

    def index(self) -> Platform:
        search.build_index(self.con, self.file)
        return self

    def items(self, limits: AgendaSettings = LIMITS, kind: str | None = None,
              province: str | None = None) -> list[engine.AgendaItem]:
        found = engine.agenda(self.con, limits, today=TODAY, province=province)
        return [i for i in found if kind is None or i.kind == kind]


@pytest.fixture
def platform(sample_run, var_dir: Path, tmp_path: Path) -> Iterator[Platform]:
    """Empty mart tables with the columns of the real ones (and the real province list)."""
    file = tmp_path / "made-up.duckdb"
    con = duckdb.connect(str(file))
    con.execute(f"attach '{serving.current(var_dir / 'serving')}' as real (read_only)")
    for table in TABLES:
        con.execute(f"create schema if not exists {table.split('.')[0]}")
        con.execute(f"create table {table} as select * from real.{table} limit 0")
    con.execute("insert into vocab.provincies select * from real.vocab.provincies")
    con.execute("detach real")
    yield Platform(con, file)
    con.close()


def keys(items: list[engine.AgendaItem]) -> list[str]:
    return [i.experiment_key for i in items]


# ------------------------------------------------------------------------------------------ settings


def test_the_thresholds_come_from_the_environment() -> None:
    limits = Settings.from_env({"IDA_AGENDA_STALE_LESSON_MONTHS": "3", "IDA_AGENDA_DILEMMA_OPEN_DAYS": "30",
                                "IDA_AGENDA_RESULT_MONTHS": "24", "IDA_SUGGEST_MIN_SCORE": "2.5"}).agenda
    assert limits == AgendaSettings(stale_lesson_months=3, dilemma_open_days=30, result_months=24, min_score=2.5)
    assert Settings.from_env({}).agenda == AgendaSettings(6, 90, 12, 8.0)
    with pytest.raises(SettingsError, match="IDA_AGENDA_DILEMMA_OPEN_DAYS"):
        Settings.from_env({"IDA_AGENDA_DILEMMA_OPEN_DAYS": "negentig"})


def test_months_before_keeps_the_day_or_takes_the_last_of_a_shorter_month() -> None:
    assert engine.months_before(date(2026, 6, 30), 6) == date(2025, 12, 30)
    assert engine.months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert engine.months_before(date(2024, 8, 31), 6) == date(2024, 2, 29)
    assert engine.months_before(date(2026, 3, 15), 12) == date(2025, 3, 15)


# ------------------------------------------------------------------------------------------ the rules


def test_stale_lessons_from_six_months_to_the_day(platform: Platform) -> None:
    six_months = engine.months_before(TODAY, 6)  # 30-12-2025
    platform.experiment("PV20:OUD")
    platform.lesson("PV20:OUD-L1", "PV20:OUD", date(2024, 5, 1))
    platform.lesson("PV20:OUD-L2", "PV20:OUD", six_months)  # the latest lesson counts: exactly six months ago
    platform.experiment("PV20:VERS")
    platform.lesson("PV20:VERS-L1", "PV20:VERS", six_months + timedelta(days=1))
    platform.experiment("PV20:ZONDER", start_date=date(2025, 1, 1))  # no lesson since its start
    platform.experiment("PV20:NIEUW", start_date=date(2026, 5, 1))  # no lesson, but only just started
    platform.experiment("PV20:GESTOPT", is_stopped=True)
    platform.experiment("PV20:AF", end_date=TODAY - timedelta(days=1))
    platform.experiment("PV20:LOOPT", end_date=TODAY)  # ends today: still running
    stale = platform.items(kind="stale_lessons")
    assert keys(stale) == ["PV20:LOOPT", "PV20:ZONDER", "PV20:OUD"]  # oldest clock first
    oud = stale[-1]
    assert oud.since == six_months and oud.province_code == "PV20" and oud.others == ()
    assert "sinds 30-12-2025 geen nieuwe les" in oud.message and "leg vast" in oud.message
    assert "nog geen les" in stale[1].message and stale[1].since == date(2025, 1, 1)


def test_stale_lessons_with_a_shorter_threshold(platform: Platform) -> None:
    platform.experiment("PV20:A")
    platform.lesson("PV20:A-L1", "PV20:A", date(2026, 3, 30))  # three months to the day
    platform.experiment("PV20:B")
    platform.lesson("PV20:B-L1", "PV20:B", date(2026, 3, 31))
    assert keys(platform.items(kind="stale_lessons")) == []
    assert keys(platform.items(replace(LIMITS, stale_lesson_months=3), kind="stale_lessons")) == ["PV20:A"]


def test_unanswered_questions_after_the_end(platform: Platform) -> None:
    questions = ["Helpt een 3D-wijkmodel bewoners mee te denken?", "Welke gegevens ontbreken per woning?"]
    platform.experiment("PV20:AF", end_date=TODAY - timedelta(days=1), learning_questions=questions)
    platform.lesson("PV20:AF-L1", "PV20:AF", date(2025, 3, 1), "Gegevens over isolatie ontbreken vaak.",
                    learning_question=questions[1])
    platform.experiment("PV20:LOOPT", end_date=TODAY, learning_questions=["Werkt een wijkmodel?"])
    platform.experiment("PV20:GEEN", end_date=date(2025, 1, 1))
    platform.experiment("PV25:ANDER")
    platform.lesson("PV25:ANDER-L1", "PV25:ANDER", date(2025, 1, 1),
                    "Bewoners dachten mee met het 3D-wijkmodel op bewonersavonden.")
    platform.lesson("PV20:EIGEN-L1", "PV20:LOOPT", date(2026, 6, 1), "Een 3D-wijkmodel helpt bewoners mee te denken.")
    platform.index()
    [item] = platform.items(replace(LIMITS, min_score=0.1), kind="unanswered_question")
    assert (item.experiment_key, item.subject, item.since) == ("PV20:AF", questions[0], TODAY - timedelta(days=1))
    assert questions[0] in item.message and "29-06-2026" in item.message
    assert [o.lesson_key for o in item.others] == ["PV25:ANDER-L1"]  # other provinces only
    assert item.others[0].province_code == "PV25" and item.others[0].experiment_key == "PV25:ANDER"
    assert "andere provincies" in item.message
    [alone] = platform.items(replace(LIMITS, min_score=1000), kind="unanswered_question")
    assert alone.others == () and "andere provincies" not in alone.message  # nothing alike enough


def test_open_dilemmas_longer_than_ninety_days_at_their_level(platform: Platform) -> None:
    platform.experiment("PV20:E")
    platform.dilemma("PV20:E-L1", "PV20:E", TODAY - timedelta(days=91), "Publiceren we de risicoscore per wegvak?")
    platform.dilemma("PV20:E-L2", "PV20:E", TODAY - timedelta(days=90), "Delen we de sensordata met bedrijven?")
    platform.experiment("PV26:W")
    platform.lesson("PV26:W-L1", "PV26:W", date(2024, 1, 1), "De risicoscore per wegvak publiceren we met toelichting.")
    platform.index()
    [item] = platform.items(replace(LIMITS, min_score=0.1), kind="open_dilemma")
    assert (item.subject, item.since) == ("PV20:E-L1", TODAY - timedelta(days=91))
    assert "Gedeputeerde Staten (GS)" in item.message and "91 dagen" in item.message
    assert [(o.province_code, o.lesson_key) for o in item.others] == [("PV26", "PV26:W-L1")]
    bare = [i for i in engine.agenda(platform.con, replace(LIMITS, min_score=0.1), today=TODAY, others=False)
            if i.kind == "open_dilemma"]
    assert bare == [replace(item, others=())]  # the same item, without the search
    longer = platform.items(replace(LIMITS, dilemma_open_days=89), kind="open_dilemma")
    assert [i.subject for i in longer] == ["PV20:E-L1", "PV20:E-L2"]


def test_missing_results_for_experiments_with_goals(platform: Platform) -> None:
    year = engine.months_before(TODAY, 12)  # 30-06-2025
    platform.experiment("PV20:OUD", intended_results=["Minder slachtoffers"])
    platform.result("PV20:OUD", year)
    platform.experiment("PV20:RECENT", intended_results=["Minder slachtoffers"])
    platform.result("PV20:RECENT", year + timedelta(days=1))
    platform.experiment("PV20:DOEL", start_date=date(2025, 1, 1))  # a target on a result, no intended results
    platform.result("PV20:DOEL", date(2025, 2, 1), target=100.0)
    platform.experiment("PV20:NOOIT", intended_results=["Een kaart"], start_date=None)
    platform.experiment("PV20:ZONDER_DOEL")  # no goals: nothing to measure
    platform.result("PV20:ZONDER_DOEL", date(2024, 2, 1))
    platform.experiment("PV20:GESTOPT", intended_results=["Een kaart"], is_stopped=True)
    missing = platform.items(kind="missing_result")
    assert keys(missing) == ["PV20:NOOIT", "PV20:DOEL", "PV20:OUD"]
    assert missing[0].since is None and "nog geen gemeten resultaat" in missing[0].message
    assert missing[2].since == year and "sinds 30-06-2025" in missing[2].message
    assert keys(platform.items(replace(LIMITS, result_months=24), kind="missing_result")) == ["PV20:NOOIT"]


def test_an_agenda_per_province_and_why_one_is_empty(platform: Platform) -> None:
    platform.experiment("PV20:A")
    platform.experiment("PV21:B", intended_results=["Iets"])
    platform.experiment("PV22:C")
    platform.lesson("PV22:C-L1", "PV22:C", TODAY)
    assert {i.province_code for i in platform.items()} == {"PV20", "PV21"}
    assert [i.kind for i in platform.items(province="PV21")] == ["stale_lessons", "missing_result"]
    assert engine.why_empty(platform.con, LIMITS, "PV22").startswith("Niets vraagt nu aandacht bij 1 experiment:")
    assert engine.why_empty(platform.con, LIMITS, "PV31") == "Geen experimenten aangeleverd: er is nog niets om te volgen."


# ------------------------------------------------------------------------------------------ learning questions


def test_learning_questions_explicit_and_suggested_answers_and_their_shares(platform: Platform) -> None:
    platform.experiment("PV20:A", learning_questions=["Meten sensoren de luchtkwaliteit betrouwbaar?",
                                                      "Hoe betrekken we bewoners?"])
    platform.lesson("PV20:A-L1", "PV20:A", date(2025, 1, 1), "Sensoren meten de luchtkwaliteit pas betrouwbaar na kalibratie.",
                    learning_question="Meten sensoren de luchtkwaliteit betrouwbaar?")
    platform.experiment("PV26:B", core_task="bereikbaarheid",
                        learning_questions=["Werkt vraaggestuurd vervoer?"])
    platform.lesson("PV26:B-L1", "PV26:B", date(2025, 1, 1), "Bewoners betrekken lukte via een datacoach in de wijk.")
    platform.index()
    found = lq.with_suggestions(platform.con, lq.questions(platform.con), min_score=0.1)
    by_text = {q.text: q for q in found}
    sensors, residents, transport = (by_text[t] for t in ("Meten sensoren de luchtkwaliteit betrouwbaar?",
                                                          "Hoe betrekken we bewoners?", "Werkt vraaggestuurd vervoer?"))
    assert [a.lesson_key for a in sensors.answered_by] == ["PV20:A-L1"] and sensors.position == 1
    assert "PV20:A-L1" not in [s.lesson_key for s in sensors.suggested]  # an explicit answer is no suggestion
    assert not residents.answered and [s.lesson_key for s in residents.suggested] == ["PV26:B-L1"]
    assert not transport.answered and transport.suggested == ()
    shares = {c.group: (c.questions, c.explicit, c.explicit_or_suggested) for c in lq.coverage(found, "province_code")}
    assert shares == {"PV20": (2, 1, 2), "PV26": (1, 0, 0)}
    [ruimte] = [c for c in lq.coverage(found, "core_task") if c.group == "ruimte"]
    assert (ruimte.explicit_share, ruimte.suggested_share) == (0.5, 1.0)
    strict = lq.with_suggestions(platform.con, lq.questions(platform.con, experiment_key="PV20:A"), min_score=1000)
    assert [q.suggested for q in strict] == [(), ()]


# ------------------------------------------------------------------------------------------ the samples


SAMPLE_DAY = "2026-11-30"


def test_every_sample_province_has_an_agenda_or_says_why_not(sample_run, var_dir: Path) -> None:
    with serving.connect(var_dir / "serving") as con:
        items = engine.agenda(con, LIMITS, today=date.fromisoformat(SAMPLE_DAY))
        for code in provinces().codes:
            own = [i for i in items if i.province_code == code]
            assert own or engine.why_empty(con, LIMITS, code), code
        [(open_dilemmas,)] = con.execute("select count(*) from marts.open_dilemmas").fetchall()
    assert {i.kind for i in items} == set(engine.KINDS)
    assert len([i for i in items if i.kind == "open_dilemma"]) <= open_dilemmas
    assert all(i.message.endswith(".") for i in items)


def _ida(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_ida_agenda_json_on_the_samples(sample_run, platform_env: dict[str, str], var_dir: Path) -> None:
    env = {**os.environ, **platform_env}
    done = _ida("agenda", "--json", "--today", SAMPLE_DAY, env=env)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["today"] == SAMPLE_DAY
    assert [p["code"] for p in answer["provinces"]] == provinces().codes
    with serving.connect(var_dir / "serving") as con:
        expected = engine.agenda(con, LIMITS, today=date.fromisoformat(SAMPLE_DAY))
    listed = [item for p in answer["provinces"] for item in p["items"]]
    assert [(i["province_code"], i["kind"], i["experiment_key"], i["subject"]) for i in listed] == \
        [(i.province_code, i.kind, i.experiment_key, i.subject) for i in expected]
    for p in answer["provinces"]:
        assert bool(p["items"]) != bool(p["empty"]), p["code"]
    dilemma = next(i for i in listed if i["kind"] == "open_dilemma")
    assert set(dilemma) == {"province_code", "kind", "experiment_key", "experiment_title", "core_task", "message",
                            "since", "others", "subject"}

    utrecht = _ida("agenda", "--json", "--today", SAMPLE_DAY, "--province", "Utrecht", env=env)
    assert [p["code"] for p in json.loads(utrecht.stdout)["provinces"]] == ["PV26"]
    unknown = _ida("agenda", "--province", "PV99", env=env)
    assert unknown.returncode == 1 and "Onbekende provincie 'PV99'" in unknown.stderr


def test_ida_agenda_thresholds_from_the_environment(sample_run, platform_env: dict[str, str]) -> None:
    env = {**os.environ, **platform_env}
    counted = []
    for days in ("90", "100000"):
        done = _ida("agenda", "--json", "--today", SAMPLE_DAY, env={**env, "IDA_AGENDA_DILEMMA_OPEN_DAYS": days})
        assert done.returncode == 0, done.stderr
        counted.append(sum(i["kind"] == "open_dilemma" for p in json.loads(done.stdout)["provinces"] for i in p["items"]))
    assert counted[0] > 0 and counted[1] == 0


# ------------------------------------------------------------------------------------------ in the browser


def test_the_leeragenda_page_for_a_province_and_for_the_kopgroep(dashboard: str, page, var_dir: Path) -> None:
    with serving.connect(var_dir / "serving") as con:
        code = next(i.province_code for i in engine.agenda(con, LIMITS) if i.others)  # one that learns from others
        own = engine.agenda(con, LIMITS, province=code)
    page.goto(f"{dashboard}/leeragenda")
    page_ready(page)
    page.get_by_role("combobox").first.click()  # the province
    page.get_by_role("option", name=provinces().label(code), exact=True).click()
    page_ready(page)
    text = page.locator('[data-testid="stMain"]').inner_text()
    for item in own:
        assert item.message in text, item.message
        for other in item.others:
            assert other.text in text and f"· les {other.lesson_key}" in text, other
            assert page.get_by_role("link", name=f"Open {other.experiment_key}").count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "leeragenda-provincie.png"), full_page=True)

    page.get_by_text("Kopgroep: alle provincies", exact=True).click()
    page_ready(page)
    main = page.locator('[data-testid="stMain"]')
    text = main.inner_text()
    assert "Wat per provincie aandacht vraagt" in text and "Leervragen met een antwoord" in text
    assert main.locator('[data-testid="stVegaLiteChart"]').count() >= 3  # agenda, shares per province and per task
    assert page.get_by_role("button", name="Rapport voor een vergadering (HTML)").count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(SCREENSHOTS / "leeragenda-kopgroep.png"), full_page=True)


def test_an_experiment_shows_its_learning_questions_with_answers(dashboard: str, page, var_dir: Path) -> None:
    with serving.connect(var_dir / "serving") as con:  # an experiment with an answered question and a suggestion
        found = lq.with_suggestions(con, lq.questions(con), LIMITS.min_score)
        experiment = next(q.experiment_key for q in found if q.suggested
                          and any(a.answered and a.experiment_key == q.experiment_key for a in found))
        own = [q for q in found if q.experiment_key == experiment]
    question = next(q for q in own if q.answered)
    suggestion = next(s for q in own for s in q.suggested)
    page.goto(f"{dashboard}/catalogus?experiment={experiment}")
    page_ready(page)
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert f"Leervragen en hun antwoorden ({len(own)})" in text
    assert f"{question.position}. {question.text}" in text and "Beantwoord" in text
    assert question.answered_by[0].text in text and f"Antwoord · les {question.answered_by[0].lesson_key}" in text
    assert f"les {suggestion.lesson_key} · lijkt erop met score {suggestion.score:.1f}" in text and "Suggestie · " in text
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_text(question.text, exact=False).first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "catalogus-leervragen.png"))
