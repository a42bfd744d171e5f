{#- Checks that the raw source exists and has the mapped columns in every file, that a numeric
    customer key holds whole numbers, and that text timestamps parse: one clear message, before any
    model runs. -#}
{% macro validate_source() %}
    {%- set where = "source_table " ~ var('source_table') if var('source_table')
        else "source_path '" ~ var('source_path') ~ "'" -%}
    {%- if not var('source_table') -%}
        {%- do adapter.dispatch('check_files_exist')(where) -%}
    {%- endif -%}
    {%- set column_types = source_column_types() -%}
    {%- if var('csv_delimiter') == 'whitespace' -%}
        {%- do _check_positions(where) -%}
    {%- else -%}
        {%- do _check_mapped_columns(where, column_types) -%}
        {%- do _check_every_file_has_the_columns() -%}
    {%- endif -%}
    {%- do _check_whole_number_keys(where, column_types) -%}
    {%- do _check_timestamps_parse(where, column_types) -%}
{% endmacro %}

{% macro default__check_files_exist(where) %}
    {{- exceptions.raise_compiler_error("check_files_exist is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__check_files_exist macro.") -}}
{% endmacro %}

{% macro duckdb__check_files_exist(where) %}
    {%- set matches = run_query("select count(*) from glob(" ~ sql_string(var('source_path')) ~ ")").columns[0].values()[0] -%}
    {%- if matches == 0 -%}
        {{- exceptions.raise_compiler_error("No file matches " ~ where ~ " (relative paths start at the project folder). Set the var source_path to a Parquet, CSV, text or Excel file or glob.") -}}
    {%- endif -%}
{% endmacro %}

{% macro _check_mapped_columns(where, column_types) %}
    {%- set present = column_types.keys() | list -%}
    {%- for project_column, source_name in var('source_columns').items() if source_name -%}
        {%- if source_name not in present -%}
            {{- exceptions.raise_compiler_error("Column '" ~ source_name ~ "' (mapped to " ~ project_column ~ " in the var source_columns) is not in " ~ where ~ ". Its columns are: " ~ present | join(", ") ~ ".") -}}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}

{#- Whitespace text has no header: columns are mapped by position, column0 being the first field. -#}
{% macro _check_positions(where) %}
    {%- for project_column, source_name in var('source_columns').items() if source_name -%}
        {%- if not modules.re.fullmatch('column[0-9]+', source_name | string) -%}
            {{- exceptions.raise_compiler_error("With csv_delimiter: whitespace the columns of " ~ where ~ " are mapped by position (column0 is the first field); source_columns maps " ~ project_column ~ " to '" ~ source_name ~ "'.") -}}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}

{#- Files of a glob are read by column name, so one may add or drop an unmapped column; a mapped
    column missing from one file is named with the file. -#}
{% macro _check_every_file_has_the_columns() %}
    {%- set relation = transactions_source() | string -%}
    {%- set path = sql_string(var('source_path')) -%}
    {%- if relation.startswith('read_parquet(') -%}
        {%- set files_query = "select distinct file_name from parquet_schema(" ~ path ~ ")" -%}
        {%- set columns_query = "select file_name, name from parquet_schema(" ~ path ~ ")" -%}
    {%- elif relation.startswith('read_csv(') -%}
        {%- set files = run_query("select file from glob(" ~ path ~ ")").columns[0].values() -%}
        {%- if files | length < 2 -%}
            {{- return(none) -}}
        {%- endif -%}
        {%- set per_file = [] -%}
        {%- for file in files -%}
            {%- do per_file.append("select " ~ sql_string(file) ~ " as file_name, column_name as name from (describe select * from " ~ relation.replace(path, sql_string(file)).replace('union_by_name = true', 'union_by_name = false') ~ ")") -%}
        {%- endfor -%}
        {%- set columns_query = per_file | join(" union all ") -%}
        {%- set files_query = "select file as file_name from glob(" ~ path ~ ")" -%}
    {%- else -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- for project_column, source_name in var('source_columns').items() if source_name -%}
        {%- set lacking -%}
            select files.file_name from ({{ files_query }}) as files
            where files.file_name not in (
                select file_name from ({{ columns_query }}) as file_columns where name = {{ sql_string(source_name) }}
            )
            order by 1
        {%- endset -%}
        {%- set missing = run_query(lacking).columns[0].values() -%}
        {%- if missing -%}
            {{- exceptions.raise_compiler_error("Column '" ~ source_name ~ "' (mapped to " ~ project_column ~ " in the var source_columns) is missing from " ~ missing | length ~ " file(s) of source_path '" ~ var('source_path') ~ "', e.g. " ~ missing[0] ~ ".") -}}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}

{#- A floating-point or decimal customer key must hold whole numbers (13085.0 is the customer 13085). -#}
{% macro _check_whole_number_keys(where, column_types) %}
    {%- if numeric_kind(source_column_type('customer_id', column_types)) != 'fractional' -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set column = source_column('customer_id') -%}
    {%- set check -%}
        select count(*), min({{ column }})
        from {{ transactions_source() }}
        where {{ unloaded_files_condition() }} and {{ column }} is not null
            and (not {{ is_finite(column) }} or {{ column }} != floor({{ column }}) or abs({{ column }}) >= 9e18)
    {%- endset -%}
    {%- set found = run_query(check).rows[0] -%}
    {%- if found[0] > 0 -%}
        {{- exceptions.raise_compiler_error("Column '" ~ var('source_columns')['customer_id'] ~ "' (customer_id) in " ~ where ~ " is numeric but " ~ found[0] ~ " value(s) are not whole numbers, for example " ~ found[1] ~ ". A customer key must be a whole number or text.") -}}
    {%- endif -%}
{% endmacro %}

{#- A text timestamp column must parse in full (typed columns need no check): one unreadable value
    means the format is wrong, which is an error rather than a pile of rejected rows. -#}
{% macro _check_timestamps_parse(where, column_types) %}
    {%- set column_type = source_column_type('invoiced_at', column_types) -%}
    {%- if column_type | upper not in ('VARCHAR', 'BLOB', 'STRING', 'BINARY') -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set column = source_column('invoiced_at') -%}
    {%- set source_relation = transactions_source() -%}
    {%- if var('csv_delimiter') == 'whitespace' -%}
        {%- set source_relation = "(select " ~ whitespace_fields('line') ~ " as fields, filename from " ~ source_relation ~ ")" -%}
    {%- endif -%}
    {%- set check -%}
        select count(*) as unreadable, min({{ column }}) as example
        from {{ source_relation }}
        where {{ unloaded_files_condition() }} and {{ column }} is not null and trim({{ column }}) != ''
            and {{ parse_timestamp(column, column_type) }} is null
    {%- endset -%}
    {%- set found = run_query(check).rows[0] -%}
    {%- if found[0] > 0 -%}
        {%- set expected = "the format '" ~ var('timestamp_format') ~ "' (var timestamp_format)" if var('timestamp_format')
            else "an ISO 8601 date or timestamp such as 2011-12-09 12:50:00 (set the var timestamp_format for another format, e.g. %d/%m/%Y %H:%M)" -%}
        {{- exceptions.raise_compiler_error("Column '" ~ var('source_columns')['invoiced_at'] ~ "' in " ~ where ~ " has " ~ found[0] ~ " value(s) that are not " ~ expected ~ ", for example '" ~ found[1] ~ "'.") -}}
    {%- endif -%}
{% endmacro %}

{#- Spark fails to infer a schema for a path without files, not saying so: `segmentation build` checks
    the path first (segmentation.spark_runner), before dbt starts. -#}
{% macro spark__check_files_exist(where) %}
{% endmacro %}
