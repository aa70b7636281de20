"""Every dashboard page in a real browser: a real `streamlit run` on a free loopback port over the sample
pipeline run, opened page by page in headless Debian Chromium (never a browser build of Playwright's own).

Each page must render without an exception box and show its title; a screenshot of each goes to
var/screenshots/ (git-ignored) so a person can look at what the administrators see.
"""

from __future__ import annotations

import re

from streamlit_browser import SCREENSHOTS, settle


def _settle(tab) -> None:
    """Wait until the script has run and the charts have drawn."""
    settle(tab)
    tab.wait_for_selector("h1", timeout=30_000)
    tab.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
        ".every(c => c.querySelector('canvas, svg'))", timeout=30_000)
    tab.wait_for_timeout(500)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "")).strip("-") or "home"


def _screenshot(tab, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main area, so grow the window to the content first."""
    height = tab.evaluate("""() => Math.max(document.body.scrollHeight,
        ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]')].map(e => e.scrollHeight))""")
    size = tab.viewport_size
    tab.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 12_000)})
    tab.wait_for_timeout(700)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    tab.set_viewport_size(size)


def test_every_page_in_the_navigation_renders_in_chromium(dashboard: str, page) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # shared with the other browser tests: overwrite, never clear
    page.goto(dashboard)
    _settle(page)
    links = page.locator('[data-testid="stSidebarNavLink"]')
    # the text of a link is its icon (a ligature such as "map") and its label, on lines of their own
    pages = [(links.nth(i).inner_text().strip().splitlines()[-1].strip(), links.nth(i).get_attribute("href"))
             for i in range(links.count())]
    labels = [label for label, _ in pages]
    for expected in ("Overzicht", "Vergelijken", "Lessen", "Dilemma's", "Voorbij het experimenteren", "Catalogus",
                     "Aanleveren", "Te classificeren", "Beheer"):
        assert expected in labels, f"{expected} ontbreekt in de navigatie: {labels}"

    problems = []
    for label, href in pages:
        page.goto(href if href.startswith("http") else f"{dashboard}/{href.lstrip('/')}")
        _settle(page)
        _screenshot(page, _slug(label))
        exceptions = page.locator('[data-testid="stException"]')
        if exceptions.count():
            problems.append(f"{label}: {exceptions.first.inner_text()[:500]}")
        heading = page.locator("h1").first.inner_text().strip()
        if page.title() != label and label not in page.title():
            problems.append(f"{label}: venstertitel is {page.title()!r}")
        if heading != label:
            problems.append(f"{label}: paginatitel is {heading!r}")
    assert not problems, "\n".join(problems)


def test_a_lesson_links_to_its_experiment_in_the_catalogue(dashboard: str, page) -> None:
    page.goto(f"{dashboard}/lessen")
    _settle(page)
    page.get_by_role("textbox", name="Zoeken").fill("kalibratie Luchtmeetnet")
    page.get_by_role("textbox", name="Zoeken").press("Enter")
    page.wait_for_timeout(300)
    _settle(page)
    first = page.locator('[data-testid="stVerticalBlockBorderWrapper"], [data-testid="stVerticalBlock"]').filter(
        has_text="Luchtmeetnet").first
    assert "Luchtmeetnet" in first.inner_text()
    _screenshot(page, "lessen-zoeken")
    page.locator('[data-testid="stPageLink"] a').first.click()
    page.wait_for_url(re.compile(r".*/catalogus\?experiment=.*"), timeout=30_000)
    _settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_role("button", name="Sluiten").count() == 1, "het experiment is niet geopend"
    _screenshot(page, "catalogus-experiment")
