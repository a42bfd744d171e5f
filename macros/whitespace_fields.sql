{#- The fields of a whitespace-aligned text line: split on runs of blanks (spaces,
    tabs, a carriage return), leading and trailing blanks ignored. -#}
{% macro whitespace_fields(line) %}
    {{- return(adapter.dispatch('whitespace_fields')(line)) -}}
{% endmacro %}

{% macro default__whitespace_fields(line) %}
    {{- exceptions.raise_compiler_error("Whitespace-separated text (csv_delimiter: whitespace) is not supported on " ~ target.type ~ ": convert the file to CSV or Parquet, or build on DuckDB.") -}}
{% endmacro %}

{% macro duckdb__whitespace_fields(line) %}
    regexp_split_to_array(regexp_replace({{ line }}, '^\s+|\s+$', '', 'g'), '\s+')
{%- endmacro %}
