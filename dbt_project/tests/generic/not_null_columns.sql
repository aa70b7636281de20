{#- None of these columns is ever null: one query per model instead of one test node per column (a build
    runs hundreds fewer nodes). A failure returns each column that holds nulls, with how many rows. -#}
{% test not_null_columns(model, column_names) %}

{% for column in column_names %}
select '{{ column }}' as null_column, count(*) as null_rows
from {{ model }}
where {{ column }} is null
having count(*) > 0
{% if not loop.last %}union all{% endif %}
{% endfor %}

{% endtest %}
