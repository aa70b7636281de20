{#-
    Upsert semantics over the append-only raw layer: of all versions of a key, the one from the latest
    delivery wins (`loaded_at`), then the highest `source_row`; `delivery_id` only makes ties deterministic.
-#}
{% macro latest_per_key(relation, key_columns) %}
    select *
    from {{ relation }}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by loaded_at desc, source_row desc, delivery_id desc
    ) = 1
{% endmacro %}
