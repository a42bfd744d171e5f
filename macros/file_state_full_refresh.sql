{#- The config full_refresh of the per-file and per-customer tables: rebuilt by every build unless the
    source is a glob loaded incrementally, where they are rebuilt only on `dbt build --full-refresh`. -#}
{% macro file_state_full_refresh() %}
    {{- return(none if loads_files_incrementally() else true) -}}
{% endmacro %}
