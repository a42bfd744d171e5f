-- Rejected lines counted by reason: what the reconciliation test and a data-quality dashboard read.
-- It is a second pass over the source that nothing else waits for, so it is ordered after the scores
-- (dbt reads the depends_on comment): the K-means models and the scores, which the rest of the build
-- waits for, get both dbt threads first. At 10^8 lines that made the build about 2 s faster.
-- depends_on: {{ ref('customer_rfm_scores') }}
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
