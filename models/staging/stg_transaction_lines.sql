{%- set column_types = source_column_types() -%}
{%- set as_of_date = var('as_of_date') -%}
{%- set exclude_returns = (var('returns_policy') == 'exclude') | lower -%}
{%- set reject_zero_amounts = (var('zero_price_policy') == 'reject') | lower -%}
{%- set reject_duplicates = var('duplicate_lines') == 'reject' -%}
{%- set whitespace = var('csv_delimiter') == 'whitespace' -%}

with

-- Only the files this build loads (stg_source_files_to_load), each line with its file.
source as (
    select
        *,
        {{ source_file_column() }} as source_file
    from {{ transactions_source() }}
    {{ source_file_filter(ref('stg_source_files_to_load')) }}
),

{% if reject_duplicates %}
    -- Every exact copy of a line after the first in the same file (every column equal) is marked.
    numbered as (
        select
            *,
            row_number() over (
                partition by source_file{% for column in column_types %}, {{ quoted_identifier(column) }}{% endfor %}
            ) > 1 as is_duplicate
        from source
    ),
{% endif %}

{% if whitespace %}
    -- Whitespace-aligned text: each line split on runs of blanks into fields, mapped by position.
    fields as (
        select
            {{ whitespace_fields('line') }} as fields,
            {{ 'is_duplicate' if reject_duplicates else 'false as is_duplicate' }},
            source_file
        from {{ 'numbered' if reject_duplicates else 'source' }}
    ),
{% endif %}

typed as (
    select
        {{ customer_key(source_column('customer_id'), source_column_type('customer_id', column_types)) }}
            as customer_id,
        {{ as_text(source_column('invoice_id') or 'null') }} as invoice_id,
        {{ as_text(source_column('invoiced_at')) }} as raw_invoiced_at,
        {{ parse_timestamp(source_column('invoiced_at'), source_column_type('invoiced_at', column_types)) }}
            as invoiced_at,
        {% if has_source_column('line_amount') -%}
            {{ as_text(source_column('line_amount')) }} as raw_amount,
            cast(null as double) as quantity,
            cast(null as double) as unit_price,
            {{ parse_amount(source_column('line_amount'), source_column_type('line_amount', column_types)) }}
                as given_line_amount,
        {%- else -%}
            {{ as_text(source_column('quantity')) }} || ' x '
            || {{ as_text(source_column('unit_price')) }} as raw_amount,
            {{ parse_amount(source_column('quantity'), source_column_type('quantity', column_types)) }} as quantity,
            {{ parse_amount(source_column('unit_price'), source_column_type('unit_price', column_types)) }}
                as unit_price,
            cast(null as double) as given_line_amount,
        {%- endif %}
        {{ as_text(source_column('country') or 'null') }} as country,
        {{ 'is_duplicate' if reject_duplicates or whitespace else 'false as is_duplicate' }},
        source_file
    from {{ 'fields' if whitespace else ('numbered' if reject_duplicates else 'source') }}
),

amounts as (
    select
        *,
        coalesce(given_line_amount, quantity * unit_price) as line_amount
    from typed
),

flagged as (
    select
        *,
        coalesce(quantity, line_amount) < 0 as is_return,
        coalesce(invoice_id like 'C%', false) as is_cancellation
    from amounts
),

judged as (
    select
        *,
        case
            when is_duplicate then 'duplicate line'
            when customer_id is null then 'no customer'
            when invoiced_at is null then 'missing timestamp'
            when line_amount is null then 'missing or non-numeric amount'
            when not {{ is_finite('line_amount') }} then 'infinite or NaN amount'
            -- Monetary is summed as exact decimals of 18 digits with 4 after the point.
            when abs(line_amount) >= 1e13 then 'amount too large (1e13 or more)'
            {% if var('country_filter') -%}
                when country is null or country not in (
                    {%- for country in var('country_filter') -%}
                        {{ sql_string(country) }}{{ ", " if not loop.last }}
                    {%- endfor -%}
                ) then 'country not in country_filter'
            {% endif %}
            {% if as_of_date %}
                when invoiced_at >= cast({{ sql_string(as_of_date) }} as date) then 'on or after the as-of date'
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
        source_file,
        customer_id,
        invoice_id,
        raw_invoiced_at,
        invoiced_at,
        cast(invoiced_at as date) as invoice_date,
        raw_amount,
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
