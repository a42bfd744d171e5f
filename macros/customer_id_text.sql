{#- The customer key as the text customer_id every mart shows: the one place it becomes text. -#}
{% macro customer_id_text(customer_key) %}
    cast({{ customer_key }} as {{ dbt.type_string() }})
{%- endmacro %}
