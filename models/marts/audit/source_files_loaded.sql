{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    unique_key='path',
    incremental_strategy='delete+insert',
    full_refresh=file_state_full_refresh()
) }}
-- depends_on: {{ ref('int_invoice_day_activity') }}
-- depends_on: {{ ref('int_holdout_purchase_days') }}
-- depends_on: {{ ref('int_customer_period_activity') }}
-- depends_on: {{ ref('int_customer_activity') }}
-- depends_on: {{ ref('int_customer_purchase_days') }}
-- One row per source file loaded, with its raw lines and those staging rejected. Written after every
-- incremental model (the depends_on lines above), so a file is listed only once its lines are in all
-- of them: a build stopped before this point reads the same files again, and each incremental model
-- recomputes and replaces the rows of those files (or of their customers).
with

files as (
    select * from {{ ref('stg_source_files_to_load') }}
),

line_counts as (
    select * from {{ ref('int_source_file_line_counts') }}
),

per_file as (
    select
        source_file,
        sum(line_count) as line_count,
        sum(case when rejection_reason is not null then line_count else 0 end) as rejected_lines
    from line_counts
    group by source_file
),

final as (
    select
        files.path,
        files.size_bytes,
        files.modified_at,
        -- `lines` is a keyword to the linter only; DuckDB and BI tools read it as a column.
        cast(coalesce(per_file.line_count, 0) as {{ dbt.type_bigint() }}) as lines,  -- noqa: RF04
        cast(coalesce(per_file.rejected_lines, 0) as {{ dbt.type_bigint() }}) as rejected_lines,
        current_timestamp as loaded_at,
        {{ sql_string(load_settings()) }} as load_settings
    from files
    left join per_file on files.path = per_file.source_file
)

select * from final
