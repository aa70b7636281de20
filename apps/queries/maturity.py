"""Queries of the page area Volwassenheid (the provinces' zelfscan along the recommendations)."""

from __future__ import annotations

import pandas as pd

from apps.queries import frame


def latest_scan() -> pd.DataFrame:
    """Per province its latest scan: one row per recommendation it scored, with the change since its previous scan."""
    return frame("""
        select province_code, province_name as provincie, recommendation, recommendation_number as nummer,
               recommendation_label as aanbeveling, recommendation_number || ' ' || recommendation_short_label as kort,
               recommendation_order, reference_date as peildatum,
               level as niveau, level_label as niveaunaam, level_change as verandering,
               coalesce(explanation, '') as toelichting
        from marts.maturity
        where is_latest_scan
        order by province_name, recommendation_order
    """)


def trend(province: str) -> pd.DataFrame:
    """Every scan of one province: level per recommendation per reference date."""
    return frame("""
        select reference_date as peildatum, strftime(reference_date, '%d-%m-%Y') as peildatum_tekst,
               recommendation_number || ' ' || recommendation_short_label as aanbeveling,
               recommendation_order, level as niveau, level_label as niveaunaam
        from marts.maturity
        where province_code = ?
        order by reference_date, recommendation_order
    """, province)


def furthest_ahead() -> pd.DataFrame:
    """Per recommendation the provinces with the highest level in their latest scan (ties all listed): whom to ask."""
    return frame("""
        with ranked as (
            select recommendation_order, recommendation_number || '. ' || recommendation_label as aanbeveling,
                   province_name, level, level_label,
                   rank() over (partition by recommendation order by level desc) as plaats
            from marts.maturity
            where is_latest_scan
        )
        select aanbeveling, any_value(level) as niveau, any_value(level_label) as niveaunaam,
               string_agg(province_name, ', ' order by province_name) as provincies, recommendation_order
        from ranked
        where plaats = 1
        group by aanbeveling, recommendation_order
        order by recommendation_order
    """)


def recommendations() -> pd.DataFrame:
    """The six lines of the zelfscan, in the report's order, with their description."""
    return frame("select code, nummer, kort, label, omschrijving from vocab.aanbevelingen order by volgorde")
