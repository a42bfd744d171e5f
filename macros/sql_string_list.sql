{#- Values as a comma-separated list of SQL string literals (macro sql_string), for an `in (...)`. -#}
{% macro sql_string_list(values) %}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- do literals.append(sql_string(value)) -%}
    {%- endfor -%}
    {{- return(literals | join(', ')) -}}
{% endmacro %}
