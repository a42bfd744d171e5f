-- The transaction lines that count: purchases, and returns when returns_policy = net.
with

lines as (
    select * from {{ ref('stg_transaction_lines') }}
),

final as (
    select
        source_file,
        customer_id,
        invoice_id,
        invoiced_at,
        invoice_date,
        quantity,
        unit_price,
        line_amount,
        country,
        is_return,
        is_cancellation
    from lines
    where rejection_reason is null
)

select * from final
