{#- A value as a SQL string literal: how every var reaches SQL as text. -#}
{% macro sql_string(value) %}
    {{- return(adapter.dispatch('sql_string')(value)) -}}
{% endmacro %}

{#- Standard SQL: single quotes doubled. -#}
{% macro default__sql_string(value) %}
    {{- return("'" ~ (value | string | replace("'", "''")) ~ "'") -}}
{% endmacro %}

{#- Spark reads '' as two adjacent literals ('Can''t' is "Cant") and a backslash as an escape: both
    are escaped with a backslash. -#}
{% macro spark__sql_string(value) %}
    {{- return("'" ~ (value | string | replace("\\", "\\\\") | replace("'", "\\'")) ~ "'") -}}
{% endmacro %}
