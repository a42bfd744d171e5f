{#- Exact medians of recency_days, frequency and monetary per group of `source` (group_columns: its
    grouping columns), as percentile_cont(x, 0.5) gives them: the two middle values interpolated
    linearly. From the count of each value instead of an aggregate that holds every value in memory
    (DuckDB's quantile cannot spill; 39 M customers did not fit in 4 GB): the counts are a hash
    aggregate and their running totals a sort of the distinct values, and both spill to disk.
    Emits CTEs (each followed by a comma) ending in `name`: the group columns, median_recency_days,
    median_frequency, median_monetary. -#}
{% macro rfm_median_ctes(source, group_columns, name) %}
    {%- set groups = group_columns | join(', ') -%}
    {%- set measures = ['recency_days', 'frequency', 'monetary'] -%}
    {{ name }}_value_counts as (
        {%- for measure in measures %}
            select
                {{ groups }},
                '{{ measure }}' as measure,
                cast({{ measure }} as double) as measure_value,
                count(*) as value_rows
            from {{ source }}
            where {{ measure }} is not null
            group by {{ groups }}, {{ measure }}
            {{ 'union all' if not loop.last }}
        {%- endfor %}
    ),

    {{ name }}_running_counts as (
        select
            *,
            sum(value_rows) over (
                partition by {{ groups }}, measure order by measure_value
                rows between unbounded preceding and current row
            ) as rows_up_to_value,
            sum(value_rows) over (partition by {{ groups }}, measure) as group_rows
        from {{ name }}_value_counts
    ),

    -- The values at the 0-based positions floor and ceil of (rows - 1) / 2: the first value whose
    -- running count passes the position.
    {{ name }}_middles as (
        select
            {{ groups }},
            measure,
            min(case when rows_up_to_value > floor((group_rows - 1) / 2.0) then measure_value end) as lower_middle,
            min(case when rows_up_to_value > ceil((group_rows - 1) / 2.0) then measure_value end) as upper_middle,
            max((group_rows - 1) / 2.0 - floor((group_rows - 1) / 2.0)) as upper_weight
        from {{ name }}_running_counts
        group by {{ groups }}, measure
    ),

    {{ name }} as (
        select
            {{ groups }},
            {%- for measure in measures %}
                max(
                    case
                        when measure = '{{ measure }}'
                            then lower_middle + (upper_middle - lower_middle) * upper_weight
                    end
                ) as median_{{ measure }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ name }}_middles
        group by {{ groups }}
    ),
{% endmacro %}
