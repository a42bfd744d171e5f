-- Stops the build before any mart is replaced when no line could be used, and says why: how many
-- lines each reason rejected, with an example of the raw value.
{%- set customers_relation = ref('int_customer_rfm') -%}
{%- set lines_relation = ref('stg_transaction_lines') -%}
{#- The check needs the built model (not there when sqlfluff compiles against a scratch database). -#}
{%- if execute and load_relation(customers_relation) is not none -%}
    {%- set customers = run_query("select count(*) from " ~ customers_relation).columns[0].values()[0] -%}
    {%- if customers == 0 -%}
        {%- set breakdown -%}
            select
                rejection_reason,
                count(*) as lines,
                any_value(coalesce(
                    case when rejection_reason like '%amount%' then raw_amount end,
                    case when rejection_reason like '%timestamp%' or rejection_reason like '%as-of%' then raw_invoiced_at end,
                    {{ as_text('customer_id') }},
                    ''
                )) as example
            from {{ lines_relation }}
            group by rejection_reason
            order by lines desc, rejection_reason
        {%- endset -%}
        {%- set reasons = run_query(breakdown).rows -%}
        {%- set total = reasons | sum(attribute=1) -%}
        {%- if total == 0 -%}
            {{- exceptions.raise_compiler_error("The source has no lines (a header-only or empty file?): nothing to segment, nothing was replaced.") -}}
        {%- endif -%}
        {%- set parts = [] -%}
        {%- set hint = [] -%}
        {%- for reason, lines, example in reasons -%}
            {%- do parts.append((reason or 'return by a customer with no purchase') ~ " (" ~ "{:,}".format(lines) ~ "), e.g. '" ~ example ~ "'") -%}
            {%- if reason == 'missing or non-numeric amount' and ',' in example -%}
                {%- do hint.append(" Amounts written with a decimal comma need the var decimal_separator: ','.") -%}
            {%- endif -%}
        {%- endfor -%}
        {{- exceptions.raise_compiler_error("All " ~ "{:,}".format(total) ~ " lines were rejected, so there is no customer to segment and nothing was replaced: " ~ parts | join("; ") ~ "." ~ hint | join) -}}
    {%- endif -%}
{%- endif %}

select customer_id from {{ customers_relation }}
where false
