"""The panel "Wat leerden andere provincies hierover?", shown with every lesson and every experiment: the nearest
lessons and experiments of other provinces, the words they share with this one, and a link to each."""

from __future__ import annotations

import streamlit as st

from apps.queries import learning
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
