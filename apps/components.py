"""Pieces every page uses: the guard for a platform without data, and the numbers behind a chart."""

import pandas as pd
import streamlit as st

from apps import queries


def require_data() -> None:
    """Stop the page with a plain explanation when the pipeline has not published anything yet."""
    try:
        queries.version()
    except queries.NotPublished:
        st.info("Er zijn nog geen gegevens. Draai eerst de pijplijn: `make pipeline` of `ida pipeline`.")
        st.stop()


def numbers_behind(table: pd.DataFrame, file_name: str) -> None:
    """The numbers of a chart, one click away, with a CSV download."""
    with st.expander("Cijfers bij deze grafiek"):
        st.dataframe(table, hide_index=True, use_container_width=True)
        st.download_button("Download als CSV", table.to_csv(index=False).encode("utf-8"), file_name=file_name,
                           mime="text/csv", key=f"download-{file_name}")
