"""The dashboard, page by page, with Streamlit's own test runner against the serving copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from catalog import serving
from catalog.settings import REPO_ROOT
from catalog.vocabularies import provinces

ENTRY = str(REPO_ROOT / "apps" / "Home.py")
PAGES = sorted(p.name for p in (REPO_ROOT / "apps" / "pages").glob("*.py"))


def page(name: str) -> AppTest:
    app = AppTest.from_file(ENTRY, default_timeout=60)
    app.run()
    if name != "overzicht.py":
        app.switch_page(f"pages/{name}")
        app.run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_without_exception(sample_run, name: str) -> None:
    app = page(name)
    assert app.title, f"{name} has no title"


def test_overzicht_shows_the_twelve_provinces_with_mart_numbers(sample_run, var_dir: Path) -> None:
    app = page("overzicht.py")
    metrics = {m.label: m.value for m in app.metric}
    with serving.connect(var_dir / "serving") as con:
        experiments, lessons = con.execute("select sum(experiments), sum(lessons) from marts.provinces").fetchone()
    assert metrics["Provincies"] == "12"
    assert metrics["Experimenten"] == str(experiments)
    assert metrics["Geleerde lessen"] == str(lessons)
    shown = set(app.dataframe[0].value["Provincie"])
    assert shown == {row["naam"] for row in provinces().rows}
