{{ config(materialized='table') }}
{%- set incremental = loads_files_incrementally() -%}
{%- set loaded = adapter.get_relation(this.database, this.schema, 'source_files_loaded') -%}
{%- set reads_only_new_files = incremental and loaded is not none and not flags.FULL_REFRESH -%}
{%- if execute and reads_only_new_files -%}
    {%- do check_loaded_files(loaded) -%}
{%- endif -%}
-- The files this build reads, listed once so that every model of the build reads the same ones: with
-- a glob (loaded incrementally), its files not in source_files_loaded yet (all on a full refresh);
-- otherwise the one file, table or workbook, read whole.
with

{% if var('source_table') or target.type != 'duckdb' %}
    -- One name for the whole source: the table, or the path Spark reads (read in full every build).
    current_files as (
        select
            {{ source_file_column() }} as path,
            cast(null as bigint) as size_bytes,
            cast(null as timestamp) as modified_at
    ),
{% else %}
    current_files as (
        select
            filename as path,  -- noqa: RF04
            size as size_bytes,
            last_modified as modified_at
        from read_blob({{ sql_string(var('source_path')) }})
    ),
{% endif %}

final as (
    select
        path,
        size_bytes,
        modified_at
    from current_files
    {%- if reads_only_new_files %}
        where path not in (select loaded.path from {{ loaded }} as loaded)
    {%- endif %}
)

select * from final
