{#-
    The provinces an increment rebuilds (source pipeline.build_scope), for the incremental marts.

    in_build_scope(): on an increment, "`column` in ('PV26', …)" as a literal list read when the model runs, else
    true. A literal lets DuckDB push the filter below the window functions of the intermediate views, a
    semi-join on the table does not (int_lessons_current for one province at 12 × 1,000 × 20: 0.03 s against
    0.19 s).

    delete_build_scope(): the pre-hook of an incremental mart (strategy append): on an increment, delete the rows
    of those provinces, so that what the model selects replaces them whole, also when a province has none left
    (its last experiment withdrawn); delete+insert on province_code would keep those.
-#}
{% macro in_build_scope(column='province_code') %}
    {#- source() only when the model runs: called at parse time, it would make the control table an upstream
        asset of the mart in Dagster's graph -#}
    {%- if is_incremental() and execute -%}
        {%- set scope = source('pipeline', 'build_scope') -%}
        {%- set codes = run_query('select province_code from ' ~ scope ~ ' order by 1').columns[0].values() -%}
        {{ column }} in ({% for code in codes %}'{{ code | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor %}{{ "null" if not codes }})
    {%- else -%}
        true
    {%- endif -%}
{% endmacro %}


{% macro delete_build_scope() %}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_build_scope() }}
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}
