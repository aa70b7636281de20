"""The dashboard, page by page, with Streamlit's own test runner against the serving copy of the sample run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apps import queries
from apps.components import Report, md, number
from ida.warehouse import serving
from ida.settings import REPO_ROOT
from ida.standard.vocabularies import provinces

ENTRY = str(REPO_ROOT / "apps" / "Home.py")
PAGES = sorted(p.name for p in (REPO_ROOT / "apps" / "views").glob("*.py"))
OURS = ("overzicht.py", "vergelijken.py", "lessen.py", "dilemmas.py", "voorbij_experimenteren.py", "catalogus.py",
        "leeragenda.py")


def page(name: str, **query: str) -> AppTest:
    app = AppTest.from_file(ENTRY, default_timeout=60)
    app.run()
    if name != "overzicht.py":
        app.switch_page(f"views/{name}")
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def marts(var_dir: Path, sql: str, *params) -> list[tuple]:
    with serving.connect(var_dir / "serving") as con:
        return con.execute(sql, list(params)).fetchall()


def found(app: AppTest) -> int:
    """The number in the '… lessen gevonden' heading of the Lessen page (0 when nothing was found)."""
    for header in app.subheader:
        if match := re.fullmatch(r"([\d.]+) (les|lessen) gevonden", header.value):
            return int(match.group(1).replace(".", ""))
    return 0


def table_with(app: AppTest, column: str):
    return next(d.value for d in app.dataframe if column in d.value.columns)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_without_exception(sample_run, name: str) -> None:
    app = page(name)
    assert app.title, f"{name} has no title"


def test_the_navigation_lists_every_page(sample_run) -> None:
    source = Path(ENTRY).read_text()
    for name in (*OURS, "aanleveren.py", "te_classificeren.py"):
        assert f'"views/{name}"' in source


# ------------------------------------------------------------------------------------------ Overzicht


def test_overzicht_shows_the_twelve_provinces_with_mart_numbers(sample_run, var_dir: Path) -> None:
    app = page("overzicht.py")
    metrics = {m.label: m.value for m in app.metric}
    [(experiments, lessons, dilemmas)] = marts(var_dir, "select sum(experiments), sum(lessons), sum(dilemmas_open) from marts.provinces")
    [(beyond,)] = marts(var_dir, "select count(*) from marts.experiments where is_beyond_experimenting")
    assert metrics["Provincies"] == "12"
    assert metrics["Experimenten"] == number(experiments)
    assert metrics["Geleerde lessen"] == number(lessons)
    assert metrics["Open dilemma's"] == number(dilemmas)
    assert metrics["Voorbij het experimenteren"] == number(beyond)
    tiles = app.dataframe[0].value
    assert set(tiles["Provincie"]) == {row["naam"] for row in provinces().rows}
    per_province = dict(marts(var_dir, "select name, experiments from marts.provinces"))
    assert dict(zip(tiles["Provincie"], tiles["Experimenten"])) == per_province


def test_overzicht_phase_and_core_task_tables_add_up_to_the_marts(sample_run, var_dir: Path) -> None:
    app = page("overzicht.py")
    [(experiments,)] = marts(var_dir, "select count(*) from marts.experiments")
    phases = table_with(app, "Structureel")
    assert int(phases.drop(columns=["provincie"]).to_numpy().sum()) == experiments
    [(utrecht_structural,)] = marts(
        var_dir, "select count(*) from marts.experiments where province_code = 'PV26' and phase = 'structureel'")
    assert int(phases.set_index("provincie").loc["Utrecht", "Structureel"]) == utrecht_structural
    tasks = table_with(app, "Vitaal platteland")
    assert int(tasks.drop(columns=["provincie"]).to_numpy().sum()) == experiments


def test_overzicht_development_over_time_ends_at_all_experiments_with_a_start_date(sample_run, var_dir: Path) -> None:
    app = page("overzicht.py")
    [(started,)] = marts(var_dir, "select count(*) from marts.experiments where start_date is not null")
    development = table_with(app, "jaar")
    assert int(development.drop(columns=["jaar"]).iloc[-1].sum()) == started
    app.radio(key="ontwikkeling").set_value("provincie").run()
    assert "Utrecht" in table_with(app, "jaar").columns


def test_overzicht_map_can_show_another_measure(sample_run) -> None:
    app = page("overzicht.py")
    app.radio(key="kaart").set_value("Open dilemma's").run()
    assert not app.exception
    assert any("opgeschaald" in c.value for c in page("overzicht.py").radio(key="kaart").set_value(
        "Voorbij het experimenteren").run().caption)


# ------------------------------------------------------------------------------------------ Vergelijken


def test_vergelijken_snuffelfiets_shows_several_provinces_side_by_side(sample_run, var_dir: Path) -> None:
    app = page("vergelijken.py")
    app.radio(key="soort").set_value("thema").run()
    app.text_input(key="thema").input("Snuffelfiets").run()
    assert not app.exception
    expected = {name for (name,) in marts(var_dir, """
        select distinct province_name from marts.experiments
        where lower(title || ' ' || coalesce(summary, '') || ' ' || array_to_string(keywords, ' ')) like '%snuffelfiets%'""")}
    assert len(expected) >= 3
    headings = {m.value.removeprefix("#### ").replace("\\", "") for m in app.markdown if m.value.startswith("#### ")}
    assert headings == expected
    assert {m.label: m.value for m in app.metric}["Provincies"] == str(len(expected))
    table = table_with(app, "leervragen")
    assert set(table["provincie"]) == expected and table["partners"].str.len().gt(1).all()


def test_vergelijken_by_core_task_lists_exactly_its_experiments(sample_run, var_dir: Path) -> None:
    app = page("vergelijken.py")
    app.selectbox(key="kerntaak").set_value("vitaal_platteland").run()
    [(count,)] = marts(var_dir, "select count(*) from marts.experiments where core_task = 'vitaal_platteland'")
    assert len(table_with(app, "leervragen")) == count
    assert {m.label: m.value for m in app.metric}["Experimenten"] == number(count)


def test_vergelijken_results_against_targets(sample_run, var_dir: Path) -> None:
    app = page("vergelijken.py")
    app.radio(key="soort").set_value("thema").run()
    app.text_input(key="thema").input("Snuffelfiets").run()
    [(with_target, reached)] = marts(var_dir, """
        select count(*) filter (where r.target_reached is not null), count(*) filter (where r.target_reached)
        from marts.results r join marts.experiments e using (experiment_key)
        where r.is_latest_measurement and lower(e.title || ' ' || array_to_string(e.keywords, ' ')) like '%snuffelfiets%'""")
    assert {m.label: m.value for m in app.metric}["Doelen gehaald"] == f"{reached} van {with_target}"


def test_vergelijken_an_unknown_theme_says_so(sample_run) -> None:
    app = page("vergelijken.py")
    app.radio(key="soort").set_value("thema").run()
    app.text_input(key="thema").input("xylofoonwedstrijd").run()
    assert not app.exception and app.warning and "Geen experimenten" in app.warning[0].value


# ------------------------------------------------------------------------------------------ Lessen

PHRASE = "kalibratie tegen Luchtmeetnet-stations"


def test_lesson_search_finds_the_known_lesson_first(sample_run, var_dir: Path) -> None:
    [(expected,)] = marts(var_dir, "select lesson_text from marts.lessons where lesson_text ilike ?", f"%{PHRASE}%")
    app = page("lessen.py")
    app.text_input(key="zoek").input(PHRASE).run()
    assert not app.exception
    assert app.text[0].value == expected
    # without the literal phrase, the words alone still rank it first
    app.text_input(key="zoek").input("luchtmeetnet KALIBRATIE").run()
    assert app.text[0].value == expected


def test_lesson_search_matches_word_beginnings_and_ranks_rare_words_higher(sample_run, var_dir: Path) -> None:
    app = page("lessen.py")
    app.text_input(key="zoek").input("fiets").run()  # fietsers, fietsroutes, and compounds: fietspaden …
    # a lesson is found by its own text (docs/zoeken.md: the experiment's title pulled `similar` down)
    [(containing,)] = marts(var_dir, """select count(*) from marts.lessons
        where regexp_matches(lower(lesson_text), '(^|[^a-z0-9])fiets')""")
    [(anywhere,)] = marts(var_dir, "select count(*) from marts.lessons where contains(lower(lesson_text), 'fiets')")
    assert 1 < containing <= found(app) <= anywhere


def test_lesson_filters_narrow_the_results(sample_run, var_dir: Path) -> None:
    app = page("lessen.py")
    everything = found(app)
    [(all_lessons,)] = marts(var_dir, "select count(*) from marts.lessons")
    assert everything == all_lessons

    app.multiselect(key="provincie").select("PV26").run()
    [(utrecht,)] = marts(var_dir, "select count(*) from marts.lessons where province_code = 'PV26'")
    assert found(app) == utrecht < everything
    assert set(table_with(app, "richting")["provincie"]) == {"Utrecht"}

    app.multiselect(key="richting").select("verticaal").run()
    [(vertical,)] = marts(var_dir, "select count(*) from marts.lessons where province_code = 'PV26' and direction = 'verticaal'")
    assert found(app) == vertical < utrecht
    assert set(table_with(app, "richting")["richting"]) == {"Verticaal"}

    app.multiselect(key="provincie").unselect("PV26").run()
    app.multiselect(key="richting").unselect("verticaal").run()
    app.multiselect(key="categorie").select("publieke_waarden").run()
    app.multiselect(key="kerntaak").select("vitaal_platteland").run()
    [(narrowed,)] = marts(var_dir, """select count(*) from marts.lessons
        where category = 'publieke_waarden' and core_task = 'vitaal_platteland'""")
    assert found(app) == narrowed

    app.multiselect(key="categorie").unselect("publieke_waarden").run()
    app.multiselect(key="kerntaak").unselect("vitaal_platteland").run()
    years = app.select_slider(key="periode").options
    app.select_slider(key="periode").set_range(int(years[-2]), int(years[-1])).run()
    [(recent,)] = marts(var_dir, "select count(*) from marts.lessons where year(lesson_date) >= ?", int(years[-2]))
    assert found(app) == recent < everything
    assert (table_with(app, "richting")["datum"].dt.year >= int(years[-2])).all()


def test_each_lesson_links_to_its_experiment(sample_run, var_dir: Path) -> None:
    app = page("lessen.py")
    app.text_input(key="zoek").input(PHRASE).run()
    link = app.get("page_link")[0]
    [(title,)] = marts(var_dir, "select title from marts.experiments where experiment_key = 'PV26:UTR-2019-01'")
    assert link.proto.label == f"Experiment: {title}"
    assert link.proto.page == "catalogus"
    assert link.proto.query_string == "experiment=PV26%3AUTR-2019-01"


def test_lesson_search_without_hits_says_so(sample_run) -> None:
    app = page("lessen.py")
    app.text_input(key="zoek").input("xylofoonwedstrijd").run()
    assert not app.exception and "Geen lessen gevonden" in app.warning[0].value


# ------------------------------------------------------------------------------------------ Dilemma's


def test_dilemmas_are_the_open_ones_oldest_first(sample_run, var_dir: Path) -> None:
    app = page("dilemmas.py")
    rows = marts(var_dir, "select lesson_text, lesson_date from marts.lessons where is_open_dilemma order by lesson_date")
    table = table_with(app, "dilemma")
    assert len(table) == len(rows)
    assert list(table["datum"]) == sorted(table["datum"])
    assert table["status"].eq("Open").all()
    assert app.text[0].value == rows[0][0]  # the first card is the oldest
    assert {m.label: m.value for m in app.metric}["Dilemma's"] == number(len(rows))


def test_dilemmas_filter_by_level_and_public_value(sample_run, var_dir: Path) -> None:
    app = page("dilemmas.py")
    app.multiselect(key="status").unselect("open").run()
    [(all_dilemmas,)] = marts(var_dir, "select count(*) from marts.lessons where is_dilemma")
    assert len(table_with(app, "dilemma")) == all_dilemmas
    app.multiselect(key="niveau").select("gs").run()
    app.multiselect(key="waarde").select("privacy").run()
    [(narrowed,)] = marts(var_dir, """select count(*) from marts.lessons
        where is_dilemma and escalation_level = 'gs' and list_contains(public_values, 'privacy')""")
    table = table_with(app, "dilemma") if narrowed else None
    if narrowed:
        assert len(table) == narrowed and table["publieke waarden"].str.contains("Privacy").all()
    else:
        assert app.success


# ------------------------------------------------------------------------------------------ Voorbij het experimenteren


def test_voorbij_het_experimenteren_counts_match_the_marts(sample_run, var_dir: Path) -> None:
    app = page("voorbij_experimenteren.py")
    [(running, beyond, stopped)] = marts(var_dir, """select count(*) filter (where not is_stopped),
        count(*) filter (where is_beyond_experimenting), count(*) filter (where is_stopped) from marts.experiments""")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Lopende experimenten"] == number(running)
    assert metrics["Opgeschaald of structureel"] == number(beyond)
    assert metrics["Gestopt"] == number(stopped)
    funnel = table_with(app, "bereikten minstens deze fase")
    assert list(funnel["bereikten minstens deze fase"]) == sorted(funnel["bereikten minstens deze fase"], reverse=True)
    assert int(funnel["bereikten minstens deze fase"].iloc[-1]) == marts(
        var_dir, "select count(*) from marts.experiments where phase = 'structureel'")[0][0]
    reasons = {r for (r,) in marts(var_dir, "select stop_reason from marts.experiments where is_stopped")}
    shown = {t.value for t in app.text}
    assert shown and shown <= reasons


def test_voorbij_het_experimenteren_per_province(sample_run, var_dir: Path) -> None:
    app = page("voorbij_experimenteren.py")
    app.multiselect(key="provincie").select("PV26").run()
    [(beyond,)] = marts(var_dir, "select count(*) from marts.experiments where province_code = 'PV26' and is_beyond_experimenting")
    assert {m.label: m.value for m in app.metric}["Opgeschaald of structureel"] == number(beyond)


# ------------------------------------------------------------------------------------------ Catalogus


def test_catalogus_finds_an_experiment_by_search(sample_run, var_dir: Path) -> None:
    app = page("catalogus.py")
    [(total,)] = marts(var_dir, "select count(*) from marts.experiments")
    assert len(app.dataframe[0].value) == total
    app.text_input(key="zoek").input("Merwedekanaalzone").run()
    table = app.dataframe[0].value
    assert "Merwedekanaalzone" in table["titel"].iloc[0]
    assert len(table) < total
    app.text_input(key="zoek").input("RIVM").run()  # a partner
    [(with_rivm,)] = marts(var_dir, "select count(*) from marts.experiments where list_contains(partners, 'RIVM') "
                                    "or array_to_string(data_sources, ' ') like '%RIVM%' or summary like '%RIVM%'")
    assert len(app.dataframe[0].value) >= with_rivm > 0


def test_catalogus_opens_an_experiment_from_a_link(sample_run, var_dir: Path) -> None:
    app = page("catalogus.py", experiment="PV26:UTR-2019-01")
    [(title, lessons)] = marts(var_dir, "select title, lessons from marts.experiments where experiment_key = 'PV26:UTR-2019-01'")
    assert any(h.value == md(title) for h in app.subheader)
    assert any(f"Geleerde lessen** ({lessons})" in m.value for m in app.markdown)
    assert not [b for b in app.get("link_button")]  # no CKAN configured in the tests


def test_catalogus_links_to_ckan_when_configured(sample_run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CKAN_URL", "http://127.0.0.1:5000/")
    queries.settings.clear()  # the dashboard reads its settings once per process
    try:
        app = page("catalogus.py", experiment="PV26:UTR-2019-01")
    finally:
        queries.settings.clear()
    [button] = app.get("link_button")
    assert button.proto.url == "http://127.0.0.1:5000/experiment/pv26-utr-2019-01"


def test_catalogus_with_an_unknown_experiment_says_so(sample_run) -> None:
    app = page("catalogus.py", experiment="PV26:bestaat-niet")
    assert "niet (meer) in de catalogus" in app.warning[0].value


# ------------------------------------------------------------------------------------------ plain text, reports


def test_no_page_of_ours_renders_html() -> None:
    for name in (*OURS, "../Home.py", "../components.py"):
        assert "unsafe_allow_html" not in (REPO_ROOT / "apps" / "views" / name).read_text(), name


def test_markdown_escaping_shows_user_text_literally() -> None:
    assert md("**vet** [link](http://x) <b>") == r"\*\*vet\*\* \[link\]\(http\://x\) \<b\>"
    assert "\\$" in md("$x$") and "\\:" in md(":red[x]")


def test_the_report_is_self_contained_and_escapes_user_text(sample_run) -> None:
    import pandas as pd

    report = Report("Lessen <script>", {"Zoekwoorden": "<img src=x onerror=alert(1)>"})
    report.items("Lessen", [("<b>titel</b>", "context & meer", "<script>alert(1)</script>")])
    report.table("Tabel", pd.DataFrame({"les": ["<i>schuin</i>"], "lijst": [["a", "<b>"]]}))
    report.bars("Balken", pd.DataFrame({"naam": ["<u>x</u>"], "n": [3]}), "naam", "n")
    text = report.html()
    assert "<script>" not in text and "<img" not in text and "<b>titel" not in text and "<i>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "Toegepaste filters" in text and "Zoekwoorden" in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # nothing loaded from elsewhere


def test_every_page_of_ours_offers_a_report(sample_run) -> None:
    for name in OURS:
        app = page(name)
        labels = [b.proto.label for b in app.get("download_button")]
        assert "Rapport voor een vergadering (HTML)" in labels, name
