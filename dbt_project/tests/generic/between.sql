{#- Every value of the column lies between `min_value` and `max_value` (inclusive); nulls are not_null's business. -#}
{% test between(model, column_name, min_value, max_value) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}

{% endtest %}
