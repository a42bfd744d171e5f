-- Nothing is lost silently: every raw row is either used for a customer or rejected with a reason.
-- Raw rows: the source counted again when it is read whole; with a glob loaded incrementally, the
-- lines of every file loaded (counted when it was loaded; the files themselves are not read again).
with

raw_rows as (
    {% if loads_files_incrementally() -%}
        select coalesce(sum(lines), 0) as row_count from {{ ref('source_files_loaded') }}
    {%- else -%}
        select count(*) as row_count from {{ transactions_source() }}
    {%- endif %}
),

used_rows as (
    select coalesce(sum(purchase_lines + return_lines), 0) as row_count from {{ ref('int_customer_rfm') }}
),

rejected_rows as (
    select coalesce(sum(rejected_lines), 0) as row_count from {{ ref('transactions_rejected_summary') }}
)

select
    raw_rows.row_count as raw_row_count,
    used_rows.row_count as used_row_count,
    rejected_rows.row_count as rejected_row_count
from raw_rows
cross join used_rows
cross join rejected_rows
where raw_rows.row_count != used_rows.row_count + rejected_rows.row_count
