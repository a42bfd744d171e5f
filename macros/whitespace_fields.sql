{#- The fields of a whitespace-aligned text line: split on runs of blanks, leading blanks ignored. -#}
{% macro whitespace_fields(line) %}
    regexp_split_to_array(trim({{ line }}), '\s+')
{%- endmacro %}
