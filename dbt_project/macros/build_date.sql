{#-
    The day the marts are built: time spent in a phase that is still current counts until today.
    A macro, so a unit test can pin it (overrides: macros: build_date).
-#}
{% macro build_date() %}current_date{% endmacro %}
