{%- set has_line_amount = has_source_column('line_amount') -%}
{%- set as_of_date = var('as_of_date') -%}
{%- set exclude_returns = (var('returns_policy') == 'exclude') | lower -%}
{%- set reject_zero_amounts = (var('zero_price_policy') == 'reject') | lower -%}
{#- A numeric customer key is grouped as it is (far faster than text); text (or unknown) keys are trimmed. -#}
{%- set customer_key_is_text = source_column_is_text('customer_id') -%}

with

source as (
    select * from {{ ref('stg_transactions_source') }}
),

typed as (
    select
        {% if customer_key_is_text -%}
            nullif(trim(cast({{ source_column('customer_id') }} as {{ dbt.type_string() }})), '')
        {%- else -%}
            {{ source_column('customer_id') }}
        {%- endif %} as customer_id,
        {% if has_source_column('invoice_id') -%}
            cast({{ source_column('invoice_id') }} as {{ dbt.type_string() }})
        {%- else -%}
            cast(null as {{ dbt.type_string() }})
        {%- endif %} as invoice_id,
        cast({{ source_column('invoiced_at') }} as {{ dbt.type_string() }}) as raw_invoiced_at,
        {{ parse_timestamp(source_column('invoiced_at')) }} as invoiced_at,
        {% if has_line_amount -%}
            cast(null as double) as quantity,
            cast(null as double) as unit_price,
            try_cast({{ source_column('line_amount') }} as double) as line_amount,
        {%- else -%}
            try_cast({{ source_column('quantity') }} as double) as quantity,
            try_cast({{ source_column('unit_price') }} as double) as unit_price,
            try_cast({{ source_column('quantity') }} as double)
            * try_cast({{ source_column('unit_price') }} as double) as line_amount,
        {%- endif %}
        {% if has_source_column('country') -%}
            cast({{ source_column('country') }} as {{ dbt.type_string() }})
        {%- else -%}
            cast(null as {{ dbt.type_string() }})
        {%- endif %} as country
    from source
),

flagged as (
    select
        *,
        coalesce(quantity, line_amount) < 0 as is_return,
        coalesce(invoice_id like 'C%', false) as is_cancellation
    from typed
),

judged as (
    select
        *,
        case
            when customer_id is null then 'no customer'
            when invoiced_at is null then 'missing timestamp'
            when line_amount is null then 'missing or non-numeric amount'
            {% if var('country_filter') -%}
                when country is null or country not in (
                    {%- for country in var('country_filter') -%}
                        '{{ country | replace("'", "''") }}'{{ ", " if not loop.last }}
                    {%- endfor -%}
                ) then 'country not in country_filter'
            {% endif %}
            {% if as_of_date %}
                when invoiced_at >= cast('{{ as_of_date }}' as date) then 'on or after the as-of date'
            {% endif %}
            when unit_price < 0 then 'negative unit price'
            when quantity = 0 then 'zero quantity'
            when is_return and {{ exclude_returns }} then 'return (returns_policy = exclude)'
            when line_amount = 0 and {{ reject_zero_amounts }} then 'zero amount (zero_price_policy = reject)'
        end as rejection_reason
    from flagged
),

final as (
    select
        customer_id,
        invoice_id,
        raw_invoiced_at,
        invoiced_at,
        cast(invoiced_at as date) as invoice_date,
        quantity,
        unit_price,
        line_amount,
        country,
        is_return,
        is_cancellation,
        rejection_reason
    from judged
)

select * from final
