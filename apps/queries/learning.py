"""Queries of the panel "Wat leerden andere provincies hierover?": the lessons and experiments of other provinces
nearest to one lesson or one experiment, on the platform's search engine (ida.search), cached per serving copy."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from apps.queries import connection, frame, version
from ida import search

RELATED = 5  # lessons, and as many experiments, per panel


@st.cache_data(max_entries=512, show_spinner=False)
def _related(kind: str, key: str, version_name: str) -> pd.DataFrame:
    cursor = connection(version_name).cursor()
    try:
        index = search.Index.of(cursor)
        if kind == "les":
            try:
                province, text = index.lesson_text(cursor, key)
            except search.UnknownLesson:
                return pd.DataFrame()
        else:
            row = cursor.execute("select province_code, ? from marts.experiments where experiment_key = ?",
                                 [search.experiment_document(cursor, key), key]).fetchone()
            if row is None:
                return pd.DataFrame()
            province, text = row
        lessons, experiments = index.related(cursor, text or "", province, top=RELATED, exclude=(key,))
        if kind == "les":  # a lesson's nearest lessons are those of `ida similar`
            lessons = index.similar(cursor, key, top=RELATED)
        documents = search.experiment_documents(cursor, [hit.key for hit in experiments])
        names = dict(cursor.execute("select code, naam from vocab.provincies").fetchall())
        titles = dict(cursor.execute("select experiment_key, title from marts.experiments where experiment_key in "
                                     "(select unnest(?))", [[h.experiment_key for h in lessons + experiments]]).fetchall())
        rows = []
        for soort, hits in (("les", lessons), ("experiment", experiments)):
            for hit in hits:
                other = hit.text if soort == "les" else documents.get(hit.key) or hit.text
                rows.append({"soort": soort, "sleutel": hit.key, "provincie": names.get(hit.province_code, hit.province_code),
                             "tekst": hit.text, "experiment_key": hit.experiment_key,
                             "experiment": titles.get(hit.experiment_key, hit.experiment_key), "score": hit.score,
                             "gedeelde woorden": index.shared_words(text or "", other)})
    finally:
        cursor.close()
    return pd.DataFrame(rows)


def related(kind: str, key: str) -> pd.DataFrame:
    """The nearest lessons and experiments of other provinces to a lesson (`kind` "les", `key` its lesson_key) or an
    experiment ("experiment", its experiment_key): soort, sleutel, provincie, tekst (the lesson, or the experiment's
    title), experiment_key, experiment (title), score, gedeelde woorden (the words of the hit that match); best
    first per soort. Empty when the key is unknown."""
    return _related(kind, key, version())


def experiment_lesson_keys(experiment_key: str) -> list[str]:
    """The lesson keys of an experiment, in the order of catalogue.experiment_lessons (date, key)."""
    return frame("select lesson_key from marts.lessons where experiment_key = ? order by lesson_date, lesson_key",
                         experiment_key)["lesson_key"].tolist()
