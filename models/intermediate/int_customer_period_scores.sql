{{ config(
    materialized='incremental',
    unique_key='as_of_date',
    incremental_strategy='delete+insert',
    full_refresh=file_state_full_refresh(),
    post_hook="delete from {{ this }} where as_of_date not in (select as_of_date from {{ ref('int_history_periods') }} where is_reported)"
) }}
-- depends_on: {{ ref('stg_source_files_to_load') }}
-- depends_on: {{ ref('int_invoice_day_activity') }}
{%- set settings = scoring_settings(ref('rfm_segment_map')) %}
-- One row per customer per reported period end: scores, tier rank and named segment, each period
-- scored among its own customers by the rules of the current tables (macros rfm_score_ctes and
-- rfm_segment_ctes). Incremental by period: a daily build scores only the periods its new lines fall
-- before, periods not stored yet (the new as-of date) and periods stored under other scoring settings;
-- the post-hook drops periods no longer reported.
with

customers as (
    select * from {{ ref('int_customer_period_rfm') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

periods as (
    select * from {{ ref('int_history_periods') }}
),

{% if is_incremental() %}
    new_days as (
        select min(days.invoice_date) as first_new_day
        from {{ ref('int_invoice_day_activity') }} as days
        where days.source_file in (select files.path from {{ ref('stg_source_files_to_load') }} as files)
    ),

    periods_to_score as (
        select periods.as_of_date
        from periods
        cross join new_days
        where
            periods.is_reported
            and (
                periods.as_of_date > new_days.first_new_day
                or periods.as_of_date not in (
                    select stored.as_of_date from {{ this }} as stored
                    where stored.scoring_settings = {{ sql_string(settings) }}
                )
            )
    ),
{% endif %}

-- Only what the rules read: the windows below carry every column, so the rows stay narrow.
period_customers as (
    select
        customer_key,
        as_of_date,
        recency_days,
        frequency,
        monetary
    from customers
    {%- if is_incremental() %}
        where as_of_date in (select periods_to_score.as_of_date from periods_to_score)
    {%- endif %}
),

{{ rfm_score_ctes('period_customers', 'as_of_date') }}

{{ rfm_segment_ctes('tiered', 'as_of_date') }}

final as (
    select
        as_of_date,
        customer_key,
        recency_days,
        frequency,
        monetary,
        r_score,
        f_score,
        m_score,
        rfm_score,
        tier_rank,
        rfm_segment,
        {{ sql_string(settings) }} as scoring_settings
    from segmented
)

select * from final
