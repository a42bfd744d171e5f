-- Rejected lines counted by reason: what the reconciliation test and a data-quality dashboard read.
-- Built after customer_rfm_scores on purpose (dbt reads this depends_on comment): it is a second pass
-- over the source, and it then runs beside the K-means models, which use one core, rather than
-- competing with the scores for both.
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
