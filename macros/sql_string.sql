{#- A value as a SQL string literal, single quotes doubled: how every var reaches SQL as text. -#}
{% macro sql_string(value) %}
    {{- return(adapter.dispatch('sql_string')(value)) -}}
{% endmacro %}

{% macro default__sql_string(value) %}
    {{- return("'" ~ (value | string | replace("'", "''")) ~ "'") -}}
{% endmacro %}

{#- Spark string literals also read a backslash as an escape: it is doubled, so it stays a character. -#}
{% macro spark__sql_string(value) %}
    {{- return("'" ~ (value | string | replace("\\", "\\\\") | replace("'", "''")) ~ "'") -}}
{% endmacro %}
