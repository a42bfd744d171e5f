{#- The fields of a whitespace-aligned text line: split on runs of blanks (spaces,
    tabs, a carriage return), leading and trailing blanks ignored. -#}
{% macro whitespace_fields(line) %}
    regexp_split_to_array(regexp_replace({{ line }}, '^\s+|\s+$', '', 'g'), '\s+')
{%- endmacro %}
