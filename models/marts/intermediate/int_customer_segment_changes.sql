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

-- The last period end in another segment, and the first period end of all (hash joins, no sort).
segment_runs as (
    select
        latest.customer_id,
        max(case when history.rfm_segment != latest.rfm_segment then history.as_of_date end)
            as last_other_as_of_date,
        min(history.as_of_date) as first_as_of_date
    from history
    inner join latest on history.customer_id = latest.customer_id
    group by latest.customer_id
),

-- The run starts at the period end after the last one in another segment, else at the first.
final as (
    select
        latest.customer_id,
        latest.previous_rfm_tier,
        latest.previous_rfm_segment,
        coalesce(run_start.as_of_date, segment_runs.first_as_of_date) as rfm_segment_since
    from latest
    inner join segment_runs on latest.customer_id = segment_runs.customer_id
    left join periods as run_start
        on
            run_start.is_reported
            and segment_runs.last_other_as_of_date = run_start.previous_as_of_date
)

select * from final
