{#- The customer key of a raw value, one form per customer: an integer column stays as it is; a
    floating-point or decimal column of whole numbers (13085.0, checked before the build) becomes an
    integer; text is trimmed, empty text is no customer, and a whole number written with a decimal
    point ("10000.0", as spreadsheets export) loses it, so "10000" and "10000.0" are one customer. -#}
{% macro customer_key(expression, column_type) %}
    {%- set kind = numeric_kind(column_type) -%}
    {%- if kind == 'integer' -%}
        {{ expression }}
    {%- elif kind == 'fractional' -%}
        cast({{ expression }} as bigint)
    {%- else -%}
        nullif({{ whole_number_text('trim(' ~ as_text(expression) ~ ')') }}, '')
    {%- endif -%}
{% endmacro %}
