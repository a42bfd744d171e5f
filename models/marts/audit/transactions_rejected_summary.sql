-- Rejected lines counted by reason: what the reconciliation test and a data-quality dashboard read.
-- A second pass over the source that nothing else waits for. dbt may start it beside the scores and
-- the K-means models (no false lineage steers it later); at 10^8 lines that cost about 2 s.
with

rejected as (
    select * from {{ ref('transactions_rejected') }}
),

final as (
    select
        rejection_reason,
        count(*) as rejected_lines
    from rejected
    group by rejection_reason
)

select * from final
