-- Rejected lines counted by reason, over every file loaded: what the reconciliation test and a
-- data-quality dashboard read. Staging's reasons come from the per-file line counts; a return by a
-- customer who never bought is counted from the activity, since a later file can bring the purchase.
with

line_counts as (
    select * from {{ ref('int_source_file_line_counts') }}
),

activity as (
    select * from {{ ref('int_customer_activity') }}
),

staging_reasons as (
    select
        rejection_reason,
        sum(line_count) as rejected_lines
    from line_counts
    where rejection_reason is not null
    group by rejection_reason
),

returns_without_purchase as (
    select
        'return by a customer with no purchase' as rejection_reason,
        sum(return_lines) as rejected_lines
    from activity
    where not has_purchase
    having count(*) > 0
),

final as (
    select
        rejection_reason,
        cast(rejected_lines as {{ dbt.type_bigint() }}) as rejected_lines
    from staging_reasons
    union all
    select
        rejection_reason,
        cast(rejected_lines as {{ dbt.type_bigint() }}) as rejected_lines
    from returns_without_purchase
)

select * from final
