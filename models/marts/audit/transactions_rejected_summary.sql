-- Rejected lines counted by reason: what the reconciliation test and a data-quality dashboard read.
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
