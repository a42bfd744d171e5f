{{ config(full_refresh=file_state_full_refresh()) }}
-- Raw lines per source file and staging rejection reason (null: used), for the reconciliation
-- raw = used + rejected over every file loaded.
with

lines as (
    select * from {{ ref('stg_transaction_lines') }}
),

final as (
    select
        source_file,
        rejection_reason,
        cast(count(*) as {{ dbt.type_bigint() }}) as line_count
    from lines
    group by source_file, rejection_reason
)

select * from final
