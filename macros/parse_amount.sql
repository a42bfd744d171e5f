{#- A raw amount, quantity or price as a double; null when it is not a number. Text written with a
    decimal comma (var decimal_separator = ',') has its thousands points removed and its comma read as
    the decimal point: "1.234,50" is 1234.5. Typed numbers are taken as they are. -#}
{% macro parse_amount(expression, column_type) %}
    {%- if numeric_kind(column_type) -%}
        cast({{ expression }} as double)
    {%- elif var('decimal_separator') == ',' -%}
        try_cast(replace(replace(trim({{ expression }}), '.', ''), ',', '.') as double)
    {%- else -%}
        try_cast(trim({{ as_text(expression) }}) as double)
    {%- endif -%}
{% endmacro %}
