-- Stops the build before any mart is replaced when the CLV model cannot be fitted: BG/NBD needs at
-- least 2 customers who bought on two or more days (x > 0). Read from int_customer_rfm, which every mart
-- descends from, so a failure here skips them all and the previous tables (and the published copy) stay.
{#- The check needs the built model (not there when sqlfluff compiles against a scratch database). -#}
{%- if execute and load_relation(ref('int_customer_rfm')) is not none -%}
    {%- set counts = run_query(
        "select count(*), count(case when last_purchase_date > first_purchase_date then 1 end) from "
        ~ ref('int_customer_rfm')
    ).rows[0] -%}
    {%- if counts[0] > 0 and counts[1] < 2 -%}
        {{- exceptions.raise_compiler_error(
            "The CLV model (BG/NBD) needs at least 2 customers who bought on two or more days; of the "
            ~ "{:,}".format(counts[0]) ~ " customers, " ~ counts[1]
            ~ " did. Use a longer history (an earlier first date or a later as_of_date): nothing was replaced."
        ) -}}
    {%- endif -%}
{%- endif %}

select customer_id from {{ ref('int_customer_rfm') }}
where false
