{{ config(full_refresh=file_state_full_refresh()) }}
-- Purchase days on or after the var as_of_date (lines the build rejects for that reason), per source
-- file and customer: the CLV holdout. Empty unless as_of_date is set.
with

lines as (
    select * from {{ ref('stg_transaction_lines') }}
),

final as (
    select distinct
        source_file,
        customer_id,
        invoice_date
    from lines
    where
        {% if var('as_of_date') -%}
            rejection_reason = 'on or after the as-of date'
            and not is_return
        {%- else -%}
            false
        {%- endif %}
)

select * from final
