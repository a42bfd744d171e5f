{#- A value as a SQL string literal, single quotes doubled: how every var reaches SQL as text. -#}
{% macro sql_string(value) %}
    {{- return("'" ~ (value | string | replace("'", "''")) ~ "'") -}}
{% endmacro %}
