"""The panel "Wat leerden andere provincies hierover?", shown with every lesson and every experiment: the nearest
lessons and experiments of other provinces, the words they share with this one, and a link to each. And an
experiment's learning questions with the lessons that answer them, explicitly or as a suggestion."""

from __future__ import annotations

import streamlit as st

from apps import queries
from apps.queries import agenda, learning
from apps.components import md
from ida import search

TITLE = "Wat leerden andere provincies hierover?"


def related_panel(kind: str, key: str, expanded: bool = False) -> None:
    """The panel for a lesson (`kind` "les") or an experiment ("experiment"), in an expander."""
    with st.expander(TITLE, expanded=expanded, icon=":material/diversity_3:"):
        try:
            found = learning.related(kind, key)
        except search.NotIndexed:
            st.text("Deze gegevens zijn gepubliceerd zonder zoekindex. Draai de pijplijn opnieuw (ida pipeline).")
            return
        if found.empty:
            st.text("Andere provincies leverden nog niets aan dat hierop lijkt.")
            return
        for soort, heading in (("les", "Lessen"), ("experiment", "Experimenten")):
            hits = found[found["soort"] == soort]
            if hits.empty:
                continue
            st.markdown(f"**{heading} van andere provincies**")
            for _, hit in hits.iterrows():
                st.text(hit["tekst"])
                shared = ", ".join(hit["gedeelde woorden"]) or "geen (verwant via synoniemen of woorddelen)"
                st.caption(f"{md(hit['provincie'])} · gedeelde woorden: {md(shared)}")
                label = f"Experiment: {hit['experiment']}" if soort == "les" else f"Open {hit['experiment']}"
                # a button, not st.page_link: a page link to the page one is on (Catalogus) does not open it
                if st.button(md(label), key=f"andere-{kind}-{key}-{soort}-{hit['sleutel']}", icon=":material/science:",
                             type="tertiary"):
                    st.switch_page("views/catalogus.py", query_params={"experiment": hit["experiment_key"]})


def questions_panel(experiment_key: str) -> list[tuple[str, str, str]]:
    """Each learning question of the experiment with the lessons that answer it: its own lessons that name it, and
    alike lessons of any province marked as suggestie. Returns the entries for the meeting report."""
    found = agenda.questions(experiment_key)
    st.markdown(f"**Leervragen en hun antwoorden** ({len(found)})")
    if not found:
        st.text("Dit experiment heeft geen leervragen opgegeven.")
        return []
    names = queries.province_names()
    entries = []
    for question in found:
        with st.container(border=True, key=f"leervraag-{question.position}"):
            st.text(f"{question.position}. {question.text}")
            if question.answered:
                st.badge("Beantwoord", color="green", icon=":material/check:")
            else:
                st.badge("Nog geen les die haar beantwoordt", color="orange")
            for answer in question.answered_by:
                st.text(answer.text)
                st.caption(f"Antwoord · les {md(answer.lesson_key)}")
            for suggestion in question.suggested:
                st.text(suggestion.text)
                st.caption(f"Suggestie · {md(names.get(suggestion.province_code, suggestion.province_code))} · les "
                           f"{md(suggestion.lesson_key)} · lijkt erop met score {suggestion.score:.1f}")
        answers = [f"Antwoord ({a.lesson_key}): {a.text}" for a in question.answered_by]
        answers += [f"Suggestie ({s.lesson_key}, {names.get(s.province_code, s.province_code)}): {s.text}"
                    for s in question.suggested]
        entries.append((f"{question.position}. {question.text}",
                        "beantwoord" if question.answered else "nog niet beantwoord",
                        "\n".join(answers) or "Nog geen les die haar beantwoordt of erop lijkt."))
    return entries
