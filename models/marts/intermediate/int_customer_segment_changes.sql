-- Per customer at the build's own as-of date: the tier and segment at the previous period end, and
-- since when the customer has been in the current segment without a break. A step of
-- dim_customer_segments (its only reader), computed within its query; empty when history is off.
with

history as (
    select * from {{ ref('customer_segment_history') }}
),

periods as (
    select * from {{ ref('int_history_periods') }}
),

build_date as (
    select max(as_of_date) as as_of_date
    from periods
    where is_reported
),

latest as (
    select history.*
    from history
    inner join build_date on history.as_of_date = build_date.as_of_date
),

-- A run in a segment starts at a period end whose segment differs from the previous one, or where the
-- customer is new: the current run is the latest such start (one grouping, no join over the history).
run_starts as (
    select
        customer_id,
        max(as_of_date) as rfm_segment_since
    from history
    where coalesce(previous_rfm_segment != rfm_segment, true)
    group by customer_id
),

final as (
    select
        latest.customer_id,
        latest.previous_rfm_tier,
        latest.previous_rfm_segment,
        run_starts.rfm_segment_since
    from latest
    inner join run_starts on latest.customer_id = run_starts.customer_id
)

select * from final
