{#- Checks every var before any model runs (on-run-start): one clear message, nothing replaced. -#}
{% macro validate_vars() %}
    {%- set problems = [] -%}
    {%- do _check_choice(problems, 'score_method', ['ntile', 'cut_points']) -%}
    {%- do _check_choice(problems, 'frequency_basis', ['invoices', 'lines']) -%}
    {%- do _check_choice(problems, 'returns_policy', ['net', 'exclude']) -%}
    {%- do _check_choice(problems, 'zero_price_policy', ['keep', 'reject']) -%}
    {%- do _check_choice(problems, 'source_format', ['auto', 'parquet', 'csv', 'xlsx']) -%}
    {%- do _check_choice(problems, 'duplicate_lines', ['keep', 'reject']) -%}
    {%- do _check_choice(problems, 'decimal_separator', ['.', ',']) -%}
    {%- do _check_choice(problems, 'csv_header', [true, false]) -%}
    {%- do _check_choice(problems, 'csv_encoding', ['utf-8', 'utf-16', 'latin-1']) -%}
    {%- do _check_source_table(problems) -%}
    {%- do _check_source_sheets(problems) -%}
    {%- do _check_whole_number(problems, 'score_bins', 2, 9) -%}
    {%- do _check_tier_labels(problems) -%}
    {%- do _check_as_of_date(problems) -%}
    {%- do _check_source_columns(problems) -%}
    {%- do _check_country_filter(problems) -%}
    {%- do _check_kmeans(problems) -%}
    {%- do _check_clv(problems) -%}
    {%- do _check_choice(problems, 'history_grain', ['month', 'week', 'quarter', 'none']) -%}
    {%- do _check_whole_number(problems, 'history_periods', 1, 240) -%}
    {%- if var('csv_delimiter') is not string or (var('csv_delimiter') | length != 1 and var('csv_delimiter') != 'whitespace') -%}
        {%- do problems.append("csv_delimiter must be one character or whitespace (runs of blanks), got " ~ var('csv_delimiter') ~ ".") -%}
    {%- endif -%}
    {%- if problems -%}
        {{- exceptions.raise_compiler_error("Invalid vars, nothing was built:\n  - " ~ problems | join("\n  - ")) -}}
    {%- endif -%}
    {%- if execute -%}
        {%- do adapter.dispatch('check_timezone')() -%}
        {%- do register_transactions_source() -%}
        {%- if source_is_workbook() -%}
            {%- do run_query("drop table if exists raw.transactions_workbook") -%}
        {%- endif -%}
        {%- do validate_source() -%}
    {%- endif -%}
    select 1
{% endmacro %}

{% macro _check_choice(problems, name, allowed) %}
    {%- if var(name) not in allowed -%}
        {%- do problems.append(name ~ " must be one of " ~ allowed | join(", ") ~ "; got '" ~ var(name) ~ "'.") -%}
    {%- endif -%}
{% endmacro %}

{% macro _check_tier_labels(problems) %}
    {%- set labels = var('tier_labels') -%}
    {%- if labels is string or labels is not iterable or labels is mapping
        or labels | length < 2 or labels | length > 9
        or labels | unique | list | length != labels | length -%}
        {%- do problems.append("tier_labels must be a list of 2 to 9 distinct labels, best first; got " ~ labels ~ ".") -%}
    {%- endif -%}
{% endmacro %}

{% macro _check_as_of_date(problems) %}
    {#- A real calendar date, as text YYYY-MM-DD or as a date (dbt reads --vars '{as_of_date: 2023-01-01}' as one). -#}
    {%- set as_of = var('as_of_date') -%}
    {%- if as_of is not none -%}
        {%- if as_of is not string and as_of.year is defined and as_of.hour is not defined -%}
            {%- set as_of = as_of.isoformat() -%}
        {%- endif -%}
        {%- set as_of = as_of | string -%}
        {%- set match = modules.re.fullmatch('(\d{4})-(\d{2})-(\d{2})', as_of) -%}
        {%- set is_date = false -%}
        {%- if match -%}
            {%- set year, month, day = match.group(1) | int, match.group(2) | int, match.group(3) | int -%}
            {%- if year >= 1 and month >= 1 and month <= 12 -%}
                {%- if month == 12 -%}
                    {%- set last_day = 31 -%}
                {%- else -%}
                    {%- set last_day = (modules.datetime.date(year, month + 1, 1) - modules.datetime.timedelta(days=1)).day -%}
                {%- endif -%}
                {%- set is_date = day >= 1 and day <= last_day -%}
            {%- endif -%}
        {%- endif -%}
        {%- if not is_date -%}
            {%- do problems.append("as_of_date must be a calendar date written YYYY-MM-DD (or null for the day after the last transaction); got '" ~ as_of ~ "'.") -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

{% macro _check_source_columns(problems) %}
    {%- set mapping = var('source_columns') -%}
    {%- set known = ['customer_id', 'invoice_id', 'invoiced_at', 'quantity', 'unit_price', 'line_amount', 'country'] -%}
    {%- if mapping is not mapping -%}
        {%- do problems.append("source_columns must map project columns to source columns; got " ~ mapping ~ ".") -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- for key in mapping if key not in known -%}
        {%- do problems.append("source_columns has an unknown key '" ~ key ~ "'; known keys: " ~ known | join(", ") ~ ".") -%}
    {%- endfor -%}
    {%- for key in ['customer_id', 'invoiced_at'] if not mapping.get(key) -%}
        {%- do problems.append("source_columns must map " ~ key ~ " to a source column.") -%}
    {%- endfor -%}
    {%- set has_amount = mapping.get('line_amount') -%}
    {%- set has_price = mapping.get('quantity') and mapping.get('unit_price') -%}
    {%- if not has_amount and not has_price -%}
        {%- do problems.append("source_columns must map line_amount, or both quantity and unit_price.") -%}
    {%- endif -%}
{% endmacro %}

{% macro _check_country_filter(problems) %}
    {%- set countries = var('country_filter') -%}
    {%- if countries is string or countries is not iterable or countries is mapping -%}
        {%- do problems.append("country_filter must be a list of country names (empty for all); got " ~ countries ~ ".") -%}
    {%- elif countries and not has_source_column('country') -%}
        {%- do problems.append("country_filter is set but source_columns maps no country column.") -%}
    {%- endif -%}
{% endmacro %}

{% macro _check_whole_number(problems, name, lowest, highest, alternative='') %}
    {%- set value = var(name) -%}
    {%- if value is not number or value != value | int or value < lowest or value > highest -%}
        {%- do problems.append(name ~ " must be a whole number from " ~ lowest ~ " to " ~ highest ~ alternative ~ "; got " ~ value ~ ".") -%}
    {%- endif -%}
{% endmacro %}

{% macro _check_kmeans(problems) %}
    {%- do _check_whole_number(problems, 'kmeans_k_min', 1, 20) -%}
    {%- do _check_whole_number(problems, 'kmeans_k_max', 1, 20) -%}
    {%- do _check_whole_number(problems, 'kmeans_seed', 0, 4294967295) -%}
    {%- do _check_whole_number(problems, 'kmeans_sample_size', 1000, 100000000) -%}
    {%- do _check_whole_number(problems, 'kmeans_silhouette_sample_size', 100, 1000000) -%}
    {%- do _check_choice(problems, 'kmeans_refit', ['always', 'auto']) -%}
    {%- set refit_change = var('kmeans_refit_change') -%}
    {%- if refit_change is not number or refit_change is boolean or refit_change < 0 or refit_change > 1 -%}
        {%- do problems.append("kmeans_refit_change must be a number from 0 to 1, e.g. 0.10 = refit when the customer count moved by more than 10%; got " ~ refit_change ~ ".") -%}
    {%- endif -%}
    {%- if var('kmeans_k_min') is number and var('kmeans_k_max') is number and var('kmeans_k_min') > var('kmeans_k_max') -%}
        {%- do problems.append("kmeans_k_min (" ~ var('kmeans_k_min') ~ ") must not exceed kmeans_k_max (" ~ var('kmeans_k_max') ~ ").") -%}
    {%- endif -%}
    {%- if var('kmeans_k') != 'auto' -%}
        {%- do _check_whole_number(problems, 'kmeans_k', 1, 20, ' (or auto: the elbow of the inertia curve)') -%}
    {%- endif -%}
{% endmacro %}

{% macro _check_clv(problems) %}
    {%- do _check_choice(problems, 'clv_time_unit', ['week', 'day']) -%}
    {%- do _check_whole_number(problems, 'clv_horizon_days', 1, 3650) -%}
    {%- do _check_whole_number(problems, 'clv_sample_size', 1000, 100000000) -%}
    {%- set rate = var('clv_annual_discount_rate') -%}
    {%- if rate is not number or rate is boolean or rate < 0 or rate >= 1 -%}
        {%- do problems.append("clv_annual_discount_rate must be a number from 0 up to (not including) 1, e.g. 0.10 for 10% a year; got " ~ rate ~ ".") -%}
    {%- endif -%}
{% endmacro %}

{#- A (schema.)table name only: the var reaches SQL as quoted identifiers, never as SQL. -#}
{% macro _check_source_table(problems) %}
    {%- set table = var('source_table') -%}
    {%- if table is not none and not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*([.][A-Za-z_][A-Za-z0-9_]*)?', table | string) -%}
        {%- do problems.append("source_table must be a table name, optionally with its schema (raw.transactions); got '" ~ table ~ "'.") -%}
    {%- endif -%}
{% endmacro %}

{% macro _check_source_sheets(problems) %}
    {%- set sheets = var('source_sheets') -%}
    {%- if sheets is not none and (sheets is string or sheets is mapping or sheets is not iterable or not sheets) -%}
        {%- do problems.append("source_sheets must be a list of sheet names (or null for every sheet with the header row); got " ~ sheets ~ ".") -%}
    {%- endif -%}
{% endmacro %}

{% macro default__check_timezone() %}
    {{- exceptions.raise_compiler_error("check_timezone is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__check_timezone macro.") -}}
{% endmacro %}

{% macro duckdb__check_timezone() %}
    {%- set known = run_query("select count(*) from pg_timezone_names() where name = " ~ sql_string(var('timezone'))).columns[0].values()[0] -%}
    {%- if known == 0 -%}
        {{- exceptions.raise_compiler_error("Invalid vars, nothing was built:\n  - timezone must be a time zone name such as UTC or Europe/London; got '" ~ var('timezone') ~ "'.") -}}
    {%- endif -%}
{% endmacro %}

{#- Spark stops on an unknown zone with "Unknown time-zone ID: <name>". -#}
{% macro spark__check_timezone() %}
    {%- do run_query("select from_utc_timestamp(timestamp '2000-01-01 00:00:00', " ~ sql_string(var('timezone')) ~ ")") -%}
{% endmacro %}
