{#- Fails on every row where the boolean expression is false or null. Unlike
    dbt_utils.expression_is_true, which lets a null result pass, a null fails here. -#}
{% test true_for_every_row(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce({{ expression }}, false)
{% endtest %}
