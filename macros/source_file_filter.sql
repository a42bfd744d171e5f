{#- The files this build reads, as a filter on the raw source: with a glob loaded incrementally, the
    files listed in stg_source_files_to_load (as constants, so DuckDB opens no other file); otherwise
    none. Unit tests override this macro. -#}
{% macro source_file_filter(files_relation) %}
    {%- if not loads_files_incrementally() or not execute -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set paths = run_query("select path from " ~ files_relation ~ " order by path").columns[0].values() -%}
    {%- if paths | length == 0 -%}
        {{- return('where false') -}}
    {%- endif -%}
    {{- return('where filename in (' ~ sql_string_list(paths) ~ ')') -}}
{% endmacro %}
