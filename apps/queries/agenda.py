"""Queries of the page Leeragenda and of the learning questions on an experiment: the learning agenda (ida.agenda)
and the answered learning questions (ida.learning_questions), cached per serving copy and day."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from apps.queries import connection, settings, version
from ida import agenda as engine
from ida import learning_questions as lq


@st.cache_data(max_entries=32, show_spinner=False)
def _agenda(today: date, province: str | None, version_name: str) -> tuple[engine.AgendaItem, ...]:
    return tuple(engine.agenda(connection(version_name).cursor(), settings().agenda, today=today, province=province,
                               others=province is not None))


def agenda(today: date, province: str | None = None) -> tuple[engine.AgendaItem, ...]:
    """One province's agenda items on `today`, with what other provinces learned; or every province's, without."""
    return _agenda(today, province, version())


@st.cache_data(max_entries=64, show_spinner=False)
def _why_empty(province: str, version_name: str) -> str:
    return engine.why_empty(connection(version_name).cursor(), settings().agenda, province)


def why_empty(province: str) -> str:
    """Why a province's agenda is empty, in one Dutch sentence."""
    return _why_empty(province, version())


def counts(items: tuple[engine.AgendaItem, ...], provinces: dict[str, str]) -> pd.DataFrame:
    """Items per province (every province, also those without) and kind: provincie, soort, volgorde, aantal."""
    table = pd.DataFrame([(p, kind) for p in provinces for kind in engine.KINDS], columns=["code", "kind"])
    found = pd.DataFrame([(i.province_code, i.kind) for i in items], columns=["code", "kind"])
    table = table.merge(found.value_counts().rename("aantal").reset_index(), how="left", on=["code", "kind"])
    return pd.DataFrame({"provincie": table["code"].map(provinces), "soort": table["kind"].map(engine.KINDS),
                         "volgorde": table["kind"].map(list(engine.KINDS).index),
                         "aantal": table["aantal"].fillna(0).astype(int)})


@st.cache_data(max_entries=256, show_spinner=False)
def _questions(experiment_key: str | None, version_name: str) -> tuple[lq.Question, ...]:
    cursor = connection(version_name).cursor()
    found = lq.questions(cursor, experiment_key=experiment_key)
    return tuple(lq.with_suggestions(cursor, found, settings().agenda.min_score))


def questions(experiment_key: str | None = None) -> tuple[lq.Question, ...]:
    """The learning questions with their explicit and suggested answers (of one experiment, or of all)."""
    return _questions(experiment_key, version())


def coverage(by: str, labels: dict[str, str]) -> pd.DataFrame:
    """Per province or core task (`by`: "province_code" or "core_task", named with `labels`): the learning questions
    and the share answered explicitly, and explicitly or by suggestion."""
    rows = lq.coverage(questions(), by)
    return pd.DataFrame({
        "naam": [labels.get(c.group, c.group or "onbekend") for c in rows],
        "leervragen": [c.questions for c in rows],
        "beantwoord": [c.explicit_share for c in rows],
        "beantwoord of suggestie": [c.suggested_share for c in rows],
    })
