{{ config(full_refresh=file_state_full_refresh()) }}
-- The build's one pass over the used lines, kept per source file: one row per file, customer, invoice
-- and day with purchase and return totals. Every per-customer and per-period figure (activity, history,
-- CLV) adds these rows up, so a daily build reads only its new files and the sums stay exact: amounts
-- are exact decimals, and an invoice whose lines arrive in several files is one (customer, invoice)
-- pair wherever its rows are.
with

lines as (
    select * from {{ ref('int_used_lines') }}
),

final as (
    select
        source_file,
        customer_id,
        invoice_id,
        invoice_date,
        min(case when not is_return then invoiced_at end) as first_purchase_at,
        max(case when not is_return then invoiced_at end) as last_purchase_at,
        max(invoiced_at) as last_activity_at,
        cast(count(case when not is_return then 1 end) as {{ dbt.type_bigint() }}) as purchase_lines,
        cast(count(case when is_return then 1 end) as {{ dbt.type_bigint() }}) as return_lines,
        -- Exact decimals (to 1/100 of a cent): a float sum depends on the order threads add in.
        sum(case when not is_return then cast(line_amount as decimal(18, 4)) end) as purchase_amount,
        sum(case when is_return then cast(line_amount as decimal(18, 4)) end) as return_amount
    from lines
    group by source_file, customer_id, invoice_id, invoice_date
)

select * from final
