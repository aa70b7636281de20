{#- `relationships` for a list column: every element must exist in `to`.`field` (e.g. a vocabulary seed). -#}
{% test list_relationships(model, column_name, to, field) %}

with

elements as (

    select distinct unnest({{ column_name }}) as element
    from {{ model }}

),

allowed as (

    select {{ field }} as element from {{ to }}

)

select elements.element
from elements
left join allowed on elements.element = allowed.element
where elements.element is not null
  and allowed.element is null

{% endtest %}
