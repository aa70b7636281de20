"""The panel "Wat leerden andere provincies hierover?" in a real browser: a real `streamlit run` over the sample
pipeline run, in headless Debian Chromium. On an experiment it is open and lists lessons and experiments of other
provinces with the words they share, each linking to its experiment; on a found lesson it opens on a click."""

from __future__ import annotations

from urllib.parse import unquote

from streamlit_browser import SCREENSHOTS, page_ready

TITLE = "Wat leerden andere provincies hierover?"


def _panels(tab):
    return tab.locator('[data-testid="stExpander"]').filter(has_text=TITLE)


def test_an_experiment_shows_what_other_provinces_learned(dashboard: str, page) -> None:
    page.goto(f"{dashboard}/catalogus?experiment=PV26:UTR-2019-01")
    page_ready(page)
    panel = _panels(page).last  # the experiment's own panel, after those of its lessons; open from the start
    text = panel.inner_text()
    assert "Lessen van andere provincies" in text and "Experimenten van andere provincies" in text, text
    assert "gedeelde woorden:" in text
    assert "Utrecht · gedeelde woorden" not in text  # other provinces only
    buttons = panel.locator('[data-testid="stButton"] button')
    assert buttons.count() >= 2
    assert page.locator('[data-testid="stException"]').count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "catalogus-andere-provincies.png"), full_page=True)

    label = buttons.first.inner_text().strip().splitlines()[-1]
    buttons.first.click()
    page.wait_for_function("() => !decodeURIComponent(location.href).endsWith('experiment=PV26:UTR-2019-01')",
                           timeout=30_000)
    page_ready(page)
    assert "experiment=PV" in unquote(page.url) and "PV26:" not in unquote(page.url), page.url
    assert page.get_by_role("button", name="Sluiten").count() == 1, "het experiment is niet geopend"
    assert label.split(": ", 1)[-1].removeprefix("Open ") in page.locator("h3, h2").first.inner_text(), label


def test_a_found_lesson_opens_its_panel(dashboard: str, page) -> None:
    page.goto(f"{dashboard}/lessen")
    page_ready(page)
    page.get_by_role("textbox", name="Zoeken").fill("kalibratie sensoren")
    page.get_by_role("textbox", name="Zoeken").press("Enter")
    page.wait_for_timeout(300)
    page_ready(page)
    panel = _panels(page).first
    panel.locator("summary").click()
    page.wait_for_timeout(500)
    text = panel.inner_text()
    assert "van andere provincies" in text, text
    assert panel.locator('[data-testid="stButton"] button').count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(SCREENSHOTS / "lessen-andere-provincies.png"), full_page=True)
