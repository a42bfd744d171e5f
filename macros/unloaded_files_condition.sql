{#- A condition on the raw source that keeps the lines of files not loaded yet, so the checks of
    on-run-start read only what this build will load: with a glob loaded incrementally, files not in
    source_files_loaded (every file on a full refresh); otherwise true. -#}
{% macro unloaded_files_condition() %}
    {%- set loaded = adapter.get_relation(target.database, target.schema, 'source_files_loaded') -%}
    {%- if not loads_files_incrementally() or loaded is none or flags.FULL_REFRESH -%}
        {{- return('true') -}}
    {%- endif -%}
    {%- set paths = run_query("select path from " ~ loaded).columns[0].values() -%}
    {{- return('filename not in (' ~ sql_string_list(paths) ~ ')' if paths else 'true') -}}
{% endmacro %}
