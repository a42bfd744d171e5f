-- Every raw line that is not used, with the reason. Raw rows = used lines + these rows.
-- A view: it reads the source when queried, so a build never writes out millions of rejected lines.
with

lines as (
    select * from {{ ref('stg_transaction_lines') }}
),

activity as (
    select * from {{ ref('int_customer_activity') }}
),

customers_without_purchase as (
    select customer_id from activity  -- the key in the source's type, as in lines
    where not has_purchase
),

final as (
    select
        {{ customer_id_text('lines.customer_id') }} as customer_id,
        lines.invoice_id,
        lines.raw_invoiced_at,
        lines.invoiced_at,
        lines.quantity,
        lines.unit_price,
        lines.line_amount,
        lines.country,
        lines.is_return,
        lines.is_cancellation,
        coalesce(lines.rejection_reason, 'return by a customer with no purchase') as rejection_reason
    from lines
    where
        lines.rejection_reason is not null
        or (
            lines.is_return
            and lines.customer_id in (select customers_without_purchase.customer_id from customers_without_purchase)
        )
)

select * from final
