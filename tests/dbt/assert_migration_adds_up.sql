-- Each period pair and dimension of segment_migration adds up to the later period's customers and
-- revenue in customer_segment_history; every later period has its pair. Returns what disagrees.
with

migration as (
    select * from {{ ref('segment_migration') }}
),

history as (
    select * from {{ ref('customer_segment_history') }}
),

migration_totals as (
    select
        to_as_of_date,
        dimension,
        sum(customers) as customers,
        sum(revenue) as revenue
    from migration
    group by to_as_of_date, dimension
),

history_totals as (
    select
        as_of_date,
        count(*) as customers,
        sum(monetary) as revenue
    from history
    where as_of_date > (select min(first_history.as_of_date) from history as first_history)
    group by as_of_date
),

dimensions as (
    select 'tier' as dimension
    union all
    select 'segment' as dimension
    union all
    select 'cluster' as dimension
),

expected as (
    select
        history_totals.as_of_date,
        dimensions.dimension,
        history_totals.customers,
        history_totals.revenue
    from history_totals
    cross join dimensions
),

final as (
    select
        expected.as_of_date,
        expected.dimension,
        expected.customers as history_customers,
        migration_totals.customers as migration_customers
    from expected
    left join migration_totals
        on expected.as_of_date = migration_totals.to_as_of_date and expected.dimension = migration_totals.dimension
    where
        migration_totals.customers is null
        or migration_totals.customers != expected.customers
        or abs(migration_totals.revenue - expected.revenue) > 1e-6 * (1 + abs(expected.revenue))
)

select * from final
